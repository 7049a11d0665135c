#include "train/trainer.h"

#include <cblas.h>
#include <omp.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>

#include "core/error.h"
#include "core/mix.h"
#include "core/file.h"
#include "core/json_util.h"
#include "core/paths.h"
#include "core/progress.h"
#include "core/svg_plot.h"
#include "io/safetensors.h"
#include "model/transformer.h"
#include "engram/compression.h"
#include "engram/tokenizer.h"
#include "train/batcher.h"
#include "train/checkpoint.h"
#include "train/data_context.h"
#include "train/metrics_log.h"
#include "train/token_file.h"

namespace engram::train {

namespace {

// Token-weighted mean cross-entropy over the first max_batches held-out batches (0: all).
EvalResult eval_loss(model::Transformer& m, const Batcher& b, int64_t max_batches) {
  const int64_t n = max_batches > 0 ? std::min(max_batches, b.heldout_batches()) : b.heldout_batches();
  double s = 0;
  EvalResult r;
  for (int64_t i = 0; i < n; ++i) {
    Batch bt = b.heldout_batch(i);
    s += m.step(bt.ids, bt.targets, bt.rows, bt.B, bt.T, false) * static_cast<double>(bt.B * bt.T);
    r.tokens += bt.B * bt.T;
    r.windows += bt.B;
  }
  r.windows_total = b.heldout_windows();
  r.loss = r.tokens ? s / static_cast<double>(r.tokens) : NAN;
  return r;
}

// Every batch of a run, kept for --parity-dump: [steps, B, T] ids and targets, rows per
// Engram layer [steps, B, T, columns], and the held-out split the same way.
struct BatchRecord {
  int64_t steps = 0;
  std::vector<int64_t> ids, targets;
  std::vector<std::vector<int64_t>> rows;
  void add(const Batch& bt) {
    ++steps;
    ids.insert(ids.end(), bt.ids.begin(), bt.ids.end());
    targets.insert(targets.end(), bt.targets.begin(), bt.targets.end());
    rows.resize(bt.rows.rows.size());
    for (size_t i = 0; i < rows.size(); ++i) rows[i].insert(rows[i].end(), bt.rows.rows[i].begin(), bt.rows.rows[i].end());
  }
  void write(SafeTensorsWriter& w, const std::string& pre, std::vector<int64_t> lead, int64_t T) const {
    std::vector<int64_t> shape = lead;
    shape.push_back(T);
    w.add_i64(pre + "ids", shape, ids);
    w.add_i64(pre + "targets", shape, targets);
    for (size_t i = 0; i < rows.size(); ++i) {
      std::vector<int64_t> rs = shape;
      int64_t n = 1;
      for (auto v : shape) n *= v;
      rs.push_back(n ? static_cast<int64_t>(rows[i].size()) / n : 0);
      w.add_i64(pre + "rows/" + std::to_string(i), rs, rows[i]);
    }
  }
};

// Routed share of each expert over a window of steps, per MoE layer; warns once per
// layer and expert when one starves (below a tenth of its fair share).
struct LoadMonitor {
  std::vector<std::vector<double>> sum;  // [layer][expert] summed per-step shares
  int64_t steps = 0;
  std::vector<std::vector<bool>> warned;
  void add(const std::vector<model::ExpertLoad>& loads) {
    if (sum.size() != loads.size()) {
      sum.assign(loads.size(), {});
      warned.assign(loads.size(), {});
    }
    for (size_t l = 0; l < loads.size(); ++l) {
      sum[l].resize(loads[l].share.size(), 0.0);
      warned[l].resize(loads[l].share.size(), false);
      for (size_t e = 0; e < loads[l].share.size(); ++e) sum[l][e] += loads[l].share[e];
    }
    ++steps;
  }
  // Mean shares since the last call, and any starving experts (warned about on stderr).
  Json flush(bool quiet) {
    Json out = Json::array();
    Json starving = Json::array();
    for (size_t l = 0; l < sum.size() && steps > 0; ++l) {
      const double E = static_cast<double>(sum[l].size());
      Json shares = Json::array();
      for (size_t e = 0; e < sum[l].size(); ++e) {
        const double sh = sum[l][e] / static_cast<double>(steps);
        shares.push_back(sh);
        if (sh < 0.1 / E) {
          starving.push_back({{"layer", l}, {"expert", e}, {"share", sh}});
          if (!quiet && !warned[l][e])
            std::fprintf(stderr, "\nwarning: MoE layer %zu expert %zu gets %.4f of the routed tokens over the last %lld "
                         "steps (fair share %.4f): routing is collapsing\n",
                         l, e, sh, static_cast<long long>(steps), 1.0 / E);
          warned[l][e] = true;
        }
        sum[l][e] = 0.0;
      }
      out.push_back(shares);
    }
    steps = 0;
    return {{"shares", out}, {"starving", starving}};
  }
};

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

Json optim_json(const OptimConfig& c) {
  return {{"lr", c.lr},
          {"min_lr", c.min_lr},
          {"warmup_steps", c.warmup_steps},
          {"total_steps", c.total_steps},
          {"schedule", schedule_name(c.schedule)},
          {"beta1", c.beta1},
          {"beta2", c.beta2},
          {"eps", c.eps},
          {"weight_decay", c.weight_decay},
          {"table_lr_mult", c.table_lr_mult},
          {"table_adam", table_adam_name(c.table_adam)},
          {"grad_clip", c.grad_clip}};
}

// A resumed run must see the batches the interrupted one would have: same batch shape,
// and seed.
void check_resume_matches(const std::string& path, const std::string& stored_extra, const Json& now) {
  const Json was = parse_json(stored_extra, path + ": metadata 'extra'");
  for (const char* key : {"batch", "seq", "seed"}) {
    if (!was.contains(key)) continue;
    if (was[key] != now[key])
      throw Error(path + ": the checkpoint was trained with " + key + " = " + was[key].dump() + ", this run asks for " +
                  now[key].dump() + "; a resumed run must keep it\n---> HINT: pass the original value, or start a new --out");
  }
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
               {"tables", topt.kind}, {"optim", optim_json(o.optim)}};
  if (!o.parity_dump.empty() && !stores.empty())
    throw Error("--parity-dump needs the tables as RAM parameters (--tables model), not in '" +
                stores[0]->describe() + "'");
  res.tables = stores.empty() ? "model" : stores[0]->describe();
  if (o.resume) {
    if (!file_exists(res.checkpoint_path)) throw Error("--resume: no checkpoint at '" + res.checkpoint_path + "'");
    VocabMap stored;
    CheckpointInfo info = load_checkpoint(res.checkpoint_path, m, &optim, &stored);
    if (stored.model_to_tok != vocab.model_to_tok) throw Error(res.checkpoint_path + ": vocabulary differs from the corpus's");
    check_resume_matches(res.checkpoint_path, info.extra_json, extra);
    start = info.step;
    if (file_exists(res.metrics_path)) {
      for (Json& j : parse_metrics_log(read_file(res.metrics_path), res.metrics_path))
        if (j["step"].get<int64_t>() < start) lines.push_back(std::move(j));
    }
  }
  auto checkpoint = [&](int64_t steps_done) {
    save_checkpoint(res.checkpoint_path, m, &optim, vocab, {steps_done, hex64(dc.tokenizer_hash), extra.dump()});
  };

  BatchRecord record;
  if (!o.parity_dump.empty()) {
    if (o.resume) throw Error("--parity-dump records a whole run; it cannot be combined with --resume");
    std::filesystem::create_directories(o.parity_dump);
    save_checkpoint(o.parity_dump + "/init.safetensors", m, nullptr, vocab, {0, hex64(dc.tokenizer_hash), extra.dump()});
  }
  LoadMonitor loads;
  const int64_t end = o.stop_after >= 0 ? std::min(o.steps, o.stop_after) : o.steps;
  std::optional<Progress> bar;  // the caller's own when it follows the steps (on_step)
  if (!o.on_step) bar.emplace(o.label, static_cast<uint64_t>(o.steps - start), "step");
  const double t_start = now_seconds();
  double last_eval = NAN;
  // Training time, evaluations excluded, continued from the resumed run's log.
  double wall = lines.empty() ? 0.0 : lines.back().value("wall_s", 0.0);
  for (int64_t step = start; step < end; ++step) {
    const double t0 = now_seconds();
    Batch bt = batcher.train_batch(step);
    const double t_data = now_seconds();
    res.data_seconds += t_data - t0;
    m.zero_grad();
    m.profile() = {};
    const double loss = m.step(bt.ids, bt.targets, bt.rows, bt.B, bt.T, true);
    const double aux = m.last_aux_loss();
    const std::vector<model::ExpertLoad> step_loads = m.last_expert_loads();
    loads.add(step_loads);
    if (!o.parity_dump.empty()) record.add(bt);
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
    if (!step_loads.empty()) {
      line["aux_loss"] = aux;
      Json mm = Json::array();
      for (const auto& el : step_loads) mm.push_back({el.min_share, el.max_share});
      line["expert_load"] = mm;  // per MoE layer: [min, max] routed share this step
    }
    res.train_losses.push_back(loss);
    const bool last = step + 1 == o.steps;
    wall += now_seconds() - t0;
    line["wall_s"] = wall;
    if ((o.eval_every > 0 && (step + 1) % o.eval_every == 0) || last) {
      const EvalResult ev = eval_loss(m, batcher, o.eval_batches);
      last_eval = ev.loss;
      line["eval_loss"] = last_eval;
      line["eval_tokens"] = ev.tokens;
      if (!step_loads.empty()) line["expert_shares"] = loads.flush(o.quiet);
      res.eval_losses.emplace_back(step + 1, last_eval);
    }
    lines.push_back(line);
    res.last_train_loss = loss;
    char note[96];
    std::snprintf(note, sizeof note, "loss %.3f%s", loss,
                  std::isnan(last_eval) ? "" : (" | held-out " + std::to_string(last_eval).substr(0, 5)).c_str());
    if (o.on_step)
      o.on_step(step + 1, loss, last_eval);
    else
      bar->update(static_cast<uint64_t>(step + 1 - start), note);
    if ((o.ckpt_every > 0 && (step + 1) % o.ckpt_every == 0) || step + 1 == end) {
      checkpoint(step + 1);
      write_metrics(res.metrics_path, lines);
      write_plot(res.plot_path, o.label, lines);
    }
    res.steps_done = step + 1;
  }
  if (bar) bar->finish();
  if (!o.parity_dump.empty()) {
    SafeTensorsWriter w;
    w.set_metadata("config", m.config().to_json().dump());
    w.set_metadata("optim", optim_json(o.optim).dump());
    w.set_metadata("steps", std::to_string(record.steps));
    record.write(w, "train/", {record.steps, o.batch}, T);
    BatchRecord held;
    for (int64_t i = 0; i < batcher.heldout_batches(); ++i) held.add(batcher.heldout_batch(i));
    held.write(w, "heldout/", {batcher.heldout_windows()}, T);
    for (size_t i = 0; i < (cfg.engram ? cfg.engram->hash.layer_ids.size() : 0); ++i) {
      const auto& sizes = m.engram_table_sizes(i);
      w.add_i64("engram_table_sizes/" + std::to_string(i), {static_cast<int64_t>(sizes.size())}, sizes);
    }
    w.write(o.parity_dump + "/batches.safetensors");
  }
  const double el = now_seconds() - t_start;
  res.tokens_per_s = el > 0 ? static_cast<double>((res.steps_done - start) * o.batch * T) / el : 0;
  res.last_eval_loss = last_eval;
  res.wall_s = wall;
  if (!stores.empty()) res.table_hit_rate = stores[0]->hit_rate();
  if (res.profile.total() > 0) res.engram_time_share = res.profile.engram / res.profile.total();
  if (res.steps_done == start) {
    write_metrics(res.metrics_path, lines);
    write_plot(res.plot_path, o.label, lines);
  }
  return res;
}

int64_t corpus_vocab_size(const std::string& data_path, const std::string& tokenizer_path) {
  DataContext dc = open_data(data_path, tokenizer_path, nullptr);
  return VocabMap::from_tokens(dc.tokens->tokens()).size();
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
  return eval_loss(m, b, max_batches);
}

}  // namespace engram::train
