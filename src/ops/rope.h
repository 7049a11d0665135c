// Rotary position embedding, half-split convention (as HF Llama's rotate_half):
// for i < hd/2, angle = (pos0 + t) * base^(-2i/hd), (x_i, x_{i+hd/2}) is rotated by angle.
// Shapes: x, y [B, T, H, hd] (may alias). Backward rotates by -angle.
#pragma once

#include <cstdint>

namespace engram::ops {

void rope_forward(float* y, const float* x, float base, int64_t pos0, int64_t B, int64_t T, int64_t H, int64_t hd);
// dx (+)= R(-angle) dy; dx may alias dy when accumulate is false.
void rope_backward(float* dx, const float* dy, float base, int64_t pos0, int64_t B, int64_t T, int64_t H, int64_t hd,
                   bool accumulate);

}  // namespace engram::ops
