// Linear layer y = x W^T + b (PyTorch weight layout [out, in]) and its backward.
// Shapes: x [N, IC], W [OC, IC], b [OC] (may be null), y [N, OC].
// SGEMM split across OpenMP threads (ops/gemm.h); the reference (the spec) is
// ops::ref::linear_forward/backward in ops/ref.h.
#pragma once

#include <cstdint>

namespace engram::ops {

void linear_forward(float* y, const float* x, const float* w, const float* b, int64_t N, int64_t IC, int64_t OC);
// Accumulates: dx += dy W (if dx), dW += dy^T x, db += sum_n dy (if db).
void linear_backward(float* dx, float* dw, float* db, const float* dy, const float* x, const float* w, int64_t N,
                     int64_t IC, int64_t OC);

}  // namespace engram::ops
