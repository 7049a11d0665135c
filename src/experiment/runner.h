// `engram experiment`: runs a spec's grid one training run at a time under <out>/runs/<id>,
// resumable: a finished run (result.json matching the run's key) is skipped, an interrupted
// one resumes from its checkpoint, a folder left by a different spec is refused. After
// every run it rewrites <out>/results.jsonl (one line per finished run, grid order) and
// <out>/report.md with its plots (experiment/report.h). One progress bar over the grid.
#pragma once

#include <string>
#include <vector>

#include "core/json_util.h"
#include "experiment/spec.h"
#include "model/param_count.h"

namespace engram::experiment {

struct RunnerOptions {
  std::string out_dir;
  std::string tokenizer_path;  // empty: the default cache path
  int threads = -1;            // >= 0 replaces every run's "threads" (0: all cores)
  bool dry_run = false;        // check the spec and the parameter counts, list the grid, train nothing
  bool report_only = false;    // rewrite results.jsonl and report.md from the finished runs
  bool quiet = false;          // no progress bar, no per-run lines
  int64_t stop_after = -1;     // >= 0: stop, as if interrupted, once this many grid steps are trained
};

struct ArmParams {
  std::string arm, corpus;
  model::ParamCounts counts;
  double rho = 1;  // share of the sparse parameters in routed experts (1 without tables)
};

struct ExperimentSummary {
  size_t runs = 0, finished = 0, skipped = 0, resumed = 0, trained = 0;
  bool stopped = false;  // RunnerOptions::stop_after ended it before the grid was done
  std::vector<ArmParams> params;
  std::vector<std::string> grid;  // "<id>: finished | resumes at step N | new", grid order
  std::string results_path, report_path;
};

// rho as the paper defines it: of the sparse (inactive per token) parameters, the share
// in routed experts rather than in table rows not read.
double sparse_expert_share(const model::ParamCounts& c);

// The per-arm, per-corpus counts (vocabulary from the corpus) and, when the spec asks for
// it, the iso-parameter check: an Error naming the arm, the corpus and both counts.
std::vector<ArmParams> check_params(const ExperimentSpec& spec, const std::string& tokenizer_path);

ExperimentSummary run_experiment(const ExperimentSpec& spec, const RunnerOptions& opt);

}  // namespace engram::experiment
