// Finite-difference gradient checking for float ops: central differences of a scalar
// loss (computed in double) against an analytic gradient, on a sample of coordinates.
// Comparisons go through compare.h, so a NaN gradient or loss fails.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "compare.h"

namespace engram::test {

inline std::vector<float> randn(size_t n, uint64_t seed, float scale = 1.0f) {
  std::mt19937_64 g(seed);
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = d(g);
  return v;
}

// Checks up to `samples` coordinates of `param` (size n): |fd - an| <= atol + rtol*|fd|, one
// failure listing the first coordinates off; a NaN or infinite fd or gradient fails.
inline void expect_grad_close(const std::string& what, const std::function<double()>& loss, float* param, size_t n,
                              const float* analytic, double eps = 1e-2, double rtol = 2e-2, double atol = 2e-3,
                              size_t samples = 48) {
  std::mt19937_64 g(n * 7919 + what.size());
  size_t step = n > samples ? n / samples : 1;
  size_t bad = 0, checked = 0;
  std::ostringstream first;
  for (size_t i = g() % step; i < n; i += step) {
    const float keep = param[i];
    param[i] = static_cast<float>(keep + eps);
    const double lp = loss();
    param[i] = static_cast<float>(keep - eps);
    const double lm = loss();
    param[i] = keep;
    const double fd = (lp - lm) / (2 * eps);
    ++checked;
    if (!within(abs_err(fd, analytic[i]), atol + rtol * std::fabs(fd)) && ++bad <= 5)
      first << "\n  " << what << "[" << i << "]: finite difference " << fd << " vs analytic " << analytic[i];
  }
  EXPECT_EQ(bad, 0u) << what << ": " << bad << " of " << checked << " coordinates out of tolerance" << first.str();
}

// sum_i out[i] * r[i] in double: a loss whose gradient wrt out is r.
inline double dot_loss(const std::vector<float>& out, const std::vector<float>& r) {
  double s = 0.0;
  for (size_t i = 0; i < out.size(); ++i) s += static_cast<double>(out[i]) * r[i];
  return s;
}

inline void expect_all_close(const std::string& what, const float* a, const float* b, size_t n, double rtol,
                             double atol) {
  EXPECT_TRUE(all_close(a, b, n, rtol, atol)) << what;
}

}  // namespace engram::test
