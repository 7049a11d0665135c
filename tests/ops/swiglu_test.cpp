#include "ops/swiglu.h"

#include "grad_check.h"

namespace engram::ops {

TEST(SwiGlu, GradientsMatchFiniteDifferences) {
  const int n = 40;
  auto a = test::randn(n, 1, 2.0f), g = test::randn(n, 2), r = test::randn(n, 3);
  std::vector<float> h(n);
  auto loss = [&] {
    swiglu_forward(h.data(), a.data(), g.data(), n);
    return test::dot_loss(h, r);
  };
  std::vector<float> da(n), dg(n);
  swiglu_backward(da.data(), dg.data(), r.data(), a.data(), g.data(), n);
  test::expect_grad_close("da", loss, a.data(), n, da.data(), 1e-3);
  test::expect_grad_close("dg", loss, g.data(), n, dg.data(), 1e-3);
  EXPECT_NEAR(h[0], a[0] / (1 + std::exp(-a[0])) * g[0], 1e-6);
}

}  // namespace engram::ops
