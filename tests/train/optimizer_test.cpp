#include "train/optimizer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "core/error.h"

namespace engram::train {

using model::Param;
using model::ParamKind;

TEST(Optimizer, ScheduleWarmsUpThenDecays) {
  OptimConfig c;
  c.lr = 1.0f;
  c.min_lr = 0.1f;
  c.warmup_steps = 10;
  c.total_steps = 110;
  EXPECT_FLOAT_EQ(lr_at(c, 0), 0.1f);
  EXPECT_FLOAT_EQ(lr_at(c, 9), 1.0f);
  EXPECT_NEAR(lr_at(c, 60), 0.55f, 1e-6);
  EXPECT_FLOAT_EQ(lr_at(c, 110), 0.1f);
}

// Built from a moved std::string: assigning a literal to Param::name trips GCC 12's
// -Wrestrict false positive (PR 105329) here.
Param dense_param(std::string name, std::vector<int64_t> shape, ParamKind kind, std::vector<float> data,
                  std::vector<float> grad) {
  Param p;
  p.name = std::move(name);
  p.shape = std::move(shape);
  p.kind = kind;
  p.data = std::move(data);
  p.grad = std::move(grad);
  return p;
}

TEST(Optimizer, AdamWStepMatchesHandComputation) {
  std::deque<Param> ps;
  ps.push_back(dense_param("w", {2}, ParamKind::kWeight, {1.0f, -2.0f}, {0.5f, 0.25f}));
  ps.push_back(dense_param("n", {1}, ParamKind::kNoDecay, {3.0f}, {-1.0f}));
  OptimConfig c;
  c.lr = 0.1f;
  c.warmup_steps = 0;
  c.total_steps = 1000000;
  c.min_lr = 0.1f;
  c.weight_decay = 0.5f;
  c.grad_clip = 0;
  Optimizer opt(c, ps);
  const double norm = opt.step(0);
  EXPECT_NEAR(norm, std::sqrt(0.25 + 0.0625 + 1.0), 1e-6);
  // Step 1: m/c1 = g, v/c2 = g^2, so the Adam step is lr * sign(g) (up to eps).
  EXPECT_NEAR(ps[0].data[0], 1.0f - 0.1f * (1.0f + 0.5f * 1.0f), 1e-5);
  EXPECT_NEAR(ps[0].data[1], -2.0f - 0.1f * (1.0f + 0.5f * -2.0f), 1e-5);
  EXPECT_NEAR(ps[1].data[0], 3.0f + 0.1f, 1e-5);  // no decay
}

TEST(Optimizer, LazyAdamTouchesOnlyHitRows) {
  std::deque<Param> ps(1);
  Param& t = ps[0];
  t.name = "table";
  t.shape = {5, 2};
  t.kind = ParamKind::kTable;
  t.data = {1, 1, 2, 2, 3, 3, 4, 4, 5, 5};
  t.sparse.rows = {1, 3};
  t.sparse.grad = {1, -1, 2, 0};
  OptimConfig c;
  c.lr = 0.01f;
  c.min_lr = 0.01f;
  c.warmup_steps = 0;
  c.total_steps = 100;
  c.table_lr_mult = 5.0f;
  c.weight_decay = 0.9f;  // must not apply to tables
  c.grad_clip = 0;
  Optimizer opt(c, ps);
  opt.step(0);
  EXPECT_EQ(t.data[0], 1.0f);
  EXPECT_EQ(t.data[4], 3.0f);
  EXPECT_EQ(t.data[8], 5.0f);
  EXPECT_NEAR(t.data[2], 2.0f - 0.05f, 1e-5);
  EXPECT_NEAR(t.data[3], 2.0f + 0.05f, 1e-5);
  EXPECT_NEAR(t.data[6], 4.0f - 0.05f, 1e-5);
  EXPECT_NEAR(t.data[7], 4.0f, 1e-5);  // zero gradient: Adam step 0
  // Moments of rows not hit stay zero (lazy semantics).
  EXPECT_EQ(opt.m()[0][0], 0.0f);
  EXPECT_NE(opt.m()[0][2], 0.0f);
}

// A table whose backend only reads rows (a serving store) cannot be trained: the step
// throws naming the table instead of skipping its update.
TEST(Optimizer, ReadOnlyTableBackendIsRefused) {
  struct ReadOnly : model::TableBackend {
    std::string describe() const override { return "a read-only test store"; }
    void read(std::span<const int64_t> rows, float* out) override { std::fill_n(out, rows.size() * 2, 0.0f); }
  };
  std::deque<Param> ps(1);
  Param& t = ps[0];
  t.name = "table";
  t.shape = {5, 2};
  t.kind = ParamKind::kTable;
  t.backend = std::make_shared<ReadOnly>();
  t.sparse.rows = {1};
  t.sparse.grad = {1, -1};
  OptimConfig c;
  c.grad_clip = 0;
  Optimizer opt(c, ps);
  try {
    opt.step(0);
    FAIL() << "a read-only backend was stepped";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("table 'table' lives in a read-only test store"), std::string::npos)
        << e.what();
  }
}

TEST(Optimizer, ClipsTheGlobalNorm) {
  std::deque<Param> ps(1);
  ps[0].shape = {1};
  ps[0].data = {0.0f};
  ps[0].grad = {100.0f};
  OptimConfig c;
  c.grad_clip = 1.0f;
  Optimizer opt(c, ps);
  EXPECT_NEAR(opt.step(0), 100.0, 1e-9);
  EXPECT_NEAR(opt.m()[0][0], 0.1f * 1.0f, 1e-6);  // (1 - beta1) * clipped grad
}

}  // namespace engram::train
