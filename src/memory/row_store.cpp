// BlockPlan and block-row emission shared by the block-reading stores.
#include "memory/row_store.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "core/error.h"
#include "hashing/row_layout.h"

namespace engram {

void BlockPlan::build(const TableInfo& info, std::span<const uint64_t> ids) {
  ENGRAM_CHECK(ids.size() < (uint64_t{1} << 32));
  order.resize(ids.size());
  std::iota(order.begin(), order.end(), 0u);
  const uint64_t rpb = info.rows_per_block;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return ids[a] / rpb < ids[b] / rpb; });
  blocks.clear();
  start.clear();
  for (size_t i = 0; i < order.size(); ++i) {
    uint64_t b = ids[order[i]] / rpb;
    if (blocks.empty() || blocks.back() != b) {
      blocks.push_back(b);
      start.push_back(static_cast<uint32_t>(i));
    }
  }
  start.push_back(static_cast<uint32_t>(order.size()));
}

void emit_block_rows(const TableInfo& info, const BlockPlan& plan, size_t k, const uint8_t* block,
                     std::span<const uint64_t> ids, float* out_f32, uint8_t* out_raw) {
  const uint64_t rpb = info.rows_per_block;
  for (uint32_t i = plan.start[k]; i < plan.start[k + 1]; ++i) {
    uint32_t pos = plan.order[i];
    const uint8_t* row = block + (ids[pos] % rpb) * info.row_bytes;
    if (out_f32) decode_row(info.dtype, info.dim, row, out_f32 + size_t{pos} * info.dim);
    else std::memcpy(out_raw + size_t{pos} * info.row_bytes, row, info.row_bytes);
  }
}

void check_scatter_ids(const TableFile& table, std::span<const uint64_t> ids) {
  if (!table.writable()) throw Error(table.path() + ": rows cannot be written: the table is open read-only");
  table.check_row_ids(ids);
  std::vector<uint64_t> sorted(ids.begin(), ids.end());
  std::sort(sorted.begin(), sorted.end());
  if (auto d = std::adjacent_find(sorted.begin(), sorted.end()); d != sorted.end())
    throw Error(table.path() + ": row id " + std::to_string(*d) + " appears twice in one write");
}

void to_global_row_ids(const TableInfo& info, std::span<const int64_t> hashed, std::vector<uint64_t>& out) {
  const size_t h = info.head_rows.size();
  if (hashed.size() % h != 0)
    throw Error(info.path + ": " + std::to_string(hashed.size()) + " hashed values are not a multiple of the table's " +
                std::to_string(h) + " heads");
  out.resize(hashed.size());
  to_global_rows(hashed, std::span<const uint64_t>(info.head_rows), std::span<const uint64_t>(info.head_offsets),
                 out.data(), [&](size_t token, size_t head, int64_t v) {
                   throw Error(info.path + ": hashed value " + std::to_string(v) + " of token " + std::to_string(token) +
                               ", head " + std::to_string(head) + " is outside the head's " +
                               std::to_string(info.head_rows[head]) + " rows (table built for another hasher?)");
                 });
}

}  // namespace engram
