// CachedStore: cache lookups, one batched inner fetch for the misses, then decode.
#include "memory/cached_store.h"

#include <cstring>

#include "core/error.h"

namespace engram {

static RowCache::Options with_row_bytes(RowCache::Options o, const TableInfo& t) {
  o.row_bytes = t.row_bytes;
  return o;
}

CachedStore::CachedStore(std::shared_ptr<RowStore> inner, RowCache::Options opt)
    : inner_(std::move(inner)), cache_(with_row_bytes(opt, inner_->info())) {}

void CachedStore::gather_raw(std::span<const uint64_t> ids, uint8_t* out) {
  const TableInfo& t = inner_->info();
  // Refuse bad ids before the cache sees them (no lookups counted, nothing fetched).
  for (size_t i = 0; i < ids.size(); ++i)
    if (ids[i] >= t.n_rows)
      throw Error(t.path + ": row id " + std::to_string(ids[i]) + " at position " + std::to_string(i) +
                  " is out of range (the table has " + std::to_string(t.n_rows) + " rows)");
  const size_t rb = t.row_bytes;
  std::vector<uint64_t> miss_ids;
  std::vector<size_t> miss_pos;
  for (size_t i = 0; i < ids.size(); ++i)
    if (!cache_.lookup(ids[i], out + i * rb)) {
      miss_ids.push_back(ids[i]);
      miss_pos.push_back(i);
    }
  if (miss_ids.empty()) return;
  std::vector<uint8_t> fetched(miss_ids.size() * rb);
  inner_->gather_raw(miss_ids, fetched.data());
  for (size_t j = 0; j < miss_ids.size(); ++j) {
    std::memcpy(out + miss_pos[j] * rb, fetched.data() + j * rb, rb);
    cache_.insert(miss_ids[j], fetched.data() + j * rb);
  }
}

void CachedStore::gather(std::span<const uint64_t> ids, float* out) {
  const TableInfo& t = inner_->info();
  std::vector<uint8_t> raw(ids.size() * t.row_bytes);
  gather_raw(ids, raw.data());
  decode_rows(t.dtype, t.dim, raw.data(), t.row_bytes, ids.size(), out);
}

void CachedStore::scatter(std::span<const uint64_t> ids, const float* rows) {
  inner_->scatter(ids, rows);  // validates ids and writability before anything changes
  const TableInfo& t = inner_->info();
  std::vector<uint8_t> raw(t.row_bytes);
  for (size_t i = 0; i < ids.size(); ++i) {
    encode_row(t.dtype, rows + i * t.dim, t.dim, raw.data());
    cache_.update(ids[i], raw.data());
  }
}

}  // namespace engram
