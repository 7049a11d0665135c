#include "ops/rmsnorm.h"

#include <cmath>

namespace engram::ops {

void rmsnorm_forward(float* y, float* rstd, const float* x, const float* w, float eps, int64_t N, int64_t C) {
#pragma omp parallel for schedule(static) if (N * C > 65536)
  for (int64_t n = 0; n < N; ++n) {
    const float* xr = x + n * C;
    float* yr = y + n * C;
    float ss = 0.0f;
#pragma omp simd reduction(+ : ss)
    for (int64_t c = 0; c < C; ++c) ss += xr[c] * xr[c];
    const float r = 1.0f / std::sqrt(ss / static_cast<float>(C) + eps);
    rstd[n] = r;
    for (int64_t c = 0; c < C; ++c) yr[c] = xr[c] * r * w[c];
  }
}

void rmsnorm_backward(float* dx, float* dw, const float* dy, const float* x, const float* w, const float* rstd,
                      int64_t N, int64_t C) {
  // y_c = x_c r w_c with r = (mean(x^2)+eps)^-1/2, dr/dx_c = -r^3 x_c / C, so
  // dx_c = r w_c dy_c - x_c r^3 / C * sum_k(dy_k w_k x_k).
  for (int64_t n = 0; n < N; ++n) {
    const float* xr = x + n * C;
    const float* g = dy + n * C;
    const float r = rstd[n];
    float dot = 0.0f;
#pragma omp simd reduction(+ : dot)
    for (int64_t c = 0; c < C; ++c) {
      dot += g[c] * w[c] * xr[c];
      dw[c] += g[c] * xr[c] * r;
    }
    const float k = dot * r * r * r / static_cast<float>(C);
    float* dxr = dx + n * C;
    for (int64_t c = 0; c < C; ++c) dxr[c] += r * w[c] * g[c] - xr[c] * k;
  }
}

}  // namespace engram::ops
