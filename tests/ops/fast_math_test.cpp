#include "ops/fast_math.h"

#include <gtest/gtest.h>

#include <cmath>

#include "compare.h"

namespace engram::ops {

TEST(FastMath, ExpMatchesStdExp) {
  double worst = 0;
  for (float x = -87.0f; x < 88.5f; x += 0.0137f) {
    const double ref = std::exp(static_cast<double>(x));
    worst = test::worst_of(worst, std::fabs(exp_fast(x) - ref) / ref);
  }
  EXPECT_TRUE(test::within(worst, 5e-7)) << "max relative error " << worst;
  EXPECT_EQ(exp_fast(0.0f), 1.0f);
  EXPECT_GT(exp_fast(-1000.0f), 0.0f);
  EXPECT_LT(exp_fast(-1000.0f), 1e-37f);
  EXPECT_TRUE(std::isnan(exp_fast(NAN)));
  EXPECT_NEAR(sigmoid_fast(0.0f), 0.5f, 1e-7);
  EXPECT_NEAR(sigmoid_fast(3.0f), 1.0 / (1.0 + std::exp(-3.0)), 1e-7);
}

}  // namespace engram::ops
