#include "model/transformer.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/error.h"
#include "core/progress.h"
#include "model/engram_block.h"
#include "model/init.h"
#include "model/moe.h"
#include "ops/attention.h"
#include "ops/cross_entropy.h"
#include "ops/embedding.h"
#include "ops/linear.h"
#include "ops/rmsnorm.h"
#include "ops/rope.h"
#include "ops/swiglu.h"

namespace engram::model {
namespace {

// Adds the time since the previous mark to a profile slot (a pass's parts, in order).
struct SectionTimer {
  double t = now_seconds();
  void mark(double& slot) {
    const double n = now_seconds();
    slot += n - t;
    t = n;
  }
  void restart() { t = now_seconds(); }
};

}  // namespace

using namespace ops;

// One layer's parameters and the activations its backward needs.
struct Transformer::LayerState {
  Param *attn_norm, *wq, *wk, *wv, *wo, *ffn_norm;
  // dense FFN
  Param *w1 = nullptr, *w3 = nullptr, *w2 = nullptr;
  // MoE
  Param *router = nullptr, *ew1 = nullptr, *ew3 = nullptr, *ew2 = nullptr;
  Param *sw1 = nullptr, *sw3 = nullptr, *sw2 = nullptr;
  std::unique_ptr<MoeLayer> moe;
  std::unique_ptr<EngramBlock> engram;
  int engram_index = -1;

  // Residual stream: x0 layer input, x1 after Engram, x2 after attention.
  std::vector<float> x0, x1, x2;
  std::vector<float> rstd1, h1, q, k, v, probs, att, rstd2, h2;
  std::vector<float> fa, fb, fh;  // dense FFN activations

  MoeParams moe_params() const {
    return {router->data.data(), ew1->data.data(), ew3->data.data(), ew2->data.data(),
            sw1 ? sw1->data.data() : nullptr, sw3 ? sw3->data.data() : nullptr, sw2 ? sw2->data.data() : nullptr};
  }
  MoeParams moe_grads() const {
    return {router->grad.data(), ew1->grad.data(), ew3->grad.data(), ew2->grad.data(),
            sw1 ? sw1->grad.data() : nullptr, sw3 ? sw3->grad.data() : nullptr, sw2 ? sw2->grad.data() : nullptr};
  }
};

Param& Transformer::add(const std::string& name, std::vector<int64_t> shape, ParamKind kind, bool allocate) {
  Param& p = params_.emplace_back();
  p.name = name;
  p.shape = std::move(shape);
  p.kind = kind;
  if (allocate) p.data.assign(p.numel(), 0.0f);
  if (kind != ParamKind::kTable) p.grad.assign(p.numel(), 0.0f);
  return p;
}

Param& Transformer::param(const std::string& name) {
  for (auto& p : params_)
    if (p.name == name) return p;
  throw Error("model has no parameter '" + name + "'");
}

Transformer::Transformer(ModelConfig cfg, uint64_t seed, const TableFactory& tables) : cfg_(std::move(cfg)) {
  cfg_.validate("model config");
  if (cfg_.vocab_size < 2) throw Error("model config: vocab_size must be set (at least 2) to build a model");
  const int64_t d = cfg_.d_model, V = cfg_.vocab_size;
  Initializer init(seed, cfg_.init_std);
  // Residual-branch output projections (see ModelConfig::scaled_residual_init).
  const float out_std = cfg_.scaled_residual_init
                            ? cfg_.init_std / std::sqrt(2.0f * static_cast<float>(cfg_.n_layers))
                            : cfg_.init_std;
  tok_emb_ = &add("tok_emb.weight", {V, d}, ParamKind::kWeight);
  init.normal(*tok_emb_);
  int engram_i = 0;
  for (int64_t l = 0; l < cfg_.n_layers; ++l) {
    auto L = std::make_unique<LayerState>();
    const std::string pre = "layers." + std::to_string(l) + ".";
    if (cfg_.is_engram_layer(l)) {
      L->engram_index = engram_i++;
      L->engram = std::make_unique<EngramBlock>(*cfg_.engram, static_cast<int>(l), d);
      for (auto& spec : L->engram->param_specs()) {
        const bool in_tier = tables && spec.kind == ParamKind::kTable;
        Param& p = add(pre + "engram." + spec.name, spec.shape, spec.kind, !in_tier);
        L->engram->bind(spec.name, p);
      }
      L->engram->init_params(init, tables);
      engram_sizes_.push_back(L->engram->table_sizes());
    }
    L->attn_norm = &add(pre + "attn_norm.weight", {d}, ParamKind::kNoDecay);
    init.ones(*L->attn_norm);
    for (auto [slot, nm] : {std::pair{&L->wq, "wq"}, {&L->wk, "wk"}, {&L->wv, "wv"}, {&L->wo, "wo"}}) {
      *slot = &add(pre + "attn." + nm + ".weight", {d, d}, ParamKind::kWeight);
      init.normal(**slot, slot == &L->wo ? out_std : -1.0f);
    }
    L->ffn_norm = &add(pre + "ffn_norm.weight", {d}, ParamKind::kNoDecay);
    init.ones(*L->ffn_norm);
    if (cfg_.ffn.type == "dense") {
      const int64_t F = cfg_.ffn.dense_hidden;
      L->w1 = &add(pre + "ffn.w1.weight", {F, d}, ParamKind::kWeight);
      L->w3 = &add(pre + "ffn.w3.weight", {F, d}, ParamKind::kWeight);
      L->w2 = &add(pre + "ffn.w2.weight", {d, F}, ParamKind::kWeight);
      init.normal(*L->w1);
      init.normal(*L->w3);
      init.normal(*L->w2, out_std);
    } else {
      const int64_t E = cfg_.ffn.n_experts, F = cfg_.ffn.hidden, S = cfg_.ffn.shared_hidden;
      L->router = &add(pre + "moe.router.weight", {E, d}, ParamKind::kWeight);
      L->ew1 = &add(pre + "moe.w1", {E, F, d}, ParamKind::kWeight);
      L->ew3 = &add(pre + "moe.w3", {E, F, d}, ParamKind::kWeight);
      L->ew2 = &add(pre + "moe.w2", {E, d, F}, ParamKind::kWeight);
      for (Param* p : {L->router, L->ew1, L->ew3}) init.normal(*p);
      init.normal(*L->ew2, out_std);
      if (S > 0) {
        L->sw1 = &add(pre + "moe.shared_w1", {S, d}, ParamKind::kWeight);
        L->sw3 = &add(pre + "moe.shared_w3", {S, d}, ParamKind::kWeight);
        L->sw2 = &add(pre + "moe.shared_w2", {d, S}, ParamKind::kWeight);
        init.normal(*L->sw1);
        init.normal(*L->sw3);
        init.normal(*L->sw2, out_std);
      }
      L->moe = std::make_unique<MoeLayer>(
          MoeShape{d, F, E, cfg_.ffn.top_k, S, cfg_.ffn.router == "softmax_aux", cfg_.ffn.aux_loss_coef});
    }
    layers_.push_back(std::move(L));
  }
  norm_f_ = &add("norm_f.weight", {d}, ParamKind::kNoDecay);
  init.ones(*norm_f_);
  if (!cfg_.tie_embeddings) {
    lm_head_ = &add("lm_head.weight", {V, d}, ParamKind::kWeight);
    init.normal(*lm_head_);
  }
}

Transformer::~Transformer() = default;

void Transformer::check_inputs(std::span<const int32_t> ids, const EngramRows& er, int64_t B, int64_t T) const {
  if (B < 1 || T < 1) throw Error("batch shape must be positive, got [" + std::to_string(B) + ", " + std::to_string(T) + "]");
  if (T > cfg_.max_seq_len)
    throw Error("sequence length " + std::to_string(T) + " exceeds max_seq_len " + std::to_string(cfg_.max_seq_len));
  if (static_cast<int64_t>(ids.size()) != B * T)
    throw Error("ids hold " + std::to_string(ids.size()) + " values, expected B*T = " + std::to_string(B * T));
  for (size_t i = 0; i < ids.size(); ++i)
    if (ids[i] < 0 || ids[i] >= cfg_.vocab_size)
      throw Error("token id " + std::to_string(ids[i]) + " at position " + std::to_string(i) +
                  " is outside the model vocabulary [0, " + std::to_string(cfg_.vocab_size) + ")");
  if (er.rows.size() != engram_sizes_.size())
    throw Error("expected row ids for " + std::to_string(engram_sizes_.size()) + " Engram layers, got " +
                std::to_string(er.rows.size()));
}

void Transformer::block(LayerState& L, std::vector<float>& x, int64_t N, bool training, const EngramStep& engram,
                        const AttendStep& attend) {
  const int64_t d = cfg_.d_model;
  std::vector<float>& tmp = block_tmp_;  // one buffer for every block and call (decode runs per token)
  tmp.resize(N * d);
  SectionTimer timer;
  L.x0 = x;
  if (L.engram) {
    engram(tmp.data(), L.x0.data());
    for (int64_t i = 0; i < N * d; ++i) x[i] += tmp[i];
  }
  L.x1 = x;
  timer.mark(prof_.engram);
  L.rstd1.resize(N);
  L.h1.resize(N * d);
  rmsnorm_forward(L.h1.data(), L.rstd1.data(), x.data(), L.attn_norm->data.data(), cfg_.norm_eps, N, d);
  L.q.resize(N * d);
  L.k.resize(N * d);
  L.v.resize(N * d);
  linear_forward(L.q.data(), L.h1.data(), L.wq->data.data(), nullptr, N, d, d);
  linear_forward(L.k.data(), L.h1.data(), L.wk->data.data(), nullptr, N, d, d);
  linear_forward(L.v.data(), L.h1.data(), L.wv->data.data(), nullptr, N, d, d);
  L.att.resize(N * d);
  attend(L.att.data(), L.q.data(), L.k.data(), L.v.data());
  linear_forward(tmp.data(), L.att.data(), L.wo->data.data(), nullptr, N, d, d);
  for (int64_t i = 0; i < N * d; ++i) x[i] += tmp[i];
  L.x2 = x;
  timer.mark(prof_.attention);
  L.rstd2.resize(N);
  L.h2.resize(N * d);
  rmsnorm_forward(L.h2.data(), L.rstd2.data(), x.data(), L.ffn_norm->data.data(), cfg_.norm_eps, N, d);
  if (L.moe) {
    L.moe->forward(tmp.data(), L.h2.data(), N, L.moe_params(), training);
  } else {
    const int64_t F = cfg_.ffn.dense_hidden;
    L.fa.resize(N * F);
    L.fb.resize(N * F);
    L.fh.resize(N * F);
    linear_forward(L.fa.data(), L.h2.data(), L.w1->data.data(), nullptr, N, d, F);
    linear_forward(L.fb.data(), L.h2.data(), L.w3->data.data(), nullptr, N, d, F);
    swiglu_forward(L.fh.data(), L.fa.data(), L.fb.data(), N * F);
    linear_forward(tmp.data(), L.fh.data(), L.w2->data.data(), nullptr, N, F, d);
  }
  for (int64_t i = 0; i < N * d; ++i) x[i] += tmp[i];
  timer.mark(prof_.ffn);
}

void Transformer::forward(std::span<const int32_t> ids, const EngramRows& er, int64_t B, int64_t T, bool training) {
  check_inputs(ids, er, B, T);
  const int64_t d = cfg_.d_model, N = B * T, H = cfg_.n_heads, hd = cfg_.head_dim();
  B_ = B;
  T_ = T;
  ids_.assign(ids.begin(), ids.end());
  std::vector<float> x(N * d);
  SectionTimer timer;
  embedding_forward(x.data(), ids_.data(), tok_emb_->data.data(), N, d);
  timer.mark(prof_.embed);
  for (auto& Lp : layers_) {
    LayerState& L = *Lp;
    auto engram = [&](float* out, const float* x0) {
      const float* g = er.fetch ? er.fetch(L.engram_index) : nullptr;
      L.engram->forward(out, x0, er.rows[L.engram_index].data(), B, T, g);  // x0 outlives backward
    };
    auto attend = [&](float* att, float* q, float* k, const float* v) {
      rope_forward(q, q, cfg_.rope_theta, 0, B, T, H, hd);
      rope_forward(k, k, cfg_.rope_theta, 0, B, T, H, hd);
      L.probs.resize(B * H * T * T);
      attention_forward(att, L.probs.data(), q, k, v, B, T, H, hd);
    };
    block(L, x, N, training, engram, attend);
  }
  timer.restart();  // the blocks timed their own parts
  x_final_ = std::move(x);
  rstd_final_.resize(N);
  h_final_.resize(N * d);
  rmsnorm_forward(h_final_.data(), rstd_final_.data(), x_final_.data(), norm_f_->data.data(), cfg_.norm_eps, N, d);
  const Param* head = lm_head_ ? lm_head_ : tok_emb_;
  logits_.resize(N * cfg_.vocab_size);
  linear_forward(logits_.data(), h_final_.data(), head->data.data(), nullptr, N, d, cfg_.vocab_size);
  timer.mark(prof_.head);
}

std::vector<float> Transformer::logits(std::span<const int32_t> ids, const EngramRows& er, int64_t B, int64_t T) {
  forward(ids, er, B, T, false);
  return logits_;
}

double Transformer::step(std::span<const int32_t> ids, std::span<const int32_t> targets, const EngramRows& er,
                         int64_t B, int64_t T, bool backward) {
  forward(ids, er, B, T, backward);
  const int64_t d = cfg_.d_model, N = B * T, V = cfg_.vocab_size, H = cfg_.n_heads, hd = cfg_.head_dim();
  if (static_cast<int64_t>(targets.size()) != N) throw Error("targets must hold B*T values");
  for (size_t i = 0; i < targets.size(); ++i)
    if (targets[i] < 0 || targets[i] >= V)
      throw Error("target id " + std::to_string(targets[i]) + " at position " + std::to_string(i) +
                  " is outside the model vocabulary");
  SectionTimer timer;
  if (!backward) {
    const double l = cross_entropy_forward(logits_.data(), targets.data(), N, V);
    timer.mark(prof_.head);
    return l;
  }

  // dlogits overwrite the logits buffer (it is the largest activation).
  const double loss = cross_entropy_forward_backward(logits_.data(), logits_.data(), targets.data(), N, V, 1.0f);
  Param* head = lm_head_ ? lm_head_ : tok_emb_;
  std::vector<float> dh(N * d, 0.0f), dx(N * d, 0.0f), tmp;
  linear_backward(dh.data(), head->grad.data(), nullptr, logits_.data(), h_final_.data(), head->data.data(), N, d, V);
  rmsnorm_backward(dx.data(), norm_f_->grad.data(), dh.data(), x_final_.data(), norm_f_->data.data(),
                   rstd_final_.data(), N, d);
  timer.mark(prof_.head);
  for (auto it = layers_.rbegin(); it != layers_.rend(); ++it) {
    LayerState& L = **it;
    // FFN: x3 = x2 + f(norm(x2)).
    std::fill(dh.begin(), dh.end(), 0.0f);
    if (L.moe) {
      L.moe->backward(dh.data(), dx.data(), L.moe_params(), L.moe_grads());
    } else {
      const int64_t F = cfg_.ffn.dense_hidden;
      std::vector<float> dfh(N * F, 0.0f), dfa(N * F, 0.0f), dfb(N * F, 0.0f);
      linear_backward(dfh.data(), L.w2->grad.data(), nullptr, dx.data(), L.fh.data(), L.w2->data.data(), N, F, d);
      swiglu_backward(dfa.data(), dfb.data(), dfh.data(), L.fa.data(), L.fb.data(), N * F);
      linear_backward(dh.data(), L.w1->grad.data(), nullptr, dfa.data(), L.h2.data(), L.w1->data.data(), N, d, F);
      linear_backward(dh.data(), L.w3->grad.data(), nullptr, dfb.data(), L.h2.data(), L.w3->data.data(), N, d, F);
    }
    rmsnorm_backward(dx.data(), L.ffn_norm->grad.data(), dh.data(), L.x2.data(), L.ffn_norm->data.data(),
                     L.rstd2.data(), N, d);
    timer.mark(prof_.ffn);
    // Attention: x2 = x1 + Wo att(rope(Wq h), rope(Wk h), Wv h), h = norm(x1).
    std::vector<float> datt(N * d, 0.0f), dq(N * d, 0.0f), dk(N * d, 0.0f), dv(N * d, 0.0f);
    linear_backward(datt.data(), L.wo->grad.data(), nullptr, dx.data(), L.att.data(), L.wo->data.data(), N, d, d);
    attention_backward(dq.data(), dk.data(), dv.data(), datt.data(), L.probs.data(), L.q.data(), L.k.data(),
                       L.v.data(), B, T, H, hd);
    rope_backward(dq.data(), dq.data(), cfg_.rope_theta, 0, B, T, H, hd, false);
    rope_backward(dk.data(), dk.data(), cfg_.rope_theta, 0, B, T, H, hd, false);
    std::fill(dh.begin(), dh.end(), 0.0f);
    linear_backward(dh.data(), L.wq->grad.data(), nullptr, dq.data(), L.h1.data(), L.wq->data.data(), N, d, d);
    linear_backward(dh.data(), L.wk->grad.data(), nullptr, dk.data(), L.h1.data(), L.wk->data.data(), N, d, d);
    linear_backward(dh.data(), L.wv->grad.data(), nullptr, dv.data(), L.h1.data(), L.wv->data.data(), N, d, d);
    rmsnorm_backward(dx.data(), L.attn_norm->grad.data(), dh.data(), L.x1.data(), L.attn_norm->data.data(),
                     L.rstd1.data(), N, d);
    timer.mark(prof_.attention);
    // Engram: x1 = x0 + E(x0, rows); dx0 = dx1 + dE/dx0^T dx1.
    if (L.engram) {
      tmp = dx;
      L.engram->backward(dx.data(), tmp.data());
    }
    timer.mark(prof_.engram);
  }
  embedding_backward(tok_emb_->grad.data(), dx.data(), ids_.data(), N, d);
  timer.mark(prof_.embed);
  return loss;
}

KVCache Transformer::new_cache(int64_t B, int64_t max_T) const {
  if (max_T > cfg_.max_seq_len)
    throw Error("generation needs " + std::to_string(max_T) + " positions but the model's max_seq_len is " +
                std::to_string(cfg_.max_seq_len) + "\n---> HINT: shorten the prompt or --max-tokens");
  KVCache c;
  c.B = B;
  c.max_T = max_T;
  c.len.assign(B, 0);
  const int64_t d = cfg_.d_model;
  for (size_t l = 0; l < layers_.size(); ++l) {
    c.k.emplace_back(B * max_T * d, 0.0f);
    c.v.emplace_back(B * max_T * d, 0.0f);
    if (layers_[l]->engram) c.rings.emplace_back(B * layers_[l]->engram->history_len() * d, 0.0f);
  }
  return c;
}

std::vector<float> Transformer::prefill(KVCache& c, int64_t b, std::span<const int32_t> ids, const EngramRows& er) {
  const int64_t T = static_cast<int64_t>(ids.size()), d = cfg_.d_model, V = cfg_.vocab_size;
  if (b < 0 || b >= c.B) throw Error("prefill: sequence index " + std::to_string(b) + " outside the cache");
  if (T < 1 || T > c.max_T)
    throw Error("prompt of " + std::to_string(T) + " tokens does not fit the cache of " + std::to_string(c.max_T));
  forward(ids, er, 1, T, false);
  for (size_t l = 0, ri = 0; l < layers_.size(); ++l) {
    const LayerState& L = *layers_[l];
    std::copy(L.k.begin(), L.k.begin() + T * d, c.k[l].begin() + b * c.max_T * d);
    std::copy(L.v.begin(), L.v.begin() + T * d, c.v[l].begin() + b * c.max_T * d);
    if (L.engram) {
      const int64_t S = L.engram->history_len();
      L.engram->capture_history(c.rings[ri].data() + b * S * d, T);
      ++ri;
    }
  }
  c.len[b] = T;
  return std::vector<float>(logits_.end() - V, logits_.end());
}

std::vector<float> Transformer::decode(KVCache& c, std::span<const int32_t> ids, const EngramRows& er) {
  const int64_t B = c.B, d = cfg_.d_model, H = cfg_.n_heads, hd = cfg_.head_dim(), V = cfg_.vocab_size;
  if (static_cast<int64_t>(ids.size()) != B) throw Error("decode: expected one id per sequence");
  for (int64_t b = 0; b < B; ++b) {
    if (ids[b] < 0 || ids[b] >= V) throw Error("decode: token id " + std::to_string(ids[b]) + " outside the vocabulary");
    if (c.len[b] >= c.max_T) throw Error("decode: sequence " + std::to_string(b) + " is full (" + std::to_string(c.max_T) + " positions)");
  }
  std::vector<float> x(B * d), h(B * d), rstd(B);
  std::vector<int32_t> ids32(ids.begin(), ids.end());
  embedding_forward(x.data(), ids32.data(), tok_emb_->data.data(), B, d);
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  std::vector<float> sc(c.max_T);
  for (size_t l = 0, ri = 0; l < layers_.size(); ++l) {
    LayerState& L = *layers_[l];
    auto engram = [&](float* out, const float* x0) {
      const float* g = er.fetch ? er.fetch(L.engram_index) : nullptr;
      L.engram->decode(out, x0, er.rows.at(L.engram_index).data(), B, c.rings[ri].data(), c.len.data(), g);
      ++ri;
    };
    // Each sequence's new position attends to its cached keys and values (and itself).
    auto attend = [&](float* att, float* q, float* kk, const float* vv) {
      for (int64_t b = 0; b < B; ++b) {
        const int64_t t = c.len[b];
        rope_forward(q + b * d, q + b * d, cfg_.rope_theta, t, 1, 1, H, hd);
        rope_forward(kk + b * d, kk + b * d, cfg_.rope_theta, t, 1, 1, H, hd);
        float* K = c.k[l].data() + b * c.max_T * d;
        float* Vc = c.v[l].data() + b * c.max_T * d;
        std::copy(kk + b * d, kk + (b + 1) * d, K + t * d);
        std::copy(vv + b * d, vv + (b + 1) * d, Vc + t * d);
        for (int64_t hh = 0; hh < H; ++hh) {
          const float* qh = q + b * d + hh * hd;
          float mx = -INFINITY;
          for (int64_t j = 0; j <= t; ++j) {
            float s = 0.0f;
            for (int64_t e = 0; e < hd; ++e) s += qh[e] * K[j * d + hh * hd + e];
            sc[j] = s * scale;
            mx = std::max(mx, sc[j]);
          }
          float sum = 0.0f;
          for (int64_t j = 0; j <= t; ++j) sum += (sc[j] = std::exp(sc[j] - mx));
          float* o = att + b * d + hh * hd;
          std::fill(o, o + hd, 0.0f);
          for (int64_t j = 0; j <= t; ++j)
            for (int64_t e = 0; e < hd; ++e) o[e] += sc[j] / sum * Vc[j * d + hh * hd + e];
        }
      }
    };
    block(L, x, B, false, engram, attend);
  }
  for (auto& n : c.len) ++n;
  rmsnorm_forward(h.data(), rstd.data(), x.data(), norm_f_->data.data(), cfg_.norm_eps, B, d);
  const Param* head = lm_head_ ? lm_head_ : tok_emb_;
  std::vector<float> logits(B * V);
  linear_forward(logits.data(), h.data(), head->data.data(), nullptr, B, d, V);
  return logits;
}

void Transformer::zero_grad() {
  for (auto& p : params_) {
    std::fill(p.grad.begin(), p.grad.end(), 0.0f);
    p.sparse.clear();
  }
}

void Transformer::update_router_bias() {
  for (auto& L : layers_)
    if (L->moe) L->moe->update_bias(cfg_.ffn.bias_update_rate);
}

double Transformer::last_aux_loss() const {
  double a = 0.0;
  for (auto& L : layers_)
    if (L->moe) a += L->moe->aux_loss();
  return a;
}

std::vector<ExpertLoad> Transformer::last_expert_loads() const {
  std::vector<ExpertLoad> out;
  for (auto& L : layers_) {
    if (!L->moe) continue;
    const auto& routed = L->moe->routed();
    int64_t total = 0;
    for (auto& t : routed) total += static_cast<int64_t>(t.size());
    ExpertLoad el;
    el.share.reserve(routed.size());
    for (auto& t : routed) el.share.push_back(total ? static_cast<double>(t.size()) / total : 0.0);
    el.min_share = el.share.empty() ? 0 : *std::min_element(el.share.begin(), el.share.end());
    el.max_share = el.share.empty() ? 0 : *std::max_element(el.share.begin(), el.share.end());
    out.push_back(std::move(el));
  }
  return out;
}

void Transformer::freeze_routing(bool on) {
  for (auto& L : layers_)
    if (L->moe) L->moe->freeze_routing(on);
}

std::vector<std::vector<float>*> Transformer::router_biases() {
  std::vector<std::vector<float>*> out;
  for (auto& L : layers_)
    if (L->moe) out.push_back(&L->moe->bias());
  return out;
}

std::vector<std::vector<float>> Transformer::last_engram_gates() const {
  std::vector<std::vector<float>> out;
  for (auto& L : layers_)
    if (L->engram) out.push_back(L->engram->last_gates());
  return out;
}

}  // namespace engram::model
