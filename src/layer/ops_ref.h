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

// Linear: out[r, o] = b[o] + sum_i in[r, i] * w[o, i].
// out [R, O]; in [R, I]; w [O, I] (torch nn.Linear layout); b [O].
template <typename T>
void linear_forward(T* out, const T* in, const T* w, const T* b, int64_t R, int64_t I, int64_t O) {
  for (int64_t r = 0; r < R; ++r)
    for (int64_t o = 0; o < O; ++o) {
      T s = b ? b[o] : T(0);
      for (int64_t i = 0; i < I; ++i) s += in[r * I + i] * w[o * I + i];
      out[r * O + o] = s;
    }
}
// din [R, I] (may be null), dw [O, I], db [O] += from dout [R, O].
template <typename T>
void linear_backward(T* din, T* dw, T* db, const T* dout, const T* in, const T* w, int64_t R, int64_t I,
                     int64_t O) {
  for (int64_t r = 0; r < R; ++r)
    for (int64_t o = 0; o < O; ++o) {
      const T g = dout[r * O + o];
      if (db) db[o] += g;
      for (int64_t i = 0; i < I; ++i) {
        if (din) din[r * I + i] += g * w[o * I + i];
        dw[o * I + i] += g * in[r * I + i];
      }
    }
}

// Grouped RMSNorm (torch.nn.RMSNorm per group): out[r,g,:] = x[r,g,:] * rstd[r,g] * w[g,:],
// rstd = 1 / sqrt(mean(x^2) + eps). out, x [R, G, C]; rstd [R, G] saved; w [G, C].
template <typename T>
void rmsnorm_forward(T* out, T* rstd, const T* x, const T* w, int64_t R, int64_t G, int64_t C, double eps) {
  for (int64_t rg = 0; rg < R * G; ++rg) {
    const T* xr = x + rg * C;
    const T* wg = w + (rg % G) * C;
    T ss = 0;
    for (int64_t j = 0; j < C; ++j) ss += xr[j] * xr[j];
    const T rs = T(1) / std::sqrt(ss / static_cast<T>(C) + static_cast<T>(eps));
    rstd[rg] = rs;
    for (int64_t j = 0; j < C; ++j) out[rg * C + j] = xr[j] * rs * wg[j];
  }
}
// dx [R,G,C], dw [G,C] += from dout [R,G,C]. With n = x*rstd:
//   dx = rstd * (dout*w - n * mean(dout*w*n)), dw += dout * n.
template <typename T>
void rmsnorm_backward(T* dx, T* dw, const T* dout, const T* rstd, const T* x, const T* w, int64_t R, int64_t G,
                      int64_t C) {
  for (int64_t rg = 0; rg < R * G; ++rg) {
    const T* xr = x + rg * C;
    const T* gr = dout + rg * C;
    const T* wg = w + (rg % G) * C;
    T* dwg = dw + (rg % G) * C;
    const T rs = rstd[rg];
    T dot = 0;
    for (int64_t j = 0; j < C; ++j) dot += gr[j] * wg[j] * xr[j] * rs;
    dot /= static_cast<T>(C);
    for (int64_t j = 0; j < C; ++j) {
      const T n = xr[j] * rs;
      dx[rg * C + j] += rs * (gr[j] * wg[j] - n * dot);
      dwg[j] += gr[j] * n;
    }
  }
}

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
