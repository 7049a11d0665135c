#include "core/stats.h"

#include <cmath>

namespace engram {

double mean(const std::vector<double>& v) {
  ENGRAM_CHECK_MSG(!v.empty(), "mean of no values");
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

double sample_std(const std::vector<double>& v) {
  if (v.size() < 2) return 0;
  const double m = mean(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(v.size() - 1));
}

namespace {

// P(T <= x) for x >= 0: 1/2 plus the density's integral over [0, x] (composite Simpson on
// a grid fine enough for the 1e-9 the quantile promises at the small df used here).
double t_cdf_nonneg(double x, int df) {
  const double nu = df;
  const double logc = std::lgamma((nu + 1) / 2) - std::lgamma(nu / 2) - 0.5 * std::log(nu * M_PI);
  auto pdf = [&](double t) { return std::exp(logc - (nu + 1) / 2 * std::log1p(t * t / nu)); };
  const int n = 4000;  // even
  const double h = x / n;
  double s = pdf(0) + pdf(x);
  for (int i = 1; i < n; ++i) s += pdf(i * h) * (i % 2 ? 4 : 2);
  return 0.5 + s * h / 3;
}

}  // namespace

double student_t_quantile(double p, int df) {
  ENGRAM_CHECK_MSG(p > 0 && p < 1 && df >= 1, "student_t_quantile needs 0 < p < 1 and df >= 1");
  if (p < 0.5) return -student_t_quantile(1 - p, df);
  double lo = 0, hi = 1;
  while (t_cdf_nonneg(hi, df) < p) hi *= 2;
  for (int i = 0; i < 100 && hi - lo > 1e-10; ++i) {
    const double mid = 0.5 * (lo + hi);
    (t_cdf_nonneg(mid, df) < p ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

PairedInterval paired_interval(const std::vector<double>& a, const std::vector<double>& b) {
  ENGRAM_CHECK_MSG(a.size() == b.size() && !a.empty(), "paired_interval needs two samples of equal, non-zero size");
  std::vector<double> d(a.size());
  for (size_t i = 0; i < a.size(); ++i) d[i] = a[i] - b[i];
  PairedInterval r;
  r.n = d.size();
  r.mean = mean(d);
  r.std = sample_std(d);
  const double half =
      r.n >= 2 ? student_t_quantile(0.975, static_cast<int>(r.n - 1)) * r.std / std::sqrt(static_cast<double>(r.n)) : 0;
  r.lo = r.mean - half;
  r.hi = r.mean + half;
  return r;
}

}  // namespace engram
