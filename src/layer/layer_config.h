// Shapes of one Engram layer (ENGRAM.md section 5) and the views the layer reads its
// table and hash ids through.
//
// Names used in every shape comment of src/layer:
//   B batch, T sequence, R = B*T rows, n_cols = (N-1)*K hash columns (n-gram major, then
//   head), D values per head row, E = n_cols*D memory width, d hidden size, M = hc_mult
//   branches, C = M*d conv channels (channel c = m*d + j), kernel taps, dilation (= N).
#pragma once

#include <cfloat>
#include <cstdint>
#include <string>
#include <vector>

#include "io/dtype.h"

namespace engram {

struct LayerDims {
  int64_t n_cols = 0;    // (N-1) * heads per n-gram
  int64_t head_dim = 0;  // D
  int64_t hidden = 0;    // d
  int64_t hc = 1;        // M
  int64_t kernel = 4;    // short conv taps
  int64_t dilation = 1;  // short conv dilation; the demo uses max_ngram_size
  // Rows of each column's table (the primes), [n_cols]; the single table stacks them, so a
  // column's offset is the sum of the sizes before it.
  std::vector<int64_t> table_sizes;
  // torch.nn.RMSNorm's default eps for float32 (the demo's norm1/norm2) and the short
  // conv's explicit 1e-5.
  double norm_eps = FLT_EPSILON;
  double conv_norm_eps = 1e-5;

  int64_t E() const { return n_cols * head_dim; }
  int64_t C() const { return hc * hidden; }
  int64_t total_rows() const;
  // Cumulative sums of table_sizes, [n_cols] (the demo's `offsets` buffer).
  std::vector<int64_t> offsets() const;
  // Throws Error naming the field for a non-positive size or inconsistent table_sizes.
  void validate() const;
};

// A read-only view of the stacked table [total_rows, D] in F32, BF16 or F64 (F64 only for
// the reference path's gradient checks).
struct TableView {
  const void* data = nullptr;
  DType dtype = DType::kF32;
  int64_t rows = 0;
  int64_t dim = 0;
  // The rows are a subset the caller gathered (a table living in a memory tier): ids index
  // it directly instead of the whole table, so `rows` is the subset's size.
  bool subset = false;
};

// Checks hash ids [R, n_cols] against each column's table size; throws Error naming the
// tensor, the position (b, t, column) and the allowed range. Returns global rows
// (id + offset of its column), [R, n_cols].
std::vector<int64_t> hash_ids_to_rows(const LayerDims& dims, const int64_t* ids, int64_t B, int64_t T,
                                      const std::string& tensor_name = "hash_ids");

}  // namespace engram
