// The one conversion from head-local row ids to global row ids of a stacked table (ENGRAM.md
// section 5, FORMAT.md): column c's rows start at offsets[c], so the global row of a local
// value v is offsets[c] + v, and v must lie in [0, sizes[c]) (never clamped). The layer
// (LayerDims), the table files (TableInfo) and Addressing all convert through it; each
// caller words its own error (`fail(position, column, value)` must throw).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace engram {

template <typename Size, typename Out, typename Fail>
void to_global_rows(std::span<const int64_t> local, std::span<const Size> sizes, std::span<const Size> offsets,
                    Out* out, Fail&& fail) {
  const size_t C = sizes.size();
  for (size_t i = 0; i < local.size(); ++i) {
    const size_t c = i % C;
    const int64_t v = local[i];
    if (v < 0 || static_cast<uint64_t>(v) >= static_cast<uint64_t>(sizes[c])) fail(i / C, c, v);
    out[i] = static_cast<Out>(offsets[c]) + static_cast<Out>(v);
  }
}

}  // namespace engram
