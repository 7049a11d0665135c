// RMSNorm as torch.nn.RMSNorm: y = x / sqrt(mean(x^2) + eps) * w, per row of C values.
// Shapes: x, y [N, C]; w [C]; rstd [N] saved for backward.
#pragma once

#include <cstdint>

namespace engram::ops {

void rmsnorm_forward(float* y, float* rstd, const float* x, const float* w, float eps, int64_t N, int64_t C);
// Accumulates dx and dw.
void rmsnorm_backward(float* dx, float* dw, const float* dy, const float* x, const float* w, const float* rstd,
                      int64_t N, int64_t C);

}  // namespace engram::ops
