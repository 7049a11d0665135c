// An experiment spec (experiments/*.json): a grid of training runs, arms x corpora x step
// budgets x seeds, with the training options they share and the ones an arm changes.
// Parsed strictly: an unknown key, a missing corpus or config, a bad name is an Error
// naming the spec file and the field, before anything trains.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/json_util.h"
#include "engram/train.h"

namespace engram::experiment {

struct ArmSpec {
  std::string name;    // [A-Za-z0-9_-]+, unique
  std::string source;  // where its config came from (a path, or "inline"), for the report
  Json config;         // the model config after "config_patch" (RFC 7386 merge patch)
  Json train;          // the spec's "train" with the arm's own "train" merged over it
};

struct CorpusSpec {
  std::string name, path;  // path resolved: absolute, beside the spec, or <cache>/corpora
  Json identity;           // {bytes, fnv1a64} of its content: runs key on it, not on the path
};

struct ExperimentSpec {
  std::string path;        // the spec file
  std::string experiment;  // e.g. iso, rho, table_scaling, gates, long_context
  std::string description;
  std::vector<CorpusSpec> corpora;
  std::vector<ArmSpec> arms;
  std::string baseline;    // the arm differences are taken against (default: the first)
  std::vector<uint64_t> seeds;
  std::vector<int64_t> steps;  // step budgets
  double iso_rel_tol = -1;     // >= 0: arms must match the baseline's total and activated params
  std::string plot_x;          // "", "rho" or "table_params": final loss against it
};

// Reads and checks a spec. `corpus_overrides` ("NAME=PATH") replace a corpus's path (the
// name must be one of the spec's).
ExperimentSpec load_spec(const std::string& path, const std::vector<std::string>& corpus_overrides = {});

// One training run of the grid.
struct RunSpec {
  std::string id;  // <arm>.<corpus>.<steps>.s<seed>: its folder under <out>/runs
  const ArmSpec* arm = nullptr;
  const CorpusSpec* corpus = nullptr;
  uint64_t seed = 0;
  int64_t steps = 0;
  Json key;  // everything that decides the run's result; a finished or resumed run must match it
};

// Budgets outermost, then corpora, seeds, arms: every finished seed completes a paired
// comparison, so a grid stopped early still reports something.
std::vector<RunSpec> expand_grid(const ExperimentSpec& spec);

// Applies a run's "train" object to TrainOptions; returns the thread count (0: all cores).
// Known keys: batch, seq, lr, min_lr, warmup, schedule, weight_decay, table_lr_mult,
// table_adam, grad_clip, eval_every, ckpt_every, heldout, tables, table_cache_mb, threads.
// Held-out evaluation always covers the whole split (no eval_batches key on purpose).
int apply_train_options(const Json& train, const std::string& where, train::TrainOptions& o);

}  // namespace engram::experiment
