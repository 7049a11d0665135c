// AVX-512 row-id kernel: one token at a time, 8 hash columns per vector.
// Why per token and not per 8 tokens: the output is [T][columns], so lanes over columns store
// contiguously with no transpose, and each mix is computed once (scalar) and broadcast to all
// K heads that use it.
// Floor modulo per lane, exact: y = double(mix) * (1/p) has relative error below 2^-50, so for
// |mix| < 2^63 and p >= 8192 the floor of y is floor(mix/p) - 1, + 0 or + 1; r = mix - q*p is
// then computed in wrap-around int64 (exact, since the true r lies in [-p, 2p)) and fixed by
// at most one add or subtract of p. With a prime below 8192 the estimate can be off by more,
// so r (now below 2^15 in magnitude) goes through a second, then exact, estimate.
// Compiled with function-level target attributes and chosen at run time, so a build without
// -march flags still runs on CPUs without AVX-512 (through the scalar kernel).
#include "hashing/hash_kernels.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define ENGRAM_HAVE_AVX512_KERNEL 1
#include <immintrin.h>
#endif

namespace engram::hash_detail {

#ifdef ENGRAM_HAVE_AVX512_KERNEL

bool avx512_compiled() { return true; }

bool avx512_available() {
  static const bool ok = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
  return ok;
}

namespace {

#define ENGRAM_AVX512 __attribute__((target("avx512f,avx512dq")))

// r = mix - floor-estimate(mix / p) * p: in [-p, 2p) for p >= 8192, within 2p + 2^13 of 0 below.
ENGRAM_AVX512 inline __m512i reduce_step(__m512i mix, __m512i p, __m512d inv) {
  __m512d y = _mm512_mul_pd(_mm512_cvtepi64_pd(mix), inv);
  __m512i q = _mm512_cvt_roundpd_epi64(y, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
  return _mm512_sub_epi64(mix, _mm512_mullo_epi64(q, p));
}

template <bool kSmall>
ENGRAM_AVX512 inline __m512i floor_mod8(__m512i mix, __m512i p, __m512d inv) {
  __m512i r = reduce_step(mix, p, inv);
  if constexpr (kSmall) r = reduce_step(r, p, inv);
  // r in [-p, 2p): one correction either way.
  const __m512i zero = _mm512_setzero_si512();
  r = _mm512_mask_add_epi64(r, _mm512_cmplt_epi64_mask(r, zero), r, p);
  r = _mm512_mask_sub_epi64(r, _mm512_cmpge_epi64_mask(r, p), r, p);
  return r;
}

// kChunks > 0: a compile-time chunk count with the vectors held in registers (the common
// shapes: demo 16 columns = 2 chunks, 24 columns = 3); 0: any count, loaded per chunk.
template <int kChunks, bool kUniform, bool kSmall>
ENGRAM_AVX512 void rows_impl(const LayerPlan& plan, const int64_t* xt, int64_t count, int64_t* out) {
  const int N = plan.n, C = plan.columns;
  const int chunks = kChunks > 0 ? kChunks : plan.chunks;
  const uint64_t* m = plan.mult.data();
  const int rem = C % 8;
  const __mmask8 last_mask = rem ? static_cast<__mmask8>((1u << rem) - 1) : static_cast<__mmask8>(0xFF);
  constexpr int kHeld = kChunks > 0 ? kChunks : 1;
  __m512i P[kHeld] = {};
  __m512d INV[kHeld] = {};
  int chunk_mix[kHeld] = {};  // uniform chunks: the mix each chunk broadcasts (kept out of memory
                              // so the output stores cannot force reloads)
  if constexpr (kChunks > 0) {
    for (int ch = 0; ch < kChunks; ++ch) {
      P[ch] = _mm512_loadu_si512(plan.lane_prime.data() + ch * 8);
      INV[ch] = _mm512_loadu_pd(plan.lane_inv.data() + ch * 8);
      if constexpr (kUniform) chunk_mix[ch] = plan.seg_mix[ch];
    }
  }
  int64_t mix[256];
  for (int64_t i = 0; i < count; ++i) {
    const int64_t* w = xt + i;
    uint64_t acc = static_cast<uint64_t>(w[0]) * m[0];
    for (int k = 1; k < N; ++k) {
      acc ^= static_cast<uint64_t>(w[-k]) * m[k];
      mix[k - 1] = static_cast<int64_t>(acc);
    }
    int64_t* o = out + i * C;
    for (int ch = 0; ch < chunks; ++ch) {
      __m512i mv;
      if constexpr (kUniform) {
        mv = _mm512_set1_epi64(mix[kChunks > 0 ? chunk_mix[ch] : plan.seg_mix[ch]]);
      } else {
        mv = _mm512_setzero_si512();
        for (int s = plan.seg_begin[ch]; s < plan.seg_begin[ch + 1]; ++s)
          mv = _mm512_mask_set1_epi64(mv, plan.seg_mask[s], mix[plan.seg_mix[s]]);
      }
      __m512i p;
      __m512d inv;
      if constexpr (kChunks > 0) {
        p = P[ch];
        inv = INV[ch];
      } else {
        p = _mm512_loadu_si512(plan.lane_prime.data() + ch * 8);
        inv = _mm512_loadu_pd(plan.lane_inv.data() + ch * 8);
      }
      __m512i r = floor_mod8<kSmall>(mv, p, inv);
      if (ch + 1 < chunks) {
        _mm512_storeu_si512(o + ch * 8, r);
      } else {
        _mm512_mask_storeu_epi64(o + ch * 8, last_mask, r);
      }
    }
  }
}

template <bool kUniform, bool kSmall>
RowsFn pick_chunks(int chunks) {
  switch (chunks) {
    case 1: return &rows_impl<1, kUniform, kSmall>;
    case 2: return &rows_impl<2, kUniform, kSmall>;
    case 3: return &rows_impl<3, kUniform, kSmall>;
    case 4: return &rows_impl<4, kUniform, kSmall>;
    default: return &rows_impl<0, kUniform, kSmall>;
  }
}

}  // namespace

RowsFn avx512_rows_fn(const LayerPlan& plan) {
  return plan.uniform_chunks ? (plan.small_primes ? pick_chunks<true, true>(plan.chunks)
                                                       : pick_chunks<true, false>(plan.chunks))
                                  : (plan.small_primes ? pick_chunks<false, true>(plan.chunks)
                                                       : pick_chunks<false, false>(plan.chunks));
}

void rows_avx512(const LayerPlan& plan, const int64_t* xt, int64_t count, int64_t* out) {
  avx512_rows_fn(plan)(plan, xt, count, out);
}

#else

bool avx512_compiled() { return false; }
bool avx512_available() { return false; }
RowsFn avx512_rows_fn(const LayerPlan&) { return &rows_scalar; }
void rows_avx512(const LayerPlan& plan, const int64_t* xt, int64_t count, int64_t* out) {
  rows_scalar(plan, xt, count, out);
}

#endif

}  // namespace engram::hash_detail
