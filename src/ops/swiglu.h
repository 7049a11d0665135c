// SwiGLU gate: h = silu(a) * g, elementwise over n values (a = x W1^T, g = x W3^T).
#pragma once

#include <cstdint>

#include "ops/fast_math.h"

namespace engram::ops {

void swiglu_forward(float* h, const float* a, const float* g, int64_t n);
// Accumulates da and dg.
void swiglu_backward(float* da, float* dg, const float* dh, const float* a, const float* g, int64_t n);

#pragma omp declare simd
inline float sigmoidf(float x) { return sigmoid_fast(x); }

}  // namespace engram::ops
