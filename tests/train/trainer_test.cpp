// End-to-end training on a slice of the KJV text with a tiny Engram+MoE model: resume is
// exact, a corpus too short fails clearly, a diverging run stops with the last good
// checkpoint intact, and a kill -9 during a checkpoint write leaves the previous one whole.
// With the Engram tables in memory-tier stores (ram, mmap, pread, ssd, with a cache) the
// run is bit for bit the run with RAM tables, resumes exactly, and survives a kill -9. The
// gate statistics by n-gram training count bucket positions as an independent count does.
#include "train/trainer.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <map>
#include <set>

#include "core/error.h"
#include "core/file.h"
#include "core/json_util.h"
#include "core/mix.h"
#include "core/paths.h"
#include "model/transformer.h"
#include "test_util.h"
#include "memory/uring_store.h"
#include "train/checkpoint.h"
#include "train/gate_frequency.h"
#include "train/token_file.h"
#include "train/store_table.h"

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

// Forks a child that runs `write_forever` and kills it with SIGKILL after `delay_us`.
void kill_writer_after(int delay_us, const std::function<void()>& write_forever) {
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    write_forever();
    _exit(0);
  }
  usleep(delay_us);
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

// What an interrupted atomic write leaves under `dir` (recursively when asked): temp files
// ".<name>.tmp.XXXXXX" beside their target (src/core/file.cpp) and staging folders
// "step-<N>-<nonce>.tmp" of table snapshots (src/train/checkpoint.cpp), names starting
// with `prefix`. A kill that lands mid-write leaves one that was not there before.
std::set<std::string> temp_leftovers(const std::string& dir, const std::string& prefix, bool recursive) {
  std::set<std::string> out;
  std::error_code ec;
  auto visit = [&](const std::filesystem::directory_entry& e) {
    const std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) == 0 && name.find(".tmp") != std::string::npos) out.insert(e.path().string());
  };
  if (!std::filesystem::is_directory(dir, ec)) return out;
  if (recursive)
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec)) visit(e);
  else
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) visit(e);
  return out;
}

// Kills a checkpoint writer at varied delays until at least one kill interrupted a write
// (`leftovers` grew) and at least 5 attempts were made, at most 30; after each, `check`
// probes what is on disk. Fails if no kill ever landed mid-write (nothing was tested).
void kill_until_a_write_is_interrupted(const std::function<std::set<std::string>()>& leftovers,
                                       const std::function<void()>& write_forever,
                                       const std::function<void(int attempt)>& check) {
  int attempts = 0, interrupted = 0;
  for (; attempts < 30 && (attempts < 5 || interrupted == 0); ++attempts) {
    const std::set<std::string> before = leftovers();
    kill_writer_after(30000 + (attempts % 6) * 20000 + attempts * 1000, write_forever);
    for (const std::string& p : leftovers()) {
      if (before.count(p)) continue;
      ++interrupted;
      break;
    }
    check(attempts);
  }
  std::printf("%d of %d kills landed mid-write\n", interrupted, attempts);
  EXPECT_GE(interrupted, 1) << "no kill landed while a checkpoint was being written: nothing was tested";
}

// Runs `part` until it is interrupted after step 5 (its checkpoint holds step 5), resumes
// it with `resume_tables` and checks steps 5..9 and the final held-out loss against the
// uninterrupted run `full`.
TrainResult resume_and_compare(TrainOptions part, const TableStoreOptions& resume_tables, const TrainResult& full) {
  part.stop_after = 5;
  EXPECT_EQ(train(part).steps_done, 5);
  part.stop_after = -1;
  part.resume = true;
  part.tables = resume_tables;
  TrainResult r = train(part);
  EXPECT_EQ(r.train_losses.size(), 5u);
  for (size_t i = 0; i < 5 && i < r.train_losses.size(); ++i)
    EXPECT_EQ(r.train_losses[i], full.train_losses[5 + i]) << "step " << 5 + i;
  EXPECT_EQ(r.last_eval_loss, full.last_eval_loss);
  return r;
}

}  // namespace

TEST(Trainer, LossFallsAndResumeIsExact) {
  TrainOptions full = base("full");
  TrainResult a = train(full);
  ASSERT_EQ(a.train_losses.size(), 10u);
  EXPECT_LT(a.eval_losses.back().second, a.eval_losses.front().second + 1e-9);
  EXPECT_LT(a.train_losses.back(), a.train_losses.front());

  TrainOptions part = base("part");
  TrainResult b2 = resume_and_compare(part, part.tables, a);
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
  const std::string leaf = ".kill_ck.safetensors.tmp.";
  auto leftovers = [&] { return temp_leftovers(test::scratch_dir(), leaf, false); };
  kill_until_a_write_is_interrupted(
      leftovers,
      [&] {
        model::Transformer m(cfg, 2);
        for (;;) save_checkpoint(ck, m, nullptr, vocab, {2, "x", "{}"});
      },
      [&](int attempt) {
        // Either the old checkpoint or a complete new one, never a torn file.
        model::Transformer probe(cfg, 3);
        CheckpointInfo info = load_checkpoint(ck, probe, nullptr, nullptr);
        EXPECT_TRUE(info.step == 1 || info.step == 2) << "attempt " << attempt;
      });
  for (const std::string& p : leftovers()) std::filesystem::remove(p);
}

// ---- Engram tables in memory-tier stores ----

const char* kTable = "layers.1.engram.multi_head_embedding.embedding.weight";

TEST(TrainerTables, StoresTrainBitForBitAsRamTables) {
  TrainOptions ref = base("tables_ref");
  ref.steps = 6;
  ref.optim.total_steps = 6;
  TrainResult a = train(ref);
  std::vector<std::pair<std::string, double>> kinds = {{"ram", 0}, {"mmap", 0}, {"pread", 0}, {"pread", 0.02}};
  const bool uring = UringStore::available();
  if (uring) kinds.push_back({"ssd", 0.02});
  for (const auto& [kind, cache] : kinds) {
    TrainOptions o = base("tables_" + kind);
    o.steps = 6;
    o.optim.total_steps = 6;
    o.tables.kind = kind;
    o.tables.cache_mb = cache;
    TrainResult b = train(o);
    SCOPED_TRACE(b.tables);
    ASSERT_EQ(b.train_losses.size(), a.train_losses.size());
    for (size_t i = 0; i < a.train_losses.size(); ++i) EXPECT_EQ(b.train_losses[i], a.train_losses[i]) << "step " << i;
    EXPECT_EQ(b.last_eval_loss, a.last_eval_loss);
    if (cache > 0) {
      EXPECT_GT(b.table_hit_rate, 0.0);
    }
    // The checkpoint's table is the RAM run's table, read back from its file.
    model::ModelConfig cfg = checkpoint_config(a.checkpoint_path);
    model::Transformer ra(cfg, 0), rb(cfg, 0);
    load_checkpoint(a.checkpoint_path, ra, nullptr, nullptr);
    load_checkpoint(b.checkpoint_path, rb, nullptr, nullptr);
    EXPECT_EQ(ra.param(kTable).data, rb.param(kTable).data);
    EXPECT_TRUE(std::filesystem::is_directory(b.checkpoint_path + ".tables"));
  }
  if (!uring)
    GTEST_SKIP() << "the ssd kind was not checked: io_uring is unavailable here (no liburing at configure time, "
                    "or io_uring_queue_init refused by the kernel or a seccomp filter)";
}

TEST(TrainerTables, ResumeFromStoreTablesIsExact) {
  TrainOptions full = base("tables_full");
  full.tables.kind = "pread";
  full.tables.cache_mb = 0.02;
  TrainResult a = train(full);
  TrainOptions part = base("tables_part");
  part.tables = full.tables;
  TrainResult b = resume_and_compare(part, part.tables, a);
  // Only the current checkpoint's table directory is left.
  int dirs = 0;
  for (const auto& e : std::filesystem::directory_iterator(b.checkpoint_path + ".tables")) {
    ++dirs;
    EXPECT_EQ(e.path().filename().string().rfind("step-10-", 0), 0u) << e.path();
  }
  EXPECT_EQ(dirs, 1);
  // A checkpoint trained with store tables evaluates like any other (tables read into RAM).
  EvalResult ev = evaluate_checkpoint(b.checkpoint_path, part.data_path, part.tokenizer_path, part.batch,
                                      part.eval_batches, part.heldout_fraction);
  EXPECT_EQ(ev.loss, b.last_eval_loss);
  // Resuming a RAM-table checkpoint with the tables in a store (and back) is exact too.
  TableStoreOptions mmap;
  mmap.kind = "mmap";
  resume_and_compare(base("tables_mixed"), mmap, a);
}

TEST(TrainerTables, CorruptCheckpointTableIsRefusedOnResume) {
  TrainOptions o = base("tables_corrupt");
  o.tables.kind = "ram";
  o.stop_after = 2;
  TrainResult r = train(o);
  std::string dir;
  for (const auto& e : std::filesystem::directory_iterator(r.checkpoint_path + ".tables")) dir = e.path().string();
  const std::string value = dir + "/layer1.value.engt";
  {
    std::string bytes = read_file(value);
    bytes[4096 + 10] ^= 0x20;  // a byte of block 0's rows
    write_file_atomic(value, bytes);
  }
  o.stop_after = -1;
  o.resume = true;
  try {
    train(o);
    FAIL() << "a corrupt table file was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("layer1.value.engt"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("checksum"), std::string::npos) << e.what();
  }
}

TEST(TrainerTables, BadOptionsAreClearErrors) {
  TableStoreOptions o;
  o.kind = "disk";
  EXPECT_THROW(validate(o), Error);
  o.kind = "ram";
  o.cache_mb = 1;
  EXPECT_THROW(validate(o), Error);
  o.kind = "pread";
  o.cache_mb = -1;
  EXPECT_THROW(validate(o), Error);
}

TEST(TrainerTables, KillDuringCheckpointWriteKeepsThePreviousTables) {
  model::ModelConfig cfg = model::ModelConfig::load(tiny_config());
  cfg.vocab_size = 20000;
  const std::string dir = test::scratch_dir() + "/kill_tables";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string ck = dir + "/ck.safetensors";
  VocabMap vocab;
  for (int i = 0; i < 20000; ++i) vocab.model_to_tok.push_back(i);
  vocab = VocabMap::from_list(vocab.model_to_tok);
  TableStoreOptions topt;
  topt.kind = "pread";
  std::vector<float> table1, table2;
  {
    model::Transformer m(cfg, 1);
    table1 = m.param(kTable).data;
    topt.dir = dir + "/work1";
    auto st = attach_table_stores(m, topt);
    save_checkpoint(ck, m, nullptr, vocab, {1, "x", "{}"});
    model::Transformer m2(cfg, 2);
    table2 = m2.param(kTable).data;
  }
  // Leftovers of the checkpoint write only (not of the stores' own work files).
  auto leftovers = [&] {
    std::set<std::string> a = temp_leftovers(dir, ".ck.safetensors.tmp.", false);
    std::set<std::string> b = temp_leftovers(ck + ".tables", "", true);
    a.insert(b.begin(), b.end());
    return a;
  };
  kill_until_a_write_is_interrupted(
      leftovers,
      [&] {
        model::Transformer m(cfg, 2);
        topt.dir = dir + "/work2";
        auto st = attach_table_stores(m, topt);
        for (;;) save_checkpoint(ck, m, nullptr, vocab, {2, "x", "{}"});
      },
      [&](int attempt) {
        // The checkpoint names a whole table directory: the old one or a complete new one.
        model::Transformer probe(cfg, 3);
        CheckpointInfo info = load_checkpoint(ck, probe, nullptr, nullptr);
        ASSERT_TRUE(info.step == 1 || info.step == 2);
        EXPECT_EQ(probe.param(kTable).data, info.step == 1 ? table1 : table2) << "attempt " << attempt;
      });
}

// The gate statistics put each held-out position in the bucket of its n-gram's training
// count: checked against an independent count (a map of id vectors) over the same split.
TEST(GateFrequency, BucketsMatchAnIndependentCount) {
  TrainOptions o = base("gate_frequency");
  o.steps = 4;
  o.optim.total_steps = 4;
  train(o);
  const std::string ck = o.out_dir + "/checkpoint.safetensors";
  const GateFrequency r = gate_frequency(ck, o.data_path, o.tokenizer_path, 0.05, 2);
  ASSERT_EQ(r.layer_ids, std::vector<int>{1});
  ASSERT_EQ(r.ngram, 3);
  ASSERT_EQ(r.buckets.size(), 3u);

  const TokenFile tf = TokenFile::open(ensure_token_file(o.data_path, o.tokenizer_path),
                                       [&] {
                                         const std::string tj = read_file(o.tokenizer_path);
                                         return fnv1a64(tj.data(), tj.size());
                                       }());
  const std::span<const uint32_t> all = tf.tokens();
  const int64_t n = static_cast<int64_t>(all.size());
  const int64_t train_end = n - static_cast<int64_t>(static_cast<double>(n) * 0.05);
  EXPECT_EQ(r.train_tokens, train_end);
  std::map<std::vector<uint32_t>, int64_t> counts;
  for (int64_t i = 2; i < train_end; ++i) ++counts[{all[i - 2], all[i - 1], all[i]}];
  EXPECT_EQ(r.distinct_train_ngrams, static_cast<int64_t>(counts.size()));
  const int64_t T = 32, windows = (n - train_end) / (T + 1);
  int64_t expect[3] = {0, 0, 0};
  for (int64_t w = 0; w < windows; ++w)
    for (int64_t t = 2; t < T; ++t) {
      const int64_t p = train_end + w * (T + 1) + t;
      const auto it = counts.find({all[p - 2], all[p - 1], all[p]});
      const int64_t c = it == counts.end() ? 0 : it->second;
      ++expect[c == 0 ? 0 : c <= 2 ? 1 : 2];
    }
  EXPECT_EQ(r.heldout_positions, windows * (T - 2));
  for (int k = 0; k < 3; ++k) {
    EXPECT_EQ(r.buckets[k].positions, expect[k]) << r.buckets[k].name;
    ASSERT_EQ(r.buckets[k].mean_gate.size(), 1u);
    if (expect[k] > 0) {
      EXPECT_GT(r.buckets[k].mean_gate[0], 0.0);
      EXPECT_LT(r.buckets[k].mean_gate[0], 1.0);
    }
  }
  EXPECT_GT(expect[0], 0);  // a 6 KB held-out split has n-grams training never saw
  EXPECT_GT(expect[2], 0);  // and frequent ones

  EXPECT_NE(test::error_of([&] { gate_frequency(ck, o.data_path, o.tokenizer_path, 1.5); }).find("heldout fraction"),
            std::string::npos);
}

}  // namespace engram::train
