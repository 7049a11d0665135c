// The NaN-safe comparison helpers (tests/compare.h) and the finite-difference check built on
// them (tests/grad_check.h): a NaN error, value, tolerance or gradient must fail, and a
// worst-error tracker must keep a NaN instead of dropping it.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "compare.h"
#include "grad_check.h"
#include "ops/linear.h"

namespace engram::test {
namespace {

const double kNan = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

TEST(Compare, WithinFailsOnNan) {
  EXPECT_TRUE(within(0.0, 0.0));
  EXPECT_TRUE(within(1e-7, 1e-6));
  EXPECT_FALSE(within(1e-5, 1e-6));
  EXPECT_FALSE(within(kNan, 1.0));
  EXPECT_FALSE(within(kNan, kInf));
  EXPECT_FALSE(within(0.0, kNan));
  EXPECT_FALSE(within(kInf, 1.0));
  // What the old `err > tol` checks did: NaN is not greater than tol, so it passed.
  EXPECT_FALSE(kNan > 1.0);
}

TEST(Compare, WorstOfKeepsNan) {
  EXPECT_EQ(worst_of(1.0, 2.0), 2.0);
  EXPECT_EQ(worst_of(2.0, 1.0), 2.0);
  EXPECT_TRUE(std::isnan(worst_of(1.0, kNan)));
  EXPECT_TRUE(std::isnan(worst_of(kNan, 5.0)));
  double worst = 0;
  for (double e : {0.1, kNan, 0.3, 0.2}) worst = worst_of(worst, e);
  EXPECT_TRUE(std::isnan(worst));
  EXPECT_EQ(std::max(0.1, kNan), 0.1);  // why std::max is not used: it drops the NaN
}

TEST(Compare, AllCloseFailsOnNanOrInfEitherSide) {
  const std::vector<float> want = {1.0f, -2.0f, 3.0f};
  EXPECT_TRUE(all_close(want, want, 0, 0));
  for (size_t i = 0; i < want.size(); ++i) {
    for (float bad : {std::nanf(""), std::numeric_limits<float>::infinity()}) {
      std::vector<float> got = want;
      got[i] = bad;
      ::testing::AssertionResult r = all_close(got, want, 1e-3, 1e-3);
      EXPECT_FALSE(r) << i << " " << bad;
      EXPECT_NE(std::string(r.message()).find("1 of 3"), std::string::npos) << r.message();
      EXPECT_FALSE(all_close(want, got, 1e-3, 1e-3)) << "NaN/inf in the expected values, " << i;
    }
  }
  std::vector<float> off = want;
  off[1] += 1e-2f;
  EXPECT_FALSE(all_close(off, want, 1e-4, 1e-4));
  EXPECT_TRUE(all_close(off, want, 0, 2e-2));
  EXPECT_FALSE(all_close(std::vector<float>{1.0f}, want, 1, 1)) << "sizes differ";
}

TEST(Compare, MaxErrorCloseFailsOnNan) {
  const std::vector<float> want = {10.0f, -20.0f, 30.0f, 0.5f};
  EXPECT_TRUE(max_error_close(want, want, 0));
  for (size_t i = 0; i < want.size(); ++i) {
    std::vector<float> got = want;
    got[i] = std::nanf("");
    ::testing::AssertionResult r = max_error_close(got, want, 1e-2);
    EXPECT_FALSE(r) << i;
    EXPECT_NE(std::string(r.message()).find("at [" + std::to_string(i) + "]"), std::string::npos) << r.message();
    EXPECT_FALSE(max_error_close(want, got, 1e-2)) << "NaN in the expected values, " << i;
  }
  std::vector<float> off = want;
  off[3] += 0.01f;                                  // relative to max |want| = 30
  EXPECT_TRUE(max_error_close(off, want, 1e-3));    // 0.01 / 30 = 3.3e-4
  EXPECT_FALSE(max_error_close(off, want, 1e-4));
}

// Finite differences of a linear layer's sum(y * r) against its weight gradient, `poison`
// added to one element (0: the true gradient; NaN and inf stay NaN and inf).
void check_linear_weight_gradient(float poison, size_t at) {
  const int64_t R = 3, I = 5, O = 4;
  std::vector<float> x = randn(R * I, 1), w = randn(O * I, 2), b = randn(O, 3), r = randn(R * O, 4);
  std::vector<float> y(R * O), dx(R * I, 0.0f), dw(O * I, 0.0f), db(O, 0.0f);
  auto loss = [&] {
    ops::linear_forward(y.data(), x.data(), w.data(), b.data(), R, I, O);
    return dot_loss(y, r);
  };
  loss();
  ops::linear_backward(dx.data(), dw.data(), db.data(), r.data(), x.data(), w.data(), R, I, O);
  dw[at] += poison;
  expect_grad_close("w", loss, w.data(), w.size(), dw.data(), 1e-2, 2e-2, 2e-3, /*samples=*/w.size());
}

TEST(Compare, FiniteDifferenceCheckFailsOnANanGradient) {
  EXPECT_TRUE(failures_of([] { check_linear_weight_gradient(0.0f, 0); }).empty());
  EXPECT_NONFATAL_FAILURE(check_linear_weight_gradient(0.5f, 11), "w[11]: finite difference");
  EXPECT_NONFATAL_FAILURE(check_linear_weight_gradient(std::nanf(""), 7), "w[7]: finite difference");
  EXPECT_NONFATAL_FAILURE(check_linear_weight_gradient(std::numeric_limits<float>::infinity(), 3), "w[3]");
}

}  // namespace
}  // namespace engram::test
