// The table file header (docs/FORMAT.md): layout arithmetic, encoding, and the strict
// decoder that validates every field. The hashing config is stored as canonical JSON and
// fingerprinted so a table built for another hasher is refused.
// Pure value types and functions; thread-safe. Decoding bad bytes throws engram::Error
// naming the file, the field and its byte offset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/json_util.h"
#include "memory/dtype.h"

namespace engram {

inline constexpr uint64_t kTablePage = 4096;
inline constexpr char kTableMagic[8] = {'E', 'N', 'G', 'R', 'A', 'M', 'T', '\0'};
inline constexpr uint32_t kTableVersion = 1;
inline constexpr size_t kTableFixedHeader = 128;

// What a writer is asked for; everything else is derived.
struct TableSpec {
  int64_t layer_id = 0;
  RowDtype dtype = RowDtype::kF32;
  uint32_t dim = 0;
  std::vector<uint64_t> head_rows;  // rows per hash head, in column order
  std::string config_json;          // canonical hashing config, or empty
  uint32_t rows_per_block = 0;      // 0: the default, max(1, floor(4096 / row_bytes))
};

// The decoded (and validated) header plus derived layout.
struct TableInfo {
  std::string path;  // for messages
  int64_t layer_id = 0;
  RowDtype dtype = RowDtype::kF32;
  uint32_t dim = 0;
  uint32_t row_bytes = 0;
  uint32_t rows_per_block = 0;
  uint64_t n_rows = 0;
  uint64_t n_blocks = 0;
  uint64_t header_bytes = 0;
  uint64_t data_offset = 0;
  uint64_t block_bytes = 0;
  uint64_t crc_offset = 0;
  uint64_t crc_bytes = 0;
  uint64_t file_bytes = 0;
  uint64_t config_fingerprint = 0;
  std::vector<uint64_t> head_rows;
  std::vector<uint64_t> head_offsets;
  std::string config_json;

  uint64_t block_of(uint64_t row) const { return row / rows_per_block; }
  uint64_t block_file_offset(uint64_t block) const { return data_offset + block * block_bytes; }
  // Byte offset of a row inside the data region (add data_offset for the file offset).
  uint64_t row_data_offset(uint64_t row) const {
    return (row / rows_per_block) * block_bytes + (row % rows_per_block) * uint64_t{row_bytes};
  }
  // Rows actually held by a block (the last one may be partial).
  uint64_t rows_in_block(uint64_t block) const;
  Json to_json() const;  // for `engram table inspect --json`
};

// Computes the layout for a spec (validating it; throws engram::Error on a bad spec).
TableInfo plan_table(const TableSpec& spec);

// Header region bytes (header_bytes long) for a planned table.
std::string encode_table_header(const TableInfo& info);
// Decodes and validates a header region read from `path` whose size is `file_bytes`.
// `bytes` must hold at least the first kTablePage bytes (more when the header is larger;
// the required size is returned by header_bytes_needed()).
TableInfo decode_table_header(std::string_view bytes, uint64_t file_bytes, const std::string& path);
// Header bytes a decoder needs, from the fixed header (validated just enough to be safe).
uint64_t header_bytes_needed(std::string_view first_page, const std::string& path);

// FNV-1a 64 of the canonical config text.
uint64_t config_fingerprint(std::string_view canonical_json);
// Canonical text of a hashing config (keys in FORMAT.md, sorted, no spaces). Throws
// engram::Error naming `where` and the field on a missing or mistyped key.
std::string canonical_hash_config(const Json& cfg, const std::string& where);

// Masked CRC32C of a block as stored in the checksum region.
uint32_t block_checksum(const uint8_t* block, uint64_t block_bytes, uint64_t block_index);

}  // namespace engram
