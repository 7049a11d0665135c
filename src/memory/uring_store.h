// UringStore: the SSD tier. Rows stay on disk; a gather reads each distinct 4 KiB-aligned
// block once with O_DIRECT through io_uring, keeping up to queue_depth reads in flight,
// checks the block's CRC, and decodes the rows it holds. No page cache is involved, so
// the figures are the device's.
// Ownership: owns its O_DIRECT descriptor and a pool of rings (one per concurrent caller,
// created on demand, reused); keeps the TableFile alive.
// Thread safety: gathers may run concurrently (each takes its own ring from the pool).
// Failure: engram::Error when io_uring or O_DIRECT is unavailable (no silent fallback to
// another store), on a failed or short read (after draining every read in flight, so no
// buffer is freed under the kernel), a checksum mismatch or an id out of range.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "memory/row_store.h"

namespace engram {

class UringStore : public RowStore {
 public:
  struct Options {
    unsigned queue_depth = 32;
    // Test seam: returns an errno to fail the completion of the read at this file offset,
    // or 0. Exercises the real completion-error path.
    std::function<int(uint64_t offset)> fault_injector;
  };
  static bool available();  // io_uring support compiled in and usable here
  static std::unique_ptr<UringStore> open(std::shared_ptr<TableFile> table, const Options& opt);
  static std::unique_ptr<UringStore> open(std::shared_ptr<TableFile> table) { return open(std::move(table), Options{}); }
  ~UringStore() override;

  const TableInfo& info() const override { return table_->info(); }
  std::string kind() const override { return "uring"; }
  void gather(std::span<const uint64_t> ids, float* out) override;
  void gather_raw(std::span<const uint64_t> ids, uint8_t* out) override;
  // Writes go through the table's buffered descriptor; O_DIRECT reads of a range are
  // ordered after its dirty pages by the kernel, so later gathers see them.
  void scatter(std::span<const uint64_t> ids, const float* rows) override { table_->write_rows(ids, rows); }
  void flush() override { table_->flush(); }
  // Drops the table's pages from the page cache (for mmap/pread comparisons; O_DIRECT
  // reads bypass it anyway).
  void drop_page_cache() const;

  // The device's raw rate: `n_reads` random 4 KiB-aligned O_DIRECT reads of `read_bytes`
  // within [0, file size) of `path` at `queue_depth`; returns reads per second.
  static double raw_random_read_rate(const std::string& path, unsigned queue_depth, size_t n_reads,
                                     size_t read_bytes = 4096, uint64_t seed = 1);

  struct Ring;

 private:
  UringStore() = default;
  void gather_any(std::span<const uint64_t> ids, float* out_f32, uint8_t* out_raw);
  std::unique_ptr<Ring> acquire();
  void release(std::unique_ptr<Ring> r);
  std::shared_ptr<TableFile> table_;
  Options opt_;
  int fd_ = -1;
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Ring>> pool_;
};

}  // namespace engram
