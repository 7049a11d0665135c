// Summary statistics: the t quantiles against published table values, the paired interval
// against a hand computation.
#include "core/stats.h"

#include <gtest/gtest.h>

#include <cmath>

namespace engram {

TEST(Stats, StudentTQuantileMatchesTables) {
  // Two-sided 95% critical values (any statistics table, e.g. NIST/SEMATECH 1.4.2.7.1).
  const std::pair<int, double> table[] = {{1, 12.7062047}, {2, 4.30265273}, {3, 3.18244631}, {4, 2.77644511},
                                          {9, 2.26215716}, {29, 2.04522964}, {100, 1.98397152}};
  for (auto [df, t] : table) EXPECT_NEAR(student_t_quantile(0.975, df), t, 2e-6) << "df " << df;
  EXPECT_NEAR(student_t_quantile(0.025, 4), -2.77644511, 2e-6);
  EXPECT_NEAR(student_t_quantile(0.5, 7), 0.0, 1e-9);
  EXPECT_NEAR(student_t_quantile(0.95, 10), 1.81246112, 2e-6);
}

TEST(Stats, MeanStdAndPairedInterval) {
  EXPECT_DOUBLE_EQ(mean({1, 2, 3, 6}), 3.0);
  EXPECT_DOUBLE_EQ(sample_std({2, 4, 4, 4, 5, 5, 7, 9}), std::sqrt(32.0 / 7));
  EXPECT_EQ(sample_std({5}), 0.0);
  // Differences 0.1, 0.2, 0.3: mean 0.2, std 0.1, half-width t(0.975, 2) * 0.1 / sqrt(3).
  const PairedInterval p = paired_interval({1.1, 2.2, 3.3}, {1.0, 2.0, 3.0});
  EXPECT_EQ(p.n, 3u);
  EXPECT_NEAR(p.mean, 0.2, 1e-12);
  EXPECT_NEAR(p.std, 0.1, 1e-12);
  EXPECT_NEAR(p.hi - p.mean, 4.30265273 * 0.1 / std::sqrt(3.0), 1e-6);
  EXPECT_FALSE(p.excludes_zero());  // lo = 0.2 - 0.248 < 0: three pairs that spread are within noise
  // Differences 0.2, 0.21, 0.19: the same mean, std 0.01, interval [0.175, 0.225].
  const PairedInterval tight = paired_interval({1.2, 2.21, 3.19}, {1.0, 2.0, 3.0});
  EXPECT_NEAR(tight.lo, 0.2 - 4.30265273 * 0.01 / std::sqrt(3.0), 1e-6);
  EXPECT_TRUE(tight.excludes_zero());
  // A sign that flips between seeds: the interval holds zero.
  EXPECT_FALSE(paired_interval({1.0, 2.1, 3.0}, {1.1, 2.0, 3.05}).excludes_zero());
  // One pair: no interval.
  const PairedInterval one = paired_interval({1.5}, {1.0});
  EXPECT_EQ(one.lo, one.hi);
  EXPECT_FALSE(one.excludes_zero());
  EXPECT_DEATH(paired_interval({1.0}, {}), "equal, non-zero size");
}

}  // namespace engram
