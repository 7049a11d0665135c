#include "train/trainer.h"

#include <cblas.h>
#include <omp.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <sstream>

#include "core/error.h"
#include "core/file.h"
#include "core/json_util.h"
#include "core/paths.h"
#include "core/progress.h"
#include "core/svg_plot.h"
#include "model/transformer.h"
#include "tokenizer/compression.h"
#include "tokenizer/tokenizer.h"
#include "train/batcher.h"
#include "train/checkpoint.h"
#include "train/token_file.h"

namespace engram::train {

namespace {

std::string hex64(uint64_t v) {
  char b[17];
  std::snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(v));
  return b;
}

// Everything needed to turn a corpus into batches for one model.
struct DataContext {
  std::string tokenizer_path;
  uint64_t tokenizer_hash = 0;
  std::unique_ptr<TokenFile> tokens;
  std::unique_ptr<Compression> comp;
  std::unique_ptr<Addressing> addr;
};

DataContext open_data(const std::string& data_path, const std::string& tok_flag, const model::ModelConfig* cfg) {
  DataContext dc;
  dc.tokenizer_path = resolve_tokenizer_path(tok_flag);
  const std::string tj = read_file(dc.tokenizer_path);
  dc.tokenizer_hash = fnv1a64(tj.data(), tj.size());
  const std::string tf = ensure_token_file(data_path, dc.tokenizer_path);
  dc.tokens = std::make_unique<TokenFile>(TokenFile::open(tf, dc.tokenizer_hash));
  if (cfg && cfg->engram) {
    Tokenizer tok = Tokenizer::from_json(tj, dc.tokenizer_path);
    dc.comp = std::make_unique<Compression>(Compression::build(tok));
    dc.addr = std::make_unique<Addressing>(*dc.comp, cfg->engram->hash);
  }
  return dc;
}

double eval_loss(model::Transformer& m, const Batcher& b, int64_t max_batches) {
  const int64_t n = std::min(max_batches, b.heldout_batches());
  double s = 0;
  for (int64_t i = 0; i < n; ++i) {
    Batch bt = b.heldout_batch(i);
    s += m.step(bt.ids, bt.targets, bt.rows, bt.B, bt.T, false);
  }
  return n ? s / n : NAN;
}

void write_metrics(const std::string& path, const std::vector<Json>& lines) {
  std::string out;
  for (const auto& j : lines) out += j.dump() + "\n";
  write_file_atomic(path, out);
}

void write_plot(const std::string& path, const std::string& label, const std::vector<Json>& lines) {
  PlotSeries tr{label + " train (EMA)", {}, {}}, ev{label + " held-out", {}, {}};
  double ema = NAN;
  for (const auto& j : lines) {
    const double step = j["step"].get<double>();
    if (j.contains("loss")) {
      const double l = j["loss"].get<double>();
      ema = std::isnan(ema) ? l : 0.9 * ema + 0.1 * l;
      tr.x.push_back(step);
      tr.y.push_back(ema);
    }
    if (j.contains("eval_loss")) {
      ev.x.push_back(step);
      ev.y.push_back(j["eval_loss"].get<double>());
    }
  }
  write_line_plot(path, {"Loss: " + label, "step", "cross-entropy (nats)"}, {tr, ev});
}

}  // namespace

TrainResult train(const TrainOptions& o) {
  model::ModelConfig cfg = model::ModelConfig::load(o.config_path);
  std::filesystem::create_directories(o.out_dir);
  DataContext dc = open_data(o.data_path, o.tokenizer_path, &cfg);
  VocabMap vocab = VocabMap::from_tokens(dc.tokens->tokens());
  if (cfg.vocab_size != vocab.size()) {
    // vocab_size 0 or a mismatch: the subset of ids seen in the corpus decides.
    if (cfg.vocab_size != 0 && !o.quiet)
      std::fprintf(stderr, "note: config vocab_size %lld replaced by the corpus's %lld distinct ids\n",
                   static_cast<long long>(cfg.vocab_size), static_cast<long long>(vocab.size()));
    cfg.vocab_size = vocab.size();
  }
  const int64_t T = o.seq > 0 ? o.seq : cfg.max_seq_len;
  TableStoreOptions topt = o.tables;
  if (topt.dir.empty()) topt.dir = o.out_dir + "/tables";
  std::vector<std::shared_ptr<StoreTable>> stores;
  // Tables in a tier are initialised straight into their files, never whole in RAM.
  model::Transformer m(cfg, o.seed, cfg.engram ? table_store_factory(cfg.engram->hash, topt, stores) : model::TableFactory{});
  Optimizer optim(o.optim, m.params());
  Batcher batcher(dc.tokens->tokens(), vocab, dc.addr.get(), o.batch, T, o.heldout_fraction, o.seed);

  TrainResult res;
  res.checkpoint_path = o.out_dir + "/checkpoint.safetensors";
  res.metrics_path = o.out_dir + "/metrics.jsonl";
  res.plot_path = o.out_dir + "/loss.svg";
  std::vector<Json> lines;
  int64_t start = 0;
  Json extra = {{"data", o.data_path}, {"batch", o.batch}, {"seq", T}, {"seed", o.seed}, {"label", o.label},
               {"tables", topt.kind}};
  res.tables = stores.empty() ? "model" : stores[0]->describe();
  if (o.resume) {
    if (!file_exists(res.checkpoint_path)) throw Error("--resume: no checkpoint at '" + res.checkpoint_path + "'");
    VocabMap stored;
    CheckpointInfo info = load_checkpoint(res.checkpoint_path, m, &optim, &stored);
    if (stored.model_to_tok != vocab.model_to_tok) throw Error(res.checkpoint_path + ": vocabulary differs from the corpus's");
    start = info.step;
    if (file_exists(res.metrics_path)) {
      std::istringstream in(read_file(res.metrics_path));
      for (std::string line; std::getline(in, line);)
        if (!line.empty()) {
          Json j = parse_json(line, res.metrics_path);
          if (j["step"].get<int64_t>() < start) lines.push_back(j);
        }
    }
  }
  auto checkpoint = [&](int64_t steps_done) {
    save_checkpoint(res.checkpoint_path, m, &optim, vocab, {steps_done, hex64(dc.tokenizer_hash), extra.dump()});
  };

  const int64_t end = o.stop_after >= 0 ? std::min(o.steps, o.stop_after) : o.steps;
  Progress bar(o.label, static_cast<uint64_t>(o.steps - start), "step");
  const double t_start = now_seconds();
  double last_eval = NAN;
  for (int64_t step = start; step < end; ++step) {
    const double t0 = now_seconds();
    Batch bt = batcher.train_batch(step);
    const double t_data = now_seconds();
    res.data_seconds += t_data - t0;
    m.zero_grad();
    m.profile() = {};
    const double loss = m.step(bt.ids, bt.targets, bt.rows, bt.B, bt.T, true);
    const model::StepProfile& sp = m.profile();
    res.profile.embed += sp.embed;
    res.profile.engram += sp.engram;
    res.profile.attention += sp.attention;
    res.profile.ffn += sp.ffn;
    res.profile.head += sp.head;
    const double t_opt = now_seconds();
    if (!std::isfinite(loss))
      throw Error("training loss became " + std::to_string(loss) + " at step " + std::to_string(step) +
                  "; the last good checkpoint is kept at '" + res.checkpoint_path +
                  "'\n---> HINT: lower the learning rate (--lr) or raise warmup");
    const double gnorm = optim.step(step);
    if (!std::isfinite(gnorm))
      throw Error("gradient norm became " + std::to_string(gnorm) + " at step " + std::to_string(step) +
                  "; the last good checkpoint is kept at '" + res.checkpoint_path + "'");
    m.update_router_bias();
    res.optimizer_seconds += now_seconds() - t_opt;
    const double dt = now_seconds() - t0;
    Json line = {{"step", step},
                 {"loss", loss},
                 {"lr", lr_at(o.optim, step)},
                 {"grad_norm", gnorm},
                 {"tokens_per_s", bt.B * bt.T / dt}};
    res.train_losses.push_back(loss);
    const bool last = step + 1 == o.steps;
    if ((o.eval_every > 0 && (step + 1) % o.eval_every == 0) || last) {
      last_eval = eval_loss(m, batcher, o.eval_batches);
      line["eval_loss"] = last_eval;
      res.eval_losses.emplace_back(step + 1, last_eval);
    }
    lines.push_back(line);
    res.last_train_loss = loss;
    char note[96];
    std::snprintf(note, sizeof note, "loss %.3f%s", loss,
                  std::isnan(last_eval) ? "" : (" | held-out " + std::to_string(last_eval).substr(0, 5)).c_str());
    bar.update(static_cast<uint64_t>(step + 1 - start), note);
    if ((o.ckpt_every > 0 && (step + 1) % o.ckpt_every == 0) || step + 1 == end) {
      checkpoint(step + 1);
      write_metrics(res.metrics_path, lines);
      write_plot(res.plot_path, o.label, lines);
    }
    res.steps_done = step + 1;
  }
  bar.finish();
  const double el = now_seconds() - t_start;
  res.tokens_per_s = el > 0 ? static_cast<double>((res.steps_done - start) * o.batch * T) / el : 0;
  res.last_eval_loss = last_eval;
  if (!stores.empty()) res.table_hit_rate = stores[0]->hit_rate();
  if (res.profile.total() > 0) res.engram_time_share = res.profile.engram / res.profile.total();
  if (res.steps_done == start) {
    write_metrics(res.metrics_path, lines);
    write_plot(res.plot_path, o.label, lines);
  }
  return res;
}

EvalResult evaluate_checkpoint(const std::string& checkpoint, const std::string& data_path,
                               const std::string& tokenizer_path, int64_t batch, int64_t max_batches,
                               double heldout_fraction) {
  model::ModelConfig cfg = checkpoint_config(checkpoint);
  DataContext dc = open_data(data_path, tokenizer_path, &cfg);
  model::Transformer m(cfg, 0);
  VocabMap vocab;
  load_checkpoint(checkpoint, m, nullptr, &vocab);
  Batcher b(dc.tokens->tokens(), vocab, dc.addr.get(), batch, cfg.max_seq_len, heldout_fraction, 0);
  EvalResult r;
  r.loss = eval_loss(m, b, max_batches);
  r.tokens = std::min(max_batches, b.heldout_batches()) * batch * cfg.max_seq_len;
  return r;
}

}  // namespace engram::train
