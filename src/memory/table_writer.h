// Writes table files (docs/FORMAT.md) in one streaming pass: header, blocks (with their
// CRCs collected in memory), checksum region; into a temp file beside the target that is
// fsynced and renamed over it only when every row was written.
// Ownership: owns the temp file until finish(); the destructor removes an unfinished one.
// Thread safety: none (one writer per object). Failure: engram::Error naming the path.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "memory/table_format.h"

namespace engram {

class Progress;

class TableWriter {
 public:
  TableWriter(const std::string& path, const TableSpec& spec);
  ~TableWriter();
  TableWriter(const TableWriter&) = delete;
  TableWriter& operator=(const TableWriter&) = delete;

  const TableInfo& info() const { return info_; }
  uint64_t rows_written() const { return rows_written_; }
  // Appends n rows of dim floats (encoded to the table dtype).
  void append_rows(const float* rows, size_t n);
  // Appends n already-encoded rows of row_bytes bytes each.
  void append_raw_rows(const uint8_t* raw, size_t n);
  // Writes the checksum region, fsyncs and renames into place. Throws unless exactly
  // n_rows rows were appended.
  void finish();

 private:
  void flush_blocks(bool final);
  void write_all(const void* p, size_t n);
  std::string path_, tmp_;
  int fd_ = -1;
  TableInfo info_;
  uint64_t rows_written_ = 0;
  std::vector<uint8_t> buf_;    // whole blocks being assembled (kChunkBlocks of them)
  uint64_t buf_rows_ = 0;       // rows in buf_
  uint64_t next_block_ = 0;     // index of buf_'s first block
  std::vector<uint32_t> crcs_;  // one per written block
  bool finished_ = false;
};

// Values of row `row` for random init: uniform in [-sqrt(3), sqrt(3)) (unit variance), a
// pure function of (seed, row, column), so any row can be recomputed to check a table.
void random_row_values(uint64_t seed, uint64_t row, uint32_t dim, float* out);

// Writes a table whose rows are random_row_values(seed, row); progress is optional.
void write_random_table(const std::string& path, const TableSpec& spec, uint64_t seed,
                        Progress* progress = nullptr);

// Writes a table from a dense float32 matrix [n_rows x dim] (row-major).
void write_table_from_matrix(const std::string& path, const TableSpec& spec, const float* rows,
                             Progress* progress = nullptr);

}  // namespace engram
