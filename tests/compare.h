// NaN-safe numeric comparisons shared by every finite-difference and fast-vs-reference check.
//
// Each check is written `err <= tol` (within()), which is false when err or tol is NaN, so
// a NaN output or gradient fails; `err > tol` would let it pass. Element comparisons take
// abs_err(), NaN for a non-finite value on either side. Worst errors are tracked with
// worst_of(), which keeps a NaN once one is seen (std::max(worst, NaN) returns worst and
// drops it). failures_of() runs a check with its failures intercepted, so a test can show
// that a broken value does make the check fail.
#pragma once

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace engram::test {

// err <= tol; false for a NaN error or tolerance.
inline bool within(double err, double tol) { return err <= tol; }

// The larger of a running worst error and a new one; NaN as soon as either is NaN.
inline double worst_of(double worst, double err) {
  if (std::isnan(worst) || std::isnan(err)) return std::numeric_limits<double>::quiet_NaN();
  return err > worst ? err : worst;
}

// |got - want|, NaN when either is NaN or infinite (an expected infinity would otherwise
// make an infinite tolerance that any value meets).
inline double abs_err(double got, double want) {
  if (!std::isfinite(got) || !std::isfinite(want)) return std::numeric_limits<double>::quiet_NaN();
  return std::fabs(got - want);
}

// Element-wise |got[i] - want[i]| <= atol + rtol * |want[i]|; NaN or inf in either fails.
template <typename A, typename B>
::testing::AssertionResult all_close(const A* got, const B* want, size_t n, double rtol, double atol) {
  size_t bad = 0;
  double worst = 0;
  std::ostringstream first;
  for (size_t i = 0; i < n; ++i) {
    const double g = static_cast<double>(got[i]), w = static_cast<double>(want[i]);
    const double err = abs_err(g, w);
    worst = worst_of(worst, err);
    if (!within(err, atol + rtol * std::fabs(w)) && ++bad <= 5) first << " [" << i << "] " << g << " vs " << w << ";";
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << bad << " of " << n << " out of tolerance (rtol " << rtol << ", atol " << atol
                                       << "), max abs err " << worst << ":" << first.str();
}

template <typename VA, typename VB>
::testing::AssertionResult all_close(const VA& got, const VB& want, double rtol, double atol) {
  if (got.size() != want.size())
    return ::testing::AssertionFailure() << "size " << got.size() << " vs " << want.size();
  return all_close(got.data(), want.data(), got.size(), rtol, atol);
}

// max |got - want| / max(1, max |want|) <= tol: the whole tensor's error relative to its
// magnitude, for paths whose summation order differs (error scales with the tensor, not
// with each element). NaN or inf anywhere fails.
template <typename VA, typename VB>
::testing::AssertionResult max_error_close(const VA& got, const VB& want, double tol) {
  if (got.size() != want.size())
    return ::testing::AssertionFailure() << "size " << got.size() << " vs " << want.size();
  double worst = 0, scale = 1;
  size_t at = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double err = abs_err(static_cast<double>(got[i]), static_cast<double>(want[i]));
    if (std::isnan(err) ? !std::isnan(worst) : err > worst) at = i;  // the first NaN, else the largest
    worst = worst_of(worst, err);
    scale = worst_of(scale, std::fabs(static_cast<double>(want[i])));
  }
  if (within(worst / scale, tol)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "max abs err " << worst << " at [" << at << "] (scale " << scale
                                       << ", relative " << worst / scale << " > " << tol << ")";
}

// Runs `check` with its gtest failures intercepted (they do not fail the running test) and
// returns their messages.
inline std::vector<std::string> failures_of(const std::function<void()>& check) {
  ::testing::TestPartResultArray results;
  {
    ::testing::ScopedFakeTestPartResultReporter intercept(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &results);
    check();
  }
  std::vector<std::string> out;
  for (int i = 0; i < results.size(); ++i)
    if (results.GetTestPartResult(i).failed()) out.emplace_back(results.GetTestPartResult(i).message());
  return out;
}

}  // namespace engram::test
