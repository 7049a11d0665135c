// End-to-end training on a slice of the KJV text with a tiny Engram+MoE model: resume is
// exact, a corpus too short fails clearly, a diverging run stops with the last good
// checkpoint intact, and a kill -9 during a checkpoint write leaves the previous one whole.
#include "train/trainer.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "core/error.h"
#include "core/file.h"
#include "core/json_util.h"
#include "core/paths.h"
#include "model/transformer.h"
#include "test_util.h"
#include "train/checkpoint.h"

namespace engram::train {

namespace {

std::string corpus_slice(size_t bytes) {
  const std::string path = cache_dir() + "/corpora/kjv.txt";
  const std::string text = read_file(path);
  const std::string out = test::scratch_dir() + "/kjv_" + std::to_string(bytes) + ".txt";
  if (!file_exists(out)) write_file_atomic(out, text.substr(0, bytes));
  return out;
}

std::string tiny_config() {
  const std::string p = test::scratch_dir() + "/tiny_lm.json";
  write_file_atomic(p, R"({"d_model": 32, "n_layers": 2, "n_heads": 2, "max_seq_len": 32, "init_std": 0.05,
    "ffn": {"type": "moe", "hidden": 32, "n_experts": 4, "top_k": 2, "shared_hidden": 16},
    "engram": {"layer_ids": [1], "max_ngram_size": 3, "n_embed_per_ngram": 16, "n_head_per_ngram": 2,
               "engram_vocab_size": [2003, 2003], "pad_id": 2, "seed": 0, "kernel_size": 4}})");
  return p;
}

TrainOptions base(const std::string& out) {
  TrainOptions o;
  o.config_path = tiny_config();
  o.data_path = corpus_slice(120000);
  o.tokenizer_path = test::tokenizer_path();
  o.out_dir = test::scratch_dir() + "/" + out;
  std::filesystem::remove_all(o.out_dir);
  o.steps = 10;
  o.batch = 4;
  o.eval_every = 5;
  o.eval_batches = 2;
  o.ckpt_every = 2;
  o.optim.total_steps = 10;
  o.optim.warmup_steps = 2;
  o.optim.lr = 1e-2f;
  o.quiet = true;
  return o;
}

}  // namespace

TEST(Trainer, LossFallsAndResumeIsExact) {
  TrainOptions full = base("full");
  TrainResult a = train(full);
  ASSERT_EQ(a.train_losses.size(), 10u);
  EXPECT_LT(a.eval_losses.back().second, a.eval_losses.front().second + 1e-9);
  EXPECT_LT(a.train_losses.back(), a.train_losses.front());

  TrainOptions part = base("part");
  part.stop_after = 5;  // interrupted after step 5 (checkpoint at step 5: last step done)
  TrainResult b1 = train(part);
  EXPECT_EQ(b1.steps_done, 5);
  part.stop_after = -1;
  part.resume = true;
  TrainResult b2 = train(part);
  ASSERT_EQ(b2.train_losses.size(), 5u);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(b2.train_losses[i], a.train_losses[5 + i]) << "step " << 5 + i;
  EXPECT_EQ(b2.last_eval_loss, a.last_eval_loss);
  // The metrics log of the resumed run holds each step once.
  std::string log = read_file(b2.metrics_path);
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 10);
  EXPECT_TRUE(file_exists(b2.plot_path));
}

TEST(Trainer, CorpusTooShortIsAClearError) {
  TrainOptions o = base("short");
  o.data_path = corpus_slice(100);
  try {
    train(o);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("corpus too short"), std::string::npos) << e.what();
  }
}

TEST(Trainer, DivergenceStopsAndKeepsTheLastGoodCheckpoint) {
  TrainOptions o = base("nan");
  o.stop_after = 4;
  train(o);
  const std::string ck = o.out_dir + "/checkpoint.safetensors";
  const std::string before = read_file(ck);
  o.stop_after = -1;
  o.resume = true;
  o.optim.lr = 1e30f;  // Adam steps of ~1e30 overflow the next forward
  o.optim.min_lr = 1e30f;
  o.ckpt_every = 1000;
  try {
    train(o);
    FAIL() << "expected the run to stop on a non-finite loss";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_TRUE(msg.find("became") != std::string::npos) << msg;
    EXPECT_NE(msg.find("checkpoint"), std::string::npos) << msg;
  }
  EXPECT_EQ(read_file(ck), before);
}

TEST(Trainer, KillDuringCheckpointWriteKeepsThePreviousOne) {
  model::ModelConfig cfg = model::ModelConfig::load(tiny_config());
  cfg.vocab_size = 20000;  // a larger file so the kill lands mid-write
  const std::string ck = test::scratch_dir() + "/kill_ck.safetensors";
  VocabMap vocab;
  for (int i = 0; i < 20000; ++i) vocab.model_to_tok.push_back(i);
  vocab = VocabMap::from_list(vocab.model_to_tok);
  {
    model::Transformer m(cfg, 1);
    save_checkpoint(ck, m, nullptr, vocab, {1, "x", "{}"});
  }
  const std::string good = read_file(ck);
  for (int attempt = 0; attempt < 5; ++attempt) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      model::Transformer m(cfg, 2);
      for (;;) save_checkpoint(ck, m, nullptr, vocab, {2, "x", "{}"});
    }
    usleep(30000 + attempt * 20000);
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    // Either the old checkpoint or a complete new one, never a torn file.
    model::Transformer probe(cfg, 3);
    CheckpointInfo info = load_checkpoint(ck, probe, nullptr, nullptr);
    EXPECT_TRUE(info.step == 1 || info.step == 2);
  }
}

}  // namespace engram::train
