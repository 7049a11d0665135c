#include "train/optimizer.h"

#include <cmath>

#include "core/error.h"

namespace engram::train {

using model::Param;
using model::ParamKind;

float lr_at(const OptimConfig& c, int64_t step) {
  constexpr double kPi = 3.141592653589793;
  if (c.schedule == LrSchedule::kConstant)
    return c.warmup_steps > 0 && step < c.warmup_steps ? c.lr * static_cast<float>(step + 1) / c.warmup_steps : c.lr;
  if (c.schedule == LrSchedule::kCosineFull) {
    // One cosine over [0, total_steps], times the warmup ramp.
    if (step >= c.total_steps || c.total_steps <= 0) return c.min_lr;
    const double p = static_cast<double>(step) / c.total_steps;
    const double ramp = c.warmup_steps > 0 && step < c.warmup_steps ? static_cast<double>(step + 1) / c.warmup_steps : 1.0;
    return static_cast<float>(ramp * (c.min_lr + 0.5 * (c.lr - c.min_lr) * (1.0 + std::cos(kPi * p))));
  }
  if (c.warmup_steps > 0 && step < c.warmup_steps) return c.lr * static_cast<float>(step + 1) / c.warmup_steps;
  const int64_t decay = c.total_steps - c.warmup_steps;
  if (decay <= 0 || step >= c.total_steps) return c.min_lr;
  const double p = static_cast<double>(step - c.warmup_steps) / decay;
  if (c.schedule == LrSchedule::kLinear) return static_cast<float>(c.lr + (c.min_lr - c.lr) * p);
  return static_cast<float>(c.min_lr + 0.5 * (c.lr - c.min_lr) * (1.0 + std::cos(kPi * p)));
}

const char* schedule_name(LrSchedule s) {
  switch (s) {
    case LrSchedule::kCosine: return "cosine";
    case LrSchedule::kCosineFull: return "cosine_full";
    case LrSchedule::kLinear: return "linear";
    case LrSchedule::kConstant: return "constant";
  }
  return "?";
}

LrSchedule parse_schedule(const std::string& name) {
  for (LrSchedule s : {LrSchedule::kCosine, LrSchedule::kCosineFull, LrSchedule::kLinear, LrSchedule::kConstant})
    if (name == schedule_name(s)) return s;
  throw Error("unknown learning-rate schedule '" + name + "' (expected cosine, cosine_full, linear or constant)");
}

const char* table_adam_name(TableAdam a) { return a == TableAdam::kLazy ? "lazy" : "dense"; }

TableAdam parse_table_adam(const std::string& name) {
  if (name == "lazy") return TableAdam::kLazy;
  if (name == "dense") return TableAdam::kDense;
  throw Error("unknown table optimiser '" + name + "' (expected lazy or dense)");
}

Optimizer::Optimizer(OptimConfig cfg, std::deque<Param>& params) : cfg_(cfg), params_(params) {
  for (auto& p : params_) {
    if (p.backend && cfg_.table_adam == TableAdam::kDense)
      throw Error("table '" + p.name + "' lives in a memory-tier store (" + p.backend->describe() +
                  "), which takes lazy Adam only\n---> HINT: --table-adam lazy, or --tables model");
    const int64_t n = p.backend ? 0 : p.numel();  // a backend keeps its table's moments
    m_.emplace_back(n, 0.0f);
    v_.emplace_back(n, 0.0f);
  }
}

double Optimizer::step(int64_t step) {
  double sq = 0.0;
  for (auto& p : params_) {
    if (p.kind == ParamKind::kTable)
      for (float g : p.sparse.grad) sq += static_cast<double>(g) * g;
    else
      for (float g : p.grad) sq += static_cast<double>(g) * g;
  }
  const double norm = std::sqrt(sq);
  const float clip = (cfg_.grad_clip > 0 && norm > cfg_.grad_clip) ? static_cast<float>(cfg_.grad_clip / norm) : 1.0f;
  const float lr = lr_at(cfg_, step);
  const float b1 = cfg_.beta1, b2 = cfg_.beta2;
  const double t = static_cast<double>(step + 1);
  const float c1 = static_cast<float>(1.0 - std::pow(b1, t)), c2 = static_cast<float>(1.0 - std::pow(b2, t));
  for (size_t i = 0; i < params_.size(); ++i) {
    Param& p = params_[i];
    float* m = m_[i].data();
    float* v = v_[i].data();
    if (p.kind == ParamKind::kTable) {
      const int64_t W = p.row_width();
      const float tlr = lr * cfg_.table_lr_mult;
      // One row of lazy Adam; the same arithmetic whether the row lives in `data` or in a
      // backend, so a table in a memory tier trains bit for bit as one in RAM.
      auto row = [&](float* w, float* mr, float* vr, const float* g) {
        adam_row(w, mr, vr, g, W, tlr, b1, b2, c1, c2, cfg_.eps, clip);
      };
      const auto& rows = p.sparse.rows;
      if (cfg_.table_adam == TableAdam::kDense) {
        // Every row: the hit rows' gradients, zero elsewhere.
        const int64_t R = p.shape[0];
        dense_g_.assign(W, 0.0f);
        size_t next = 0;
        for (int64_t r = 0; r < R; ++r) {
          const float* g = dense_g_.data();
          if (next < rows.size() && rows[next] == r) g = p.sparse.grad.data() + (next++) * W;
          row(p.data.data() + r * W, m + r * W, v + r * W, g);
        }
      } else if (p.backend) {
        const size_t n = rows.size();
        rows_w_.resize(n * W);
        rows_m_.resize(n * W);
        rows_v_.resize(n * W);
        auto* t = dynamic_cast<TrainableTable*>(p.backend.get());
        if (!t)
          throw Error("table '" + p.name + "' lives in " + p.backend->describe() +
                      ", which the optimiser cannot update (not a train::TrainableTable)");
        t->read_state(rows, rows_w_.data(), rows_m_.data(), rows_v_.data());
        for (size_t r = 0; r < n; ++r)
          row(rows_w_.data() + r * W, rows_m_.data() + r * W, rows_v_.data() + r * W, p.sparse.grad.data() + r * W);
        t->write_state(rows, rows_w_.data(), rows_m_.data(), rows_v_.data());
      } else {
        for (size_t r = 0; r < rows.size(); ++r) {
          const int64_t base = rows[r] * W;
          row(p.data.data() + base, m + base, v + base, p.sparse.grad.data() + r * W);
        }
      }
      continue;
    }
    const float wd = p.kind == ParamKind::kWeight ? cfg_.weight_decay : 0.0f;
    const int64_t n = p.numel();
    float* w = p.data.data();
    const float* g = p.grad.data();
#pragma omp parallel for simd schedule(static) if (n > 65536)
    for (int64_t j = 0; j < n; ++j) {
      const float gj = g[j] * clip;
      m[j] = b1 * m[j] + (1 - b1) * gj;
      v[j] = b2 * v[j] + (1 - b2) * gj * gj;
      w[j] -= lr * ((m[j] / c1) / (std::sqrt(v[j] / c2) + cfg_.eps) + wd * w[j]);
    }
  }
  return norm;
}

}  // namespace engram::train
