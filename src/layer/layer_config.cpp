// LayerDims helpers and the hash-id range check shared by the reference and fast paths.
#include "layer/layer_config.h"

#include "core/error.h"
#include "hashing/row_layout.h"

namespace engram {

int64_t LayerDims::total_rows() const {
  int64_t s = 0;
  for (int64_t v : table_sizes) s += v;
  return s;
}

std::vector<int64_t> LayerDims::offsets() const {
  std::vector<int64_t> off(table_sizes.size());
  int64_t s = 0;
  for (size_t i = 0; i < table_sizes.size(); ++i) {
    off[i] = s;
    s += table_sizes[i];
  }
  return off;
}

void LayerDims::validate() const {
  auto pos = [](int64_t v, const char* name) {
    if (v <= 0) throw Error(std::string("layer config: ") + name + " must be positive, got " + std::to_string(v));
  };
  pos(n_cols, "n_cols (number of hash columns)");
  pos(head_dim, "head_dim");
  pos(hidden, "hidden_size");
  pos(hc, "hc_mult");
  pos(kernel, "kernel_size");
  pos(dilation, "dilation");
  if (static_cast<int64_t>(table_sizes.size()) != n_cols) {
    throw Error("layer config: " + std::to_string(table_sizes.size()) + " table sizes for " + std::to_string(n_cols) +
                " hash columns");
  }
  for (size_t i = 0; i < table_sizes.size(); ++i) {
    if (table_sizes[i] <= 0) throw Error("layer config: table_sizes[" + std::to_string(i) + "] must be positive");
  }
}

std::vector<int64_t> hash_ids_to_rows(const LayerDims& dims, const int64_t* ids, int64_t B, int64_t T,
                                      const std::string& tensor_name) {
  const int64_t nc = dims.n_cols;
  const std::vector<int64_t> off = dims.offsets();
  std::vector<int64_t> rows(static_cast<size_t>(B * T * nc));
  to_global_rows(std::span<const int64_t>(ids, rows.size()), std::span<const int64_t>(dims.table_sizes),
                 std::span<const int64_t>(off), rows.data(), [&](size_t r, size_t c, int64_t id) {
                   const int64_t rr = static_cast<int64_t>(r);
                   throw Error(tensor_name + "[" + std::to_string(rr / T) + ", " + std::to_string(rr % T) + ", " +
                               std::to_string(c) + "] = " + std::to_string(id) + " is outside head " +
                               std::to_string(c) + "'s table [0, " + std::to_string(dims.table_sizes[c]) + ")");
                 });
  return rows;
}

}  // namespace engram
