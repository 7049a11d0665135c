// The language model: token embedding; n_layers of [Engram (at chosen layers)] + pre-norm
// causal self-attention (RoPE) + pre-norm FFN (dense SwiGLU or MoE); final RMSNorm; LM head
// (tied to the embedding or not). Forward and backward on CPU in float32.
//
// Engram at layer l: H <- H + Engram(H, rows_l) before that layer's attention; rows_l are the
// layer's hashed row ids [B, T, columns], computed from the ORIGINAL token ids (tokenizer
// ids, compressed and hashed) by the caller, since the model vocabulary may be a subset.
//
// Not thread-safe: the model keeps the activations of its last forward for backward.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engram/profile.h"
#include "model/config.h"
#include "model/params.h"

namespace engram::model {

class MoeLayer;

// Wall time per part of the model, summed over forward and backward since the last reset.
class EngramBlock;

// Routed share of each expert (of the N*k slots) in one MoE layer's last forward.
struct ExpertLoad {
  std::vector<double> share;
  double min_share = 0, max_share = 0;
};

// Row ids for every Engram layer of the model: rows[i] is [B, T, columns] for the i-th
// Engram layer in config order.
struct EngramRows {
  std::vector<std::vector<int64_t>> rows;
  // Inference only: when set, the i-th Engram layer takes its embedding rows from
  // fetch(i) ([B*T, columns, D] float32, valid until the forward returns) instead of its
  // own table: rows served by a memory tier, awaited only when the layer is reached.
  std::function<const float*(size_t)> fetch;
};

// Decoding state of B sequences: per layer K (after RoPE) and V [B, max_T, H, hd], per
// Engram layer the short conv's input ring [B, history, d], and each sequence's length.
struct KVCache {
  int64_t B = 0, max_T = 0;
  std::vector<int64_t> len;
  std::vector<std::vector<float>> k, v;
  std::vector<std::vector<float>> rings;
};

class Transformer {
 public:
  // Builds the parameters and initialises them from `seed` (deterministic). With `tables`,
  // each Engram table is created by it (in a memory tier) instead of in Param::data.
  Transformer(ModelConfig cfg, uint64_t seed, const TableFactory& tables = {});
  ~Transformer();
  Transformer(const Transformer&) = delete;
  Transformer& operator=(const Transformer&) = delete;

  const ModelConfig& config() const { return cfg_; }
  std::deque<Param>& params() { return params_; }
  Param& param(const std::string& name);
  // Prime row count of each head table of the i-th Engram layer.
  const std::vector<int64_t>& engram_table_sizes(size_t i) const { return engram_sizes_[i]; }

  // Forward over ids [B, T] (model vocabulary) with targets [B, T]; returns the mean
  // cross-entropy. With `backward`, accumulates every gradient (call zero_grad first) of
  // the objective: that cross-entropy plus last_aux_loss() (the softmax routers' balancing
  // terms; 0 for sigmoid routers and dense FFNs).
  double step(std::span<const int32_t> ids, std::span<const int32_t> targets, const EngramRows& er, int64_t B,
              int64_t T, bool backward);
  // Logits [B, T, V] of a forward pass (no targets).
  std::vector<float> logits(std::span<const int32_t> ids, const EngramRows& er, int64_t B, int64_t T);
  void zero_grad();

  KVCache new_cache(int64_t B, int64_t max_T) const;
  // Runs sequence b's prompt ids [T] (Engram rows [T, columns] per Engram layer) into the
  // cache; returns the logits of its last position [V].
  std::vector<float> prefill(KVCache& c, int64_t b, std::span<const int32_t> ids, const EngramRows& er);
  // One new token per sequence: ids [B], rows [B, columns] per Engram layer; logits [B, V].
  // Equal to the full forward's logits at those positions (tested).
  std::vector<float> decode(KVCache& c, std::span<const int32_t> ids, const EngramRows& er);
  StepProfile& profile() { return prof_; }
  // Auxiliary-loss-free MoE balancing after an optimiser step.
  void update_router_bias();
  // Sum over MoE layers of the auxiliary load-balancing loss of the last forward.
  double last_aux_loss() const;
  // Per MoE layer: the experts' routed shares in the last forward.
  std::vector<ExpertLoad> last_expert_loads() const;
  // Keep every MoE layer's expert choice from the last forward (finite-difference checks).
  void freeze_routing(bool on);
  // Mean gate value per Engram layer and position of the last forward: [n_engram][B*T].
  std::vector<std::vector<float>> last_engram_gates() const;
  // MoE routing biases (state, not weights) for checkpoints: [n_moe_layers][n_experts].
  std::vector<std::vector<float>*> router_biases();

 private:
  struct LayerState;
  void forward(std::span<const int32_t> ids, const EngramRows& er, int64_t B, int64_t T, bool training);
  // One transformer block on x [N, d], in place, shared by the full forward and decoding:
  // x += Engram(x) (Engram layers only); x += Wo attend(q, k, v) with q, k, v the
  // projections of norm(x); x += FFN(norm(x)). The two parts that differ between whole
  // sequences and one new position per sequence (KV cache, conv ring) are `engram(out, x)`
  // and `attend(att, q, k, v)` (which applies RoPE at its positions). Keeps the activations
  // the backward reads.
  using EngramStep = std::function<void(float* out, const float* x)>;
  using AttendStep = std::function<void(float* att, float* q, float* k, const float* v)>;
  void block(LayerState& L, std::vector<float>& x, int64_t N, bool training, const EngramStep& engram,
             const AttendStep& attend);
  void check_inputs(std::span<const int32_t> ids, const EngramRows& er, int64_t B, int64_t T) const;
  Param& add(const std::string& name, std::vector<int64_t> shape, ParamKind kind, bool allocate = true);

  ModelConfig cfg_;
  std::deque<Param> params_;
  std::vector<std::vector<int64_t>> engram_sizes_;
  std::vector<std::unique_ptr<LayerState>> layers_;
  // Activations of the last forward.
  int64_t B_ = 0, T_ = 0;
  std::vector<int32_t> ids_;
  std::vector<float> x_final_, rstd_final_, h_final_, logits_;
  std::vector<float> block_tmp_;  // block()'s branch output [N, d], reused
  StepProfile prof_;
  Param* tok_emb_ = nullptr;
  Param* norm_f_ = nullptr;
  Param* lm_head_ = nullptr;
};

}  // namespace engram::model
