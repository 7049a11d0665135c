// CachedStore: a RowCache of hot raw rows in front of a slower store (usually the
// io_uring SSD tier). A gather looks every id up in the cache, fetches all misses from the
// inner store in one batch (so the SSD sees a deep queue), offers them to the cache, and
// decodes. Rows enter the cache only from the inner store's verified reads.
// Ownership: shares the inner store; owns the cache.
// Writes go through to the inner store and then overwrite the rows the cache holds, so a
// later gather never sees a stale row.
// Thread safety: gathers may run concurrently (the cache and inner store are thread-safe).
// Failure: errors of the inner store propagate unchanged; nothing is cached from a
// failed batch.
#pragma once

#include <memory>

#include "memory/row_cache.h"
#include "memory/row_store.h"

namespace engram {

class CachedStore : public RowStore {
 public:
  // opt.row_bytes is taken from the inner store.
  CachedStore(std::shared_ptr<RowStore> inner, RowCache::Options opt);
  const TableInfo& info() const override { return inner_->info(); }
  std::string kind() const override { return "cached(" + inner_->kind() + ")"; }
  void gather(std::span<const uint64_t> ids, float* out) override;
  void gather_raw(std::span<const uint64_t> ids, uint8_t* out) override;
  void scatter(std::span<const uint64_t> ids, const float* rows) override;
  void flush() override { inner_->flush(); }
  RowCache& cache() { return cache_; }
  RowStore& inner() { return *inner_; }

 private:
  std::shared_ptr<RowStore> inner_;
  RowCache cache_;
};

}  // namespace engram
