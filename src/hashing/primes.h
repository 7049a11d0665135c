// Primality and the demo's table-size search (ENGRAM.md section 4, "Table sizes").
// Thread safety: free functions; PrimeSearch is a plain value, one per search.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace engram {

// Deterministic for every 64-bit n: trial division by small primes, then Miller-Rabin with
// the first 12 prime bases (exact below 3.3e24).
bool is_prime(uint64_t n);

// Smallest prime > n; n < 2^63 (ENGRAM_CHECK).
uint64_t next_prime(uint64_t n);

// "Smallest prime > start that is not used yet", with the used set shared over every call.
// The demo walks candidate by candidate; layers that start from the same size walk over all
// primes that earlier layers took. The walk is shortened with union-find style links
// (link[c] = q: q is prime, q > c, every prime in (c, q) is used), so each query costs
// near-constant amortised time even with thousands of tables from one start.
class PrimeSearch {
 public:
  uint64_t take_next(uint64_t start);  // finds the prime and marks it used
  bool used(uint64_t p) const { return used_.count(p) != 0; }

 private:
  std::unordered_set<uint64_t> used_;
  std::unordered_map<uint64_t, uint64_t> link_;
};

// The demo's sizes: for each layer (in order), for n = 2..N, start = vocab_size[n-2] - 1 and
// K heads each taking the next unused prime after the previous one.
// Result [layer][(n-2)*K + head].
std::vector<std::vector<int64_t>> demo_table_sizes(const std::vector<int64_t>& vocab_size_per_ngram,
                                                   int n_heads, size_t n_layers);

// Qwen's sizes: table j (layer-major, then n, then head; `columns` per layer) has the
// (j+1)-th prime above base - 1, so every table of every layer is a distinct consecutive prime.
std::vector<std::vector<int64_t>> consecutive_table_sizes(int64_t base, int columns, size_t n_layers);

}  // namespace engram
