// Random layer construction (see layer_random.h).
#include "layer/layer_random.h"

#include <omp.h>

#include <cmath>

#include "core/error.h"
#include "core/mix.h"
#include "io/dtype.h"

namespace engram {

namespace {
// splitmix64 is counter-based, so parallel fills are reproducible.
inline float unit(uint64_t seed, uint64_t i) {  // uniform in [-1, 1)
  return static_cast<float>(static_cast<double>(splitmix64(seed * kFnv1aPrime + i) >> 11) * 0x1.0p-52 - 1.0);
}
}  // namespace

std::vector<float> random_uniform(size_t n, float scale, uint64_t seed) {
  std::vector<float> v(n);
#pragma omp parallel for schedule(static)
  for (size_t i = 0; i < n; ++i) v[i] = scale * unit(seed, i);
  return v;
}

RandomLayer make_random_layer(const LayerDims& dims, DType table_dtype, uint64_t seed) {
  dims.validate();
  RandomLayer L;
  const int64_t d = dims.hidden, E = dims.E(), M = dims.hc, C = dims.C();
  const float ws = 1.0f / std::sqrt(static_cast<float>(E));
  LayerParams<float>& p = L.params;
  p.value_w = random_uniform(d * E, ws, seed + 1);
  p.value_b = random_uniform(d, ws, seed + 2);
  p.key_w = random_uniform(M * d * E, ws, seed + 3);
  p.key_b = random_uniform(M * d, ws, seed + 4);
  p.norm1 = random_uniform(M * d, 0.2f, seed + 5);
  p.norm2 = random_uniform(M * d, 0.2f, seed + 6);
  p.conv_norm = random_uniform(M * d, 0.2f, seed + 7);
  for (auto* v : {&p.norm1, &p.norm2, &p.conv_norm})
    for (float& x : *v) x += 1.0f;
  p.conv_w = random_uniform(C * dims.kernel, 0.5f, seed + 8);
  const size_t n = static_cast<size_t>(dims.total_rows() * dims.head_dim);
  if (table_dtype == DType::kF32) {
    L.table_f32 = random_uniform(n, 1.7f, seed + 9);
    L.table = TableView{L.table_f32.data(), DType::kF32, dims.total_rows(), dims.head_dim};
  } else if (table_dtype == DType::kBF16) {
    L.table_bf16.resize(n);
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; ++i) L.table_bf16[i] = f32_to_bf16(1.7f * unit(seed + 9, i));
    L.table = TableView{L.table_bf16.data(), DType::kBF16, dims.total_rows(), dims.head_dim};
  } else {
    throw Error(std::string("random layer: table dtype ") + dtype_name(table_dtype) + " is not F32 or BF16");
  }
  return L;
}

std::vector<int64_t> random_rows(const LayerDims& dims, int64_t B, int64_t T, uint64_t seed) {
  const int64_t nc = dims.n_cols;
  std::vector<int64_t> off = dims.offsets();
  std::vector<int64_t> rows(static_cast<size_t>(B * T * nc));
  for (int64_t i = 0; i < B * T * nc; ++i) {
    const int64_t c = i % nc;
    rows[i] = off[c] + static_cast<int64_t>(splitmix64(seed ^ (i * kGoldenGamma)) % dims.table_sizes[c]);
  }
  return rows;
}

}  // namespace engram
