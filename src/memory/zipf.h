// Zipf-distributed row ids for cache experiments and benches: rank k in [1, n] with
// probability proportional to 1/k^s, drawn by rejection-inversion (Hormann and Derflinger),
// so n can be hundreds of millions without a CDF table; ranks are scattered over [0, n)
// by a fixed bijection so hot rows do not sit in neighbouring blocks.
// Not thread-safe (one generator per thread); never fails for n >= 1, s > 0.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace engram {

class ZipfGenerator {
 public:
  ZipfGenerator(uint64_t n, double s, uint64_t seed);
  uint64_t next_rank();  // 1..n
  uint64_t next();       // a row id in [0, n), rank scattered
  std::vector<uint64_t> trace(size_t count);

 private:
  double h(double x) const;
  double h_integral(double x) const;
  double h_integral_inverse(double x) const;
  uint64_t n_;
  double s_, h_x1_, h_n_, s_bound_;
  uint64_t mult_;
  std::mt19937_64 rng_;
  std::uniform_real_distribution<double> uni_{0.0, 1.0};
};

}  // namespace engram
