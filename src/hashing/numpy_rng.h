// numpy-exact random numbers for the demo's multiplier draw:
//   np.random.default_rng(seed).integers(low, high, size=n, dtype=np.int64)
// = SeedSequence(seed) -> 4 uint64 state words -> PCG64 (128-bit LCG, XSL-RR output) ->
//   Generator.integers' unbiased bounded draw (Lemire's multiply-shift with rejection; the
//   32-bit variant, fed by PCG64's buffered 32-bit output, when high - low - 1 < 2^32).
// Written from the published algorithms (numpy's bit_generator.pyx, pcg64.h, distributions.c
// behaviour; O'Neill's PCG paper; Lemire 2019) and checked bit-exact against numpy's output in
// the oracle files and tests/hashing. Only integer seeds without spawn keys are modelled.
// Thread safety: plain value types; one generator per thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace engram {

// numpy.random.SeedSequence(entropy) for a non-negative integer entropy < 2^64 and no spawn key.
class SeedSequence {
 public:
  explicit SeedSequence(uint64_t entropy);
  // generate_state(n_words, dtype=np.uint32).
  std::vector<uint32_t> generate_state_u32(size_t n_words) const;
  // generate_state(n_words, dtype=np.uint64): pairs of 32-bit words, little-endian.
  std::vector<uint64_t> generate_state_u64(size_t n_words) const;
  const std::array<uint32_t, 4>& pool() const { return pool_; }

 private:
  std::array<uint32_t, 4> pool_{};
};

// numpy.random.PCG64 seeded from a SeedSequence (pcg_setseq_128 with XSL-RR 64-bit output).
class Pcg64 {
 public:
  explicit Pcg64(const SeedSequence& seq);
  explicit Pcg64(uint64_t seed) : Pcg64(SeedSequence(seed)) {}
  uint64_t next_u64();
  // numpy's next_uint32: the low half of a fresh 64-bit output, then its high half.
  uint32_t next_u32();

 private:
  unsigned __int128 state_ = 0, inc_ = 0;
  bool has_u32_ = false;
  uint32_t u32_ = 0;
  void step();
};

// Generator.integers(low, high, size=n, dtype=np.int64) with endpoint=False.
// Throws engram::Error if low >= high.
std::vector<int64_t> numpy_integers_i64(Pcg64& g, int64_t low, int64_t high, size_t n);

// The demo's multipliers for one layer: default_rng(rng_seed).integers(0, half_bound, n) * 2 + 1.
std::vector<int64_t> demo_multipliers(uint64_t rng_seed, int64_t half_bound, size_t n);

// half_bound = max(1, (INT64_MAX / compressed_vocab) / 2); compressed_vocab >= 1.
int64_t demo_half_bound(int64_t compressed_vocab);

}  // namespace engram
