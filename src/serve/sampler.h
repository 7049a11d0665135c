// Next-token sampling: greedy, or temperature with optional top-k and nucleus (top-p)
// truncation, from a seeded generator so a seed reproduces a sample.
#pragma once

#include <cstdint>
#include <vector>

#include "core/mix.h"
#include "engram/generate.h"

namespace engram::serve {


class Sampler {
 public:
  explicit Sampler(SampleOptions o);
  // Picks an id from logits [V]. Ties in greedy mode go to the lowest id.
  int32_t sample(const float* logits, int64_t V);
  const SampleOptions& options() const { return o_; }

 private:
  double uniform();
  SampleOptions o_;
  SplitMix64 rng_;
  std::vector<std::pair<float, int32_t>> buf_;
};

}  // namespace engram::serve
