// Checkpoint files (src/train/checkpoint.h): a round trip, then every refusal of a damaged or
// foreign checkpoint, each an Error that names what is wrong: not a checkpoint, unknown
// format, metadata missing or not an integer, another model config, a missing or
// mis-shaped tensor, a bad vocabulary map (wrong length, negative, too large or repeated
// ids), and table paths in the metadata that leave the checkpoint's folder. Resume with
// another batch, seq or seed: tests/train/recipe_test.cpp.
#include "train/checkpoint.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <map>

#include "core/error.h"
#include "core/file.h"
#include "core/json_util.h"
#include "core/paths.h"
#include "io/safetensors.h"
#include "test_util.h"
#include "train/store_table.h"
#include "train/trainer.h"

namespace engram::train {
namespace {

constexpr int64_t kVocab = 40;
const char* kTable = "layers.1.engram.multi_head_embedding.embedding.weight";

model::ModelConfig tiny(int64_t d_model = 16) {
  Json j = parse_json(R"({"d_model": 16, "n_layers": 2, "n_heads": 2, "max_seq_len": 16, "init_std": 0.05,
    "ffn": {"type": "moe", "hidden": 16, "n_experts": 4, "top_k": 2, "shared_hidden": 8},
    "engram": {"layer_ids": [1], "max_ngram_size": 3, "n_embed_per_ngram": 8, "n_head_per_ngram": 2,
               "engram_vocab_size": [211, 211], "pad_id": 2, "seed": 0, "kernel_size": 4}})",
                      "tiny config");
  j["d_model"] = d_model;
  model::ModelConfig cfg = model::ModelConfig::from_json(j, "tiny config");
  cfg.vocab_size = kVocab;
  return cfg;
}

VocabMap vocab_map() {
  std::vector<int32_t> ids;
  for (int32_t i = 0; i < kVocab; ++i) ids.push_back(3 * i + 1);  // a subset of tokenizer ids
  return VocabMap::from_list(ids);
}

std::string dir_for(const std::string& name) {
  const std::string d = test::scratch_dir() + "/ckpt_" + name;
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

// A checkpoint of a seed-1 model at step 7.
std::string write_checkpoint(const std::string& name) {
  const std::string path = dir_for(name) + "/ck.safetensors";
  model::Transformer m(tiny(), 1);
  save_checkpoint(path, m, nullptr, vocab_map(), {7, "00ff", R"({"batch": 4})"});
  return path;
}

// Rewrites `path` with `edit` applied to its metadata and tensors (name -> {dtype, shape, bytes}).
struct Tensor {
  DType dtype;
  std::vector<int64_t> shape;
  std::string bytes;
};
void rewrite(const std::string& path,
             const std::function<void(std::map<std::string, std::string>&, std::map<std::string, Tensor>&)>& edit) {
  std::map<std::string, std::string> md;
  std::map<std::string, Tensor> tensors;
  {
    SafeTensors st = SafeTensors::load(path);
    md = st.metadata();
    for (const TensorInfo& t : st.tensors())
      tensors[t.name] = {t.dtype, t.shape, std::string(reinterpret_cast<const char*>(st.data(t)), t.nbytes)};
  }
  edit(md, tensors);
  SafeTensorsWriter w;
  for (const auto& [k, v] : md) w.set_metadata(k, v);
  for (const auto& [name, t] : tensors) w.add(name, t.dtype, t.shape, t.bytes.data(), t.bytes.size());
  w.write(path);
}

std::string i64_bytes(const std::vector<int64_t>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(int64_t));
}

// load_checkpoint into a fresh model of `cfg` (and a VocabMap) must throw an Error whose
// message contains every one of `needles`.
void expect_load_error(const std::string& path, const std::vector<std::string>& needles,
                       const model::ModelConfig& cfg = tiny()) {
  model::Transformer m(cfg, 2);
  VocabMap v;
  try {
    load_checkpoint(path, m, nullptr, &v);
    ADD_FAILURE() << "the checkpoint was accepted; expected an error mentioning " << needles[0];
  } catch (const Error& e) {
    for (const std::string& n : needles) EXPECT_NE(std::string(e.what()).find(n), std::string::npos) << e.what();
  }
}

TEST(Checkpoint, RoundTrip) {
  const std::string path = write_checkpoint("roundtrip");
  EXPECT_EQ(checkpoint_config(path).to_json(), tiny().to_json());
  model::Transformer a(tiny(), 1), b(tiny(), 2);
  ASSERT_NE(a.param(kTable).data, b.param(kTable).data);
  VocabMap v;
  CheckpointInfo info = load_checkpoint(path, b, nullptr, &v);
  EXPECT_EQ(info.step, 7);
  EXPECT_EQ(info.tokenizer_hash, "00ff");
  EXPECT_EQ(info.extra_json, R"({"batch": 4})");
  EXPECT_EQ(v.model_to_tok, vocab_map().model_to_tok);
  EXPECT_EQ(v.to_model(4, 0), 1);
  for (size_t i = 0; i < a.params().size(); ++i) EXPECT_EQ(a.params()[i].data, b.params()[i].data) << a.params()[i].name;
}

TEST(Checkpoint, NotACheckpoint) {
  const std::string path = dir_for("plain") + "/weights.safetensors";
  SafeTensorsWriter w;
  std::vector<float> x(4, 1.0f);
  w.add_f32("x", {4}, x);
  w.write(path);
  try {
    checkpoint_config(path);
    FAIL() << "a plain safetensors file was taken for a checkpoint";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not an engram checkpoint"), std::string::npos) << e.what();
  }
  expect_load_error(path, {path, "lacks 'format'"});
  write_file_atomic(path, "not safetensors at all");
  EXPECT_THROW(checkpoint_config(path), Error);
  EXPECT_THROW(checkpoint_config(dir_for("none") + "/missing.safetensors"), Error);
}

TEST(Checkpoint, UnknownFormatIsRefused) {
  const std::string path = write_checkpoint("format");
  rewrite(path, [](auto& md, auto&) { md["format"] = "engram-checkpoint-0"; });
  expect_load_error(path, {"unknown checkpoint format 'engram-checkpoint-0'"});
}

TEST(Checkpoint, MissingOrBadMetadataIsNamed) {
  const std::string path = write_checkpoint("metadata");
  rewrite(path, [](auto& md, auto&) { md.erase("step"); });
  expect_load_error(path, {"lacks 'step'"});
  rewrite(path, [](auto& md, auto&) { md["step"] = "seven"; });
  expect_load_error(path, {"'step' is not an integer"});
  rewrite(path, [](auto& md, auto&) { md["config"] = "{not json"; });
  EXPECT_THROW(checkpoint_config(path), Error);
  expect_load_error(path, {"config"});
}

TEST(Checkpoint, AnotherModelConfigIsRefused) {
  const std::string path = write_checkpoint("config");
  expect_load_error(path, {"written for another model config", "HINT"}, tiny(32));
  model::ModelConfig other_vocab = tiny();
  other_vocab.vocab_size = kVocab + 1;
  expect_load_error(path, {"written for another model config"}, other_vocab);
}

TEST(Checkpoint, MissingOrMisShapedTensorIsNamed) {
  const std::string path = write_checkpoint("tensors");
  const std::string name = "param/layers.0.attn.wq.weight";
  rewrite(path, [&](auto&, auto& t) { ASSERT_EQ(t.erase(name), 1u); });
  expect_load_error(path, {"'" + name + "' is missing"});
  const std::string path2 = write_checkpoint("tensors2");
  rewrite(path2, [&](auto&, auto& t) {
    t[name].shape = {8, 32};
  });
  expect_load_error(path2, {"'" + name + "' has shape [8, 32], expected [16, 16]"});
}

TEST(Checkpoint, BadVocabMapIsRefused) {
  const std::string path = write_checkpoint("vocab");
  auto with_vocab = [&](std::vector<int64_t> ids) {
    rewrite(path, [&](auto&, auto& t) {
      t["vocab/model_to_tok"] = {DType::kI64, {static_cast<int64_t>(ids.size())}, i64_bytes(ids)};
    });
  };
  std::vector<int64_t> ids(kVocab);
  for (int64_t i = 0; i < kVocab; ++i) ids[i] = 3 * i + 1;

  std::vector<int64_t> shorter(ids.begin(), ids.end() - 1);
  with_vocab(shorter);
  expect_load_error(path, {"'vocab/model_to_tok' has shape [39], expected [40]"});
  std::vector<int64_t> negative = ids;
  negative[5] = -3;
  with_vocab(negative);
  expect_load_error(path, {"invalid token id -3"});
  std::vector<int64_t> huge = ids;
  huge[0] = int64_t{1} << 40;
  with_vocab(huge);
  expect_load_error(path, {"invalid token id 1099511627776"});
  std::vector<int64_t> repeated = ids;
  repeated[9] = repeated[3];
  with_vocab(repeated);
  expect_load_error(path, {"lists token id 10 twice"});
  rewrite(path, [&](auto&, auto& t) { t.erase("vocab/model_to_tok"); });
  expect_load_error(path, {"'vocab/model_to_tok' is missing"});
  // Without a VocabMap to fill, the weights still load (evaluation reads the map elsewhere).
  model::Transformer m(tiny(), 2);
  EXPECT_EQ(load_checkpoint(path, m, nullptr, nullptr).step, 7);
}

// A checkpoint whose Engram table lives in files beside it ("tables" metadata): names in
// the metadata that would reach outside its folder are refused before anything is read.
TEST(Checkpoint, TablePathsMustStayInTheCheckpointFolder) {
  const std::string dir = dir_for("tables");
  const std::string path = dir + "/ck.safetensors";
  {
    model::Transformer m(tiny(), 1);
    TableStoreOptions topt;
    topt.kind = "pread";
    topt.dir = dir + "/work";
    auto stores = attach_table_stores(m, topt);
    save_checkpoint(path, m, nullptr, vocab_map(), {3, "00ff", "{}"});
  }
  const Json good = parse_json(SafeTensors::load(path).metadata().at("tables"), "tables");
  ASSERT_TRUE(good.contains(kTable)) << good.dump();
  {
    model::Transformer a(tiny(), 1), b(tiny(), 2);
    load_checkpoint(path, b, nullptr, nullptr);
    EXPECT_EQ(a.param(kTable).data, b.param(kTable).data) << "the table read back from its files";
  }
  // A file outside the folder a traversal would reach: it must never be opened.
  write_file_atomic(test::scratch_dir() + "/outside.engt", "x");
  const std::string here = good[kTable]["dir"].get<std::string>();
  for (const auto& [key, bad] : std::vector<std::pair<std::string, std::string>>{
           {"dir", "../" + here},
           {"dir", "/etc"},
           {"dir", ""},
           {"dir", here + "/../../ckpt_tables"},
           {"value", "../../outside.engt"},
           {"adam_m", "/tmp/x.engt"},
           {"adam_v", "a/../../b"}}) {
    SCOPED_TRACE(key + " = '" + bad + "'");
    rewrite(path, [&](auto& md, auto&) {
      Json t = good;
      t[kTable][key] = bad;
      md["tables"] = t.dump();
    });
    expect_load_error(path, {"tables: " + std::string(kTable) + "." + key, "is not a plain relative name"});
  }
  // A table file that is not there is an error too (not silently a fresh table).
  rewrite(path, [&](auto& md, auto&) {
    Json t = good;
    t[kTable]["value"] = "missing.engt";
    md["tables"] = t.dump();
  });
  expect_load_error(path, {"missing.engt"});
}

}  // namespace
}  // namespace engram::train
