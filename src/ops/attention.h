// Causal multi-head self-attention core: out = softmax(q k^T / sqrt(hd) + causal mask) v.
// Shapes: q, k, v, out [B, T, H, hd]; probs [B, H, T, T] saved for backward (row i holds
// probabilities over keys 0..i, zeros above). Q/K/V projections and RoPE live outside.
#pragma once

#include <cstdint>

namespace engram::ops {

void attention_forward(float* out, float* probs, const float* q, const float* k, const float* v, int64_t B, int64_t T,
                       int64_t H, int64_t hd);
// Accumulates dq, dk, dv.
void attention_backward(float* dq, float* dk, float* dv, const float* dout, const float* probs, const float* q,
                        const float* k, const float* v, int64_t B, int64_t T, int64_t H, int64_t hd);

// Plain reference (double accumulation), the spec the fast path is tested against.
void attention_forward_ref(float* out, float* probs, const float* q, const float* k, const float* v, int64_t B,
                           int64_t T, int64_t H, int64_t hd);
void attention_backward_ref(float* dq, float* dk, float* dv, const float* dout, const float* probs, const float* q,
                            const float* k, const float* v, int64_t B, int64_t T, int64_t H, int64_t hd);

}  // namespace engram::ops
