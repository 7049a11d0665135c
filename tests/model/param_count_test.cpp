// The iso-parameter claim of the KJV configs (configs/kjv_engram_moe.json against its MoE
// baseline configs/kjv_moe.json, vocabulary 11,795 as in the README's `engram params`):
// equal total and equal activated parameters, to the granularity the configs allow. And
// count_params itself against the parameters a model built from each config allocates.
#include "model/param_count.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

#include "model/transformer.h"

namespace engram::model {
namespace {

constexpr int64_t kKjvVocab = 11795;

ModelConfig kjv_config(const std::string& name) {
  ModelConfig cfg = ModelConfig::load(std::string(ENGRAM_SOURCE_DIR) + "/configs/" + name);
  cfg.vocab_size = kKjvVocab;
  return cfg;
}

double relative_gap(int64_t a, int64_t b) { return std::fabs(static_cast<double>(a - b)) / static_cast<double>(b); }

TEST(ParamCount, KjvEngramMoeAndMoeBaselineAreIsoParameter) {
  const ParamCounts eng = count_params(kjv_config("kjv_engram_moe.json"));
  const ParamCounts moe = count_params(kjv_config("kjv_moe.json"));
  ASSERT_TRUE(kjv_config("kjv_engram_moe.json").engram.has_value());
  ASSERT_FALSE(kjv_config("kjv_moe.json").engram.has_value());
  // The figures docs/RESULTS.md quotes.
  EXPECT_EQ(eng.total, 11'157'632);
  EXPECT_EQ(eng.activated, 6'437'376);
  EXPECT_EQ(moe.total, 11'156'480);
  EXPECT_EQ(moe.activated, 6'437'888);
  // Equal up to less than one unit of the knobs that set them: a shared-expert channel is
  // 3 * d = 768 parameters, dense and activated; an expert hidden channel 3 * d too.
  const int64_t unit = 3 * 256;
  EXPECT_LE(std::llabs(eng.total - moe.total), 2 * unit) << eng.total << " vs " << moe.total;
  EXPECT_LE(std::llabs(eng.activated - moe.activated), unit) << eng.activated << " vs " << moe.activated;
  EXPECT_LT(relative_gap(eng.total, moe.total), 2e-4);
  EXPECT_LT(relative_gap(eng.activated, moe.activated), 2e-4);
  // The Engram model spends what it takes from the experts on the table, not on dense compute.
  EXPECT_GT(eng.engram_tables, 1'000'000);
  EXPECT_LT(eng.routed_experts, moe.routed_experts);
}

// count_params is computed from the config alone; a model built from the config allocates
// the parameters. Sparse = the routed experts a token does not use (n_experts - top_k of
// each MoE layer) + the table values it does not read.
void expect_counts_match_the_model(const std::string& name) {
  SCOPED_TRACE(name);
  const ModelConfig cfg = kjv_config(name);
  const ParamCounts c = count_params(cfg);
  Transformer m(cfg, 1);
  int64_t total = 0, tables = 0, experts = 0;
  for (const Param& p : m.params()) {
    total += p.numel();
    if (p.kind == ParamKind::kTable) tables += p.numel();
    const bool routed = p.name.find(".moe.w") != std::string::npos;  // [E, ...] expert weights
    if (routed) experts += p.numel();
  }
  EXPECT_EQ(c.total, total);
  EXPECT_EQ(c.engram_tables, tables);
  const int64_t unused_experts = experts / cfg.ffn.n_experts * (cfg.ffn.n_experts - cfg.ffn.top_k);
  EXPECT_EQ(c.sparse, unused_experts + tables - c.engram_rows_read);
  EXPECT_EQ(c.activated, total - c.sparse);
  if (cfg.engram) {
    const HashConfig& h = cfg.engram->hash;
    // Each Engram layer reads one row of head_dim values from each of its (N-1)*K tables.
    EXPECT_EQ(c.engram_rows_read, static_cast<int64_t>(h.layer_ids.size()) * (h.max_ngram_size - 1) *
                                      h.n_embed_per_ngram);
  }
}

TEST(ParamCount, CountsMatchTheParametersAModelAllocates) {
  expect_counts_match_the_model("kjv_moe.json");
  expect_counts_match_the_model("kjv_engram_moe.json");
}

}  // namespace
}  // namespace engram::model
