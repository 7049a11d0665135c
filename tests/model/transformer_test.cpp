#include "model/transformer.h"

#include <algorithm>
#include <random>

#include "core/error.h"
#include "grad_check.h"

namespace engram::model {

namespace {

ModelConfig tiny_config(bool moe, bool engram, const char* router = "softmax_aux") {
  Json j = {{"vocab_size", 13}, {"d_model", 8}, {"n_layers", 2}, {"n_heads", 2}, {"max_seq_len", 16},
            {"init_std", 0.4},  {"tie_embeddings", !engram}};
  // A large auxiliary coefficient so its share of the router gradient is checked too.
  j["ffn"] = moe ? Json{{"type", "moe"}, {"hidden", 6}, {"n_experts", 3}, {"top_k", 2}, {"shared_hidden", 4},
                        {"router", router}, {"aux_loss_coef", 0.5}}
                 : Json{{"type", "dense"}, {"dense_hidden", 12}};
  if (engram)
    j["engram"] = {{"engram_vocab_size", {11, 11}}, {"max_ngram_size", 3}, {"n_embed_per_ngram", 4},
                   {"n_head_per_ngram", 2},         {"layer_ids", {1}},     {"pad_id", 2},
                   {"seed", 0},                     {"kernel_size", 3}};
  return ModelConfig::from_json(j, "tiny");
}

EngramRows random_rows(Transformer& m, int64_t B, int64_t T, uint64_t seed) {
  EngramRows er;
  std::mt19937_64 g(seed);
  for (size_t i = 0; i < (m.config().engram ? m.config().engram->hash.layer_ids.size() : 0); ++i) {
    const auto& sizes = m.engram_table_sizes(i);
    std::vector<int64_t> r(B * T * sizes.size());
    for (int64_t p = 0; p < B * T; ++p)
      for (size_t c = 0; c < sizes.size(); ++c) r[p * sizes.size() + c] = static_cast<int64_t>(g() % sizes[c]);
    er.rows.push_back(r);
  }
  return er;
}

void check_model_gradients(bool moe, bool engram, double eps, const char* router = "softmax_aux") {
  Transformer m(tiny_config(moe, engram, router), 7);
  if (engram) {
    // The short conv starts at zero (paper recipe), which would hide its input gradients.
    auto& w = m.param("layers.1.engram.short_conv.conv.weight").data;
    auto r = test::randn(w.size(), 99, 0.5f);
    std::copy(r.begin(), r.end(), w.begin());
  }
  const int64_t B = 2, T = 5;
  std::vector<int32_t> ids{1, 4, 2, 12, 0, 3, 3, 7, 9, 11}, tgt{4, 2, 12, 0, 5, 3, 7, 9, 11, 6};
  EngramRows er = random_rows(m, B, T, 3);
  m.zero_grad();
  m.step(ids, tgt, er, B, T, true);
  m.freeze_routing(true);
  // The objective backward differentiates: cross-entropy plus the routers' auxiliary loss.
  auto loss = [&] { return m.step(ids, tgt, er, B, T, false) + m.last_aux_loss(); };
  if (moe && std::string(router) == "softmax_aux") {
    EXPECT_GT(m.last_aux_loss(), 0.0);
  }
  for (auto& p : m.params()) {
    if (p.kind == ParamKind::kTable) {
      // Expand the sparse rows into a dense gradient to compare against finite differences.
      std::vector<float> dense(p.numel(), 0.0f);
      const int64_t W = p.row_width();
      ASSERT_FALSE(p.sparse.rows.empty());
      for (size_t r = 0; r < p.sparse.rows.size(); ++r)
        std::copy(p.sparse.grad.begin() + r * W, p.sparse.grad.begin() + (r + 1) * W, dense.begin() + p.sparse.rows[r] * W);
      test::expect_grad_close(p.name, loss, p.data.data(), p.data.size(), dense.data(), eps, 3e-2, 3e-4, 64);
    } else {
      test::expect_grad_close(p.name, loss, p.data.data(), p.data.size(), p.grad.data(), eps, 3e-2, 3e-4, 12);
    }
  }
}

}  // namespace

TEST(Transformer, DenseGradientsMatchFiniteDifferences) { check_model_gradients(false, false, 3e-3); }
TEST(Transformer, MoeGradientsMatchFiniteDifferences) { check_model_gradients(true, false, 3e-3); }
TEST(Transformer, SigmoidMoeGradientsMatchFiniteDifferences) { check_model_gradients(true, false, 3e-3, "sigmoid_bias"); }
TEST(Transformer, EngramMoeGradientsMatchFiniteDifferences) { // The gate's sign-sqrt has unbounded curvature near s = 0: a smaller step.
  check_model_gradients(true, true, 2e-3);
}

// A table backend in RAM for the model-level tests: rows of a dense array.
class VectorBackend : public TableBackend {
 public:
  VectorBackend(int64_t rows, int64_t width) : w_(width), data(rows * width) {}
  std::string describe() const override { return "vector"; }
  void read(std::span<const int64_t> rows, float* out) override {
    for (size_t i = 0; i < rows.size(); ++i) std::copy_n(data.begin() + rows[i] * w_, w_, out + i * w_);
  }
  int64_t w_;
  std::vector<float> data;
};

// A table built by a factory gets the very values a RAM table gets, the parameters after
// it too (one random stream), and the model computes the same loss reading it from the
// backend (only the rows the batch hits).
TEST(Transformer, TableFactoryInitialisesTheSameValues) {
  Transformer ram(tiny_config(true, true), 9);
  std::shared_ptr<VectorBackend> made;
  int layer_seen = -1;
  TableFactory factory = [&](const Param& p, int layer, const ValueSource& init) {
    EXPECT_TRUE(p.data.empty()) << "the table was allocated in RAM anyway";
    layer_seen = layer;
    made = std::make_shared<VectorBackend>(p.shape[0], p.row_width());
    init(made->data.data(), made->data.size() / 2);  // in two pieces, as a streaming writer would
    init(made->data.data() + made->data.size() / 2, made->data.size() - made->data.size() / 2);
    return made;
  };
  Transformer tier(tiny_config(true, true), 9, factory);
  EXPECT_EQ(layer_seen, 1);
  const std::string table = "layers.1.engram.multi_head_embedding.embedding.weight";
  ASSERT_TRUE(made);
  EXPECT_EQ(made->data, ram.param(table).data);
  EXPECT_TRUE(tier.param(table).data.empty());
  EXPECT_EQ(tier.param(table).backend, made);
  for (auto& p : ram.params()) {
    if (p.name != table) {
      EXPECT_EQ(p.data, tier.param(p.name).data) << p.name;
    }
  }
  std::vector<int32_t> ids{1, 5, 7, 2, 9, 4, 3, 12}, tg{5, 7, 2, 9, 4, 3, 12, 0};
  EngramRows er = random_rows(ram, 2, 4, 3);
  EXPECT_EQ(ram.step(ids, tg, er, 2, 4, false), tier.step(ids, tg, er, 2, 4, false));
}

TEST(Transformer, IsCausal) {
  Transformer m(tiny_config(true, false), 1);
  std::vector<int32_t> a{1, 2, 3, 4}, b{1, 2, 3, 9};
  EngramRows er;
  auto la = m.logits(a, er, 1, 4), lb = m.logits(b, er, 1, 4);
  for (int i = 0; i < 3 * 13; ++i) EXPECT_EQ(la[i], lb[i]);
  EXPECT_NE(la[3 * 13], lb[3 * 13]);
}

TEST(Transformer, RejectsBadInput) {
  Transformer m(tiny_config(false, false), 1);
  EngramRows er;
  std::vector<int32_t> bad{1, 13};
  EXPECT_THROW(m.logits(bad, er, 1, 2), Error);
  std::vector<int32_t> long_seq(17, 1);
  EXPECT_THROW(m.logits(long_seq, er, 1, 17), Error);
}

TEST(ModelConfig, ErrorsNameTheField) {
  auto err = [](Json j) {
    try {
      ModelConfig::from_json(j, "cfg.json");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  Json base = tiny_config(true, true).to_json();
  Json j = base;
  j["ffn"]["top_k"] = 4;
  EXPECT_NE(err(j).find("top_k"), std::string::npos);
  j = base;
  j["n_heads"] = 3;
  EXPECT_NE(err(j).find("divisible"), std::string::npos);
  j = base;
  j["engram"]["layer_ids"] = {5};
  EXPECT_NE(err(j).find("engram.layer_ids[0] = 5"), std::string::npos);
  EXPECT_EQ(err(base), "");
}

}  // namespace engram::model

namespace engram::model {

TEST(Transformer, KvCacheDecodeMatchesFullForward) {
  for (bool engram : {false, true}) {
    Transformer m(tiny_config(true, engram), 5);
    if (engram) {  // exercise the conv history with non-zero taps
      auto& w = m.param("layers.1.engram.short_conv.conv.weight").data;
      auto r = test::randn(w.size(), 98, 0.5f);
      std::copy(r.begin(), r.end(), w.begin());
    }
    const int64_t T = 14;
    std::vector<std::vector<int32_t>> seqs = {{1, 4, 2, 12, 0, 3, 3, 7, 9, 11, 5, 6, 8, 2},
                                              {7, 7, 1, 0, 12, 11, 4, 4, 2, 3, 9, 10, 1, 5}};
    std::vector<EngramRows> rows;
    std::vector<std::vector<float>> full;
    for (size_t s = 0; s < seqs.size(); ++s) {
      rows.push_back(random_rows(m, 1, T, 10 + s));
      full.push_back(m.logits(seqs[s], rows.back(), 1, T));
    }
    const int64_t V = m.config().vocab_size;
    const std::vector<int64_t> prompt = {3, 6};  // different prompt lengths per sequence
    KVCache c = m.new_cache(2, T);
    for (int s = 0; s < 2; ++s) {
      EngramRows er;
      for (auto& r : rows[s].rows) er.rows.emplace_back(r.begin(), r.begin() + prompt[s] * (r.size() / T));
      auto lg = m.prefill(c, s, std::span(seqs[s]).first(prompt[s]), er);
      test::expect_all_close("prefill", lg.data(), full[s].data() + (prompt[s] - 1) * V, V, 1e-4, 1e-5);
    }
    // Decode in lockstep; each sequence sits at its own position.
    for (int step = 0; step < 7; ++step) {
      std::vector<int32_t> ids;
      EngramRows er;
      er.rows.resize(rows[0].rows.size());
      for (int s = 0; s < 2; ++s) {
        const int64_t t = prompt[s] + step;
        ids.push_back(seqs[s][t]);
        for (size_t l = 0; l < er.rows.size(); ++l) {
          const size_t C = rows[s].rows[l].size() / T;
          er.rows[l].insert(er.rows[l].end(), rows[s].rows[l].begin() + t * C, rows[s].rows[l].begin() + (t + 1) * C);
        }
      }
      auto lg = m.decode(c, ids, er);
      for (int s = 0; s < 2; ++s) {
        const int64_t t = prompt[s] + step;
        test::expect_all_close("decode step " + std::to_string(step), lg.data() + s * V, full[s].data() + t * V, V,
                               1e-4, 1e-5);
      }
    }
  }
}

}  // namespace engram::model
