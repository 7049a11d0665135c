// The plain reference hash: the demo's NgramHashMapping._get_ngram_hashes as straight loops
// over [B, T]. It is the spec the fast kernels are tested against; slow (one division per
// column) and single-threaded.
#pragma once

#include <cstdint>
#include <span>

#include "engram/hash_config.h"

namespace engram {

// ids [B, T] (compressed) -> out [B, T, (N-1)*K]; mult has N values; primes (N-1)*K values,
// n-major then head; positions before the sequence start read `pad`. The variant boundaries
// follow the models' code literally: kDeadBlocks ORs "before the start or DEAD" over the
// lookbacks 0..k; kEosResets reads lookback k as `pad` (the EOS) when an EOS lies in
// [t-k, t-1] or t-k < 0, and a DEAD (-1) token as EOS everywhere.
void reference_ngram_hash(std::span<const int64_t> ids, int64_t B, int64_t T,
                          std::span<const int64_t> mult, std::span<const int64_t> primes,
                          int n_heads, int64_t pad, HashConfig::BoundaryRule boundary,
                          std::span<int64_t> out);

}  // namespace engram
