// Dense parameters of one Engram layer, their gradients, and the sparse table gradient.
// Layouts follow the demo's state_dict (torch nn.Linear weights are [out, in]); the M
// per-branch modules are stacked along a leading M axis here and split into
// key_projs.{m}.weight etc. by layer_io.
#pragma once

#include <cstdint>
#include <vector>

#include "layer/layer_config.h"

namespace engram {

template <typename T>
struct LayerParams {
  std::vector<T> value_w;    // [d, E]     value_proj.weight
  std::vector<T> value_b;    // [d]        value_proj.bias
  std::vector<T> key_w;      // [M, d, E]  key_projs.{m}.weight
  std::vector<T> key_b;      // [M, d]     key_projs.{m}.bias
  std::vector<T> norm1;      // [M, d]     norm1.{m}.weight (key norm)
  std::vector<T> norm2;      // [M, d]     norm2.{m}.weight (query norm)
  std::vector<T> conv_norm;  // [M, d]     short_conv.norms.{m}.weight
  std::vector<T> conv_w;     // [C, K]     short_conv.conv.weight ([C, 1, K] in torch)

  // Sizes every vector for `dims`, filled with zeros.
  void resize_zero(const LayerDims& dims);
  // Throws Error naming the parameter whose size does not match `dims`.
  void check(const LayerDims& dims) const;
};

// Gradients of a backward pass: dense ones in a LayerParams (same layouts), the hidden
// states' gradient, and the table gradient as (unique global row id, summed gradient row).
template <typename T>
struct LayerGrads {
  LayerParams<T> params;
  std::vector<T> hidden;          // [B, T, M, d]
  std::vector<int64_t> table_rows;  // [n_uniq] increasing global row ids
  std::vector<T> table_grads;     // [n_uniq, D]
};

}  // namespace engram
