// Writes the binary seed inputs of the fuzz targets (tests/fuzz/corpus/<target>/) that are
// not hand-written: checkpoints, token files, layer weights, table files and id lists.
// Not part of the default build:
//   ninja -C build fuzz_make_seeds && build/tests/fuzz_replay/fuzz_make_seeds tests/fuzz/corpus
// Deterministic (fixed seeds), so rerunning it rewrites the same bytes; the decode seeds
// need the DeepSeek-V3 tokenizer (ENGRAM_TOKENIZER or the default cache path).
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "core/file.h"
#include "core/json_util.h"
#include "core/paths.h"
#include "io/safetensors.h"
#include "layer/layer_io.h"
#include "layer/layer_random.h"
#include "memory/table_config.h"
#include "memory/table_writer.h"
#include "model/config.h"
#include "model/transformer.h"
#include "engram/tokenizer.h"
#include "train/batcher.h"
#include "train/checkpoint.h"
#include "train/optimizer.h"
#include "train/token_file.h"

namespace fs = std::filesystem;
using namespace engram;

namespace {

std::string root;

std::string out(const std::string& target, const std::string& name) {
  fs::create_directories(root + "/" + target);
  std::printf("  %s/%s\n", target.c_str(), name.c_str());
  return root + "/" + target + "/" + name;
}

void checkpoints() {
  const char* configs[][2] = {
      {"dense.safetensors",
       R"({"vocab_size": 16, "d_model": 8, "n_layers": 1, "n_heads": 2, "max_seq_len": 8,
           "ffn": {"type": "dense", "dense_hidden": 8}})"},
      {"moe_untied.safetensors",
       R"({"vocab_size": 12, "d_model": 8, "n_layers": 2, "n_heads": 2, "max_seq_len": 8, "tie_embeddings": false,
           "ffn": {"type": "moe", "hidden": 4, "n_experts": 3, "top_k": 2, "shared_hidden": 4}})"},
      {"engram_moe.safetensors",
       R"({"vocab_size": 10, "d_model": 8, "n_layers": 2, "n_heads": 2, "max_seq_len": 8,
           "ffn": {"type": "moe", "hidden": 4, "n_experts": 2, "top_k": 1},
           "engram": {"layer_ids": [1], "max_ngram_size": 2, "n_embed_per_ngram": 4, "n_head_per_ngram": 2,
                      "engram_vocab_size": [11], "pad_id": 2, "seed": 0, "kernel_size": 2}})"},
  };
  for (auto& c : configs) {
    model::ModelConfig cfg = model::ModelConfig::from_json(parse_json(c[1], c[0]), c[0]);
    model::Transformer m(cfg, 7);
    train::Optimizer opt(train::OptimConfig{}, m.params());
    std::vector<int32_t> m2t;
    for (int32_t i = 0; i < cfg.vocab_size; ++i) m2t.push_back(3 * i + 1);
    train::VocabMap vocab = train::VocabMap::from_list(m2t);
    train::CheckpointInfo info;
    info.step = 5;
    info.tokenizer_hash = "0123456789abcdef";
    info.extra_json = R"({"lr": 0.003})";
    train::save_checkpoint(out("fuzz_checkpoint", c[0]), m, &opt, vocab, info);
  }
  // The dense checkpoint with token id INT32_MAX in its vocabulary map (the finding noted in
  // fuzz_checkpoint.cpp: the loader would build an 8 GiB reverse map for it).
  std::string bytes = read_file(root + "/fuzz_checkpoint/dense.safetensors");
  SafeTensors st = SafeTensors::parse(bytes, "dense");
  uint64_t header = 0;
  std::memcpy(&header, bytes.data(), 8);
  const int64_t big = 2147483647;
  std::memcpy(bytes.data() + 8 + header + st.get("vocab/model_to_tok").begin + 8, &big, 8);
  write_file_atomic(out("fuzz_checkpoint", "vocab_id_int32_max.safetensors"), bytes);
}

void token_files() {
  train::TokenFile::write(out("fuzz_token_file", "empty.engtok"), {}, 0x1234);
  const std::vector<uint32_t> few = {0, 1, 128814, 7, 7, 42};
  train::TokenFile::write(out("fuzz_token_file", "few.engtok"), few, 0xfeedface);
  std::vector<uint32_t> many;
  uint64_t x = 88172645463325252ull;
  for (int i = 0; i < 300; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    many.push_back(static_cast<uint32_t>(x % 128815));
  }
  train::TokenFile::write(out("fuzz_token_file", "many.engtok"), many, 0x1234);
}

// The dims of fuzz_layer_weights.cpp.
LayerDims layer_dims() {
  LayerDims d;
  d.n_cols = 4;
  d.head_dim = 4;
  d.hidden = 8;
  d.hc = 2;
  d.kernel = 3;
  d.dilation = 3;
  d.table_sizes = {5, 7, 11, 13};
  return d;
}

void layer_weights() {
  const LayerDims dims = layer_dims();
  for (DType dt : {DType::kF32, DType::kBF16}) {
    RandomLayer r = make_random_layer(dims, dt, dt == DType::kF32 ? 1 : 2);
    SafeTensorsWriter w;
    add_layer_weights(w, dims, r.params, r.table);
    w.write(out("fuzz_layer_weights", dt == DType::kF32 ? "f32_table.safetensors" : "bf16_table.safetensors"));
  }
  // No offsets buffer (optional) and F64 dense tensors (converted on load).
  RandomLayer r = make_random_layer(dims, DType::kF32, 3);
  SafeTensorsWriter w;
  const LayerParams<float>& p = r.params;
  const int64_t d = dims.hidden, E = dims.E();
  auto f64 = [&](const std::string& name, std::vector<int64_t> shape, const float* v, size_t n) {
    std::vector<double> x(v, v + n);
    w.add(name, DType::kF64, std::move(shape), x.data(), x.size() * sizeof(double));
  };
  w.add("multi_head_embedding.embedding.weight", DType::kF32, {dims.total_rows(), dims.head_dim}, r.table.data,
        static_cast<size_t>(dims.total_rows() * dims.head_dim) * sizeof(float));
  f64("value_proj.weight", {d, E}, p.value_w.data(), p.value_w.size());
  f64("value_proj.bias", {d}, p.value_b.data(), p.value_b.size());
  for (int64_t m = 0; m < dims.hc; ++m) {
    const std::string s = std::to_string(m);
    f64("key_projs." + s + ".weight", {d, E}, p.key_w.data() + m * d * E, d * E);
    f64("key_projs." + s + ".bias", {d}, p.key_b.data() + m * d, d);
    f64("norm1." + s + ".weight", {d}, p.norm1.data() + m * d, d);
    f64("norm2." + s + ".weight", {d}, p.norm2.data() + m * d, d);
    f64("short_conv.norms." + s + ".weight", {d}, p.conv_norm.data() + m * d, d);
  }
  f64("short_conv.conv.weight", {dims.C(), 1, dims.kernel}, p.conv_w.data(), p.conv_w.size());
  w.write(out("fuzz_layer_weights", "f64_dense_no_offsets.safetensors"));
}

void tables() {
  struct T {
    const char* name;
    RowDtype dtype;
    uint32_t dim, rows_per_block;
  };
  for (const T& t : {T{"f32_4blocks.engt", RowDtype::kF32, 4, 4}, T{"bf16.engt", RowDtype::kBf16, 8, 0},
                     T{"fp8.engt", RowDtype::kFp8E4m3, 32, 3}, T{"int8.engt", RowDtype::kInt8, 4, 5}}) {
    TableSpec spec;
    spec.layer_id = 1;
    spec.dtype = t.dtype;
    spec.dim = t.dim;
    spec.head_rows = {5, 7, 3};
    spec.rows_per_block = t.rows_per_block;
    write_random_table(out("fuzz_table_stores", t.name), spec, 11);
  }
  // A table made for a hashing config (canonical config JSON and fingerprint in the header).
  HashConfig h = hash_config_from_json(parse_json(R"({"engram_vocab_size": [20, 20], "max_ngram_size": 3,
      "n_embed_per_ngram": 8, "n_head_per_ngram": 2, "layer_ids": [1, 3], "pad_id": 2, "seed": 0})", "seed"), "seed");
  write_random_table(out("fuzz_table_stores", "with_config.engt"), table_spec_for(h, 3, RowDtype::kF32), 12);
}

void id_lists() {
  const char* env = std::getenv("ENGRAM_TOKENIZER");
  const std::string path = env && *env ? env : default_tokenizer_path();
  Tokenizer tok = Tokenizer::load(path);
  auto put = [&](const std::string& name, uint8_t mode, const std::vector<int32_t>& ids) {
    std::string b(1, static_cast<char>(mode));
    for (int32_t id : ids)
      for (int k = 0; k < 4; ++k) b.push_back(static_cast<char>((static_cast<uint32_t>(id) >> (8 * k)) & 0xff));
    write_file_atomic(out("fuzz_decode", name), b);
  };
  put("english.ids", 0, tok.encode("The quick brown fox jumps over the lazy dog.\n"));
  put("mixed_scripts.ids", 0, tok.encode("naïve café 東京 😀 λx → y  \t\n"));
  // The bytes of a multi-byte character split over ids: the UTF-8 repair path.
  std::vector<int32_t> split = tok.encode("東京");
  std::vector<int32_t> half(split.begin(), split.end());
  half.push_back(split.front());
  put("repeat.ids", 0, half);
  put("out_of_range.ids", 0, {1, -1, tok.size(), 2147483647});
  put("folded.ids", 1, {5, 100000, 999999, -7});
  put("specials.ids", 2, {0, 1, 2, 3, 800});
}

}  // namespace

int main(int argc, char** argv) {
  root = argc > 1 ? argv[1] : "tests/fuzz/corpus";
  std::printf("fuzz seeds under %s:\n", root.c_str());
  checkpoints();
  token_files();
  layer_weights();
  tables();
  id_lists();
  return 0;
}
