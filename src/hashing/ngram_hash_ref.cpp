// Straight-loop reference of the multi-head n-gram hash (ENGRAM.md section 4).
#include "hashing/ngram_hash_ref.h"

#include "core/error.h"

namespace engram {

void reference_ngram_hash(std::span<const int64_t> ids, int64_t B, int64_t T,
                          std::span<const int64_t> mult, std::span<const int64_t> primes,
                          int n_heads, int64_t pad, HashConfig::BoundaryRule boundary,
                          std::span<int64_t> out) {
  using Rule = HashConfig::BoundaryRule;
  const int64_t dead = HashConfig::kDeadId;
  const int64_t N = static_cast<int64_t>(mult.size());
  const int64_t C = static_cast<int64_t>(primes.size());
  ENGRAM_CHECK(N >= 2 && n_heads >= 1 && C == (N - 1) * n_heads);
  ENGRAM_CHECK(static_cast<int64_t>(ids.size()) == B * T && static_cast<int64_t>(out.size()) == B * T * C);
  for (int64_t b = 0; b < B; ++b) {
    const int64_t* x = ids.data() + b * T;
    auto is_eos = [&](int64_t i) { return x[i] == pad || x[i] == dead; };
    for (int64_t t = 0; t < T; ++t) {
      // What lookback k reads at t under the boundary rule.
      auto read = [&](int64_t k) -> int64_t {
        if (t - k < 0) return pad;
        if (boundary == Rule::kDeadBlocks) {
          for (int64_t j = 0; j <= k; ++j)
            if (x[t - j] == dead) return pad;
        } else if (boundary == Rule::kEosResets) {
          for (int64_t i = t - k; i < t; ++i)
            if (is_eos(i)) return pad;
          if (x[t - k] == dead) return pad;
        }
        return x[t - k];
      };
      for (int64_t n = 2; n <= N; ++n) {
        // x_k[t] = x[t - k], the pad id before the start; products wrap as numpy's int64 do
        // (computed in uint64 because signed overflow is undefined in C++).
        int64_t mix = 0;
        for (int64_t k = 0; k < n; ++k) {
          int64_t tok = read(k);
          int64_t prod = static_cast<int64_t>(static_cast<uint64_t>(tok) * static_cast<uint64_t>(mult[k]));
          mix = k == 0 ? prod : (mix ^ prod);
        }
        for (int64_t h = 0; h < n_heads; ++h) {
          int64_t c = (n - 2) * n_heads + h;
          int64_t p = primes[c];
          int64_t r = mix % p;  // C++ truncates toward zero; numpy's % floors
          if (r < 0) r += p;
          out[(b * T + t) * C + c] = r;
        }
      }
    }
  }
}

}  // namespace engram
