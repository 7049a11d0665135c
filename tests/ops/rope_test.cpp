#include "ops/rope.h"

#include "grad_check.h"

namespace engram::ops {

TEST(Rope, PositionZeroIsIdentityAndNormIsKept) {
  const int B = 1, T = 5, H = 2, hd = 8;
  auto x = test::randn(B * T * H * hd, 1);
  std::vector<float> y(x.size());
  rope_forward(y.data(), x.data(), 10000.0f, 0, B, T, H, hd);
  for (int i = 0; i < H * hd; ++i) EXPECT_FLOAT_EQ(y[i], x[i]);
  for (size_t v = 0; v < x.size(); v += hd) {
    double a = 0, b = 0;
    for (int d = 0; d < hd; ++d) a += x[v + d] * x[v + d], b += y[v + d] * y[v + d];
    EXPECT_NEAR(a, b, 1e-4);
  }
}

TEST(Rope, OffsetEqualsSlice) {
  // Rotating positions 3..5 with pos0=3 equals the tail of rotating 0..5: the KV-cache path.
  const int T = 6, H = 1, hd = 4;
  auto x = test::randn(T * H * hd, 2);
  std::vector<float> full(x.size()), tail(3 * hd);
  rope_forward(full.data(), x.data(), 10000.0f, 0, 1, T, H, hd);
  rope_forward(tail.data(), x.data() + 3 * hd, 10000.0f, 3, 1, 3, H, hd);
  for (int i = 0; i < 3 * hd; ++i) EXPECT_NEAR(tail[i], full[3 * hd + i], 1e-6);
}

TEST(Rope, GradientMatchesFiniteDifferences) {
  const int B = 2, T = 3, H = 2, hd = 6;
  auto x = test::randn(B * T * H * hd, 1), r = test::randn(B * T * H * hd, 3);
  std::vector<float> y(x.size());
  auto loss = [&] {
    rope_forward(y.data(), x.data(), 100.0f, 2, B, T, H, hd);
    return test::dot_loss(y, r);
  };
  std::vector<float> dx(x.size(), 0.0f);
  rope_backward(dx.data(), r.data(), 100.0f, 2, B, T, H, hd, true);
  test::expect_grad_close("dx", loss, x.data(), x.size(), dx.data(), 1e-3);
}

}  // namespace engram::ops
