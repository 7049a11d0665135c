// Vectorised sigmoid/SiLU for the fused passes: glibc's expf does not vectorise without
// -ffast-math, and the demo-sized layer evaluates ~8M of them per forward. exp uses the
// Cephes single-precision polynomial (relative error ~2 ulp on the reduced range) and
// AVX-512's scalef for the 2^n factor; inputs are clamped to +-88 so nothing overflows.
// Scalar fallbacks keep the same results up to rounding on machines without AVX-512.
#pragma once

#include <cmath>
#include <cstdint>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace engram::simd {

#if defined(__AVX512F__)
inline __m512 exp_ps(__m512 x) {
  // The maskz forms (full mask) avoid GCC 12's false -Wmaybe-uninitialized on the plain
  // intrinsics, which start from _mm512_undefined_ps().
  constexpr __mmask16 kAll = 0xffff;
  x = _mm512_maskz_max_ps(kAll, _mm512_maskz_min_ps(kAll, x, _mm512_set1_ps(88.0f)), _mm512_set1_ps(-88.0f));
  const __m512 n = _mm512_maskz_roundscale_ps(kAll, _mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                              _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  const __m512 r2 = _mm512_mul_ps(r, r);
  const __m512 e = _mm512_add_ps(_mm512_fmadd_ps(p, r2, r), _mm512_set1_ps(1.0f));
  return _mm512_maskz_scalef_ps(kAll, e, n);
}
inline __m512 sigmoid_ps(__m512 x) {
  const __m512 one = _mm512_set1_ps(1.0f);
  return _mm512_div_ps(one, _mm512_add_ps(one, exp_ps(_mm512_sub_ps(_mm512_setzero_ps(), x))));
}
#endif

// y[i] = u[i] + silu(pre[i]) for i < n.  (forward: Y = u + SiLU(conv))
inline void residual_silu(float* y, const float* u, const float* pre, int64_t n) {
  int64_t i = 0;
#if defined(__AVX512F__)
  for (; i + 16 <= n; i += 16) {
    const __m512 p = _mm512_loadu_ps(pre + i);
    _mm512_storeu_ps(y + i, _mm512_fmadd_ps(p, sigmoid_ps(p), _mm512_loadu_ps(u + i)));
  }
#endif
  for (; i < n; ++i) y[i] = u[i] + pre[i] / (1.0f + std::exp(-pre[i]));
}

// dpre[i] = dy[i] * silu'(pre[i]) = dy * (s + pre*s*(1-s)), s = sigmoid(pre).
inline void silu_backward(float* dpre, const float* dy, const float* pre, int64_t n) {
  int64_t i = 0;
#if defined(__AVX512F__)
  const __m512 one = _mm512_set1_ps(1.0f);
  for (; i + 16 <= n; i += 16) {
    const __m512 p = _mm512_loadu_ps(pre + i), s = sigmoid_ps(p);
    const __m512 ds = _mm512_fmadd_ps(_mm512_mul_ps(p, s), _mm512_sub_ps(one, s), s);
    _mm512_storeu_ps(dpre + i, _mm512_mul_ps(_mm512_loadu_ps(dy + i), ds));
  }
#endif
  for (; i < n; ++i) {
    const float s = 1.0f / (1.0f + std::exp(-pre[i]));
    dpre[i] = dy[i] * (s + pre[i] * s * (1.0f - s));
  }
}

}  // namespace engram::simd
