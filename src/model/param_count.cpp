#include "model/param_count.h"

#include "core/error.h"

namespace engram::model {

Json ParamCounts::to_json() const {
  return {{"total_params", total},
          {"activated_params_per_token", activated},
          {"sparse_params", sparse},
          {"breakdown",
           {{"embedding", embedding},
            {"attention", attention},
            {"dense_ffn", dense_ffn},
            {"routed_experts", routed_experts},
            {"shared_experts", shared_experts},
            {"engram_dense", engram_dense},
            {"engram_tables", engram_tables},
            {"engram_values_read_per_token", engram_rows_read}}}};
}

ParamCounts count_params(const ModelConfig& cfg) {
  if (cfg.vocab_size < 2) throw Error("params: the config needs vocab_size (the model vocabulary) to count parameters");
  ParamCounts c;
  const int64_t d = cfg.d_model, V = cfg.vocab_size, L = cfg.n_layers;
  c.embedding = V * d * (cfg.tie_embeddings ? 1 : 2);
  c.attention = L * (4 * d * d + 2 * d) + d;  // + final norm
  int64_t active_ffn = 0;
  if (cfg.ffn.type == "dense") {
    c.dense_ffn = L * 3 * d * cfg.ffn.dense_hidden;
    active_ffn = c.dense_ffn;
  } else {
    const int64_t expert = 3 * d * cfg.ffn.hidden;
    c.routed_experts = L * (cfg.ffn.n_experts * expert + cfg.ffn.n_experts * d);
    c.shared_experts = L * 3 * d * cfg.ffn.shared_hidden;
    active_ffn = L * (cfg.ffn.top_k * expert + cfg.ffn.n_experts * d) + c.shared_experts;
  }
  if (cfg.engram) {
    const HashConfig& h = cfg.engram->hash;
    const int64_t D = h.head_dim();
    const int64_t cols = h.columns();
    const int64_t E = cols * D, M = cfg.engram->hc_mult;
    const auto sizes = h.table_sizes();
    for (const auto& layer : sizes) {
      for (int64_t s : layer) c.engram_tables += s * D;
      c.engram_dense += (E * d + d) + M * (E * d + d) + 3 * M * d + M * d * cfg.engram->kernel_size;
      c.engram_rows_read += E;
    }
  }
  c.total = c.embedding + c.attention + c.dense_ffn + c.routed_experts + c.shared_experts + c.engram_dense +
            c.engram_tables;
  // Per token: the embedding row and the head are dense matmuls over the vocabulary for the
  // head; count the head (V*d) and the one embedding row when untied, V*d when tied.
  const int64_t head = V * d;
  c.activated = head + (cfg.tie_embeddings ? 0 : d) + c.attention + active_ffn + c.engram_dense + c.engram_rows_read;
  c.sparse = c.total - c.activated;
  return c;
}

}  // namespace engram::model
