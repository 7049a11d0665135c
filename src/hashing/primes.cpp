// Deterministic Miller-Rabin and the shared-used-set prime search.
#include "hashing/primes.h"

#include "core/error.h"

namespace engram {

namespace {
uint64_t mulmod(uint64_t a, uint64_t b, uint64_t m) {
  return static_cast<uint64_t>(static_cast<unsigned __int128>(a) * b % m);
}

uint64_t powmod(uint64_t a, uint64_t e, uint64_t m) {
  uint64_t r = 1 % m;
  a %= m;
  while (e) {
    if (e & 1) r = mulmod(r, a, m);
    a = mulmod(a, a, m);
    e >>= 1;
  }
  return r;
}

constexpr uint64_t kBases[] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37};
}  // namespace

bool is_prime(uint64_t n) {
  if (n < 2) return false;
  // Trial division settles small n and rejects most composites cheaply.
  static constexpr uint64_t kSmall[] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53};
  for (uint64_t p : kSmall) {
    if (n == p) return true;
    if (n % p == 0) return false;
  }
  if (n < 59 * 59) return true;
  uint64_t d = n - 1;
  int s = 0;
  while ((d & 1) == 0) {
    d >>= 1;
    ++s;
  }
  for (uint64_t a : kBases) {
    uint64_t x = powmod(a, d, n);
    if (x == 1 || x == n - 1) continue;
    bool composite = true;
    for (int i = 1; i < s; ++i) {
      x = mulmod(x, x, n);
      if (x == n - 1) {
        composite = false;
        break;
      }
    }
    if (composite) return false;
  }
  return true;
}

uint64_t next_prime(uint64_t n) {
  ENGRAM_CHECK(n < (uint64_t{1} << 63));
  uint64_t c = n + 1;
  while (!is_prime(c)) ++c;
  return c;
}

uint64_t PrimeSearch::take_next(uint64_t start) {
  std::vector<uint64_t> path;
  uint64_t c = start;
  uint64_t answer;
  for (;;) {
    auto it = link_.find(c);
    uint64_t q;
    if (it != link_.end()) {
      q = it->second;
    } else {
      q = next_prime(c);
      link_.emplace(c, q);
    }
    path.push_back(c);
    if (!used(q)) {
      answer = q;
      break;
    }
    c = q;  // q is taken: continue after it
  }
  // Every prime between a path node and the answer is used: point them all at the answer.
  for (uint64_t p : path) link_[p] = answer;
  used_.insert(answer);
  return answer;
}

std::vector<std::vector<int64_t>> demo_table_sizes(const std::vector<int64_t>& vocab_size_per_ngram,
                                                   int n_heads, size_t n_layers) {
  PrimeSearch search;
  std::vector<std::vector<int64_t>> sizes(n_layers);
  for (size_t l = 0; l < n_layers; ++l) {
    for (int64_t v : vocab_size_per_ngram) {
      ENGRAM_CHECK(v >= 1);
      uint64_t start = static_cast<uint64_t>(v - 1);
      for (int h = 0; h < n_heads; ++h) {
        uint64_t p = search.take_next(start);
        sizes[l].push_back(static_cast<int64_t>(p));
        start = p;
      }
    }
  }
  return sizes;
}

std::vector<std::vector<int64_t>> consecutive_table_sizes(int64_t base, int columns, size_t n_layers) {
  ENGRAM_CHECK(base >= 1 && columns >= 1);
  std::vector<std::vector<int64_t>> sizes(n_layers);
  uint64_t p = static_cast<uint64_t>(base - 1);
  for (size_t l = 0; l < n_layers; ++l)
    for (int c = 0; c < columns; ++c) {
      p = next_prime(p);
      sizes[l].push_back(static_cast<int64_t>(p));
    }
  return sizes;
}

}  // namespace engram
