#include "model/moe.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "ops/linear.h"
#include "ops/swiglu.h"

namespace engram::model {

using ops::linear_backward;
using ops::linear_forward;

void MoeLayer::forward(float* y, const float* x, int64_t N, const MoeParams& p, bool training) {
  const int64_t d = s_.d, E = s_.n_experts, K = s_.top_k, F = s_.hidden;
  x_ = x;
  N_ = N;
  score_.resize(N * E);
  linear_forward(score_.data(), x, p.router, nullptr, N, d, E);
  if (s_.softmax) {
    for (int64_t n = 0; n < N; ++n) {
      float* z = score_.data() + n * E;
      float mx = z[0];
      for (int64_t e = 1; e < E; ++e) mx = std::max(mx, z[e]);
      float sum = 0.0f;
      for (int64_t e = 0; e < E; ++e) sum += (z[e] = std::exp(z[e] - mx));
      for (int64_t e = 0; e < E; ++e) z[e] /= sum;
    }
  } else {
    for (auto& v : score_) v = ops::sigmoidf(v);
  }
  // Selection steers by the bias only for the sigmoid router (the softmax one keeps it 0).
  const bool biased = !s_.softmax;

  const bool reuse = frozen_ && static_cast<int64_t>(chosen_.size()) == N * K;
  if (!reuse) chosen_.assign(N * K, 0);
  gate_.assign(N * K, 0.0f);
  tokens_.assign(E, {});
  slot_.assign(E, {});
  std::vector<int32_t> order(E);
  for (int64_t n = 0; n < N; ++n) {
    const float* s = score_.data() + n * E;
    if (reuse) {
      std::copy(chosen_.begin() + n * K, chosen_.begin() + (n + 1) * K, order.begin());
    } else {
      for (int64_t e = 0; e < E; ++e) order[e] = static_cast<int32_t>(e);
      std::partial_sort(order.begin(), order.begin() + K, order.end(), [&](int32_t a, int32_t b) {
        const float va = biased ? s[a] + bias_[a] : s[a], vb = biased ? s[b] + bias_[b] : s[b];
        return va > vb || (va == vb && a < b);
      });
    }
    float sum = 0.0f;
    for (int64_t k = 0; k < K; ++k) sum += s[order[k]];
    for (int64_t k = 0; k < K; ++k) {
      const int32_t e = order[k];
      chosen_[n * K + k] = e;
      gate_[n * K + k] = s[e] / sum;
      tokens_[e].push_back(static_cast<int32_t>(n));
      slot_[e].push_back(static_cast<int32_t>(k));
      if (training) ++load_[e];
    }
  }

  // Load-balancing term: f_e (routed share) is a constant, P_e the mean affinity.
  aux_ = 0.0;
  aux_grad_.assign(E, 0.0f);
  if (s_.softmax && s_.aux_coef > 0 && N > 0) {
    for (int64_t e = 0; e < E; ++e) {
      const double f = static_cast<double>(tokens_[e].size()) / static_cast<double>(N * K);
      double P = 0.0;
      for (int64_t n = 0; n < N; ++n) P += score_[n * E + e];
      P /= static_cast<double>(N);
      aux_ += s_.aux_coef * static_cast<double>(E) * f * P;
      aux_grad_[e] = static_cast<float>(s_.aux_coef * static_cast<double>(E) * f / static_cast<double>(N));
    }
  }

  std::memset(y, 0, sizeof(float) * N * d);
  xa_.resize(E);
  a_.resize(E);
  b_.resize(E);
  h_.resize(E);
  o_.resize(E);
  for (int64_t e = 0; e < E; ++e) {
    const int64_t ne = static_cast<int64_t>(tokens_[e].size());
    auto& xa = xa_[e];
    xa.resize(ne * d);
    for (int64_t i = 0; i < ne; ++i) std::memcpy(xa.data() + i * d, x + tokens_[e][i] * d, sizeof(float) * d);
    a_[e].resize(ne * F);
    b_[e].resize(ne * F);
    h_[e].resize(ne * F);
    o_[e].resize(ne * d);
    linear_forward(a_[e].data(), xa.data(), p.w1 + e * F * d, nullptr, ne, d, F);
    linear_forward(b_[e].data(), xa.data(), p.w3 + e * F * d, nullptr, ne, d, F);
    ops::swiglu_forward(h_[e].data(), a_[e].data(), b_[e].data(), ne * F);
    linear_forward(o_[e].data(), h_[e].data(), p.w2 + e * d * F, nullptr, ne, F, d);
    for (int64_t i = 0; i < ne; ++i) {
      const int32_t n = tokens_[e][i];
      const float g = gate_[n * K + slot_[e][i]];
      float* yr = y + n * d;
      const float* orow = o_[e].data() + i * d;
      for (int64_t c = 0; c < d; ++c) yr[c] += g * orow[c];
    }
  }
  if (s_.shared_hidden > 0) {
    const int64_t S = s_.shared_hidden;
    sa_.resize(N * S);
    sb_.resize(N * S);
    sh_.resize(N * S);
    std::vector<float> so(N * d);
    linear_forward(sa_.data(), x, p.shared_w1, nullptr, N, d, S);
    linear_forward(sb_.data(), x, p.shared_w3, nullptr, N, d, S);
    ops::swiglu_forward(sh_.data(), sa_.data(), sb_.data(), N * S);
    linear_forward(so.data(), sh_.data(), p.shared_w2, nullptr, N, S, d);
    for (int64_t i = 0; i < N * d; ++i) y[i] += so[i];
  }
}

void MoeLayer::backward(float* dx, const float* dy, const MoeParams& p, const MoeParams& g) {
  const int64_t d = s_.d, E = s_.n_experts, K = s_.top_k, F = s_.hidden, N = N_;
  std::vector<float> dgate(N * K, 0.0f);
  std::vector<float> dxa, da, db, dh, dout;
  for (int64_t e = 0; e < E; ++e) {
    const int64_t ne = static_cast<int64_t>(tokens_[e].size());
    if (ne == 0) continue;
    // d(expert output) = gate * dy; d(gate) = dy . expert output.
    dout.assign(ne * d, 0.0f);
    for (int64_t i = 0; i < ne; ++i) {
      const int32_t n = tokens_[e][i];
      const int64_t gi = n * K + slot_[e][i];
      const float* dyr = dy + n * d;
      const float* orow = o_[e].data() + i * d;
      float dot = 0.0f;
      for (int64_t c = 0; c < d; ++c) {
        dout[i * d + c] = gate_[gi] * dyr[c];
        dot += dyr[c] * orow[c];
      }
      dgate[gi] = dot;
    }
    dh.assign(ne * F, 0.0f);
    da.assign(ne * F, 0.0f);
    db.assign(ne * F, 0.0f);
    dxa.assign(ne * d, 0.0f);
    linear_backward(dh.data(), g.w2 + e * d * F, nullptr, dout.data(), h_[e].data(), p.w2 + e * d * F, ne, F, d);
    ops::swiglu_backward(da.data(), db.data(), dh.data(), a_[e].data(), b_[e].data(), ne * F);
    linear_backward(dxa.data(), g.w1 + e * F * d, nullptr, da.data(), xa_[e].data(), p.w1 + e * F * d, ne, d, F);
    linear_backward(dxa.data(), g.w3 + e * F * d, nullptr, db.data(), xa_[e].data(), p.w3 + e * F * d, ne, d, F);
    for (int64_t i = 0; i < ne; ++i) {
      float* dxr = dx + tokens_[e][i] * d;
      for (int64_t c = 0; c < d; ++c) dxr[c] += dxa[i * d + c];
    }
  }
  // Gates g_k = s_k / S over the chosen set: ds_j = (dg_j - sum_k dg_k g_k) / S. Sigmoid:
  // dlogit = ds * s (1 - s), unchosen experts get no gradient. Softmax: ds also holds the
  // auxiliary term's d/ds for every expert, and dlogit = s * (ds - <s, ds>).
  std::vector<float> dlogit(N * E, 0.0f), ds(E);
  for (int64_t n = 0; n < N; ++n) {
    const float* s = score_.data() + n * E;
    float S = 0.0f, dot = 0.0f;
    for (int64_t k = 0; k < K; ++k) {
      S += s[chosen_[n * K + k]];
      dot += dgate[n * K + k] * gate_[n * K + k];
    }
    if (s_.softmax) std::copy(aux_grad_.begin(), aux_grad_.end(), ds.begin());
    else std::fill(ds.begin(), ds.end(), 0.0f);
    for (int64_t k = 0; k < K; ++k) ds[chosen_[n * K + k]] += (dgate[n * K + k] - dot) / S;
    float* dl = dlogit.data() + n * E;
    if (s_.softmax) {
      float sd = 0.0f;
      for (int64_t e = 0; e < E; ++e) sd += s[e] * ds[e];
      for (int64_t e = 0; e < E; ++e) dl[e] = s[e] * (ds[e] - sd);
    } else {
      for (int64_t k = 0; k < K; ++k) {
        const int32_t e = chosen_[n * K + k];
        dl[e] = ds[e] * s[e] * (1.0f - s[e]);
      }
    }
  }
  linear_backward(dx, g.router, nullptr, dlogit.data(), x_, p.router, N, d, E);
  if (s_.shared_hidden > 0) {
    const int64_t S = s_.shared_hidden;
    std::vector<float> dsh(N * S, 0.0f), dsa(N * S, 0.0f), dsb(N * S, 0.0f);
    linear_backward(dsh.data(), g.shared_w2, nullptr, dy, sh_.data(), p.shared_w2, N, S, d);
    ops::swiglu_backward(dsa.data(), dsb.data(), dsh.data(), sa_.data(), sb_.data(), N * S);
    linear_backward(dx, g.shared_w1, nullptr, dsa.data(), x_, p.shared_w1, N, d, S);
    linear_backward(dx, g.shared_w3, nullptr, dsb.data(), x_, p.shared_w3, N, d, S);
  }
}

void MoeLayer::update_bias(float rate) {
  const int64_t E = s_.n_experts;
  if (s_.softmax) {
    std::fill(load_.begin(), load_.end(), 0);
    return;
  }
  double mean = 0.0;
  for (auto l : load_) mean += static_cast<double>(l);
  mean /= E;
  for (int64_t e = 0; e < E; ++e) {
    const double diff = mean - static_cast<double>(load_[e]);
    bias_[e] += rate * static_cast<float>((diff > 0) - (diff < 0));
  }
  std::fill(load_.begin(), load_.end(), 0);
}

}  // namespace engram::model
