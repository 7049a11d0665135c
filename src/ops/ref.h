// Reference ops shared by the model (ops/) and the Engram layer (layer/): plain loops, the
// specification of the math the fast ops are tested against. Templated on the element type
// so the same code runs in double for finite-difference checks. Argument order is that of
// the fast ops (ops/linear.h, ops/rmsnorm.h): outputs, saved buffers, inputs, eps, sizes.
// Backward ACCUMULATES (+=) into its gradient outputs. Pure functions; thread-safe.
#pragma once

#include <cmath>
#include <cstdint>

namespace engram::ops::ref {

// y[n, o] = b[o] + sum_i x[n, i] w[o, i]. y [N, OC]; x [N, IC]; w [OC, IC] (nn.Linear layout);
// b [OC] or null. Sums in double, so the float reference is closer to exact than the GEMM.
template <typename T>
void linear_forward(T* y, const T* x, const T* w, const T* b, int64_t N, int64_t IC, int64_t OC) {
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < OC; ++o) {
      double s = b ? static_cast<double>(b[o]) : 0.0;
      for (int64_t i = 0; i < IC; ++i) s += static_cast<double>(x[n * IC + i]) * static_cast<double>(w[o * IC + i]);
      y[n * OC + o] = static_cast<T>(s);
    }
}
// dx [N, IC] (if dx), dw [OC, IC], db [OC] (if db) += from dy [N, OC].
template <typename T>
void linear_backward(T* dx, T* dw, T* db, const T* dy, const T* x, const T* w, int64_t N, int64_t IC, int64_t OC) {
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < OC; ++o) {
      const T g = dy[n * OC + o];
      if (db) db[o] += g;
      for (int64_t i = 0; i < IC; ++i) {
        if (dx) dx[n * IC + i] += g * w[o * IC + i];
        dw[o * IC + i] += g * x[n * IC + i];
      }
    }
}

// RMSNorm per group (torch.nn.RMSNorm on each): y[n, g, :] = x[n, g, :] * rstd[n, g] * w[g, :],
// rstd = 1 / sqrt(mean(x^2) + eps). x, y [N, G, C]; rstd [N, G] saved; w [G, C]. G = 1 is
// the plain RMSNorm of ops/rmsnorm.h.
template <typename T>
void rmsnorm_forward(T* y, T* rstd, const T* x, const T* w, double eps, int64_t N, int64_t C, int64_t G = 1) {
  for (int64_t ng = 0; ng < N * G; ++ng) {
    const T* xr = x + ng * C;
    const T* wg = w + (ng % G) * C;
    T ss = 0;
    for (int64_t j = 0; j < C; ++j) ss += xr[j] * xr[j];
    const T rs = T(1) / std::sqrt(ss / static_cast<T>(C) + static_cast<T>(eps));
    rstd[ng] = rs;
    for (int64_t j = 0; j < C; ++j) y[ng * C + j] = xr[j] * rs * wg[j];
  }
}
// dx [N, G, C], dw [G, C] += from dy [N, G, C]. With n = x * rstd:
//   dx = rstd * (dy*w - n * mean(dy*w*n)), dw += dy * n.
template <typename T>
void rmsnorm_backward(T* dx, T* dw, const T* dy, const T* x, const T* w, const T* rstd, int64_t N, int64_t C,
                      int64_t G = 1) {
  for (int64_t ng = 0; ng < N * G; ++ng) {
    const T* xr = x + ng * C;
    const T* gr = dy + ng * C;
    const T* wg = w + (ng % G) * C;
    T* dwg = dw + (ng % G) * C;
    const T rs = rstd[ng];
    T dot = 0;
    for (int64_t j = 0; j < C; ++j) dot += gr[j] * wg[j] * xr[j] * rs;
    dot /= static_cast<T>(C);
    for (int64_t j = 0; j < C; ++j) {
      const T n = xr[j] * rs;
      dx[ng * C + j] += rs * (gr[j] * wg[j] - n * dot);
      dwg[j] += gr[j] * n;
    }
  }
}

}  // namespace engram::ops::ref
