// Multipliers: numpy's PCG64 draw (demo, V4.1) or Qwen's counter-based SplitMix64.
#include "hashing/multipliers.h"

#include "core/error.h"
#include "hashing/numpy_rng.h"

namespace engram {

uint64_t splitmix64(uint64_t x) {
  uint64_t z = x + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::vector<int64_t> layer_multipliers(const HashConfig& cfg, size_t layer_index, int64_t half_bound) {
  ENGRAM_CHECK(layer_index < cfg.layer_ids.size() && half_bound >= 1);
  const size_t N = static_cast<size_t>(cfg.max_ngram_size);
  if (cfg.multiplier_rule == HashConfig::MultiplierRule::kNumpy) {
    // seed + 10007 * layer_id: both bounded by validation, so the sum fits in uint64.
    const uint64_t rng_seed =
        static_cast<uint64_t>(cfg.seed) + uint64_t{10007} * static_cast<uint64_t>(cfg.layer_ids[layer_index]);
    return demo_multipliers(rng_seed, half_bound, N);
  }
  // Qwen keys the draw by the layer's position among the n-gram layers, not its id; the
  // state of draw i is base + golden * (i + 1) (mod 2^64), so each draw stands alone.
  const uint64_t base = static_cast<uint64_t>(cfg.seed) + uint64_t{10007} * layer_index;
  std::vector<int64_t> m(N);
  for (size_t i = 0; i < N; ++i) {
    const uint64_t r = splitmix64(base + 0x9E3779B97F4A7C15ull * (i + 1)) % static_cast<uint64_t>(half_bound);
    m[i] = static_cast<int64_t>(2 * r + 1);
  }
  return m;
}

}  // namespace engram
