// The training loop: batches from a token file, forward/backward, AdamW + lazy Adam,
// periodic held-out evaluation, atomic checkpoints, a metrics log (JSON lines), a loss
// curve (SVG) and a progress bar. Resuming from a checkpoint reproduces the loss curve of
// an uninterrupted run (stateless batch sampling, moments and routing biases restored).
//
// Thread safety: train() and evaluate_checkpoint() run one at a time per output folder (they
// use every core through OpenMP). Failure: engram::Error naming the file, field or flag.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "engram/profile.h"
#include "engram/store.h"

namespace engram::train {

enum class LrSchedule { kCosine, kCosineFull, kLinear, kConstant };
enum class TableAdam { kLazy, kDense };

struct OptimConfig {
  float lr = 3e-3f;
  float min_lr = 3e-4f;
  int64_t warmup_steps = 100;
  int64_t total_steps = 1000;
  LrSchedule schedule = LrSchedule::kCosine;
  float beta1 = 0.9f, beta2 = 0.95f, eps = 1e-8f;
  float weight_decay = 0.1f;
  float table_lr_mult = 5.0f;
  TableAdam table_adam = TableAdam::kLazy;
  float grad_clip = 1.0f;  // 0 disables
};

float lr_at(const OptimConfig& c, int64_t step);
// Names as the CLI and checkpoints spell them ("cosine", "cosine_full", "linear",
// "constant"; "lazy", "dense"); the parsers throw Error naming the accepted values.
const char* schedule_name(LrSchedule s);
LrSchedule parse_schedule(const std::string& name);
const char* table_adam_name(TableAdam a);
TableAdam parse_table_adam(const std::string& name);

struct TableStoreOptions {
  // model: tables are ordinary parameters in RAM (Param::data). Otherwise the store kind:
  // ram | mmap | pread | ssd (io_uring, O_DIRECT).
  std::string kind = "model";
  double cache_mb = 0;  // hot-row cache (TinyLFU) before each file of a file store, MB; 0: none
  std::string dir;      // working files; empty: <out_dir>/tables
};

// The store the tables are opened with (kind not "model"): memory/open_store.h.
inline StoreOptions store_options(const TableStoreOptions& o) {
  StoreOptions s;
  s.kind = o.kind;
  s.cache_mb = o.cache_mb;
  s.writable = true;
  return s;
}
// Throws engram::Error for an unknown kind, a negative cache or a cache before RAM.
void validate(const TableStoreOptions& o);

struct TrainOptions {
  std::string config_path;
  std::string data_path;       // text corpus (tokenized once into <data>.engtok) or a token file
  std::string tokenizer_path;  // empty: the default cache path
  std::string out_dir = "out/train";
  std::string label = "model";
  int64_t steps = 300;
  int64_t batch = 16;
  int64_t seq = 0;  // 0: the config's max_seq_len
  int64_t eval_every = 50;
  int64_t eval_batches = 0;  // held-out batches per evaluation; 0: the whole held-out split
  int64_t ckpt_every = 100;
  double heldout_fraction = 0.05;
  uint64_t seed = 1234;
  bool resume = false;     // continue from <out_dir>/checkpoint.safetensors
  int64_t stop_after = -1; // stop (as if interrupted) once this many steps are done
  OptimConfig optim;
  // Where the Engram tables live while training (kind "model": ordinary RAM parameters).
  TableStoreOptions tables;
  bool quiet = false;
  // Called after every step with the steps done (counted from 0, resumed steps included),
  // the step's loss and the latest held-out loss (NaN before the first evaluation). When
  // set, train() draws no progress bar of its own (the caller shows one, e.g. over a grid
  // of runs: `engram experiment`).
  std::function<void(int64_t steps_done, double loss, double heldout)> on_step;
  // When set: the initial weights (<dir>/init.safetensors, a step-0 checkpoint) and every
  // batch the run trains and evaluates on (<dir>/batches.safetensors), for an independent
  // re-run of the same training (tools/peers/torch_train_parity.py). RAM tables only.
  std::string parity_dump;
};

struct TrainResult {
  int64_t steps_done = 0;
  double last_train_loss = 0, last_eval_loss = 0;
  double tokens_per_s = 0;
  double engram_time_share = 0;  // fraction of model time (forward+backward) in Engram layers
  model::StepProfile profile;    // summed over training steps (not evaluation)
  double optimizer_seconds = 0, data_seconds = 0;
  std::vector<double> train_losses;  // per step
  std::vector<std::pair<int64_t, double>> eval_losses;
  // Training wall-clock seconds up to the last step, held-out evaluations excluded, summed
  // over an interrupted run and its resumptions (metrics.jsonl "wall_s" per step).
  double wall_s = 0;
  std::string checkpoint_path, metrics_path, plot_path;
  std::string tables;            // where the tables lived ("model" or the stores)
  double table_hit_rate = -1;    // of the first table's value cache, -1 without one
};

TrainResult train(const TrainOptions& opt);

struct EvalResult {
  double loss = 0;      // token-weighted mean cross-entropy
  int64_t tokens = 0;   // predicted tokens it averages over
  int64_t windows = 0;  // held-out windows of max_seq_len + 1 tokens
  int64_t windows_total = 0;  // windows in the held-out split
};
// Mean held-out loss of a checkpoint over the held-out split of a corpus (max_batches 0:
// every window of it).
EvalResult evaluate_checkpoint(const std::string& checkpoint, const std::string& data_path,
                               const std::string& tokenizer_path, int64_t batch, int64_t max_batches,
                               double heldout_fraction);

}  // namespace engram::train
