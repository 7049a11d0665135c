// The one place a StoreOptions (include/engram/store.h) becomes a RowStore over an opened
// table: training (train/store_table), serving (serve/table_tier), the public Table and
// the benches all open their stores here, so kinds, limits and messages agree.
#pragma once

#include <memory>

#include "engram/store.h"
#include "memory/row_store.h"

namespace engram {

class CachedStore;

// Validates `opt` and opens its store over `table` (a cache of opt.cache_mb in front of a
// file store). `cache` (optional) receives the cache, or null when there is none.
std::shared_ptr<RowStore> open_store(std::shared_ptr<TableFile> table, const StoreOptions& opt,
                                     CachedStore** cache = nullptr);

}  // namespace engram
