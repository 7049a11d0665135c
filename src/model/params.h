// Named parameter tensors of a model: values, dense gradients, and the optimiser's view of
// them (weight decay or not; dense or a sparse Engram table whose gradient is a set of rows).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
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

// Where a kTable's rows live when they are not in Param::data: a memory-tier store the
// model reads the hit rows from (the optimiser's side of it, values and moments updated in
// place, is train::TrainableTable in train/optimizer.h). Row ids are the table's global
// rows (head offset + hash value), each < shape[0].
class TableBackend {
 public:
  virtual ~TableBackend() = default;
  virtual std::string describe() const = 0;
  // Values of `rows` (duplicates allowed) into out [rows.size(), width].
  virtual void read(std::span<const int64_t> rows, float* out) = 0;
};

struct Param;

// Yields a table's values in row-major order, n at a time.
using ValueSource = std::function<void(float* out, size_t n)>;

// Creates the backend of an Engram table instead of allocating it in RAM: called once per
// table while the model is built, with the table (name, shape), its Engram layer and the
// source of its initial values (the very values a RAM table would get), so a table larger
// than RAM is initialised straight into its store.
using TableFactory = std::function<std::shared_ptr<TableBackend>(const Param& table, int layer, const ValueSource& init)>;

struct Param {
  std::string name;
  std::vector<int64_t> shape;
  ParamKind kind = ParamKind::kWeight;
  std::vector<float> data;
  std::vector<float> grad;  // dense grad (empty for kTable)
  SparseRows sparse;        // kTable only
  // kTable only: when set, the values live there (and, for a trainable backend, the
  // optimiser's moments) and `data` is empty.
  std::shared_ptr<TableBackend> backend;
  int64_t numel() const {
    int64_t n = 1;
    for (auto d : shape) n *= d;
    return n;
  }
  int64_t row_width() const { return shape.empty() ? 1 : numel() / shape[0]; }
};

}  // namespace engram::model
