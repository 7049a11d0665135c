// The Engram layer inside the language model (hc_mult = 1, a plain residual stream):
// y = Engram(x, rows) with the demo module's parameters, named as its state_dict under
// "layers.{l}.engram.". Tables are ParamKind::kTable: their gradient is sparse rows. A table
// with a TableBackend is read only at the rows a forward hits. Every path (training, prefill
// from a memory tier, decoding) runs the fast layer (layer/layer_fast.h).
// Not thread-safe: holds the activations of its last forward.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/config.h"
#include "model/init.h"
#include "model/params.h"

namespace engram::model {

struct ParamSpec {
  std::string name;
  std::vector<int64_t> shape;
  ParamKind kind;
};

class EngramBlock {
 public:
  EngramBlock(const EngramConfig& cfg, int layer_id, int64_t d_model);
  ~EngramBlock();

  // Parameters this block needs; the model allocates them and binds each back.
  std::vector<ParamSpec> param_specs() const;
  void bind(const std::string& name, Param& p);
  // The paper's recipe: tables and projections normal(init std), norms ones, conv zero.
  // With `tables`, the table is created by it from the same values (the table Param was
  // bound without data).
  void init_params(Initializer& init, const TableFactory& tables = {});
  const std::vector<int64_t>& table_sizes() const { return table_sizes_; }
  int64_t columns() const { return static_cast<int64_t>(table_sizes_.size()); }

  // y [B*T, d] = Engram(x [B*T, d], rows [B, T, columns] head-local row ids).
  // Throws Error naming (b, t, column) for a row id outside its head's table.
  // `gathered` ([B*T, columns, D], inference only) replaces the gather from the own table.
  void forward(float* y, const float* x, const int64_t* rows, int64_t B, int64_t T, const float* gathered = nullptr);
  // dx [B*T, d] += dE/dx^T dy; dense grads accumulate into the bound params; the table's
  // sparse rows (unique, sorted, summed) are merged into its Param::sparse.
  void backward(float* dx, const float* dy);
  // Gate values of the last forward, [B*T].
  std::vector<float> last_gates() const;

  // Incremental decoding. The short conv looks back (kernel-1)*dilation positions, so each
  // sequence keeps a ring of that many normalised inputs: slot p % history_len() holds
  // position p. capture_history fills a ring from the last forward (B = 1, T positions).
  int64_t history_len() const;
  void capture_history(float* ring, int64_t T) const;
  // One new token per sequence: y, x [B, d]; rows [B, columns]; rings [B][history_len, d];
  // pos [B] the position of each new token. Updates the rings. Runs the fast layer on the
  // weights packed by the last forward (a generation's prefill): call forward again after
  // changing the weights.
  void decode(float* y, const float* x, const int64_t* rows, int64_t B, float* rings, const int64_t* pos,
              const float* gathered = nullptr);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  std::vector<int64_t> table_sizes_;
};

}  // namespace engram::model
