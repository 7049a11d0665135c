// The Engram layer's config file and weights on disk.
//
// Config (JSON): the demo's EngramConfig fields (engram_vocab_size, max_ngram_size,
// n_embed_per_ngram, n_head_per_ngram, layer_ids, pad_id, seed, kernel_size) plus
// `layer_id`, `hidden_size` and `hc_mult`.
//
// Weights (safetensors) under the demo module's state_dict names:
//   multi_head_embedding.embedding.weight [total_rows, D]  F32 or BF16 (kept as is)
//   multi_head_embedding.offsets          [n_cols] I64     optional; checked if present
//   value_proj.weight [d, E], value_proj.bias [d]
//   key_projs.{m}.weight [d, E], key_projs.{m}.bias [d]       m = 0..M-1
//   norm1.{m}.weight [d], norm2.{m}.weight [d], short_conv.norms.{m}.weight [d]
//   short_conv.conv.weight [M*d, 1, K]
// Dense tensors may be F32, BF16 or F64 (converted to float32). Anything missing, of the
// wrong shape or dtype throws engram::Error naming the file and the tensor.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/json_util.h"
#include "hashing/hash_config.h"
#include "io/safetensors.h"
#include "layer/layer_config.h"
#include "layer/layer_params.h"

namespace engram {

struct LayerFileConfig {
  HashConfig hash;
  int64_t layer_id = 0;
  int64_t hidden_size = 0;
  int64_t hc_mult = 0;
  int64_t kernel_size = 4;

  // Strict: hidden_size, hc_mult and layer_id are required; kernel_size defaults to the
  // demo's 4. `where` names the source in errors.
  static LayerFileConfig from_json(const Json& j, const std::string& where);
  // The layer's dims given its column table sizes (NgramHasher::table_sizes).
  LayerDims dims(std::span<const int64_t> table_sizes) const;
};

// Weights loaded from a safetensors file. The table stays in the (mmapped) file when its
// bytes are suitably aligned, else it is copied; `table` views whichever holds it.
struct LayerWeights {
  SafeTensors file;
  LayerParams<float> params;
  std::vector<std::byte> table_copy;
  TableView table;
};

LayerWeights load_layer_weights(const std::string& path, const LayerDims& dims);

// Adds the weights under the demo's names (offsets buffer included). `table` is F32 or
// BF16 [total_rows, D].
void add_layer_weights(SafeTensorsWriter& w, const LayerDims& dims, const LayerParams<float>& p,
                       const TableView& table);

}  // namespace engram
