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

#include <cmath>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "engram/train.h"
#include "model/params.h"

namespace engram::train {

// A table backend the optimiser updates in place (train/store_table.h): the value and Adam
// moments of distinct rows, each [rows.size(), width]. The optimiser state belongs to
// training, so it is not part of model::TableBackend.
class TrainableTable : public model::TableBackend {
 public:
  virtual void read_state(std::span<const int64_t> rows, float* w, float* m, float* v) = 0;
  virtual void write_state(std::span<const int64_t> rows, const float* w, const float* m, const float* v) = 0;
};

// One row of Adam, in place: w, m, v and g hold `width` values; c1, c2 are the bias
// corrections 1 - beta^t of the global step t; g is scaled by `clip` first. The one
// arithmetic of every table update (RAM, a memory tier, the Python TrainableTable), so a
// table trains bit for bit the same wherever it lives.
inline void adam_row(float* w, float* m, float* v, const float* g, int64_t width, float lr, float b1, float b2,
                     float c1, float c2, float eps, float clip = 1.0f) {
  for (int64_t j = 0; j < width; ++j) {
    const float gj = g[j] * clip;
    m[j] = b1 * m[j] + (1 - b1) * gj;
    v[j] = b2 * v[j] + (1 - b2) * gj * gj;
    w[j] -= lr * (m[j] / c1) / (std::sqrt(v[j] / c2) + eps);
  }
}

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
