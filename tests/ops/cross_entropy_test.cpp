#include "ops/cross_entropy.h"

#include "grad_check.h"

namespace engram::ops {

TEST(CrossEntropy, UniformLogitsGiveLogV) {
  std::vector<float> logits(3 * 10, 0.25f);
  std::vector<int32_t> t{0, 5, 9};
  EXPECT_NEAR(cross_entropy_forward(logits.data(), t.data(), 3, 10), std::log(10.0), 1e-6);
}

TEST(CrossEntropy, GradientMatchesFiniteDifferences) {
  const int N = 4, V = 11;
  auto logits = test::randn(N * V, 1, 3.0f);
  std::vector<int32_t> t{3, 0, 10, 3};
  std::vector<float> d(N * V);
  const double l = cross_entropy_forward_backward(d.data(), logits.data(), t.data(), N, V, 1.0f);
  EXPECT_NEAR(l, cross_entropy_forward(logits.data(), t.data(), N, V), 1e-9);
  auto loss = [&] { return cross_entropy_forward(logits.data(), t.data(), N, V); };
  test::expect_grad_close("dlogits", loss, logits.data(), logits.size(), d.data(), 1e-3, 1e-2, 1e-4);
  // In place: dlogits aliasing logits gives the same gradient.
  auto inplace = logits;
  cross_entropy_forward_backward(inplace.data(), inplace.data(), t.data(), N, V, 1.0f);
  test::expect_all_close("inplace", inplace.data(), d.data(), d.size(), 1e-6, 1e-7);
}

}  // namespace engram::ops
