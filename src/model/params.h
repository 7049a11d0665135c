// Named parameter tensors of a model: values, dense gradients, and the optimiser's view of
// them (weight decay or not; dense or a sparse Engram table whose gradient is a set of rows).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace engram::model {

enum class ParamKind {
  kWeight,  // dense, weight decay applies
  kNoDecay, // dense, no weight decay (norm scales, biases, routing-free vectors)
  kTable,   // Engram table: sparse gradient rows, own learning-rate multiplier, no decay
};

// Rows of a sparse gradient: unique row ids (sorted) and their accumulated gradient rows.
struct SparseRows {
  std::vector<int64_t> rows;
  std::vector<float> grad;  // [rows.size(), width]
  void clear() {
    rows.clear();
    grad.clear();
  }
};

struct Param {
  std::string name;
  std::vector<int64_t> shape;
  ParamKind kind = ParamKind::kWeight;
  std::vector<float> data;
  std::vector<float> grad;  // dense grad (empty for kTable)
  SparseRows sparse;        // kTable only
  int64_t numel() const {
    int64_t n = 1;
    for (auto d : shape) n *= d;
    return n;
  }
  int64_t row_width() const { return shape.empty() ? 1 : numel() / shape[0]; }
};

}  // namespace engram::model
