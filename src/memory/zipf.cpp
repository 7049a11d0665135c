// Rejection-inversion Zipf sampling (W. Hormann, G. Derflinger, "Rejection-inversion to
// generate variates from monotone discrete distributions", 1996), written from the paper.
#include "memory/zipf.h"

#include <cmath>
#include <numeric>

#include "core/error.h"

namespace engram {

namespace {
// log1p(x)/x and expm1(x)/x, continuous at 0 (so s = 1 needs no special case).
double log1p_over(double x) { return std::fabs(x) > 1e-8 ? std::log1p(x) / x : 1.0 - x / 2.0; }
double expm1_over(double x) { return std::fabs(x) > 1e-8 ? std::expm1(x) / x : 1.0 + x / 2.0; }
}  // namespace

double ZipfGenerator::h(double x) const { return std::exp(-s_ * std::log(x)); }
double ZipfGenerator::h_integral(double x) const {
  double lx = std::log(x);
  return expm1_over((1.0 - s_) * lx) * lx;
}
double ZipfGenerator::h_integral_inverse(double x) const {
  double t = x * (1.0 - s_);
  if (t < -1.0) t = -1.0;  // rounding guard
  return std::exp(log1p_over(t) * x);
}

ZipfGenerator::ZipfGenerator(uint64_t n, double s, uint64_t seed) : n_(n), s_(s), rng_(seed) {
  if (n < 1 || !(s > 0)) throw Error("Zipf needs n >= 1 and s > 0");
  h_x1_ = h_integral(1.5) - 1.0;
  h_n_ = h_integral(static_cast<double>(n) + 0.5);
  s_bound_ = 2.0 - h_integral_inverse(h_integral(2.5) - h(2.0));
  // An odd multiplier coprime with n scatters ranks: k -> (k * mult) mod n is a bijection.
  mult_ = 0x9e3779b97f4a7c15ull % n;
  if (mult_ == 0) mult_ = 1;
  while (std::gcd(mult_, n) != 1) ++mult_;
}

uint64_t ZipfGenerator::next_rank() {
  for (;;) {
    double u = h_n_ + uni_(rng_) * (h_x1_ - h_n_);
    double x = h_integral_inverse(u);
    double kd = std::floor(x + 0.5);
    if (kd < 1) kd = 1;
    if (kd > static_cast<double>(n_)) kd = static_cast<double>(n_);
    if (kd - x <= s_bound_ || u >= h_integral(kd + 0.5) - h(kd)) return static_cast<uint64_t>(kd);
  }
}

uint64_t ZipfGenerator::next() {
  unsigned __int128 r = static_cast<unsigned __int128>(next_rank() - 1) * mult_;
  return static_cast<uint64_t>(r % n_);
}

std::vector<uint64_t> ZipfGenerator::trace(size_t count) {
  std::vector<uint64_t> v(count);
  for (auto& x : v) x = next();
  return v;
}

}  // namespace engram
