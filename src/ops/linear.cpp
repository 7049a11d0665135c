#include "ops/linear.h"

#include "ops/gemm.h"

namespace engram::ops {

void linear_forward(float* y, const float* x, const float* w, const float* b, int64_t N, int64_t IC, int64_t OC) {
  if (N == 0) return;
  if (b) {
    for (int64_t n = 0; n < N; ++n)
      for (int64_t o = 0; o < OC; ++o) y[n * OC + o] = b[o];
  }
  sgemm_nt(y, x, w, N, OC, IC, b ? 1.0f : 0.0f);
}

void linear_backward(float* dx, float* dw, float* db, const float* dy, const float* x, const float* w, int64_t N,
                     int64_t IC, int64_t OC) {
  if (N == 0) return;
  if (dx) sgemm_nn_acc(dx, dy, w, N, IC, OC);
  sgemm_tn_acc(dw, dy, OC, x, OC, IC, N);
  if (db) {
    for (int64_t n = 0; n < N; ++n)
      for (int64_t o = 0; o < OC; ++o) db[o] += dy[n * OC + o];
  }
}

}  // namespace engram::ops
