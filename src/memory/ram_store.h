// RamStore: the whole data region in anonymous memory (huge pages requested with madvise),
// every block verified against its CRC while loading. Gathers are batched loops with
// software prefetch a fixed distance ahead, the fast path of the RAM tier.
// Ownership: owns the mapping; keeps the TableFile alive for its info.
// Writable (table opened writable): scatter patches the RAM copy and marks blocks dirty;
// flush writes the dirty blocks and the checksums back to the file.
// Thread safety: gathers may run concurrently; scatter/flush are exclusive.
// Failure: load throws on I/O errors or a bad block; gathers throw on ids >= n_rows.
#pragma once

#include <vector>

#include "memory/row_store.h"

namespace engram {

class Progress;

class RamStore : public RowStore {
 public:
  struct Options {
    bool huge_pages = true;     // madvise(MADV_HUGEPAGE) on the buffer
    size_t prefetch_ahead = 16;  // rows prefetched ahead in a gather
  };
  static std::unique_ptr<RamStore> load(std::shared_ptr<TableFile> table, const Options& opt, Progress* progress = nullptr);
  static std::unique_ptr<RamStore> load(std::shared_ptr<TableFile> table) { return load(std::move(table), Options{}); }
  ~RamStore() override;

  const TableInfo& info() const override { return table_->info(); }
  std::string kind() const override { return "ram"; }
  void gather(std::span<const uint64_t> ids, float* out) override;
  void gather_raw(std::span<const uint64_t> ids, uint8_t* out) override;
  void scatter(std::span<const uint64_t> ids, const float* rows) override;
  void flush() override;
  // The data region (blocks as on disk), for a ceiling benchmark over the same bytes.
  const uint8_t* data() const { return data_; }

 private:
  RamStore() = default;
  std::shared_ptr<TableFile> table_;
  Options opt_;
  uint8_t* data_ = nullptr;
  size_t map_bytes_ = 0;
  DirtyBlocks dirty_;
};

}  // namespace engram
