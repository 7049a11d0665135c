// ceiling_gather: prefetched memcpy gather (the baseline, deliberately plain).
#include "memory/gather_ceiling.h"

#include <algorithm>
#include <cstring>

namespace engram {

void ceiling_gather(const uint8_t* base, const TableInfo& t, std::span<const uint64_t> ids, uint8_t* out,
                    size_t ahead) {
  const size_t n = ids.size(), rb = t.row_bytes;
  auto pf = [&](uint64_t id) {
    const uint8_t* p = base + t.row_data_offset(id);
    for (size_t off = 0; off < rb; off += 64) __builtin_prefetch(p + off, 0, 0);
    __builtin_prefetch(p + rb - 1, 0, 0);
  };
  for (size_t i = 0; i < std::min(ahead, n); ++i) pf(ids[i]);
  for (size_t i = 0; i < n; ++i) {
    if (i + ahead < n) pf(ids[i + ahead]);
    std::memcpy(out + i * rb, base + t.row_data_offset(ids[i]), rb);
  }
}

}  // namespace engram
