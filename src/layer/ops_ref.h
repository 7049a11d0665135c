// Reference ops of the Engram layer: plain loops, the specification of the math. Each op is
// a forward/backward pair in llm.c argument order (outputs, saved buffers, inputs, sizes);
// backward ACCUMULATES (+=) into its gradient outputs. Templated on the element type so the
// same code runs in double for finite-difference gradient checks.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <vector>

#include "io/dtype.h"
#include "layer/layer_config.h"
#include "ops/ref.h"

namespace engram::ref {

// Reads one table element as T whatever the table's storage dtype.
template <typename T>
inline T table_at(const TableView& tab, int64_t i) {
  switch (tab.dtype) {
    case DType::kF32: return static_cast<T>(static_cast<const float*>(tab.data)[i]);
    case DType::kBF16: return static_cast<T>(bf16_to_f32(static_cast<const uint16_t*>(tab.data)[i]));
    default: return static_cast<T>(static_cast<const double*>(tab.data)[i]);
  }
}

// Gather: e[r, c*D + j] = table[rows[r, c], j].
// e [R, n_cols*D]; rows [R, n_cols] global row ids (validated by the caller).
template <typename T>
void gather_forward(T* e, const int64_t* rows, const TableView& tab, int64_t R, int64_t n_cols) {
  const int64_t D = tab.dim;
  for (int64_t r = 0; r < R; ++r)
    for (int64_t c = 0; c < n_cols; ++c)
      for (int64_t j = 0; j < D; ++j) e[(r * n_cols + c) * D + j] = table_at<T>(tab, rows[r * n_cols + c] * D + j);
}

// Sparse table gradient: for every distinct row id hit by `rows`, the sum of the de slices
// that read it. uniq gets the ids in increasing order; grads [n_uniq, D] in the same order.
// Summation order is (r, c) increasing, so the result is deterministic.
template <typename T>
void gather_backward(std::vector<int64_t>& uniq, std::vector<T>& grads, const T* de, const int64_t* rows, int64_t R,
                     int64_t n_cols, int64_t D) {
  std::map<int64_t, std::vector<T>> acc;
  for (int64_t r = 0; r < R; ++r)
    for (int64_t c = 0; c < n_cols; ++c) {
      std::vector<T>& g = acc[rows[r * n_cols + c]];
      if (g.empty()) g.assign(static_cast<size_t>(D), T(0));
      for (int64_t j = 0; j < D; ++j) g[j] += de[(r * n_cols + c) * D + j];
    }
  uniq.clear();
  grads.clear();
  for (auto& [row, g] : acc) {
    uniq.push_back(row);
    grads.insert(grads.end(), g.begin(), g.end());
  }
}

// Linear and RMSNorm are the shared reference ops of ops/ref.h (one copy for the model and
// the layer): linear_forward(y, x, w, b, N, IC, OC), rmsnorm_forward(y, rstd, x, w, eps, N,
// C, G) with G = the branches, and their backwards.
using ops::ref::linear_backward;
using ops::ref::linear_forward;
using ops::ref::rmsnorm_backward;
using ops::ref::rmsnorm_forward;

// The demo's gate: s = dot(a, b) / sqrt(C); z = sign(s) * sqrt(max(|s|, 1e-6));
// g = sigmoid(z). g, s [R, G] (s saved); a, b [R, G, C] (normed key, normed query).
template <typename T>
void gate_forward(T* g, T* s, const T* a, const T* b, int64_t R, int64_t G, int64_t C) {
  const T scale = T(1) / std::sqrt(static_cast<T>(C));
  for (int64_t rg = 0; rg < R * G; ++rg) {
    T dot = 0;
    for (int64_t j = 0; j < C; ++j) dot += a[rg * C + j] * b[rg * C + j];
    const T sv = dot * scale;
    s[rg] = sv;
    const T sign = sv > 0 ? T(1) : (sv < 0 ? T(-1) : T(0));
    const T z = std::sqrt(std::max(std::fabs(sv), T(1e-6))) * sign;
    g[rg] = T(1) / (T(1) + std::exp(-z));
  }
}
// da, db [R,G,C] += from dg [R,G]. dz = dg*g*(1-g); where |s| >= 1e-6 (torch's clamp_min
// passes the gradient there) ds = dz * 0.5 / sqrt(|s|), else 0 (the sign has no gradient).
template <typename T>
void gate_backward(T* da, T* db, const T* dg, const T* g, const T* s, const T* a, const T* b, int64_t R, int64_t G,
                   int64_t C) {
  const T scale = T(1) / std::sqrt(static_cast<T>(C));
  for (int64_t rg = 0; rg < R * G; ++rg) {
    const T as = std::fabs(s[rg]);
    if (!(as >= T(1e-6))) continue;
    const T dz = dg[rg] * g[rg] * (T(1) - g[rg]);
    const T ds = dz * T(0.5) / std::sqrt(as) * scale;
    for (int64_t j = 0; j < C; ++j) {
      da[rg * C + j] += ds * b[rg * C + j];
      db[rg * C + j] += ds * a[rg * C + j];
    }
  }
}

// Branch scaling: u[r, g, :] = gate[r, g] * v[r, :]. u [R, G, C]; gate [R, G]; v [R, C].
template <typename T>
void scale_forward(T* u, const T* gate, const T* v, int64_t R, int64_t G, int64_t C) {
  for (int64_t r = 0; r < R; ++r)
    for (int64_t g = 0; g < G; ++g)
      for (int64_t j = 0; j < C; ++j) u[(r * G + g) * C + j] = gate[r * G + g] * v[r * C + j];
}
// dgate [R, G], dv [R, C] += from du [R, G, C].
template <typename T>
void scale_backward(T* dgate, T* dv, const T* du, const T* gate, const T* v, int64_t R, int64_t G, int64_t C) {
  for (int64_t r = 0; r < R; ++r)
    for (int64_t g = 0; g < G; ++g)
      for (int64_t j = 0; j < C; ++j) {
        const T d = du[(r * G + g) * C + j];
        dgate[r * G + g] += d * v[r * C + j];
        dv[r * C + j] += d * gate[r * G + g];
      }
}

// Depthwise causal dilated conv (torch Conv1d, groups = channels, left padding
// (K-1)*dil, output cut to T): out[b,t,c] = sum_k w[c,k] * x[b, t - (K-1-k)*dil, c],
// terms with a negative time index are zero. out, x [B, T, Ch]; w [Ch, K].
template <typename T>
void conv_forward(T* out, const T* x, const T* w, int64_t B, int64_t Tn, int64_t Ch, int64_t K, int64_t dil) {
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < Tn; ++t)
      for (int64_t c = 0; c < Ch; ++c) {
        T s = 0;
        for (int64_t k = 0; k < K; ++k) {
          const int64_t ts = t - (K - 1 - k) * dil;
          if (ts >= 0) s += w[c * K + k] * x[(b * Tn + ts) * Ch + c];
        }
        out[(b * Tn + t) * Ch + c] = s;
      }
}
// dx [B,T,Ch], dw [Ch,K] += from dout [B,T,Ch].
template <typename T>
void conv_backward(T* dx, T* dw, const T* dout, const T* x, const T* w, int64_t B, int64_t Tn, int64_t Ch, int64_t K,
                   int64_t dil) {
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < Tn; ++t)
      for (int64_t c = 0; c < Ch; ++c) {
        const T g = dout[(b * Tn + t) * Ch + c];
        for (int64_t k = 0; k < K; ++k) {
          const int64_t ts = t - (K - 1 - k) * dil;
          if (ts < 0) continue;
          dx[(b * Tn + ts) * Ch + c] += g * w[c * K + k];
          dw[c * K + k] += g * x[(b * Tn + ts) * Ch + c];
        }
      }
}

// SiLU: out = x * sigmoid(x). out, x [n].
template <typename T>
void silu_forward(T* out, const T* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = x[i] / (T(1) + std::exp(-x[i]));
}
// dx [n] += dout * (sig + x*sig*(1-sig)).
template <typename T>
void silu_backward(T* dx, const T* dout, const T* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const T sg = T(1) / (T(1) + std::exp(-x[i]));
    dx[i] += dout[i] * (sg + x[i] * sg * (T(1) - sg));
  }
}

}  // namespace engram::ref
