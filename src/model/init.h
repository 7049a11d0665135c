// Deterministic parameter initialisation (splitmix64 + Box-Muller), so a seed gives the same
// model on every platform and standard library.
#pragma once

#include <cmath>
#include <cstdint>

#include "core/mix.h"
#include "model/params.h"

namespace engram::model {

class Initializer {
 public:
  Initializer(uint64_t seed, float std) : rng_(seed * kGoldenGamma + 1), std_(std) {}
  uint64_t next_u64() { return rng_.next(); }
  // Uniform in (0, 1).
  double uniform() { return (static_cast<double>(next_u64() >> 11) + 0.5) * (1.0 / 9007199254740992.0); }
  double gaussian() {
    const double u1 = uniform(), u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  void normal(Param& p, float std = -1.0f) {
    const double s = std < 0 ? std_ : std;
    for (auto& v : p.data) v = static_cast<float>(gaussian() * s);
  }
  void ones(Param& p) {
    for (auto& v : p.data) v = 1.0f;
  }
  void zeros(Param& p) {
    for (auto& v : p.data) v = 0.0f;
  }
  float default_std() const { return std_; }

 private:
  SplitMix64 rng_;
  float std_;
};

}  // namespace engram::model
