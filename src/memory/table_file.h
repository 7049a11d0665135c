// An opened, validated table file: the decoded header, the block checksums, and the
// checks every store applies before it hands out a row (docs/FORMAT.md "Reader rules").
// A table opened writable (training) can also have rows rewritten in place: each touched
// block is read, verified, patched, given its new CRC and written back; the checksum region
// is brought up to date by flush(). Between writes and flush() the file on disk has stale
// CRCs for the rewritten blocks, so a crash there leaves a file that verification refuses
// (training resumes from its checkpoint copies, never from a working file).
// Ownership: owns its RandomAccessFile; stores share a TableFile through shared_ptr.
// Thread safety: all const methods may be called concurrently; write_rows, write_block and
// flush must not overlap any other call on the same table.
// Failure: engram::Error naming the file and the field, block, offset or row id.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "memory/io_file.h"
#include "memory/table_format.h"

namespace engram {

class Progress;

struct TableOpenOptions {
  // When set, a table whose config fingerprint differs is refused (built for another hasher).
  std::optional<uint64_t> expected_fingerprint;
  // When set, a table for another Engram layer is refused.
  std::optional<int64_t> expected_layer_id;
  // Open the file read-write so rows can be rewritten (training).
  bool writable = false;
};

class TableFile {
 public:
  static std::shared_ptr<TableFile> open(const std::string& path, const TableOpenOptions& opt = {});
  static std::shared_ptr<TableFile> open(std::unique_ptr<RandomAccessFile> file, const TableOpenOptions& opt = {});

  const TableInfo& info() const { return info_; }
  const RandomAccessFile& file() const { return *file_; }
  const std::string& path() const { return info_.path; }

  uint32_t stored_crc(uint64_t block) const { return crcs_[block]; }
  // Throws engram::Error when `data` (block_bytes bytes of block `block`) fails its CRC.
  void check_block(uint64_t block, const uint8_t* data) const;
  bool block_ok(uint64_t block, const uint8_t* data) const;
  // Throws engram::Error naming the first id >= n_rows and its position.
  void check_row_ids(std::span<const uint64_t> ids) const;

  bool writable() const { return file_->writable(); }
  // Rewrites rows ids[i] with rows[i] ([ids.size(), dim] f32, encoded to the table dtype).
  // Ids must be distinct and < n_rows (refused with the id named before anything is
  // written); every touched block is verified before it is patched.
  void write_rows(std::span<const uint64_t> ids, const float* rows);
  // Writes a whole block (block_bytes bytes, as it is to be stored) and records its CRC.
  void write_block(uint64_t block, const uint8_t* data);
  // Records the CRC of a block whose new bytes reached the file another way (a writable
  // shared mapping); flush() writes it with the others.
  void record_block(uint64_t block, const uint8_t* data);
  // Writes the checksum region when blocks changed, then makes everything durable.
  void flush();

  struct VerifyReport {
    uint64_t blocks_checked = 0;
    std::vector<uint64_t> bad_blocks;  // every block whose CRC did not match
  };
  // Reads every block sequentially and checks its CRC (engram table verify).
  VerifyReport verify_all(Progress* progress = nullptr) const;

 private:
  TableFile() = default;
  std::unique_ptr<RandomAccessFile> file_;
  TableInfo info_;
  std::vector<uint32_t> crcs_;
  bool crcs_dirty_ = false;
};

}  // namespace engram
