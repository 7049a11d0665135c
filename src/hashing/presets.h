// The released Engram-style models as data (issue 15; ENGRAM.md section 8): the public demo,
// DeepSeek-V4.1 and Qwen4Exp's PLE n-gram tables. A preset is a HashConfig with its variant
// rules plus the facts the layout, the table files and the layer need (row format, gate,
// conv, hyper-connection copies). Built in by name, or read from a model's HF config.json.
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/json_util.h"
#include "engram/hash_config.h"

namespace engram {

struct ModelPreset {
  std::string name;  // "demo", "deepseek-v4.1", "qwen4exp"
  HashConfig hash;   // layer ids, orders, heads, starting sizes, seed, pad/EOS id, rules
  // Ids the model accepts (its embedding rows), and the vocabulary the multipliers are drawn
  // for: the compressed size when `compressed` (0 = whatever the tokenizer compresses to:
  // the demo), else the raw vocabulary.
  int64_t vocab_size = 0;
  bool compressed = true;
  int64_t compressed_vocab_size = 0;
  int64_t eos_token_id = -1;  // -1: none
  // Rows: `row_format` is "f32", "bf16" or "fp8_e4m3_ue8m0" (value = e4m3 * 2^(scale - 127),
  // one scale byte per 32 values); row_bytes as stored.
  std::string row_format = "f32";
  int64_t row_bytes = 0;
  // Allocated rows per layer when the model fixes them (V4.1's engram_num_embeddings); empty:
  // the prime sums rounded up to hash.table_rows_multiple.
  std::vector<int64_t> num_embeddings;
  // The layer: gate form "demo" (per-copy key projection, RMSNorm dot), "deepseek-v4.1"
  // (one wkv to hc_mult keys + a value, rsqrt-normalised dot, no conv) or "qwen-ple"
  // (grouped zero-centred RMSNorm dot, then a dilated short conv).
  std::string gate = "demo";
  bool short_conv = true;
  int conv_kernel = 4, conv_dilation = 3;
  int hc_mult = 1;
  int64_t hidden_size = 0;
  std::string checkpoint_tensors;  // where the tables sit in the model's checkpoint

  // rows (allocated) of layer `layer_index` whose primes sum to `prime_rows`.
  int64_t table_rows(size_t layer_index, int64_t prime_rows) const;
};

// The built-in names, in the order `--help` lists them.
std::vector<std::string> preset_names();
// A built-in preset; throws engram::Error listing the names when `name` is unknown.
ModelPreset builtin_preset(const std::string& name);
// A preset from a model's HF config.json (top level or its "text_config"), recognised by
// model_type (deepseek_v41*, qwen4_exp*). A field the model's config class has no default
// for is required; the others take the class defaults, as transformers does. Errors name
// `where` and the field.
ModelPreset preset_from_hf_config(const Json& config, const std::string& where);
// What `engram layout --json` prints: {"preset", "vocab_size", "eos_token_id", ..., "layers":
// [{"layer_id", "columns", "rows" (prime sum), "table_rows" (allocated), "row_bytes",
// "table_bytes", "prime_sizes", "offsets", "multipliers" (when the vocabulary is known)}]}.
Json preset_layout_json(const ModelPreset& p);
// Throws naming the first field where `got` contradicts the built-in `want` (both values).
void check_preset_matches(const ModelPreset& want, const ModelPreset& got, const std::string& where);

}  // namespace engram
