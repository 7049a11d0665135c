#include "ops/attention.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "ops/fast_math.h"

namespace engram::ops {

namespace {
inline int64_t at(int64_t b, int64_t t, int64_t h, int64_t T, int64_t H, int64_t hd) {
  return ((b * T + t) * H + h) * hd;
}
}  // namespace

void attention_forward(float* out, float* probs, const float* q, const float* k, const float* v, int64_t B, int64_t T,
                       int64_t H, int64_t hd) {
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
#pragma omp parallel for collapse(2) schedule(dynamic)
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h) {
      float* P = probs + (b * H + h) * T * T;
      for (int64_t i = 0; i < T; ++i) {
        const float* qi = q + at(b, i, h, T, H, hd);
        float* row = P + i * T;
        float mx = -INFINITY;
        for (int64_t j = 0; j <= i; ++j) {
          const float* kj = k + at(b, j, h, T, H, hd);
          float s = 0.0f;
#pragma omp simd reduction(+ : s)
          for (int64_t d = 0; d < hd; ++d) s += qi[d] * kj[d];
          row[j] = s * scale;
          mx = std::max(mx, row[j]);
        }
        float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
        for (int64_t j = 0; j <= i; ++j) {
          row[j] = exp_fast(row[j] - mx);
          sum += row[j];
        }
        const float inv = 1.0f / sum;
        for (int64_t j = 0; j <= i; ++j) row[j] *= inv;
        std::fill(row + i + 1, row + T, 0.0f);
        float* oi = out + at(b, i, h, T, H, hd);
        std::fill(oi, oi + hd, 0.0f);
        for (int64_t j = 0; j <= i; ++j) {
          const float p = row[j];
          const float* vj = v + at(b, j, h, T, H, hd);
          for (int64_t d = 0; d < hd; ++d) oi[d] += p * vj[d];
        }
      }
    }
}

void attention_backward(float* dq, float* dk, float* dv, const float* dout, const float* probs, const float* q,
                        const float* k, const float* v, int64_t B, int64_t T, int64_t H, int64_t hd) {
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  // Each (b, h) touches only its own slices of dq/dk/dv, so heads run in parallel.
#pragma omp parallel
  {
    std::vector<float> dp(T);
#pragma omp for collapse(2) schedule(dynamic)
    for (int64_t b = 0; b < B; ++b)
      for (int64_t h = 0; h < H; ++h) {
        const float* P = probs + (b * H + h) * T * T;
        for (int64_t i = 0; i < T; ++i) {
          const float* row = P + i * T;
          const float* doi = dout + at(b, i, h, T, H, hd);
          // dP_ij = dout_i . v_j ; dv_j += P_ij dout_i
          float dot = 0.0f;
          for (int64_t j = 0; j <= i; ++j) {
            const float* vj = v + at(b, j, h, T, H, hd);
            float* dvj = dv + at(b, j, h, T, H, hd);
            float s = 0.0f;
#pragma omp simd reduction(+ : s)
            for (int64_t d = 0; d < hd; ++d) {
              s += doi[d] * vj[d];
              dvj[d] += row[j] * doi[d];
            }
            dp[j] = s;
            dot += s * row[j];
          }
          // softmax backward: dS_ij = P_ij (dP_ij - sum_k P_ik dP_ik), then through the scale.
          const float* qi = q + at(b, i, h, T, H, hd);
          float* dqi = dq + at(b, i, h, T, H, hd);
          for (int64_t j = 0; j <= i; ++j) {
            const float ds = row[j] * (dp[j] - dot) * scale;
            const float* kj = k + at(b, j, h, T, H, hd);
            float* dkj = dk + at(b, j, h, T, H, hd);
            for (int64_t d = 0; d < hd; ++d) {
              dqi[d] += ds * kj[d];
              dkj[d] += ds * qi[d];
            }
          }
        }
      }
  }
}

void attention_forward_ref(float* out, float* probs, const float* q, const float* k, const float* v, int64_t B,
                           int64_t T, int64_t H, int64_t hd) {
  const double scale = 1.0 / std::sqrt(static_cast<double>(hd));
  std::vector<double> s(T);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t i = 0; i < T; ++i) {
        double mx = -INFINITY, sum = 0.0;
        for (int64_t j = 0; j <= i; ++j) {
          double acc = 0.0;
          for (int64_t d = 0; d < hd; ++d) acc += static_cast<double>(q[at(b, i, h, T, H, hd) + d]) * k[at(b, j, h, T, H, hd) + d];
          s[j] = acc * scale;
          mx = std::max(mx, s[j]);
        }
        for (int64_t j = 0; j <= i; ++j) sum += (s[j] = std::exp(s[j] - mx));
        float* row = probs + ((b * H + h) * T + i) * T;
        for (int64_t j = 0; j < T; ++j) row[j] = j <= i ? static_cast<float>(s[j] / sum) : 0.0f;
        for (int64_t d = 0; d < hd; ++d) {
          double acc = 0.0;
          for (int64_t j = 0; j <= i; ++j) acc += s[j] / sum * v[at(b, j, h, T, H, hd) + d];
          out[at(b, i, h, T, H, hd) + d] = static_cast<float>(acc);
        }
      }
}

void attention_backward_ref(float* dq, float* dk, float* dv, const float* dout, const float* probs, const float* q,
                            const float* k, const float* v, int64_t B, int64_t T, int64_t H, int64_t hd) {
  const double scale = 1.0 / std::sqrt(static_cast<double>(hd));
  std::vector<double> dp(T);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t i = 0; i < T; ++i) {
        const float* row = probs + ((b * H + h) * T + i) * T;
        double dot = 0.0;
        for (int64_t j = 0; j <= i; ++j) {
          double acc = 0.0;
          for (int64_t d = 0; d < hd; ++d) {
            acc += static_cast<double>(dout[at(b, i, h, T, H, hd) + d]) * v[at(b, j, h, T, H, hd) + d];
            dv[at(b, j, h, T, H, hd) + d] += row[j] * dout[at(b, i, h, T, H, hd) + d];
          }
          dp[j] = acc;
          dot += acc * row[j];
        }
        for (int64_t j = 0; j <= i; ++j) {
          const double ds = row[j] * (dp[j] - dot) * scale;
          for (int64_t d = 0; d < hd; ++d) {
            dq[at(b, i, h, T, H, hd) + d] += static_cast<float>(ds * k[at(b, j, h, T, H, hd) + d]);
            dk[at(b, j, h, T, H, hd) + d] += static_cast<float>(ds * q[at(b, i, h, T, H, hd) + d]);
          }
        }
      }
}

}  // namespace engram::ops
