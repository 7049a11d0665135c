// Model configuration (JSON): a decoder-only transformer with pre-norm attention (RoPE,
// RMSNorm), a dense SwiGLU or MoE FFN per layer, and optional Engram layers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/json_util.h"
#include "hashing/hash_config.h"

namespace engram::model {

struct FfnConfig {
  std::string type = "moe";       // "moe" or "dense"
  int64_t hidden = 256;           // per-expert (MoE) SwiGLU width
  int64_t n_experts = 8;
  int64_t top_k = 2;
  int64_t shared_hidden = 0;      // width of the always-on shared expert (0 = none)
  int64_t dense_hidden = 1024;    // width of the dense SwiGLU (type "dense")
  // Router: "softmax_aux" (softmax over experts, top-k, chosen probabilities renormalised,
  // Switch-style load-balancing loss aux_loss_coef * E * sum_e f_e P_e added per MoE layer)
  // or "sigmoid_bias" (DeepSeek-V3: sigmoid scores, top-k by score + bias, the bias moved
  // by bias_update_rate * sign(mean load - load) after each step, no auxiliary loss).
  std::string router = "softmax_aux";
  float aux_loss_coef = 0.01f;     // softmax_aux only
  float bias_update_rate = 1e-3f;  // sigmoid_bias only: auxiliary-loss-free balancing step
};

struct EngramConfig {
  HashConfig hash;        // demo field names: engram_vocab_size, max_ngram_size, ..., layer_ids (transformer layers)
  int64_t kernel_size = 4;
  int64_t hc_mult = 1;    // only 1 (a plain residual stream) in the LM
};

struct ModelConfig {
  int64_t vocab_size = 0;  // the model's vocabulary (a subset of the tokenizer's)
  int64_t d_model = 256;
  int64_t n_layers = 4;
  int64_t n_heads = 4;
  int64_t max_seq_len = 128;
  float rope_theta = 10000.0f;
  float norm_eps = 1e-6f;
  bool tie_embeddings = true;
  float init_std = 0.02f;
  // Residual-branch output projections (attention out, FFN/expert/shared-expert down) drawn
  // with init_std / sqrt(2 n_layers) (GPT-2), so the residual stream's variance at init does
  // not grow with depth. false: init_std for every matrix.
  bool scaled_residual_init = true;
  FfnConfig ffn;
  std::optional<EngramConfig> engram;

  int64_t head_dim() const { return d_model / n_heads; }
  bool is_engram_layer(int64_t l) const;

  // Parses and validates; errors name `where` and the field.
  static ModelConfig from_json(const Json& j, const std::string& where);
  static ModelConfig load(const std::string& path);
  Json to_json() const;
  void validate(const std::string& where) const;
};

}  // namespace engram::model
