#include "ops/cross_entropy.h"

#include <algorithm>
#include <cmath>

#include "ops/fast_math.h"

namespace engram::ops {

namespace {
// log-sum-exp of one row: max, then a vectorised sum of exp in float (11k terms add a
// relative error near 1e-6, far below what the loss needs), log in double.
double row_lse(const float* row, int64_t V) {
  float mx = row[0];
#pragma omp simd reduction(max : mx)
  for (int64_t v = 0; v < V; ++v) mx = std::max(mx, row[v]);
  float s = 0.0f;
#pragma omp simd reduction(+ : s)
  for (int64_t v = 0; v < V; ++v) s += exp_fast(row[v] - mx);
  return mx + std::log(static_cast<double>(s));
}
}  // namespace

double cross_entropy_forward(const float* logits, const int32_t* targets, int64_t N, int64_t V) {
  double total = 0.0;
#pragma omp parallel for reduction(+ : total) schedule(static)
  for (int64_t n = 0; n < N; ++n) total += row_lse(logits + n * V, V) - logits[n * V + targets[n]];
  return N ? total / N : 0.0;
}

double cross_entropy_forward_backward(float* dlogits, const float* logits, const int32_t* targets, int64_t N,
                                      int64_t V, float scale) {
  double total = 0.0;
  const float k = N ? scale / static_cast<float>(N) : 0.0f;
#pragma omp parallel for reduction(+ : total) schedule(static)
  for (int64_t n = 0; n < N; ++n) {
    const float* row = logits + n * V;
    const double lse = row_lse(row, V);
    const float tgt = row[targets[n]];
    total += lse - tgt;
    float* d = dlogits + n * V;
    const float flse = static_cast<float>(lse);
#pragma omp simd
    for (int64_t v = 0; v < V; ++v) d[v] = exp_fast(row[v] - flse) * k;
    d[targets[n]] -= k;
  }
  return N ? total / N : 0.0;
}

}  // namespace engram::ops
