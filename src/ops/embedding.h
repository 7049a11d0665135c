// Token embedding lookup: out[n] = table[ids[n]]. Shapes: ids [N], table [V, C], out [N, C].
// Ids are validated by the caller (the model checks them against V once per batch).
#pragma once

#include <cstdint>

namespace engram::ops {

void embedding_forward(float* out, const int32_t* ids, const float* table, int64_t N, int64_t C);
// Scatter-add: dtable[ids[n]] += dout[n] (serial, so repeated ids accumulate deterministically).
void embedding_backward(float* dtable, const float* dout, const int32_t* ids, int64_t N, int64_t C);

}  // namespace engram::ops
