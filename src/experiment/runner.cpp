#include "experiment/runner.h"

#include <omp.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <tuple>

#include "core/error.h"
#include "core/file.h"
#include "core/progress.h"
#include "experiment/report.h"
#include "model/config.h"
#include "train/checkpoint.h"
#include "train/metrics_log.h"
#include "train/trainer.h"

namespace engram::experiment {

namespace fs = std::filesystem;

double sparse_expert_share(const model::ParamCounts& c) {
  if (c.sparse <= 0) return 1;
  const double tables_unread = static_cast<double>(c.engram_tables - c.engram_rows_read);
  return 1.0 - tables_unread / static_cast<double>(c.sparse);
}

std::vector<ArmParams> check_params(const ExperimentSpec& spec, const std::string& tokenizer_path) {
  std::vector<ArmParams> out;
  std::string errors;
  for (const CorpusSpec& c : spec.corpora) {
    const int64_t vocab = train::corpus_vocab_size(c.path, tokenizer_path);
    const size_t first = out.size();
    for (const ArmSpec& a : spec.arms) {
      model::ModelConfig cfg = model::ModelConfig::from_json(a.config, spec.path + ": arm " + a.name);
      cfg.vocab_size = vocab;
      ArmParams p{a.name, c.name, model::count_params(cfg), 0};
      p.rho = sparse_expert_share(p.counts);
      out.push_back(p);
    }
    if (spec.iso_rel_tol < 0) continue;
    const ArmParams* base = nullptr;
    for (size_t i = first; i < out.size(); ++i)
      if (out[i].arm == spec.baseline) base = &out[i];
    for (size_t i = first; i < out.size(); ++i) {
      auto off = [&](int64_t v, int64_t b) { return std::fabs(static_cast<double>(v - b)) / static_cast<double>(b); };
      const ArmParams& p = out[i];
      for (auto [what, v, b] : {std::tuple{"total", p.counts.total, base->counts.total},
                                std::tuple{"activated", p.counts.activated, base->counts.activated}})
        if (off(v, b) > spec.iso_rel_tol)
          errors += "\n  arm " + p.arm + " on " + c.name + ": " + what + " " + std::to_string(v) + " vs baseline " +
                    spec.baseline + "'s " + std::to_string(b) + " (relative " + std::to_string(off(v, b)) + ")";
    }
  }
  if (!errors.empty())
    throw Error(spec.path + ": iso_params: arms differ from the baseline by more than rel_tol " +
                std::to_string(spec.iso_rel_tol) + ":" + errors + "\n---> HINT: engram params CONFIG --vocab-size N shows the counts");
  return out;
}

namespace {

enum class State { kFresh, kPartial, kDone };

struct Planned {
  const RunSpec* run = nullptr;
  std::string dir;
  State state = State::kFresh;
  int64_t start = 0;  // steps already done (a partial run's log)
  Json result;        // a finished run's line
};

// The first top-level field where two keys differ, for the message.
std::string first_difference(const Json& a, const Json& b) {
  for (const auto& [k, v] : a.items())
    if (!b.contains(k) || b[k] != v) return k;
  for (const auto& [k, v] : b.items())
    if (!a.contains(k)) return k;
  return "?";
}

void check_key(const std::string& file, const Json& stored, const RunSpec& r) {
  const Json* k = json_field_opt(stored, "key");
  if (k && *k == r.key) return;
  throw Error(file + ": run '" + r.id + "' was made by a different spec (its '" +
              (k ? first_difference(*k, r.key) : std::string("key")) +
              "' differs)\n---> HINT: use another --out, or delete that run's folder to redo it");
}

Planned plan(const RunSpec& r, const std::string& out_dir) {
  Planned p;
  p.run = &r;
  p.dir = out_dir + "/runs/" + r.id;
  const std::string result = p.dir + "/result.json", run = p.dir + "/run.json";
  if (file_exists(result)) {
    const Json j = load_json_file(result);
    check_key(result, j, r);
    p.state = State::kDone;
    p.result = json_field(j, "result", result);
    return p;
  }
  if (!file_exists(run)) return p;
  check_key(run, load_json_file(run), r);
  if (!file_exists(p.dir + "/checkpoint.safetensors")) return p;
  p.state = State::kPartial;
  const std::string metrics = p.dir + "/metrics.jsonl";
  if (file_exists(metrics))
    for (const Json& l : train::parse_metrics_log(read_file(metrics), metrics))
      p.start = std::max<int64_t>(p.start, l["step"].get<int64_t>() + 1);
  p.start = std::min(p.start, r.steps);
  return p;
}

// A finished run's line of results.jsonl, from its checkpoint and metrics log.
Json result_line(const ExperimentSpec& spec, const RunSpec& r, const train::TrainOptions& o, const std::string& dir) {
  const model::ModelConfig cfg = train::checkpoint_config(dir + "/checkpoint.safetensors");
  const model::ParamCounts c = model::count_params(cfg);
  const int64_t T = o.seq > 0 ? o.seq : cfg.max_seq_len;
  const std::string mpath = dir + "/metrics.jsonl";
  const std::vector<Json> lines = train::parse_metrics_log(read_file(mpath), mpath);
  Json evals = Json::array();
  std::vector<double> losses;
  double wall = 0, heldout = NAN;
  int64_t heldout_tokens = 0;
  for (const Json& l : lines) {
    const int64_t step = l["step"].get<int64_t>() + 1;
    losses.push_back(l["loss"].get<double>());
    wall = l.value("wall_s", wall);
    if (!l.contains("eval_loss")) continue;
    heldout = l["eval_loss"].get<double>();
    heldout_tokens = l.value("eval_tokens", int64_t{0});
    evals.push_back({{"step", step}, {"tokens", step * o.batch * T}, {"wall_s", wall}, {"heldout_loss", heldout}});
  }
  if (lines.empty() || lines.back()["step"].get<int64_t>() + 1 != r.steps || !lines.back().contains("eval_loss"))
    throw Error(mpath + ": the log does not end with step " + std::to_string(r.steps) + "'s held-out evaluation");
  const size_t tail = std::min<size_t>(50, losses.size());
  double tl = 0;
  for (size_t i = losses.size() - tail; i < losses.size(); ++i) tl += losses[i];
  return {{"experiment", spec.experiment},
          {"arm", r.arm->name},
          {"corpus", r.corpus->name},
          {"seed", r.seed},
          {"steps", r.steps},
          {"tokens", r.steps * o.batch * T},
          {"wall_s", wall},
          {"params_total", c.total},
          {"params_activated", c.activated},
          {"params_sparse", c.sparse},
          {"rho", sparse_expert_share(c)},
          {"table_params", c.engram_tables},
          {"heldout_loss", heldout},
          {"heldout_tokens", heldout_tokens},
          {"train_loss_last50", tl / static_cast<double>(tail)},
          {"evals", evals},
          {"config", r.arm->source},
          {"data", r.corpus->path},
          {"run", r.id}};
}

void write_outputs(const ExperimentSpec& spec, const std::vector<Planned>& plans, const std::string& out_dir,
                   ExperimentSummary& sum) {
  std::vector<Json> results;
  std::string text;
  for (const Planned& p : plans)
    if (p.state == State::kDone) {
      results.push_back(p.result);
      text += p.result.dump() + "\n";
    }
  sum.finished = results.size();
  write_file_atomic(sum.results_path, text);
  write_report(spec, results, plans.size(), out_dir);
}

}  // namespace

ExperimentSummary run_experiment(const ExperimentSpec& spec, const RunnerOptions& opt) {
  if (opt.out_dir.empty()) throw Error("engram experiment: --out is required");
  ExperimentSummary sum;
  sum.results_path = opt.out_dir + "/results.jsonl";
  sum.report_path = opt.out_dir + "/report.md";
  const std::vector<RunSpec> grid = expand_grid(spec);
  sum.runs = grid.size();
  std::vector<Planned> plans;
  for (const RunSpec& r : grid) {
    plans.push_back(plan(r, opt.out_dir));
    const Planned& p = plans.back();
    sum.grid.push_back(r.id + ": " + (p.state == State::kDone      ? std::string("finished")
                                      : p.state == State::kPartial ? "resumes at step " + std::to_string(p.start)
                                                                   : std::string("new")));
  }
  if (!opt.report_only) sum.params = check_params(spec, opt.tokenizer_path);
  if (opt.dry_run) {
    for (const Planned& p : plans) {
      if (p.state == State::kDone) ++sum.skipped;
      if (p.state == State::kPartial) ++sum.resumed;
    }
    return sum;
  }
  fs::create_directories(opt.out_dir + "/runs");
  fs::create_directories(opt.out_dir + "/configs");
  if (opt.report_only) {
    write_outputs(spec, plans, opt.out_dir, sum);
    return sum;
  }
  for (const ArmSpec& a : spec.arms) {
    const std::string path = opt.out_dir + "/configs/" + a.name + ".json";
    const std::string text = a.config.dump(2) + "\n";
    if (!file_exists(path) || read_file(path) != text) write_file_atomic(path, text);
  }
  uint64_t total = 0;
  for (const Planned& p : plans)
    if (p.state != State::kDone) total += static_cast<uint64_t>(p.run->steps - p.start);
  std::optional<Progress> bar;
  if (!opt.quiet && total > 0) bar.emplace("experiment", total, "step");
  const int all_threads = omp_get_max_threads();
  uint64_t base = 0;
  size_t index = 0;
  for (Planned& p : plans) {
    ++index;
    if (p.state == State::kDone) {
      ++sum.skipped;
      continue;
    }
    const RunSpec& r = *p.run;
    train::TrainOptions o;
    int threads = apply_train_options(r.arm->train, spec.path + ": arm " + r.arm->name + ".train", o);
    if (opt.threads >= 0) threads = opt.threads;
    o.config_path = opt.out_dir + "/configs/" + r.arm->name + ".json";
    o.data_path = r.corpus->path;
    o.tokenizer_path = opt.tokenizer_path;
    o.out_dir = p.dir;
    o.label = r.id;
    o.steps = r.steps;
    o.optim.total_steps = r.steps;
    o.seed = r.seed;
    o.eval_batches = 0;
    o.resume = p.state == State::kPartial;
    o.quiet = true;
    const int64_t start = p.start;
    const std::string head = "run " + std::to_string(index) + "/" + std::to_string(plans.size()) + " " + r.id;
    o.on_step = [&, start, head](int64_t done, double loss, double heldout) {
      char note[64];
      std::snprintf(note, sizeof note, " | loss %.3f", loss);
      std::string n = head + note;
      if (!std::isnan(heldout)) n += " | held-out " + std::to_string(heldout).substr(0, 5);
      if (bar) bar->update(base + static_cast<uint64_t>(done - start), n);
    };
    if (p.state == State::kFresh) {
      fs::remove_all(p.dir);
      fs::create_directories(p.dir);
      write_file_atomic(p.dir + "/run.json", Json({{"key", r.key}}).dump(2) + "\n");
    }
    if (opt.stop_after >= 0 && static_cast<int64_t>(base) + (r.steps - start) > opt.stop_after) {
      o.stop_after = start + (opt.stop_after - static_cast<int64_t>(base));
      sum.stopped = true;
    }
    omp_set_num_threads(threads > 0 ? threads : all_threads);
    if (o.stop_after != start) train::train(o);
    if (sum.stopped) break;  // this run's checkpoint is where the next invocation resumes
    (p.state == State::kPartial ? sum.resumed : sum.trained)++;
    base += static_cast<uint64_t>(r.steps - start);
    p.result = result_line(spec, r, o, p.dir);
    p.state = State::kDone;
    write_file_atomic(p.dir + "/result.json", Json({{"key", r.key}, {"result", p.result}}).dump(2) + "\n");
    write_outputs(spec, plans, opt.out_dir, sum);
    if (!opt.quiet)
      std::fprintf(stderr, "\r%s: held-out %.4f, %.0f s\x1b[K\n", head.c_str(), p.result["heldout_loss"].get<double>(),
                   p.result["wall_s"].get<double>());
  }
  omp_set_num_threads(all_threads);
  if (bar) bar->finish();
  write_outputs(spec, plans, opt.out_dir, sum);
  return sum;
}

}  // namespace engram::experiment
