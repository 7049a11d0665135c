#include "ops/rmsnorm.h"

#include "grad_check.h"

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

}  // namespace engram::ops
