// Fast Engram layer forward/backward (see layer_fast.h for the structure and threading).
#include "layer/layer_fast.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "core/error.h"
#include "layer/simd_math.h"
#include "ops/gemm.h"

namespace engram {

namespace {

// Rows [b, e) of n for thread tid of nt: contiguous, sizes differ by at most one.
inline void split(int64_t n, int nt, int tid, int64_t& b, int64_t& e) {
  const int64_t q = n / nt, r = n % nt;
  b = tid * q + std::min<int64_t>(tid, r);
  e = b + q + (tid < r ? 1 : 0);
}

inline float sigmoidf(float x) { return 1.0f / (1.0f + std::exp(-x)); }

// The demo's gate nonlinearity on s (see ref::gate_forward).
inline float gate_of(float s) {
  const float sign = s > 0 ? 1.0f : (s < 0 ? -1.0f : 0.0f);
  return sigmoidf(std::sqrt(std::max(std::fabs(s), 1e-6f)) * sign);
}

// Sums per-thread partial buffers into dst in thread order (deterministic).
void reduce_partials(float* dst, const std::vector<std::vector<float>>& parts) {
  for (const auto& p : parts)
    for (size_t i = 0; i < p.size(); ++i) dst[i] += p[i];
}

}  // namespace

FastLayer::FastLayer(const LayerDims& dims, const LayerParams<float>& p, int threads, ProjDtype proj)
    : dims_(dims), proj_(proj) {
  dims_.validate();
  p.check(dims_);
  threads_ = threads > 0 ? threads : omp_get_max_threads();
  // One threading layer: OpenBLAS runs inside our OpenMP threads, single-threaded.
  ops::blas_single_threaded();
  const int64_t d = dims_.hidden, M = dims_.hc, E = dims_.E(), C = dims_.C(), K = dims_.kernel;
  w_kv_.resize(static_cast<size_t>((M + 1) * d * E));
  std::copy(p.value_w.begin(), p.value_w.end(), w_kv_.begin());
  std::copy(p.key_w.begin(), p.key_w.end(), w_kv_.begin() + d * E);
  b_kv_.resize(static_cast<size_t>((M + 1) * d));
  std::copy(p.value_b.begin(), p.value_b.end(), b_kv_.begin());
  std::copy(p.key_b.begin(), p.key_b.end(), b_kv_.begin() + d);
  norm1_ = p.norm1;
  norm2_ = p.norm2;
  conv_norm_ = p.conv_norm;
  if (proj_ == ProjDtype::kBF16) {
    if (!ops::bf16::available())
      throw Error("layer: bf16 projections need AVX-512 BF16, which this CPU lacks (use f32 projections)");
    w_kv_bf16_ = ops::PackedBf16(w_kv_.data(), (M + 1) * d, E);
  }
  conv_wt_.resize(static_cast<size_t>(K * C));
  for (int64_t c = 0; c < C; ++c)
    for (int64_t k = 0; k < K; ++k) conv_wt_[k * C + c] = p.conv_w[c * K + k];
}

void FastLayer::gather(FastActs& a, const TableView& tab) const {
  const int64_t R = a.B * a.T, nc = dims_.n_cols, D = dims_.head_dim, E = dims_.E();
  const int64_t* rows = a.rows.data();
  float* e = a.e.data();
  // Rows are random in a table far larger than the caches: start the loads of the rows a
  // few positions ahead (each position reads n_cols rows) while copying the current ones.
  constexpr int64_t kAhead = 4;
  if (tab.dtype == DType::kF32) {
    const float* t = static_cast<const float*>(tab.data);
#pragma omp parallel for schedule(static) num_threads(threads_)
    for (int64_t r = 0; r < R; ++r) {
      if (r + kAhead < R) {
        for (int64_t c = 0; c < nc; ++c) {
          const char* p = reinterpret_cast<const char*>(t + rows[(r + kAhead) * nc + c] * D);
          for (int64_t off = 0; off < D * 4; off += 64) __builtin_prefetch(p + off, 0, 0);
        }
      }
      for (int64_t c = 0; c < nc; ++c) std::memcpy(e + r * E + c * D, t + rows[r * nc + c] * D, D * sizeof(float));
    }
  } else if (tab.dtype == DType::kBF16) {
    const uint16_t* t = static_cast<const uint16_t*>(tab.data);
#pragma omp parallel for schedule(static) num_threads(threads_)
    for (int64_t r = 0; r < R; ++r) {
      if (r + kAhead < R) {
        for (int64_t c = 0; c < nc; ++c) {
          const char* p = reinterpret_cast<const char*>(t + rows[(r + kAhead) * nc + c] * D);
          for (int64_t off = 0; off < D * 2; off += 64) __builtin_prefetch(p + off, 0, 0);
        }
      }
      for (int64_t c = 0; c < nc; ++c) {
        const uint16_t* src = t + rows[r * nc + c] * D;
        uint32_t* dst = reinterpret_cast<uint32_t*>(e + r * E + c * D);
        // bf16 -> f32 is a 16-bit left shift of the bits; written so it vectorises.
#pragma omp simd
        for (int64_t j = 0; j < D; ++j) dst[j] = static_cast<uint32_t>(src[j]) << 16;
      }
    }
  } else {
    throw Error(std::string("layer table: dtype ") + dtype_name(tab.dtype) + " is not supported (F32 or BF16)");
  }
}

void FastLayer::project(FastActs& a) const {
  const int64_t R = a.B * a.T, d = dims_.hidden, M = dims_.hc, N = (M + 1) * d, E = dims_.E();
  a.kv.resize(static_cast<size_t>(R * N));
  // Bias first, then one SGEMM accumulating onto it (beta = 1).
  float* kv = a.kv.data();
#pragma omp parallel for schedule(static) num_threads(threads_)
  for (int64_t r = 0; r < R; ++r) std::memcpy(kv + r * N, b_kv_.data(), N * sizeof(float));
  if (proj_ == ProjDtype::kBF16)
    ops::bf16::gemm_nt(kv, N, a.e.data(), E, w_kv_bf16_, R, 1.0f, threads_);
  else
    ops::sgemm_nt(kv, a.e.data(), w_kv_.data(), R, N, E, 1.0f, threads_);
}

void FastLayer::rows_pass(FastActs& a, const TableView& table, const float* hidden, const int64_t* rows,
                          int64_t R) const {
  if (table.dim != dims_.head_dim) {
    throw Error("layer table: row width " + std::to_string(table.dim) + " != head dim " +
                std::to_string(dims_.head_dim));
  }
  if (!table.subset && table.rows != dims_.total_rows()) {
    throw Error("layer table: " + std::to_string(table.rows) + " rows, the config's table sizes sum to " +
                std::to_string(dims_.total_rows()));
  }
  if (table.subset)
    for (int64_t i = 0; i < R * dims_.n_cols; ++i)
      if (rows[i] < 0 || rows[i] >= table.rows)
        throw Error("layer table: subset row " + std::to_string(rows[i]) + " at slot " + std::to_string(i) +
                    " is outside the " + std::to_string(table.rows) + " gathered rows");
  const int64_t nc = dims_.n_cols, E = dims_.E(), d = dims_.hidden, M = dims_.hc, C = dims_.C();
  const int64_t N = (M + 1) * d;
  a.rows.assign(rows, rows + R * nc);
  a.e.resize(static_cast<size_t>(R * E));
  gather(a, table);
  project(a);

  a.rstd_k.resize(R * M);
  a.rstd_q.resize(R * M);
  a.s.resize(R * M);
  a.gate.resize(R * M);
  a.rstd_c.resize(R * M);
  a.u.resize(R * C);
  a.xn.resize(R * C);
  a.pre.resize(R * C);
  a.y.resize(R * C);
  const float eps = static_cast<float>(dims_.norm_eps), ceps = static_cast<float>(dims_.conv_norm_eps);
  const float inv_d = 1.0f / static_cast<float>(d), inv_sqrt_d = 1.0f / std::sqrt(static_cast<float>(d));

  // Fused per-row pass: norm1(key), norm2(query), gate, u = gate*v, short-conv norm.
  const float* kv = a.kv.data();
#pragma omp parallel for schedule(static) num_threads(threads_)
  for (int64_t r = 0; r < R; ++r) {
    const float* v = kv + r * N;
    for (int64_t m = 0; m < M; ++m) {
      const int64_t rm = r * M + m;
      const float* k = kv + r * N + (1 + m) * d;
      const float* q = hidden + rm * d;
      const float* w1 = norm1_.data() + m * d;
      const float* w2 = norm2_.data() + m * d;
      float sk = 0, sq = 0, dt = 0;
#pragma omp simd reduction(+ : sk, sq, dt)
      for (int64_t j = 0; j < d; ++j) {
        sk += k[j] * k[j];
        sq += q[j] * q[j];
        dt += (k[j] * w1[j]) * (q[j] * w2[j]);
      }
      const float rk = 1.0f / std::sqrt(sk * inv_d + eps), rq = 1.0f / std::sqrt(sq * inv_d + eps);
      const float s = dt * rk * rq * inv_sqrt_d, g = gate_of(s);
      a.rstd_k[rm] = rk;
      a.rstd_q[rm] = rq;
      a.s[rm] = s;
      a.gate[rm] = g;
      float* u = a.u.data() + rm * d;
      float su = 0;
#pragma omp simd reduction(+ : su)
      for (int64_t j = 0; j < d; ++j) {
        u[j] = g * v[j];
        su += u[j] * u[j];
      }
      const float rc = 1.0f / std::sqrt(su * inv_d + ceps);
      a.rstd_c[rm] = rc;
      const float* wc = conv_norm_.data() + m * d;
      float* xn = a.xn.data() + rm * d;
#pragma omp simd
      for (int64_t j = 0; j < d; ++j) xn[j] = u[j] * rc * wc[j];
    }
  }

}

void FastLayer::forward(FastActs& a, const TableView& table, const float* hidden, const int64_t* rows, int64_t B,
                        int64_t T) const {
  const int64_t R = B * T, C = dims_.C(), K = dims_.kernel, dil = dims_.dilation;
  a.B = B;
  a.T = T;
  rows_pass(a, table, hidden, rows, R);
  // Fused conv + SiLU + residual, one output position per iteration.
#pragma omp parallel for schedule(static) num_threads(threads_)
  for (int64_t r = 0; r < R; ++r) {
    const int64_t t = r % T;
    float* pre = a.pre.data() + r * C;
    std::fill(pre, pre + C, 0.0f);
    for (int64_t k = 0; k < K; ++k) {
      const int64_t back = (K - 1 - k) * dil;
      if (t < back) continue;
      const float* x = a.xn.data() + (r - back) * C;
      const float* w = conv_wt_.data() + k * C;
#pragma omp simd
      for (int64_t c = 0; c < C; ++c) pre[c] += w[c] * x[c];
    }
    simd::residual_silu(a.y.data() + r * C, a.u.data() + r * C, pre, C);
  }
}

int64_t FastLayer::history_len() const { return std::max<int64_t>(1, (dims_.kernel - 1) * dims_.dilation); }

void FastLayer::decode(FastActs& a, const TableView& table, const float* hidden, const int64_t* rows, int64_t B,
                       float* rings, const int64_t* pos) const {
  const int64_t C = dims_.C(), K = dims_.kernel, dil = dims_.dilation, S = history_len();
  a.B = B;
  a.T = 1;
  rows_pass(a, table, hidden, rows, B);
  // The forward's conv, reading earlier positions from the ring (same order of the sums,
  // so a decoded position equals the full forward's bit for bit); the ring slot of this
  // position is written only after it was read (it held position t - S).
#pragma omp parallel for schedule(static) num_threads(threads_)
  for (int64_t b = 0; b < B; ++b) {
    float* ring = rings + b * S * C;
    const int64_t t = pos[b];
    const float* xn = a.xn.data() + b * C;
    float* pre = a.pre.data() + b * C;
    std::fill(pre, pre + C, 0.0f);
    for (int64_t k = 0; k < K; ++k) {
      const int64_t back = (K - 1 - k) * dil;
      if (t < back) continue;
      const float* x = back == 0 ? xn : ring + ((t - back) % S) * C;
      const float* w = conv_wt_.data() + k * C;
#pragma omp simd
      for (int64_t c = 0; c < C; ++c) pre[c] += w[c] * x[c];
    }
    simd::residual_silu(a.y.data() + b * C, a.u.data() + b * C, pre, C);
    std::copy(xn, xn + C, ring + (t % S) * C);
  }
}

void FastLayer::backward(LayerGrads<float>& g, const float* dy, const FastActs& a, const float* hidden) const {
  const int64_t B = a.B, T = a.T, R = B * T, nc = dims_.n_cols, D = dims_.head_dim, E = dims_.E();
  const int64_t d = dims_.hidden, M = dims_.hc, C = dims_.C(), N = (M + 1) * d, K = dims_.kernel,
                dil = dims_.dilation;
  const int nt = threads_;
  g.params.resize_zero(dims_);
  g.hidden.assign(static_cast<size_t>(R * C), 0.0f);

  // 1. Through SiLU: dpre = dy * silu'(pre).
  std::vector<float> dpre(static_cast<size_t>(R * C)), dxn(static_cast<size_t>(R * C));
#pragma omp parallel for schedule(static) num_threads(nt)
  for (int64_t r = 0; r < R; ++r) simd::silu_backward(dpre.data() + r * C, dy + r * C, a.pre.data() + r * C, C);

  // 2. Through the conv: dxn (a gather over later positions, no races) and the conv weight
  // gradient (per-thread partials, summed in thread order).
  std::vector<std::vector<float>> dconv_parts(nt);
#pragma omp parallel num_threads(nt)
  {
    std::vector<float>& dwt = dconv_parts[omp_get_thread_num()];
    dwt.assign(static_cast<size_t>(K * C), 0.0f);
#pragma omp for schedule(static)
    for (int64_t r = 0; r < R; ++r) {
      const int64_t t = r % T;
      float* dx = dxn.data() + r * C;
      std::fill(dx, dx + C, 0.0f);
      const float* dp = dpre.data() + r * C;
      for (int64_t k = 0; k < K; ++k) {
        const int64_t back = (K - 1 - k) * dil;
        const float* w = conv_wt_.data() + k * C;
        float* dw = dwt.data() + k * C;
        if (t + back < T) {  // output t + back read this position through tap k
          const float* dpf = dpre.data() + (r + back) * C;
#pragma omp simd
          for (int64_t c = 0; c < C; ++c) dx[c] += w[c] * dpf[c];
        }
        if (t >= back) {  // this output read position t - back through tap k
          const float* x = a.xn.data() + (r - back) * C;
#pragma omp simd
          for (int64_t c = 0; c < C; ++c) dw[c] += dp[c] * x[c];
        }
      }
    }
  }
  {
    std::vector<float> dwt(static_cast<size_t>(K * C), 0.0f);
    reduce_partials(dwt.data(), dconv_parts);
    for (int64_t c = 0; c < C; ++c)
      for (int64_t k = 0; k < K; ++k) g.params.conv_w[c * K + k] += dwt[k * C + c];
  }

  // 3. Fused per-row pass back to d(kv) and d(hidden): conv-norm, scale, gate, norm1, norm2.
  std::vector<float> dkv(static_cast<size_t>(R * N), 0.0f);
  std::vector<std::vector<float>> parts(nt);  // per thread: dnorm1, dnorm2, dconv_norm [3, M, d]
  const float inv_d = 1.0f / static_cast<float>(d), inv_sqrt_d = 1.0f / std::sqrt(static_cast<float>(d));
#pragma omp parallel num_threads(nt)
  {
    std::vector<float>& part = parts[omp_get_thread_num()];
    part.assign(static_cast<size_t>(3 * M * d), 0.0f);
    std::vector<float> du(static_cast<size_t>(d));
#pragma omp for schedule(static)
    for (int64_t r = 0; r < R; ++r) {
      const float* v = a.kv.data() + r * N;
      float* dv = dkv.data() + r * N;
      for (int64_t m = 0; m < M; ++m) {
        const int64_t rm = r * M + m;
        const float* u = a.u.data() + rm * d;
        const float* dx = dxn.data() + rm * d;
        const float* dyr = dy + rm * d;
        const float* wc = conv_norm_.data() + m * d;
        float* dwc = part.data() + (2 * M + m) * d;
        const float rc = a.rstd_c[rm];
        float dot = 0;
#pragma omp simd reduction(+ : dot)
        for (int64_t j = 0; j < d; ++j) dot += dx[j] * wc[j] * u[j] * rc;
        dot *= inv_d;
        const float gm = a.gate[rm];
        float dgate = 0;
#pragma omp simd reduction(+ : dgate)
        for (int64_t j = 0; j < d; ++j) {
          const float n = u[j] * rc;
          du[j] = dyr[j] + rc * (dx[j] * wc[j] - n * dot);
          dwc[j] += dx[j] * n;
          dgate += du[j] * v[j];
          dv[j] += gm * du[j];
        }
        const float s = a.s[rm], as = std::fabs(s);
        if (!(as >= 1e-6f)) continue;  // clamp region: no gradient to key or query
        const float ds = dgate * gm * (1.0f - gm) * 0.5f / std::sqrt(as) * inv_sqrt_d;
        const float* k = a.kv.data() + r * N + (1 + m) * d;
        const float* q = hidden + rm * d;
        const float* w1 = norm1_.data() + m * d;
        const float* w2 = norm2_.data() + m * d;
        const float rk = a.rstd_k[rm], rq = a.rstd_q[rm];
        // nk = k*rk*w1, nq = q*rq*w2; d(nk) = ds*nq, d(nq) = ds*nk; then the RMSNorm backward
        // of each: dx = r * (dn*w - xhat * mean(dn*w*xhat)), dw += dn*xhat.
        float dotk = 0, dotq = 0;
#pragma omp simd reduction(+ : dotk, dotq)
        for (int64_t j = 0; j < d; ++j) {
          const float kh = k[j] * rk, qh = q[j] * rq;
          const float dnk = ds * qh * w2[j], dnq = ds * kh * w1[j];
          dotk += dnk * w1[j] * kh;
          dotq += dnq * w2[j] * qh;
        }
        dotk *= inv_d;
        dotq *= inv_d;
        float* dk = dkv.data() + r * N + (1 + m) * d;
        float* dh = g.hidden.data() + rm * d;
        float* dw1 = part.data() + m * d;
        float* dw2 = part.data() + (M + m) * d;
#pragma omp simd
        for (int64_t j = 0; j < d; ++j) {
          const float kh = k[j] * rk, qh = q[j] * rq;
          const float dnk = ds * qh * w2[j], dnq = ds * kh * w1[j];
          dk[j] = rk * (dnk * w1[j] - kh * dotk);
          dh[j] = rq * (dnq * w2[j] - qh * dotq);
          dw1[j] += dnk * kh;
          dw2[j] += dnq * qh;
        }
      }
    }
  }
  {
    std::vector<float> sum(static_cast<size_t>(3 * M * d), 0.0f);
    reduce_partials(sum.data(), parts);
    for (int64_t i = 0; i < M * d; ++i) {
      g.params.norm1[i] += sum[i];
      g.params.norm2[i] += sum[M * d + i];
      g.params.conv_norm[i] += sum[2 * M * d + i];
    }
  }

  // 4. Projections: dW (value rows, then key rows), db = column sums of d(kv), de = d(kv) W_kv.
  ops::sgemm_tn_acc(g.params.value_w.data(), dkv.data(), N, a.e.data(), d, E, R, nt);
  ops::sgemm_tn_acc(g.params.key_w.data(), dkv.data() + d, N, a.e.data(), M * d, E, R, nt);
#pragma omp parallel num_threads(nt)
  {
    int64_t b, e;
    split(N, omp_get_num_threads(), omp_get_thread_num(), b, e);
    for (int64_t r = 0; r < R; ++r)
      for (int64_t n = b; n < e; ++n) {
        float* dst = n < d ? &g.params.value_b[n] : &g.params.key_b[n - d];
        *dst += dkv[r * N + n];
      }
  }
  std::vector<float> de(static_cast<size_t>(R * E), 0.0f);
  ops::sgemm_nn_acc(de.data(), dkv.data(), w_kv_.data(), R, E, N, nt);

  // 5. Sparse table gradient: slots sorted by (row, slot), so each distinct row's sum runs in
  // increasing slot order, exactly the reference's order: deterministic for any thread count.
  const int64_t S = R * nc;
  std::vector<int64_t> order(static_cast<size_t>(S));
  std::iota(order.begin(), order.end(), 0);
  const int64_t* rows = a.rows.data();
  std::sort(order.begin(), order.end(), [rows](int64_t x, int64_t y) {
    return rows[x] < rows[y] || (rows[x] == rows[y] && x < y);
  });
  std::vector<int64_t> seg_begin;
  for (int64_t i = 0; i < S; ++i)
    if (i == 0 || rows[order[i]] != rows[order[i - 1]]) seg_begin.push_back(i);
  const int64_t U = static_cast<int64_t>(seg_begin.size());
  seg_begin.push_back(S);
  g.table_rows.resize(static_cast<size_t>(U));
  g.table_grads.assign(static_cast<size_t>(U * D), 0.0f);
#pragma omp parallel for schedule(static) num_threads(nt)
  for (int64_t u = 0; u < U; ++u) {
    g.table_rows[u] = rows[order[seg_begin[u]]];
    float* acc = g.table_grads.data() + u * D;
    for (int64_t i = seg_begin[u]; i < seg_begin[u + 1]; ++i) {
      const float* src = de.data() + order[i] * D;
#pragma omp simd
      for (int64_t j = 0; j < D; ++j) acc[j] += src[j];
    }
  }
}

}  // namespace engram
