// Summary statistics of repeated measurements (benchmark timings, per-round ratios), written
// once. Pure functions; thread-safe.
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

}  // namespace engram
