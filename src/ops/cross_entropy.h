// Softmax cross-entropy over a vocabulary, fused with its gradient (the logits buffer is
// large: N x V, so the gradient overwrites it in place when asked).
// Shapes: logits [N, V], targets [N] in [0, V).
#pragma once

#include <cstdint>

namespace engram::ops {

// Mean loss over N rows; no gradient.
double cross_entropy_forward(const float* logits, const int32_t* targets, int64_t N, int64_t V);
// Mean loss; writes dlogits = (softmax(logits) - onehot(target)) * scale / N. dlogits may
// alias logits.
double cross_entropy_forward_backward(float* dlogits, const float* logits, const int32_t* targets, int64_t N,
                                      int64_t V, float scale);

}  // namespace engram::ops
