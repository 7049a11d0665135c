// The row store seam: one interface per memory tier (RAM, mmap, pread, io_uring, cached).
// A gather takes a batch of global row ids (head offset + hash value, FORMAT.md) and
// writes dense float32 rows [n, dim] or the raw stored rows [n, row_bytes] (for a GPU or
// another process to decode later). One virtual call per batch; the per-row loops are
// plain code inside each store.
// Training writes rows back through the same seam: scatter() on a store whose table was
// opened writable rewrites rows, later gathers see them, and flush() makes the file whole
// (blocks and checksums) and durable. RAM keeps its copy and writes dirty blocks back at
// flush; the file stores write through; a cache updates the rows it holds.
// Thread safety: every store's gather/gather_raw may be called from many threads at once;
// scatter and flush must not overlap any other call on the same store.
// Failure: an id >= n_rows, a checksum mismatch or an I/O error throws engram::Error
// naming the file and the id/block; the output is then unspecified and must not be used.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "memory/table_file.h"

namespace engram {

class RowStore {
 public:
  virtual ~RowStore() = default;
  virtual const TableInfo& info() const = 0;
  // "ram", "mmap", "pread", "uring", "cached(<inner>)".
  virtual std::string kind() const = 0;
  // out: [ids.size(), info().dim] float32.
  virtual void gather(std::span<const uint64_t> ids, float* out) = 0;
  // out: [ids.size(), info().row_bytes] bytes, the rows exactly as stored.
  virtual void gather_raw(std::span<const uint64_t> ids, uint8_t* out) = 0;
  // rows: [ids.size(), dim] f32, encoded to the table dtype. Ids distinct and < n_rows.
  // Throws engram::Error on a read-only table, naming it.
  virtual void scatter(std::span<const uint64_t> ids, const float* rows) = 0;
  // Writes back what scatter left in memory, the checksums, and fdatasyncs the file.
  virtual void flush() = 0;
};

// Groups a batch of ids by block, for stores that read whole blocks: blocks[k] is the
// k-th distinct block (ascending) and positions order[start[k] .. start[k+1]) of the batch
// fall in it. Used so a block shared by several ids is read and verified once.
struct BlockPlan {
  std::vector<uint64_t> blocks;
  std::vector<uint32_t> start;
  std::vector<uint32_t> order;
  void build(const TableInfo& info, std::span<const uint64_t> ids);
};

// Copies or decodes the rows of one block that the plan maps to it.
// block: block_bytes bytes of block `blocks[k]`; out_f32 or out_raw (one is null).
void emit_block_rows(const TableInfo& info, const BlockPlan& plan, size_t k, const uint8_t* block,
                     std::span<const uint64_t> ids, float* out_f32, uint8_t* out_raw);

// The checks every scatter makes before it writes anything: the table is writable, each id
// is < n_rows and no id appears twice. Throws engram::Error naming the table and the id.
void check_scatter_ids(const TableFile& table, std::span<const uint64_t> ids);

// Blocks a write-back store changed since its last flush, one bit each.
class DirtyBlocks {
 public:
  void mark(uint64_t block, uint64_t n_blocks) {
    if (bits_.empty()) bits_.assign((n_blocks + 63) / 64, 0);
    bits_[block / 64] |= uint64_t{1} << (block % 64);
  }
  // Calls fn(block) for every marked block, ascending, and clears the marks.
  template <typename F>
  void drain(F fn) {
    for (size_t w = 0; w < bits_.size(); ++w) {
      for (uint64_t b = bits_[w]; b; b &= b - 1) fn(w * 64 + static_cast<uint64_t>(__builtin_ctzll(b)));
      bits_[w] = 0;
    }
  }

 private:
  std::vector<uint64_t> bits_;
};

// Turns hasher output (per-head row values, [n_tokens, n_heads] row-major, head h's value
// in [0, head_rows[h])) into global row ids (head offset + value). Throws engram::Error
// naming the token, head and value when a value is outside its head.
void to_global_row_ids(const TableInfo& info, std::span<const int64_t> hashed, std::vector<uint64_t>& out);

}  // namespace engram
