// Internal: the per-layer precomputed plan and the row-id kernels behind NgramHasher.
// A kernel hashes `count` consecutive positions of one sequence: xt[i] is the token at
// position i and xt[i - k] (k < N) the one k positions back, so the caller makes sure those
// reads are valid (NgramHasher pads the first N-1 positions with the pad id).
//   out[i * columns + c] = floor_mod(mix_{n(c)}(i), prime[c]),
//   mix_n(i) = XOR_{k<n} (xt[i-k] * mult[k])   (int64 wrap-around products)
// Kernels: scalar (Barrett + sign fix, portable) and AVX-512 (8 columns per vector, a double
// precision quotient estimate corrected in exact int64 arithmetic). The straight-loop spec
// they are tested against is in ngram_hash_ref.h.
#pragma once

#include <cstdint>
#include <vector>

#include "hashing/floor_mod.h"

namespace engram::hash_detail {

struct LayerPlan {
  int n = 0;        // max n-gram size N
  int columns = 0;  // (N-1) * K
  std::vector<uint64_t> mult;     // [N]
  std::vector<int64_t> primes;    // [columns], n-major then head
  std::vector<FloorMod> mods;     // [columns]
  std::vector<uint8_t> col_mix;   // [columns]: n - 2 of the column (index into the mixes)
  // Vector layout: columns padded to whole chunks of 8 lanes (padding lanes divide by 1).
  int chunks = 0;
  std::vector<int64_t> lane_prime;  // [chunks * 8]
  std::vector<double> lane_inv;     // [chunks * 8]: 1.0 / prime
  // Lanes of chunk c take their mix from segments seg_begin[c] .. seg_begin[c+1]: each
  // segment is (mix index, lane mask). With K a multiple of 8 every chunk is one segment.
  std::vector<uint16_t> seg_begin;  // [chunks + 1]
  std::vector<uint8_t> seg_mix, seg_mask;
  bool uniform_chunks = false;  // every chunk has one full-width segment
  bool small_primes = false;    // some prime < kSmallPrime: the vector kernel reduces twice

  // Below this, a double-precision quotient of a 64-bit mix can be off by more than 1.
  static constexpr int64_t kSmallPrime = 8192;

  LayerPlan(std::vector<int64_t> multipliers, std::vector<int64_t> table_primes, int n_heads);
};

using RowsFn = void (*)(const LayerPlan& plan, const int64_t* xt, int64_t count, int64_t* out);

void rows_scalar(const LayerPlan& plan, const int64_t* xt, int64_t count, int64_t* out);
// Only call when avx512_available().
void rows_avx512(const LayerPlan& plan, const int64_t* xt, int64_t count, int64_t* out);
// The AVX-512 variant specialised for this plan's shape (chosen once, reused per call).
RowsFn avx512_rows_fn(const LayerPlan& plan);
bool avx512_compiled();
bool avx512_available();  // compiled in and the CPU has AVX-512 F and DQ

}  // namespace engram::hash_detail
