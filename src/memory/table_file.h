// An opened, validated table file: the decoded header, the block checksums, and the
// checks every store applies before it hands out a row (docs/FORMAT.md "Reader rules").
// Ownership: owns its RandomAccessFile; stores share a TableFile through shared_ptr.
// Thread safety: immutable after open(); all methods may be called concurrently.
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
};

}  // namespace engram
