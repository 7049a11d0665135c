// libFuzzer target: arbitrary bytes as an Engram layer's weights file (layer/layer_io.h,
// safetensors under the demo's state_dict names) for one fixed small layer (2 branches,
// 4 hash columns of 4 values, hidden 8, kernel 3). load_layer_weights must either throw
// engram::Error or give parameters of the layer's shapes and a table view inside the
// file's bytes; a loaded layer then runs one forward pass over a few positions that read
// the first and last rows of every column's table (ASan watches every read).
// Seeds: tests/fuzz/corpus/fuzz_layer_weights/ (F32 and BF16 tables, with and without the
// offsets buffer, F64 dense tensors; written by tests/fuzz_replay/make_seeds.cpp).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "fuzz_util.h"
#include "io/dtype.h"
#include "layer/layer_fast.h"
#include "layer/layer_io.h"

namespace {

engram::LayerDims fuzz_dims() {
  engram::LayerDims d;
  d.n_cols = 4;  // N = 3, 2 heads per n-gram
  d.head_dim = 4;
  d.hidden = 8;
  d.hc = 2;
  d.kernel = 3;
  d.dilation = 3;
  d.table_sizes = {5, 7, 11, 13};
  d.validate();
  return d;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace engram;
  static const LayerDims dims = fuzz_dims();
  fuzz::TempInput in(data, size, "layer.safetensors");
  try {
    LayerWeights w = load_layer_weights(in.path(), dims);
    w.params.check(dims);
    const TableView& t = w.table;
    if (t.rows != dims.total_rows() || t.dim != dims.head_dim) __builtin_trap();
    if (t.dtype != DType::kF32 && t.dtype != DType::kBF16) __builtin_trap();
    // B = 1, T = 3: position 0 reads every column's row 0, position 1 its last row.
    const int64_t B = 1, T = 3, nc = dims.n_cols;
    std::vector<int64_t> ids(B * T * nc);
    for (int64_t c = 0; c < nc; ++c) {
      ids[0 * nc + c] = 0;
      ids[1 * nc + c] = dims.table_sizes[c] - 1;
      ids[2 * nc + c] = dims.table_sizes[c] / 2;
    }
    std::vector<int64_t> rows = hash_ids_to_rows(dims, ids.data(), B, T);
    std::vector<float> hidden(static_cast<size_t>(B * T * dims.C()));
    for (size_t i = 0; i < hidden.size(); ++i) hidden[i] = 0.25f * static_cast<float>(i % 7) - 0.5f;
    FastLayer layer(dims, w.params, 1);
    FastActs a;
    layer.forward(a, t, hidden.data(), rows.data(), B, T);
    if (a.y.size() != hidden.size()) __builtin_trap();
  } catch (const Error&) {
  }
  return 0;
}
