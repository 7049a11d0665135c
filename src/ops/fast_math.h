// Vectorisable float exp and sigmoid: plain arithmetic (no libm call), so loops using them
// under `#pragma omp simd` compile to AVX-512/AVX2 code. exp_fast has a relative error
// below 5e-7 (tested against std::exp); inputs are clamped to [-87.3, 88.7] (results
// between 1.2e-38 and 3.4e38) and NaN passes through.
#pragma once

#include <cstdint>
#include <cstring>

namespace engram::ops {

#pragma omp declare simd
inline float exp_fast(float x) {
  // e^x = 2^n * e^r, n = round(x / ln2), r = x - n ln2 in [-ln2/2, ln2/2]; e^r by a degree-6
  // polynomial (Taylor coefficients, refit-free: the truncation error is < 1e-7 on that range).
  const float in = x;
  x = x < -87.33654f ? -87.33654f : (x > 88.72283f ? 88.72283f : x);
  x = in != in ? 0.0f : x;  // keep the int conversion below defined for NaN
  // Round to nearest even by adding and removing 1.5 * 2^23 (|x log2 e| <= 128 here);
  // plain float arithmetic, so it vectorises on every compiler.
  const float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  const float r = x - n * 0.693145751953125f - n * 1.428606765330187e-06f;
  float p = 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  // 2^n through the exponent bits; n in [-126, 128]: split so both halves are normal.
  const int32_t ni = static_cast<int32_t>(n);
  const int32_t a = ni / 2, b = ni - ni / 2;
  const int32_t ba = (a + 127) << 23, bb = (b + 127) << 23;
  float fa, fb;
  std::memcpy(&fa, &ba, 4);
  std::memcpy(&fb, &bb, 4);
  const float out = p * fa * fb;
  return in != in ? in : out;
}

#pragma omp declare simd
inline float sigmoid_fast(float x) { return 1.0f / (1.0f + exp_fast(-x)); }

}  // namespace engram::ops
