// The per-layer hash multipliers of every variant (HashConfig::MultiplierRule), one place
// for the hasher, the CLI and the tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "engram/hash_config.h"

namespace engram {

// SplitMix64's output function for one 64-bit state (Steele, Lea, Flood 2014): add the
// golden-ratio increment, then the two xor-shift-multiply rounds.
uint64_t splitmix64(uint64_t x);

// The max_ngram_size multipliers of layer `layer_index` under cfg.multiplier_rule, each odd
// and below 2 * half_bound (so id * multiplier cannot overflow for ids below the vocabulary
// that gave half_bound).
std::vector<int64_t> layer_multipliers(const HashConfig& cfg, size_t layer_index, int64_t half_bound);

}  // namespace engram
