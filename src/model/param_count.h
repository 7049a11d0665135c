// Parameter accounting for iso-parameter comparisons (the paper's sparsity allocation):
// total parameters, parameters activated per token, and sparse (inactive) parameters:
// the routed experts a token does not use plus the table rows it does not read.
#pragma once

#include <cstdint>

#include "core/json_util.h"
#include "model/config.h"

namespace engram::model {

struct ParamCounts {
  int64_t total = 0;
  int64_t activated = 0;       // per token
  int64_t sparse = 0;          // total - activated
  int64_t embedding = 0;       // token embedding (+ untied head)
  int64_t attention = 0;       // all layers, incl. norms
  int64_t dense_ffn = 0;       // dense SwiGLU layers
  int64_t routed_experts = 0;  // all routed experts (incl. routers)
  int64_t shared_experts = 0;
  int64_t engram_dense = 0;    // Engram projections, norms, conv
  int64_t engram_tables = 0;   // Engram table values
  int64_t engram_rows_read = 0;  // table values read per token (all Engram layers)
  Json to_json() const;
};

// Computed from the config alone (tables are never allocated). vocab_size must be set.
ParamCounts count_params(const ModelConfig& cfg);

}  // namespace engram::model
