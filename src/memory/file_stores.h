// File-backed row stores that leave the table on disk:
// - MmapStore maps the file; a block's CRC is checked the first time any row of it is
//   used (one atomic bit per block), so a bad block is never returned yet the steady state
//   costs no checksum work. On a writable table the mapping is writable: scatter patches
//   rows in place (after verifying their block) and flush recomputes the CRCs of the
//   blocks it touched, writes the checksum region and msyncs; the kernel writes pages
//   back in between, so the table may be larger than RAM.
// - PreadStore reads whole blocks with pread through the RandomAccessFile seam (so tests
//   can inject I/O errors with FaultyFile) and checks each block's CRC on every read.
// Ownership: each keeps its TableFile alive; MmapStore owns its mapping.
// Thread safety: gathers may run concurrently.
// Failure: engram::Error for ids out of range, checksum mismatches and I/O errors. A table
// file truncated by another process while mapped is outside the contract (SIGBUS).
#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include "memory/row_store.h"

namespace engram {

class MmapStore : public RowStore {
 public:
  // The table must be backed by a real file (TableFile::file().fd() >= 0).
  static std::unique_ptr<MmapStore> open(std::shared_ptr<TableFile> table);
  ~MmapStore() override;
  const TableInfo& info() const override { return table_->info(); }
  std::string kind() const override { return "mmap"; }
  void gather(std::span<const uint64_t> ids, float* out) override;
  void gather_raw(std::span<const uint64_t> ids, uint8_t* out) override;
  void scatter(std::span<const uint64_t> ids, const float* rows) override;
  void flush() override;

 private:
  MmapStore() = default;
  const uint8_t* verified_block(uint64_t block);
  DirtyBlocks dirty_;
  std::shared_ptr<TableFile> table_;
  uint8_t* map_ = nullptr;
  size_t map_bytes_ = 0;
  std::unique_ptr<std::atomic<uint64_t>[]> verified_;  // bit per block
};

class PreadStore : public RowStore {
 public:
  static std::unique_ptr<PreadStore> open(std::shared_ptr<TableFile> table);
  const TableInfo& info() const override { return table_->info(); }
  std::string kind() const override { return "pread"; }
  void gather(std::span<const uint64_t> ids, float* out) override;
  void gather_raw(std::span<const uint64_t> ids, uint8_t* out) override;
  void scatter(std::span<const uint64_t> ids, const float* rows) override { table_->write_rows(ids, rows); }
  void flush() override { table_->flush(); }

 private:
  void gather_any(std::span<const uint64_t> ids, float* out_f32, uint8_t* out_raw);
  std::shared_ptr<TableFile> table_;
};

}  // namespace engram
