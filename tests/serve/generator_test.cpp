// Generation from a small trained checkpoint: every table tier gives the same text as the
// model's own table, bad prompts and damaged files give clear errors.
#include "engram/generate.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include "core/error.h"
#include "core/file.h"
#include "core/paths.h"
#include "io/safetensors.h"
#include "test_util.h"
#include "train/trainer.h"

namespace engram::serve {

namespace {

const std::string& checkpoint() {
  static const std::string ck = [] {
    // ctest runs each test in its own process, in parallel: one folder per process.
    const std::string dir = test::scratch_dir() + "/gen_" + std::to_string(::getpid());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const std::string text = read_file(cache_dir() + "/corpora/kjv.txt").substr(0, 60000);
    write_file_atomic(dir + "/corpus.txt", text);
    write_file_atomic(dir + "/cfg.json", R"({"d_model": 32, "n_layers": 2, "n_heads": 2, "max_seq_len": 64,
      "ffn": {"type": "moe", "hidden": 32, "n_experts": 4, "top_k": 2, "shared_hidden": 16},
      "engram": {"layer_ids": [0, 1], "max_ngram_size": 3, "n_embed_per_ngram": 16, "n_head_per_ngram": 2,
                 "engram_vocab_size": [3001, 3001], "pad_id": 2, "seed": 0, "kernel_size": 4}})");
    train::TrainOptions o;
    o.config_path = dir + "/cfg.json";
    o.data_path = dir + "/corpus.txt";
    o.tokenizer_path = test::tokenizer_path();
    o.out_dir = dir + "/run";
    o.steps = 3;
    o.batch = 2;
    o.eval_every = 0;
    o.quiet = true;
    train::train(o);
    return o.out_dir + "/checkpoint.safetensors";
  }();
  return ck;
}

std::vector<std::string> run(const TierOptions& tier, GenerateStats* st = nullptr) {
  Generator g(checkpoint(), test::tokenizer_path(), tier);
  std::vector<std::string> out(2);
  SampleOptions o;
  o.seed = 3;
  auto s = g.generate({"And God said", "And the earth was"}, 12, o, [&](size_t i, const std::string& p) { out[i] += p; });
  if (st) *st = s;
  return out;
}

}  // namespace

TEST(Generator, EveryTierGivesTheSameText) {
  GenerateStats st;
  auto ref = run({});
  EXPECT_FALSE(ref[0].empty());
  for (const char* kind : {"ram", "mmap", "ssd"}) {
    for (bool prefetch : {true, false}) {
      TierOptions t;
      t.kind = kind;
      t.cache_mb = 1;
      t.prefetch = prefetch;
      EXPECT_EQ(run(t, &st), ref) << kind << (prefetch ? " prefetch" : " no prefetch");
      EXPECT_EQ(st.generated_tokens, 24);
    }
  }
  EXPECT_GT(st.table_hit_rate, 0.0);  // the ssd tier (the last run) has a cache, and rows repeat
}

TEST(Generator, PromptOutsideTheVocabularyNamesTheToken) {
  Generator g(checkpoint(), test::tokenizer_path());
  try {
    g.generate({"Quantum chromodynamics"}, 4, {}, [](size_t, const std::string&) {});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("not in the model's vocabulary"), std::string::npos) << m;
    EXPECT_NE(m.find("HINT"), std::string::npos) << m;
  }
}

TEST(Generator, DamagedTableFileIsRefused) {
  TierOptions t;
  t.kind = "mmap";
  run(t);  // exports the tables
  const std::string table = checkpoint() + ".layer1.engt";
  std::string bytes = read_file(table);
  bytes[bytes.size() / 2] ^= 0x40;
  write_file_atomic(table, bytes);  // newer than the checkpoint: not re-exported
  EXPECT_THROW(run(t), Error);
  std::filesystem::remove(table);  // a missing table is exported again
  EXPECT_NO_THROW(run(t));
}

TEST(Generator, CheckpointThatDoesNotMatchItsConfigIsRefused) {
  SafeTensors st = SafeTensors::load(checkpoint());
  SafeTensorsWriter w;
  for (const auto& [k, v] : st.metadata()) w.set_metadata(k, v);
  for (const auto& t : st.tensors()) {
    if (t.name == "param/norm_f.weight") continue;  // a tensor the config requires
    w.add(t.name, t.dtype, t.shape, st.data(t), t.nbytes);
  }
  const std::string bad = checkpoint() + ".bad.safetensors";
  w.write(bad);
  try {
    Generator g(bad, test::tokenizer_path());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("norm_f.weight"), std::string::npos) << e.what();
  }
}

}  // namespace engram::serve
