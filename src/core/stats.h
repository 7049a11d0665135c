// Summary statistics of repeated measurements (benchmark timings, per-round ratios, the
// held-out losses of runs over seeds), written once. Pure functions; thread-safe.
#pragma once

#include <algorithm>
#include <vector>

#include "core/error.h"

namespace engram {

// The median (mean of the two middle values for an even count). An empty sample is a bug of
// the caller: every bench measures at least one repetition.
inline double median(std::vector<double> v) {
  ENGRAM_CHECK_MSG(!v.empty(), "median of no measurements");
  const size_t n = v.size(), h = n / 2;
  std::nth_element(v.begin(), v.begin() + h, v.end());
  const double hi = v[h];
  if (n % 2) return hi;
  return 0.5 * (*std::max_element(v.begin(), v.begin() + h) + hi);
}

// Arithmetic mean and sample standard deviation (n - 1 in the denominator; 0 for one value).
double mean(const std::vector<double>& v);
double sample_std(const std::vector<double>& v);

// The p-quantile (0 < p < 1) of Student's t distribution with `df` >= 1 degrees of freedom,
// to ~1e-9 (bisection on the CDF, itself a numerical integral of the density).
double student_t_quantile(double p, int df);

// Mean of paired differences a[i] - b[i] and its two-sided 95% t interval (half-width 0 and
// `n` 1 for a single pair: no interval). The vectors must have equal, non-zero length.
struct PairedInterval {
  size_t n = 0;
  double mean = 0, std = 0, lo = 0, hi = 0;
  bool excludes_zero() const { return n >= 2 && (lo > 0 || hi < 0); }
};
PairedInterval paired_interval(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace engram
