// LayerPlan construction and the portable scalar kernel.
#include "hashing/hash_kernels.h"

#include "core/error.h"

namespace engram::hash_detail {

LayerPlan::LayerPlan(std::vector<int64_t> multipliers, std::vector<int64_t> table_primes, int n_heads)
    : n(static_cast<int>(multipliers.size())), columns(static_cast<int>(table_primes.size())),
      primes(std::move(table_primes)) {
  ENGRAM_CHECK(n >= 2 && n_heads >= 1 && columns == (n - 1) * n_heads);
  ENGRAM_CHECK(n - 1 <= 255);
  for (int64_t m : multipliers) mult.push_back(static_cast<uint64_t>(m));
  for (int c = 0; c < columns; ++c) {
    ENGRAM_CHECK(primes[c] >= 2);
    mods.emplace_back(static_cast<uint64_t>(primes[c]));
    col_mix.push_back(static_cast<uint8_t>(c / n_heads));
    if (primes[c] < kSmallPrime) small_primes = true;
  }
  chunks = (columns + 7) / 8;
  lane_prime.assign(static_cast<size_t>(chunks) * 8, 1);
  lane_inv.assign(static_cast<size_t>(chunks) * 8, 1.0);
  uniform_chunks = true;
  for (int ch = 0; ch < chunks; ++ch) {
    seg_begin.push_back(static_cast<uint16_t>(seg_mix.size()));
    int segs_here = 0;
    for (int lane = 0; lane < 8; ++lane) {
      int c = ch * 8 + lane;
      if (c >= columns) break;
      lane_prime[c] = primes[c];
      lane_inv[c] = 1.0 / static_cast<double>(primes[c]);
      // Consecutive lanes with the same n share one segment (one masked broadcast).
      if (segs_here == 0 || seg_mix.back() != col_mix[c]) {
        seg_mix.push_back(col_mix[c]);
        seg_mask.push_back(0);
        ++segs_here;
      }
      seg_mask.back() = static_cast<uint8_t>(seg_mask.back() | (1u << lane));
    }
    if (segs_here != 1 || seg_mask.back() != 0xFF) uniform_chunks = false;
  }
  seg_begin.push_back(static_cast<uint16_t>(seg_mix.size()));
}

void rows_scalar(const LayerPlan& plan, const int64_t* xt, int64_t count, int64_t* out) {
  const int N = plan.n, C = plan.columns;
  const uint64_t* m = plan.mult.data();
  const FloorMod* mods = plan.mods.data();
  const int K = C / (N - 1);
  int64_t mix[256];
  for (int64_t i = 0; i < count; ++i) {
    const int64_t* w = xt + i;
    // The n-gram mixes share their prefix: mix_{n+1} = mix_n ^ x[t-n] * m[n].
    uint64_t acc = static_cast<uint64_t>(w[0]) * m[0];
    for (int k = 1; k < N; ++k) {
      acc ^= static_cast<uint64_t>(w[-k]) * m[k];
      mix[k - 1] = static_cast<int64_t>(acc);
    }
    int64_t* o = out + i * C;
    for (int j = 0; j < N - 1; ++j) {
      const int64_t v = mix[j];
      for (int h = 0; h < K; ++h) o[j * K + h] = mods[j * K + h](v);
    }
  }
}

}  // namespace engram::hash_detail
