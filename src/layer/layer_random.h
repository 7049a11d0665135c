// Randomly initialised Engram layers for benchmarks and smoke runs: weights scaled like
// torch's defaults (uniform +-1/sqrt(fan_in) for the projections, ones-ish norms, a small
// conv), a table of N(0,1)-like values in F32 or BF16, and uniform hash ids. Filling the
// multi-GB demo table uses all OpenMP threads.
#pragma once

#include <cstdint>
#include <vector>

#include "layer/layer_config.h"
#include "layer/layer_params.h"

namespace engram {

struct RandomLayer {
  LayerParams<float> params;
  std::vector<float> table_f32;      // [total_rows, D] when F32
  std::vector<uint16_t> table_bf16;  // [total_rows, D] when BF16
  TableView table;
};

RandomLayer make_random_layer(const LayerDims& dims, DType table_dtype, uint64_t seed);
// Global rows [B, T, n_cols], uniform within each column's table.
std::vector<int64_t> random_rows(const LayerDims& dims, int64_t B, int64_t T, uint64_t seed);
// n values uniform in [-scale, scale).
std::vector<float> random_uniform(size_t n, float scale, uint64_t seed);

}  // namespace engram
