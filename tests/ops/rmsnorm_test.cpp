#include "ops/rmsnorm.h"

#include "grad_check.h"
#include "ops/ref.h"

namespace engram::ops {

TEST(RmsNorm, ForwardMatchesDefinition) {
  const int N = 3, C = 7;
  auto x = test::randn(N * C, 1), w = test::randn(C, 2);
  std::vector<float> y(N * C), rstd(N);
  rmsnorm_forward(y.data(), rstd.data(), x.data(), w.data(), 1e-5f, N, C);
  for (int n = 0; n < N; ++n) {
    double ss = 0;
    for (int c = 0; c < C; ++c) ss += double(x[n * C + c]) * x[n * C + c];
    double r = 1.0 / std::sqrt(ss / C + 1e-5);
    for (int c = 0; c < C; ++c) EXPECT_NEAR(y[n * C + c], x[n * C + c] * r * w[c], 1e-5);
  }
}

TEST(RmsNorm, GradientsMatchFiniteDifferences) {
  const int N = 4, C = 9;
  auto x = test::randn(N * C, 1), w = test::randn(C, 2), r = test::randn(N * C, 3);
  std::vector<float> y(N * C), rstd(N);
  auto loss = [&] {
    rmsnorm_forward(y.data(), rstd.data(), x.data(), w.data(), 1e-5f, N, C);
    return test::dot_loss(y, r);
  };
  loss();
  std::vector<float> dx(N * C), dw(C);
  rmsnorm_backward(dx.data(), dw.data(), r.data(), x.data(), w.data(), rstd.data(), N, C);
  test::expect_grad_close("dx", loss, x.data(), x.size(), dx.data(), 1e-3);
  test::expect_grad_close("dw", loss, w.data(), w.size(), dw.data(), 1e-3);
}

// The fast op (OpenMP, float sums) against the shared reference (ops/ref.h), forward and
// backward, over shapes that cross the fast op's threading threshold.
TEST(RmsNorm, FastMatchesReference) {
  for (auto [N, C] : {std::pair<int, int>{1, 1}, {5, 13}, {700, 128}}) {
    auto x = test::randn(N * C, 1), w = test::randn(C, 2), dy = test::randn(N * C, 3);
    std::vector<float> y(N * C), yr(N * C), rstd(N), rstdr(N);
    rmsnorm_forward(y.data(), rstd.data(), x.data(), w.data(), 1e-5f, N, C);
    ref::rmsnorm_forward(yr.data(), rstdr.data(), x.data(), w.data(), 1e-5, N, C);
    test::expect_all_close("y", y.data(), yr.data(), y.size(), 1e-5, 1e-5);
    test::expect_all_close("rstd", rstd.data(), rstdr.data(), rstd.size(), 1e-5, 1e-5);
    std::vector<float> dx(N * C, 0.5f), dw(C, 0.5f);
    auto dxr = dx, dwr = dw;
    rmsnorm_backward(dx.data(), dw.data(), dy.data(), x.data(), w.data(), rstd.data(), N, C);
    ref::rmsnorm_backward(dxr.data(), dwr.data(), dy.data(), x.data(), w.data(), rstdr.data(), N, C);
    test::expect_all_close("dx", dx.data(), dxr.data(), dx.size(), 1e-4, 1e-5);
    test::expect_all_close("dw", dw.data(), dwr.data(), dw.size(), 1e-4, 1e-4);
  }
}

}  // namespace engram::ops
