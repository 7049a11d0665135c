// Built-in presets and the HF config.json readers. The facts are the released configs' and
// the model code's (transformers' deepseek_v41 / qwen4_exp, NeMo's and mlx ports); where a
// port disagrees the model code wins (docs/PRESETS.md lists the sources and the disagreements).
#include "hashing/presets.h"

#include <algorithm>

#include "core/error.h"
#include "hashing/hash_config.h"
#include "hashing/multipliers.h"
#include "hashing/numpy_rng.h"

namespace engram {

namespace {

ModelPreset demo_preset() {
  ModelPreset p;
  p.name = "demo";
  p.hash = HashConfig::demo_default();
  p.vocab_size = 129280;  // the demo backbone's embedding rows; the tokenizer has 128,815 ids
  p.compressed = true;
  p.compressed_vocab_size = 0;  // whatever the tokenizer compresses to (98,627 for DeepSeek-V3's)
  p.row_format = "f32";
  p.row_bytes = int64_t{4} * p.hash.head_dim();
  p.gate = "demo";
  p.short_conv = true;
  p.conv_kernel = 4;
  p.conv_dilation = p.hash.max_ngram_size;
  p.hc_mult = 4;
  p.hidden_size = 1024;
  p.checkpoint_tensors = "multi_head_embedding.embedding.weight [rows, 64] (the demo module's state_dict)";
  return p;
}

ModelPreset deepseek_v41_preset() {
  ModelPreset p;
  p.name = "deepseek-v4.1";
  HashConfig& h = p.hash;
  h.max_ngram_size = 4;
  h.n_head_per_ngram = 8;
  h.n_embed_per_ngram = 8 * 256;
  h.engram_vocab_size = {16000000, 16000000, 16000000};
  h.layer_ids = {1, 14};
  h.pad_id = 2;
  h.seed = 0;
  h.multiplier_rule = HashConfig::MultiplierRule::kNumpy;
  h.prime_rule = HashConfig::PrimeRule::kUnused;
  h.boundary = HashConfig::BoundaryRule::kDeadBlocks;
  p.vocab_size = 129280;
  p.compressed = true;
  p.compressed_vocab_size = 99092;
  p.row_format = "fp8_e4m3_ue8m0";
  p.row_bytes = 256 + 256 / 32;  // 256 e4m3 values + 8 ue8m0 scales
  p.num_embeddings = {384006168, 384016682};
  p.gate = "deepseek-v4.1";
  p.short_conv = false;
  p.conv_kernel = 0;
  p.conv_dilation = 0;
  p.hc_mult = 4;
  p.hidden_size = 5120;
  p.checkpoint_tensors =
      "layers.{1,14}.engram.embed.weight [rows, 256] F8_E4M3 + embed.scale [rows, 8] F8_E8M0; wkv.weight "
      "[5 x 5120, 24 x 256] FP8 (+ wkv.scale); q_weight, k_weight [4, 5120] BF16";
  return p;
}

ModelPreset qwen4exp_preset() {
  ModelPreset p;
  p.name = "qwen4exp";
  HashConfig& h = p.hash;
  h.max_ngram_size = 3;
  h.n_head_per_ngram = 8;
  h.n_embed_per_ngram = 8 * 160;
  h.engram_vocab_size = {20000000, 20000000};
  h.layer_ids = {2};  // one-indexed decoder layer (checkpoint layers.1)
  h.pad_id = 248044;  // the EOS id: lookbacks crossing an EOS, or the start, read it
  h.seed = 1234;
  h.multiplier_rule = HashConfig::MultiplierRule::kSplitmix64;
  h.prime_rule = HashConfig::PrimeRule::kConsecutive;
  h.boundary = HashConfig::BoundaryRule::kEosResets;
  h.table_rows_multiple = 128;
  p.vocab_size = 248320;
  p.compressed = false;
  p.compressed_vocab_size = 248320;
  p.eos_token_id = 248044;
  p.row_format = "bf16";
  p.row_bytes = 160 * 2;
  p.gate = "qwen-ple";
  p.short_conv = true;
  p.conv_kernel = 4;
  p.conv_dilation = 3;
  p.hc_mult = 4;
  p.hidden_size = 2560;
  p.checkpoint_tensors =
      "model.language_model.layers.1.ple.ple_embedding.ngram_embedding.shard_{0..127}.weight [2500012, 160] BF16";
  return p;
}

// The object holding the model's fields: "text_config" when present (multimodal configs).
const Json& text_fields(const Json& config, const std::string& where, std::string& w) {
  if (!config.is_object()) throw Error(where + ": expected a JSON object (a model's config.json)");
  if (const Json* t = json_field_opt(config, "text_config"); t && t->is_object()) {
    w = where + ": text_config";
    return *t;
  }
  w = where;
  return config;
}

int64_t int_field(const Json& j, const char* key, const std::string& w, const int64_t* fallback) {
  if (const Json* v = json_field_opt(j, key)) return json_int(*v, w + "." + key);
  if (!fallback) throw Error(w + ": field " + key + " is missing (the model's config class has no default for it)");
  return *fallback;
}

std::vector<int> layer_list(const Json& j, const char* key, const std::string& w) {
  std::vector<int> out;
  for (int64_t v : json_int_array(json_field(j, key, w), w + "." + key)) {
    if (v < 0 || v > HashConfig::kMaxLayerId)
      throw Error(w + "." + key + ": layer " + std::to_string(v) + " is out of range");
    out.push_back(static_cast<int>(v));
  }
  if (out.empty()) throw Error(w + "." + key + " is empty: this config has no Engram layers");
  return out;
}

ModelPreset v41_from_hf(const Json& j, const std::string& w) {
  ModelPreset p = deepseek_v41_preset();
  const ModelPreset d = p;  // the class defaults are the released values
  HashConfig& h = p.hash;
  h.layer_ids = layer_list(j, "engram_layer_ids", w);
  const int64_t start = int_field(j, "engram_vocab_size", w, &d.hash.engram_vocab_size[0]);
  const int64_t n_default = d.hash.max_ngram_size, heads_default = d.hash.n_head_per_ngram, dim_default = 256;
  h.max_ngram_size = static_cast<int>(int_field(j, "engram_max_ngram_size", w, &n_default));
  h.n_head_per_ngram = static_cast<int>(int_field(j, "engram_n_heads", w, &heads_default));
  const int64_t head_dim = int_field(j, "engram_head_dim", w, &dim_default);
  h.n_embed_per_ngram = static_cast<int>(head_dim * h.n_head_per_ngram);
  h.engram_vocab_size.assign(static_cast<size_t>(std::max(1, h.max_ngram_size - 1)), start);
  // transformers names it engram_pad_id; some ports engram_pad_token_id: take either.
  const char* pad_key = json_field_opt(j, "engram_pad_id") ? "engram_pad_id" : "engram_pad_token_id";
  h.pad_id = int_field(j, pad_key, w, &d.hash.pad_id);
  p.compressed_vocab_size = int_field(j, "engram_compressed_vocab_size", w, &d.compressed_vocab_size);
  p.vocab_size = int_field(j, "vocab_size", w, &d.vocab_size);
  const int64_t hc = d.hc_mult;
  p.hc_mult = static_cast<int>(int_field(j, "hc_mult", w, &hc));
  p.hidden_size = int_field(j, "hidden_size", w, &d.hidden_size);
  p.row_bytes = head_dim + (head_dim + 31) / 32;
  if (const Json* ne = json_field_opt(j, "engram_num_embeddings"))
    p.num_embeddings = json_int_array(*ne, w + ".engram_num_embeddings");
  else
    p.num_embeddings.clear();
  h.validate(w);
  if (!p.num_embeddings.empty() && p.num_embeddings.size() != h.layer_ids.size())
    throw Error(w + ".engram_num_embeddings has " + std::to_string(p.num_embeddings.size()) +
                " entries but engram_layer_ids has " + std::to_string(h.layer_ids.size()));
  return p;
}

ModelPreset qwen_from_hf(const Json& j, const std::string& w) {
  ModelPreset p = qwen4exp_preset();
  const ModelPreset d = p;
  HashConfig& h = p.hash;
  h.layer_ids = layer_list(j, "ple_layer_ids", w);
  const int64_t n_default = 3, heads_default = 8, seed_default = 1234, mult_default = 128;
  h.max_ngram_size = static_cast<int>(int_field(j, "ngram_size", w, &n_default));
  h.n_head_per_ngram = static_cast<int>(int_field(j, "heads_per_ngram", w, &heads_default));
  const int64_t base = int_field(j, "ngram_vocab_size_base", w, &d.hash.engram_vocab_size[0]);
  h.engram_vocab_size.assign(static_cast<size_t>(std::max(1, h.max_ngram_size - 1)), base);
  h.seed = int_field(j, "seed", w, &seed_default);
  h.table_rows_multiple = int_field(j, "make_ngram_vocab_size_divisible_by", w, &mult_default);
  p.vocab_size = int_field(j, "vocab_size", w, &d.vocab_size);
  p.compressed_vocab_size = p.vocab_size;
  p.hidden_size = int_field(j, "hidden_size", w, &d.hidden_size);
  const int64_t embed = int_field(j, "ple_embed_dim", w, &p.hidden_size);
  const int64_t columns = int64_t{h.max_ngram_size - 1} * h.n_head_per_ngram;
  if (columns <= 0 || embed <= 0 || embed % columns != 0)
    throw Error(w + ".ple_embed_dim " + std::to_string(embed) + " is not a positive multiple of the " +
                std::to_string(columns) + " n-gram heads");
  h.n_embed_per_ngram = static_cast<int>(embed / (h.max_ngram_size - 1));
  p.row_bytes = 2 * (embed / columns);
  // eos_token_id: an int or a list (the first is the one the model's n-gram reset uses).
  const Json& eos = json_field(j, "eos_token_id", w);
  if (eos.is_array() && eos.empty()) throw Error(w + ".eos_token_id is an empty list");
  p.eos_token_id = eos.is_array() ? json_int(eos[0], w + ".eos_token_id[0]") : json_int(eos, w + ".eos_token_id");
  if (p.eos_token_id < 0 || p.eos_token_id >= p.vocab_size)
    throw Error(w + ".eos_token_id " + std::to_string(p.eos_token_id) + " is outside the vocabulary [0, " +
                std::to_string(p.vocab_size) + ")");
  h.pad_id = p.eos_token_id;
  const int64_t hc = d.hc_mult, kernel = d.conv_kernel;
  p.hc_mult = static_cast<int>(int_field(j, "hc_count", w, &hc));
  p.conv_kernel = static_cast<int>(int_field(j, "ple_conv_kernel_size", w, &kernel));
  p.conv_dilation = h.max_ngram_size;
  h.validate(w);
  return p;
}

}  // namespace

int64_t ModelPreset::table_rows(size_t layer_index, int64_t prime_rows) const {
  if (!num_embeddings.empty()) return num_embeddings.at(layer_index);
  return hash.table_rows(prime_rows);
}

std::vector<std::string> preset_names() { return {"demo", "deepseek-v4.1", "qwen4exp"}; }

ModelPreset builtin_preset(const std::string& name) {
  if (name == "demo") return demo_preset();
  if (name == "deepseek-v4.1") return deepseek_v41_preset();
  if (name == "qwen4exp") return qwen4exp_preset();
  std::string names;
  for (const std::string& n : preset_names()) names += (names.empty() ? "" : ", ") + n;
  throw Error("unknown preset '" + name + "' (built-in presets: " + names + ")");
}

ModelPreset preset_from_hf_config(const Json& config, const std::string& where) {
  std::string w;
  const Json& j = text_fields(config, where, w);
  std::string type;
  if (const Json* t = json_field_opt(j, "model_type")) type = json_string(*t, w + ".model_type");
  if (type.empty())
    if (const Json* t = json_field_opt(config, "model_type")) type = json_string(*t, where + ".model_type");
  if (type.rfind("deepseek_v41", 0) == 0) return v41_from_hf(j, w);
  if (type.rfind("qwen4_exp", 0) == 0) return qwen_from_hf(j, w);
  throw Error(where + ": model_type '" + type +
              "' has no Engram preset (known: deepseek_v41, deepseek_v41_text, qwen4_exp, qwen4_exp_text)");
}

void check_preset_matches(const ModelPreset& want, const ModelPreset& got, const std::string& where) {
  auto fail = [&](const std::string& field, const std::string& a, const std::string& b) {
    throw Error(where + ": " + field + " is " + b + " but preset " + want.name + " has " + a +
                " (a config that contradicts its preset would change every row address)");
  };
  auto ints = [](const auto& v) {
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
    return s + "]";
  };
  if (want.name != got.name) fail("the model type", want.name, got.name);
  const HashConfig &a = want.hash, &b = got.hash;
  if (a.layer_ids != b.layer_ids) fail("layer_ids", ints(a.layer_ids), ints(b.layer_ids));
  if (a.max_ngram_size != b.max_ngram_size)
    fail("max n-gram size", std::to_string(a.max_ngram_size), std::to_string(b.max_ngram_size));
  if (a.n_head_per_ngram != b.n_head_per_ngram)
    fail("heads per n-gram", std::to_string(a.n_head_per_ngram), std::to_string(b.n_head_per_ngram));
  if (a.n_embed_per_ngram != b.n_embed_per_ngram)
    fail("row width (head dim x heads)", std::to_string(a.n_embed_per_ngram), std::to_string(b.n_embed_per_ngram));
  if (a.engram_vocab_size != b.engram_vocab_size)
    fail("table starting sizes", ints(a.engram_vocab_size), ints(b.engram_vocab_size));
  if (a.pad_id != b.pad_id) fail("pad/EOS id", std::to_string(a.pad_id), std::to_string(b.pad_id));
  if (a.seed != b.seed) fail("seed", std::to_string(a.seed), std::to_string(b.seed));
  if (a.table_rows_multiple != b.table_rows_multiple)
    fail("table rows multiple", std::to_string(a.table_rows_multiple), std::to_string(b.table_rows_multiple));
  if (want.vocab_size != got.vocab_size)
    fail("vocab_size", std::to_string(want.vocab_size), std::to_string(got.vocab_size));
  if (want.compressed_vocab_size != got.compressed_vocab_size)
    fail("compressed vocabulary size", std::to_string(want.compressed_vocab_size),
         std::to_string(got.compressed_vocab_size));
  if (!got.num_embeddings.empty() && want.num_embeddings != got.num_embeddings)
    fail("table rows (num_embeddings)", ints(want.num_embeddings), ints(got.num_embeddings));
}

Json preset_layout_json(const ModelPreset& p) {
  const HashConfig& h = p.hash;
  const auto sizes = h.table_sizes();
  const int64_t half_bound = p.compressed_vocab_size > 0 ? demo_half_bound(p.compressed_vocab_size) : 0;
  Json layers = Json::array();
  for (size_t l = 0; l < h.layer_ids.size(); ++l) {
    std::vector<int64_t> offsets;
    int64_t rows = 0;
    for (int64_t s : sizes[l]) {
      offsets.push_back(rows);
      rows += s;
    }
    const int64_t table_rows = p.table_rows(l, rows);
    if (table_rows < rows)
      throw Error(p.name + ": layer " + std::to_string(h.layer_ids[l]) + " allocates " + std::to_string(table_rows) +
                  " rows but its hash columns address " + std::to_string(rows));
    Json layer{{"layer_id", h.layer_ids[l]}, {"columns", h.columns()},  {"rows", rows},
               {"table_rows", table_rows},   {"row_bytes", p.row_bytes}, {"table_bytes", table_rows * p.row_bytes},
               {"prime_sizes", sizes[l]},    {"offsets", offsets}};
    if (half_bound > 0) layer["multipliers"] = layer_multipliers(h, l, half_bound);
    layers.push_back(std::move(layer));
  }
  return Json{{"preset", p.name},
              {"vocab_size", p.vocab_size},
              {"eos_token_id", p.eos_token_id >= 0 ? Json(p.eos_token_id) : Json(nullptr)},
              {"compressed", p.compressed},
              {"compressed_vocab_size", p.compressed_vocab_size > 0 ? Json(p.compressed_vocab_size) : Json(nullptr)},
              {"pad_id", h.pad_id},
              {"max_ngram_size", h.max_ngram_size},
              {"heads_per_ngram", h.n_head_per_ngram},
              {"head_dim", h.head_dim()},
              {"seed", h.seed},
              {"multiplier_rule", hash_rule_name(h.multiplier_rule)},
              {"prime_rule", hash_rule_name(h.prime_rule)},
              {"boundary", hash_rule_name(h.boundary)},
              {"row_format", p.row_format},
              {"gate", p.gate},
              {"short_conv", p.short_conv},
              {"hc_mult", p.hc_mult},
              {"hidden_size", p.hidden_size},
              {"checkpoint_tensors", p.checkpoint_tensors},
              {"layers", layers}};
}

}  // namespace engram
