// The plain reference hash: the demo's NgramHashMapping._get_ngram_hashes as straight loops
// over [B, T]. It is the spec the fast kernels are tested against; slow (one division per
// column) and single-threaded.
#pragma once

#include <cstdint>
#include <span>

namespace engram {

// ids [B, T] (compressed) -> out [B, T, (N-1)*K]; mult has N values; primes (N-1)*K values,
// n-major then head; positions before the sequence start read `pad`.
void reference_ngram_hash(std::span<const int64_t> ids, int64_t B, int64_t T,
                          std::span<const int64_t> mult, std::span<const int64_t> primes,
                          int n_heads, int64_t pad, std::span<int64_t> out);

}  // namespace engram
