#include "ops/linear.h"

#include "grad_check.h"
#include "ops/ref.h"

namespace engram::ops {

TEST(Linear, FastMatchesReference) {
  for (auto [N, IC, OC] : {std::tuple<int, int, int>{1, 1, 1}, {7, 13, 5}, {64, 33, 17}, {0, 4, 4}}) {
    auto x = test::randn(N * IC, 1), w = test::randn(OC * IC, 2), b = test::randn(OC, 3);
    std::vector<float> y(N * OC), yr(N * OC);
    linear_forward(y.data(), x.data(), w.data(), b.data(), N, IC, OC);
    ref::linear_forward(yr.data(), x.data(), w.data(), b.data(), N, IC, OC);
    test::expect_all_close("y", y.data(), yr.data(), y.size(), 1e-5, 1e-5);
    auto dy = test::randn(N * OC, 4);
    std::vector<float> dx(N * IC, 0.5f), dw(OC * IC, 0.5f), db(OC, 0.5f);
    auto dxr = dx, dwr = dw, dbr = db;
    linear_backward(dx.data(), dw.data(), db.data(), dy.data(), x.data(), w.data(), N, IC, OC);
    ref::linear_backward(dxr.data(), dwr.data(), dbr.data(), dy.data(), x.data(), w.data(), N, IC, OC);
    test::expect_all_close("dx", dx.data(), dxr.data(), dx.size(), 1e-4, 1e-5);
    test::expect_all_close("dw", dw.data(), dwr.data(), dw.size(), 1e-4, 1e-5);
    test::expect_all_close("db", db.data(), dbr.data(), db.size(), 1e-4, 1e-5);
  }
}

TEST(Linear, GradientsMatchFiniteDifferences) {
  const int N = 5, IC = 6, OC = 4;
  auto x = test::randn(N * IC, 1), w = test::randn(OC * IC, 2), b = test::randn(OC, 3), r = test::randn(N * OC, 4);
  std::vector<float> y(N * OC);
  auto loss = [&] {
    linear_forward(y.data(), x.data(), w.data(), b.data(), N, IC, OC);
    return test::dot_loss(y, r);
  };
  std::vector<float> dx(N * IC), dw(OC * IC), db(OC);
  linear_backward(dx.data(), dw.data(), db.data(), r.data(), x.data(), w.data(), N, IC, OC);
  test::expect_grad_close("dx", loss, x.data(), x.size(), dx.data());
  test::expect_grad_close("dw", loss, w.data(), w.size(), dw.data());
  test::expect_grad_close("db", loss, b.data(), b.size(), db.data());
}

}  // namespace engram::ops
