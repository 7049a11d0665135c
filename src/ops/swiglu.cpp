#include "ops/swiglu.h"

namespace engram::ops {

void swiglu_forward(float* h, const float* a, const float* g, int64_t n) {
#pragma omp parallel for simd schedule(static) if (n > 65536)
  for (int64_t i = 0; i < n; ++i) h[i] = a[i] * sigmoidf(a[i]) * g[i];
}

void swiglu_backward(float* da, float* dg, const float* dh, const float* a, const float* g, int64_t n) {
#pragma omp parallel for simd schedule(static) if (n > 65536)
  for (int64_t i = 0; i < n; ++i) {
    const float s = sigmoidf(a[i]);
    const float silu = a[i] * s;
    dg[i] += dh[i] * silu;
    // d silu(a)/da = s (1 + a (1 - s))
    da[i] += dh[i] * g[i] * s * (1.0f + a[i] * (1.0f - s));
  }
}

}  // namespace engram::ops
