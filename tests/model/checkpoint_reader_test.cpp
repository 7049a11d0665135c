// The checkpoint reader of the model (src/model/checkpoint_reader.h), which serving loads
// through without the trainer: what load_model reads equals what was saved (every parameter,
// the routing biases, the vocabulary), with the Engram table either a tensor or table files
// beside the checkpoint (a table trained in a store), and a refusal of another model's config.
// Damaged checkpoints: tests/train/checkpoint_test.cpp (same reader).
#include "model/checkpoint_reader.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/error.h"
#include "core/json_util.h"
#include "test_util.h"
#include "train/checkpoint.h"
#include "train/store_table.h"

namespace engram::model {
namespace {

ModelConfig tiny(int64_t n_layers = 2) {
  Json j = parse_json(R"({"d_model": 16, "n_layers": 2, "n_heads": 2, "max_seq_len": 16, "init_std": 0.05,
    "ffn": {"type": "moe", "hidden": 16, "n_experts": 4, "top_k": 2, "shared_hidden": 8,
            "router": "sigmoid_bias"},
    "engram": {"layer_ids": [1], "max_ngram_size": 3, "n_embed_per_ngram": 8, "n_head_per_ngram": 2,
               "engram_vocab_size": [211, 211], "pad_id": 2, "seed": 0, "kernel_size": 4}})",
                      "tiny config");
  j["n_layers"] = n_layers;
  ModelConfig cfg = ModelConfig::from_json(j, "tiny config");
  cfg.vocab_size = 30;
  return cfg;
}

VocabMap vocab() {
  std::vector<int32_t> ids;
  for (int32_t i = 0; i < 30; ++i) ids.push_back(5 * i + 2);
  return VocabMap::from_list(ids);
}

std::string fresh_dir(const std::string& name) {
  const std::string d = test::scratch_dir() + "/ckreader_" + name;
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

// Every parameter and routing bias of `a` equals `b`'s, by name.
void expect_same_model(Transformer& a, Transformer& b) {
  ASSERT_EQ(a.params().size(), b.params().size());
  for (size_t i = 0; i < a.params().size(); ++i) {
    ASSERT_FALSE(a.params()[i].data.empty()) << a.params()[i].name;
    EXPECT_EQ(a.params()[i].data, b.params()[i].data) << a.params()[i].name;
  }
  auto ba = a.router_biases(), bb = b.router_biases();
  ASSERT_EQ(ba.size(), bb.size());
  ASSERT_FALSE(ba.empty());
  for (size_t i = 0; i < ba.size(); ++i) EXPECT_EQ(*ba[i], *bb[i]) << "router_bias/" << i;
}

TEST(CheckpointReader, LoadModelReadsWhatWasSaved) {
  const std::string path = fresh_dir("tensor") + "/ck.safetensors";
  Transformer saved(tiny(), 11);
  // Non-zero biases, so a reader that skipped them would differ.
  for (auto* b : saved.router_biases())
    for (size_t i = 0; i < b->size(); ++i) (*b)[i] = 0.01f * static_cast<float>(i + 1);
  train::save_checkpoint(path, saved, nullptr, vocab(), {9, "abcd", R"({"k": 1})"});

  EXPECT_EQ(checkpoint_config(path).to_json(), tiny().to_json());
  const CheckpointReader r(path);
  EXPECT_EQ(r.step(), 9);
  EXPECT_EQ(r.metadata("tokenizer_hash"), "abcd");
  Transformer loaded(checkpoint_config(path), 12);
  VocabMap v;
  load_model(path, loaded, &v);
  expect_same_model(saved, loaded);
  EXPECT_EQ(v.model_to_tok, vocab().model_to_tok);
  EXPECT_EQ(v.to_model(7, 0), 1);
}

TEST(CheckpointReader, TablesInFilesLoadIntoRam) {
  const std::string dir = fresh_dir("files");
  const std::string path = dir + "/ck.safetensors";
  const std::string table = "layers.1.engram.multi_head_embedding.embedding.weight";
  Transformer ref(tiny(), 21);  // the same seed: the values the store-backed model starts from
  {
    Transformer m(tiny(), 21);
    train::TableStoreOptions o;
    o.kind = "mmap";
    o.dir = dir + "/work";
    auto stores = train::attach_table_stores(m, o);
    ASSERT_TRUE(m.param(table).backend);
    train::save_checkpoint(path, m, nullptr, vocab(), {1, "00", "{}"});
  }
  const CheckpointReader r(path);
  ASSERT_TRUE(r.in_table_files(ref.param(table)));
  for (const std::string& f : r.table_files(ref.param(table))) EXPECT_TRUE(std::filesystem::exists(f)) << f;
  EXPECT_FALSE(r.in_table_files(ref.param("tok_emb.weight")));
  // The moments of a table in files are its zero-initialised moment files.
  const std::vector<float> m1 = r.read(ref.param(table), 1, tiny());
  EXPECT_EQ(m1, std::vector<float>(ref.param(table).numel(), 0.0f));

  Transformer loaded(tiny(), 22);
  load_model(path, loaded, nullptr);
  expect_same_model(ref, loaded);
}

TEST(CheckpointReader, AnotherConfigIsRefused) {
  const std::string path = fresh_dir("config") + "/ck.safetensors";
  Transformer saved(tiny(), 1);
  train::save_checkpoint(path, saved, nullptr, vocab(), {1, "00", "{}"});
  Transformer other(tiny(3), 1);
  try {
    load_model(path, other, nullptr);
    FAIL() << "a checkpoint of another config was loaded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("written for another model config"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace engram::model
