// Optimisers: AdamW for dense parameters, and lazy (sparse) Adam for Engram tables.
//
// Dense: decoupled weight decay (ParamKind::kWeight only), bias-corrected moments.
// Tables (ParamKind::kTable), the paper's recipe done sparsely: Adam with lr x table_lr_mult
// (5 by default) and no weight decay, touching only the rows hit in the step. Lazy
// semantics: a row's moments advance only on steps that hit it (rows not hit keep their m
// and v untouched, as TensorFlow's LazyAdam), and bias correction uses the global step.
// A table of millions of rows therefore costs per step what its hit rows cost. A table with
// a TableBackend (a memory-tier store) is read and written there, hit rows only, with the
// same arithmetic; its moments live beside it, not in m()/v().
//
// Tables may instead take dense Adam (table_adam = kDense, RAM tables only): every row's
// moments decay each step and rows not hit keep moving with their momentum, as
// torch.optim.Adam on a dense embedding would.
//
// Schedule: linear warmup to lr over warmup steps, then to min_lr at total_steps by
// cosine (counted from the end of warmup), cosine_full (a cosine counted from step 0 times
// the warmup ramp, as LambdaLR recipes write it), linear, or constant lr.
// Clipping: the global L2 norm over every gradient (dense and sparse rows); 0 disables.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "model/params.h"

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

class Optimizer {
 public:
  Optimizer(OptimConfig cfg, std::deque<model::Param>& params);

  // One update with the current gradients; returns the global gradient norm before
  // clipping. `step` counts from 0.
  double step(int64_t step);
  const OptimConfig& config() const { return cfg_; }
  // Moments, parallel to params (for checkpoints): m[i], v[i] have params[i].numel() values
  // (none for a table with a backend).
  std::vector<std::vector<float>>& m() { return m_; }
  std::vector<std::vector<float>>& v() { return v_; }

 private:
  OptimConfig cfg_;
  std::deque<model::Param>& params_;
  std::vector<std::vector<float>> m_, v_;
  std::vector<float> rows_w_, rows_m_, rows_v_;  // hit rows of a backend table
  std::vector<float> dense_g_;                   // a zero gradient row (dense table Adam)
};

}  // namespace engram::train
