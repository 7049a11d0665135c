// The training recipe's options: learning-rate schedules, dense vs lazy Adam for tables,
// scaled residual init, evaluation over the whole held-out split, a resume that changes
// the batch shape or seed refused, and the parity dump's contents.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "core/error.h"
#include "core/file.h"
#include "core/paths.h"
#include "io/safetensors.h"
#include "model/transformer.h"
#include "test_util.h"
#include "train/batcher.h"
#include "train/metrics_log.h"
#include "train/optimizer.h"
#include "train/trainer.h"

namespace engram::train {

using model::Param;
using model::ParamKind;

TEST(Schedule, CosineFullLinearAndConstant) {
  OptimConfig c;
  c.lr = 1.0f;
  c.min_lr = 0.1f;
  c.warmup_steps = 10;
  c.total_steps = 110;
  c.schedule = LrSchedule::kCosineFull;
  EXPECT_NEAR(lr_at(c, 0), 0.1 * (0.1 + 0.45 * (1 + std::cos(0.0))), 1e-6);  // ramp x cosine at step 0
  EXPECT_NEAR(lr_at(c, 55), 0.55, 1e-6);                                      // the cosine's midpoint
  EXPECT_FLOAT_EQ(lr_at(c, 110), 0.1f);
  c.schedule = LrSchedule::kLinear;
  EXPECT_FLOAT_EQ(lr_at(c, 9), 1.0f);
  EXPECT_NEAR(lr_at(c, 60), 0.55, 1e-6);
  EXPECT_NEAR(lr_at(c, 35), 0.775, 1e-6);
  c.schedule = LrSchedule::kConstant;
  EXPECT_FLOAT_EQ(lr_at(c, 4), 0.5f);
  EXPECT_FLOAT_EQ(lr_at(c, 100), 1.0f);
  EXPECT_EQ(parse_schedule("cosine_full"), LrSchedule::kCosineFull);
  EXPECT_THROW(parse_schedule("step"), Error);
  EXPECT_THROW(parse_table_adam("sgd"), Error);
}

namespace {
Param table_param(std::vector<float> data) {
  Param p;
  p.name = std::string("t");
  p.shape = {static_cast<int64_t>(data.size()) / 2, 2};
  p.kind = ParamKind::kTable;
  p.data = std::move(data);
  return p;
}
}  // namespace

TEST(TableAdam, LazyLeavesUnhitRowsDenseMovesThemWithMomentum) {
  for (TableAdam mode : {TableAdam::kLazy, TableAdam::kDense}) {
    std::deque<Param> ps;
    ps.push_back(table_param({1, 1, 2, 2, 3, 3}));
    OptimConfig c;
    c.lr = 0.1f;
    c.warmup_steps = 0;
    c.total_steps = 100;
    c.schedule = LrSchedule::kConstant;
    c.table_lr_mult = 1.0f;
    c.table_adam = mode;
    Optimizer opt(c, ps);
    Param& p = ps[0];
    p.sparse.rows = {0, 2};
    p.sparse.grad = {1, 1, -1, -1};
    opt.step(0);
    // Step 1 (t = 1): the hit rows move by lr (Adam's first step is lr * sign(g)); row 1
    // has no gradient and no momentum yet under either mode.
    EXPECT_NEAR(p.data[0], 0.9, 1e-6);
    EXPECT_NEAR(p.data[4], 3.1, 1e-6);
    EXPECT_EQ(p.data[2], 2.0f);
    // Step 2 hits only row 1: lazy keeps rows 0 and 2 still; dense moves them on with
    // their momentum (m = 0.9 * 0.1 g1, v = 0.95 * 0.05 g1^2).
    p.sparse.rows = {1};
    p.sparse.grad = {1, 1};
    opt.step(1);
    const double c1 = 1 - 0.9 * 0.9, c2 = 1 - 0.95 * 0.95;
    const double moved = 0.1 * (0.9 * 0.1 / c1) / (std::sqrt(0.95 * 0.05 / c2) + 1e-8);
    if (mode == TableAdam::kLazy) {
      EXPECT_NEAR(p.data[0], 0.9, 1e-6);
      EXPECT_NEAR(p.data[4], 3.1, 1e-6);
    } else {
      EXPECT_NEAR(p.data[0], 0.9 - moved, 1e-5);
      EXPECT_NEAR(p.data[4], 3.1 + moved, 1e-5);
    }
    EXPECT_LT(p.data[2], 2.0f);  // hit now under both
  }
}

TEST(Init, ResidualOutputProjectionsScaledByDepth) {
  model::ModelConfig cfg;
  cfg.vocab_size = 64;
  cfg.d_model = 64;
  cfg.n_layers = 8;
  cfg.n_heads = 4;
  cfg.ffn.hidden = 64;
  cfg.ffn.n_experts = 4;
  cfg.ffn.shared_hidden = 32;
  auto rms = [](const Param& p) {
    double s = 0;
    for (float v : p.data) s += static_cast<double>(v) * v;
    return std::sqrt(s / p.data.size());
  };
  for (bool scaled : {true, false}) {
    cfg.scaled_residual_init = scaled;
    model::Transformer m(cfg, 7);
    const double out = scaled ? 0.02 / std::sqrt(16.0) : 0.02;
    for (const char* name : {"layers.3.attn.wo.weight", "layers.3.moe.w2", "layers.3.moe.shared_w2"})
      EXPECT_NEAR(rms(m.param(name)), out, 0.1 * out) << name;
    for (const char* name : {"layers.3.attn.wq.weight", "layers.3.moe.w1", "tok_emb.weight"})
      EXPECT_NEAR(rms(m.param(name)), 0.02, 0.002) << name;
  }
}

TEST(Heldout, EveryWindowInBatchesWithAShortLastOne) {
  std::vector<uint32_t> toks(1000);
  for (size_t i = 0; i < toks.size(); ++i) toks[i] = static_cast<uint32_t>(i % 50);
  VocabMap vocab = VocabMap::from_tokens(toks);
  // 20% held out = 200 tokens = 22 windows of 9 tokens (T = 8), batches of 4: 5 full + 2.
  Batcher b(toks, vocab, nullptr, 4, 8, 0.2, 1);
  EXPECT_EQ(b.heldout_windows(), 22);
  ASSERT_EQ(b.heldout_batches(), 6);
  EXPECT_EQ(b.heldout_batch(0).B, 4);
  const Batch last = b.heldout_batch(5);
  EXPECT_EQ(last.B, 2);
  // The last window starts at train_end + 21 * 9 and its targets are the next tokens.
  const int64_t start = b.train_tokens() + 21 * 9;
  EXPECT_EQ(last.tok_ids[8], toks[start]);
  EXPECT_EQ(last.targets[8 + 7], vocab.to_model(toks[start + 8], start + 8));
  EXPECT_THROW(b.heldout_batch(6), Error);
}

namespace {
std::string kjv_slice(size_t bytes) {
  const std::string path = cache_dir() + "/corpora/kjv.txt";
  const std::string out = test::scratch_dir() + "/recipe_kjv_" + std::to_string(bytes) + ".txt";
  if (!file_exists(out)) write_file_atomic(out, read_file(path).substr(0, bytes));
  return out;
}

TrainOptions tiny(const std::string& name) {
  const std::string cfg = test::scratch_dir() + "/recipe_tiny.json";
  write_file_atomic(cfg, R"({"d_model": 32, "n_layers": 2, "n_heads": 2, "max_seq_len": 16,
    "ffn": {"type": "moe", "hidden": 32, "n_experts": 4, "top_k": 2, "shared_hidden": 16},
    "engram": {"layer_ids": [1], "max_ngram_size": 3, "n_embed_per_ngram": 16, "n_head_per_ngram": 2,
               "engram_vocab_size": [499, 499], "pad_id": 2, "seed": 0, "kernel_size": 4}})");
  TrainOptions o;
  o.config_path = cfg;
  o.data_path = kjv_slice(60000);
  o.tokenizer_path = test::tokenizer_path();
  o.out_dir = test::scratch_dir() + "/" + name;
  std::filesystem::remove_all(o.out_dir);
  o.steps = 4;
  o.batch = 3;
  o.eval_every = 2;
  o.ckpt_every = 2;
  o.optim.total_steps = 4;
  o.optim.warmup_steps = 1;
  o.quiet = true;
  return o;
}
}  // namespace

TEST(Trainer, EvaluatesTheWholeHeldoutSplitAndLogsLoads) {
  TrainOptions o = tiny("recipe_eval");
  TrainResult r = train(o);
  EvalResult ev = evaluate_checkpoint(r.checkpoint_path, o.data_path, o.tokenizer_path, 5, 0, o.heldout_fraction);
  EXPECT_EQ(ev.windows, ev.windows_total);
  EXPECT_EQ(ev.tokens, ev.windows * 16);
  EXPECT_GT(ev.windows % 5, 0) << "the test wants a short last batch";
  // Token-weighted: the same split in batches of another size gives the same mean.
  EvalResult ev1 = evaluate_checkpoint(r.checkpoint_path, o.data_path, o.tokenizer_path, 1, 0, o.heldout_fraction);
  EXPECT_NEAR(ev.loss, ev1.loss, 1e-5);
  EXPECT_NEAR(r.last_eval_loss, ev.loss, 1e-5);
  // Each step logs the auxiliary loss and per-layer [min, max] expert shares.
  std::string metrics = read_file(r.metrics_path);
  Json first = parse_json(metrics.substr(0, metrics.find('\n')), r.metrics_path);
  ASSERT_TRUE(first.contains("expert_load"));
  ASSERT_EQ(first["expert_load"].size(), 2u);
  EXPECT_LE(first["expert_load"][0][0].get<double>(), 0.25);
  EXPECT_GE(first["expert_load"][0][1].get<double>(), 0.25);
  EXPECT_GT(first["aux_loss"].get<double>(), 0.0);
}

TEST(Trainer, ResumeWithAnotherBatchSeqOrSeedIsRefused) {
  TrainOptions o = tiny("recipe_resume");
  o.stop_after = 2;
  train(o);
  for (int which = 0; which < 3; ++which) {
    TrainOptions r = o;
    r.stop_after = -1;
    r.resume = true;
    if (which == 0) r.batch = 2;
    if (which == 1) r.seq = 8;
    if (which == 2) r.seed = 99;
    try {
      train(r);
      ADD_FAILURE() << "resume " << which << " was accepted";
    } catch (const Error& e) {
      const std::string key = which == 0 ? "batch" : which == 1 ? "seq" : "seed";
      EXPECT_NE(std::string(e.what()).find(key + " = "), std::string::npos) << e.what();
    }
  }
  TrainOptions same = o;
  same.stop_after = -1;
  same.resume = true;
  EXPECT_EQ(train(same).steps_done, 4);
}

TEST(Trainer, ParityDumpHoldsInitialWeightsAndEveryBatch) {
  TrainOptions o = tiny("recipe_dump");
  o.parity_dump = o.out_dir + "/dump";
  model::ModelConfig cfg = model::ModelConfig::load(o.config_path);
  TrainResult r = train(o);
  SafeTensors init = SafeTensors::load(o.parity_dump + "/init.safetensors");
  SafeTensors b = SafeTensors::load(o.parity_dump + "/batches.safetensors");
  EXPECT_EQ(b.metadata().at("steps"), "4");
  const TensorInfo& ids = b.get("train/ids");
  EXPECT_EQ(ids.shape, (std::vector<int64_t>{4, 3, 16}));
  const TensorInfo& rows = b.get("train/rows/0");
  EXPECT_EQ(rows.shape, (std::vector<int64_t>{4, 3, 16, 4}));
  EXPECT_NE(b.find("heldout/targets"), nullptr);
  // The initial weights are those of a fresh model with the run's seed, not the trained ones.
  const TensorInfo* wo = init.find("param/layers.0.attn.wo.weight");
  ASSERT_NE(wo, nullptr);
  auto w0 = init.read_f32("param/layers.0.attn.wo.weight", wo->shape);
  cfg.vocab_size = std::stoll(init.get("vocab/model_to_tok").shape.empty() ? "0" : std::to_string(init.get("vocab/model_to_tok").shape[0]));
  model::Transformer fresh(cfg, o.seed);
  EXPECT_EQ(w0, fresh.param("layers.0.attn.wo.weight").data);
  // Store tables cannot be dumped: refused up front.
  TrainOptions s = tiny("recipe_dump_store");
  s.parity_dump = s.out_dir + "/dump";
  s.tables.kind = "ram";
  EXPECT_THROW(train(s), Error);
  (void)r;
}

}  // namespace engram::train

namespace engram::train {

TEST(MetricsLog, LinesParsedAndBadLinesNamed) {
  auto lines = parse_metrics_log("{\"step\": 0, \"loss\": 9.1}\n\n{\"step\": 1, \"loss\": 8.7, \"eval_loss\": 8.9}\n", "m");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1]["step"].get<int64_t>(), 1);
  for (const char* bad : {"{\"step\": 0, \"loss\": 1}\n[1]\n", "{\"step\": 0, \"loss\": 1}\n{\"step\": 1.5, \"loss\": 1}\n",
                          "{\"step\": 0, \"loss\": 1}\n{\"step\": 1\n"}) {
    try {
      parse_metrics_log(bad, "m.jsonl");
      ADD_FAILURE() << "accepted: " << bad;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("m.jsonl:2"), std::string::npos) << e.what();
    }
  }
}

}  // namespace engram::train
