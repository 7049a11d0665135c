#include "ops/embedding.h"

#include <cstring>

namespace engram::ops {

void embedding_forward(float* out, const int32_t* ids, const float* table, int64_t N, int64_t C) {
  for (int64_t n = 0; n < N; ++n) std::memcpy(out + n * C, table + static_cast<int64_t>(ids[n]) * C, C * sizeof(float));
}

void embedding_backward(float* dtable, const float* dout, const int32_t* ids, int64_t N, int64_t C) {
  for (int64_t n = 0; n < N; ++n) {
    float* row = dtable + static_cast<int64_t>(ids[n]) * C;
    const float* g = dout + n * C;
    for (int64_t c = 0; c < C; ++c) row[c] += g[c];
  }
}

}  // namespace engram::ops
