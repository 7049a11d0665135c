// TableFile: open + validate a table, per-block CRC checks, whole-file verification.
#include "memory/table_file.h"

#include <algorithm>
#include <cstring>

#include "core/error.h"
#include "core/progress.h"
#include "memory/row_store.h"

namespace engram {

std::shared_ptr<TableFile> TableFile::open(const std::string& path, const TableOpenOptions& opt) {
  return open(PosixFile::open(path, opt.writable), opt);
}

std::shared_ptr<TableFile> TableFile::open(std::unique_ptr<RandomAccessFile> file, const TableOpenOptions& opt) {
  const std::string name = file->name();
  const uint64_t size = file->size();
  if (size < kTablePage)
    throw Error(ErrorCode::kCorruption, name + ": file is " + std::to_string(size) + " bytes, shorter than the 4096-byte header (truncated or not a table)");
  std::string hdr(kTablePage, '\0');
  file->read(0, kTablePage, hdr.data());
  uint64_t need = header_bytes_needed(hdr, name);
  if (need > kTablePage) {
    if (need > size) throw Error(ErrorCode::kCorruption, name + ": header of " + std::to_string(need) + " bytes is past the end of the file (truncated)");
    hdr.resize(need);
    file->read(0, need, hdr.data());
  }
  auto t = std::shared_ptr<TableFile>(new TableFile());
  t->info_ = decode_table_header(hdr, size, name);
  const TableInfo& info = t->info_;
  if (opt.expected_layer_id && *opt.expected_layer_id != info.layer_id)
    throw Error(name + ": table is for Engram layer " + std::to_string(info.layer_id) + ", expected layer " +
                std::to_string(*opt.expected_layer_id));
  if (opt.expected_fingerprint && *opt.expected_fingerprint != info.config_fingerprint) {
    char a[20], b[20];
    std::snprintf(a, sizeof a, "%016llx", static_cast<unsigned long long>(info.config_fingerprint));
    std::snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(*opt.expected_fingerprint));
    throw Error(name + ": table was built for another hashing config (fingerprint " + a + ", the hasher's is " + b +
                "); rebuild it with `engram table create --config` for this config");
  }
  t->crcs_.resize(info.n_blocks);
  file->read(info.crc_offset, info.n_blocks * 4, t->crcs_.data());
  t->file_ = std::move(file);
  return t;
}

bool TableFile::block_ok(uint64_t block, const uint8_t* data) const {
  return block_checksum(data, info_.block_bytes, block) == crcs_[block];
}

void TableFile::check_block(uint64_t block, const uint8_t* data) const {
  if (block_ok(block, data)) return;
  uint64_t first = block * info_.rows_per_block;
  throw Error(ErrorCode::kCorruption, info_.path + ": checksum mismatch in block " + std::to_string(block) + " (file offset " +
              std::to_string(info_.block_file_offset(block)) + ", rows " + std::to_string(first) + ".." +
              std::to_string(first + info_.rows_in_block(block) - 1) + "): the table is corrupt");
}

void TableFile::check_row_ids(std::span<const uint64_t> ids) const {
  const uint64_t n = info_.n_rows;
  for (size_t i = 0; i < ids.size(); ++i)
    if (ids[i] >= n)
      throw Error(info_.path + ": row id " + std::to_string(ids[i]) + " at position " + std::to_string(i) +
                  " is out of range (the table has " + std::to_string(n) + " rows)");
}

void TableFile::write_rows(std::span<const uint64_t> ids, const float* rows) {
  check_scatter_ids(*this, ids);
  BlockPlan plan;
  plan.build(info_, ids);
  std::vector<uint8_t> buf(info_.block_bytes);
  const uint64_t rpb = info_.rows_per_block;
  for (size_t k = 0; k < plan.blocks.size(); ++k) {
    const uint64_t b = plan.blocks[k];
    file_->read(info_.block_file_offset(b), info_.block_bytes, buf.data());
    check_block(b, buf.data());
    for (uint32_t i = plan.start[k]; i < plan.start[k + 1]; ++i) {
      const uint32_t pos = plan.order[i];
      encode_row(info_.dtype, rows + size_t{pos} * info_.dim, info_.dim, buf.data() + (ids[pos] % rpb) * info_.row_bytes);
    }
    write_block(b, buf.data());
  }
}

void TableFile::write_block(uint64_t block, const uint8_t* data) {
  if (!writable()) throw Error(info_.path + ": block cannot be written: the table is open read-only");
  ENGRAM_CHECK(block < info_.n_blocks);
  file_->write(info_.block_file_offset(block), info_.block_bytes, data);
  record_block(block, data);
}

void TableFile::record_block(uint64_t block, const uint8_t* data) {
  if (!writable()) throw Error(info_.path + ": block cannot be recorded: the table is open read-only");
  ENGRAM_CHECK(block < info_.n_blocks);
  crcs_[block] = block_checksum(data, info_.block_bytes, block);
  crcs_dirty_ = true;
}

void TableFile::flush() {
  if (!writable()) return;
  if (crcs_dirty_) {
    file_->write(info_.crc_offset, crcs_.size() * 4, crcs_.data());
    crcs_dirty_ = false;
  }
  file_->sync();
}

TableFile::VerifyReport TableFile::verify_all(Progress* progress) const {
  VerifyReport rep;
  const uint64_t chunk_blocks = std::max<uint64_t>(1, (8u << 20) / info_.block_bytes);
  std::vector<uint8_t> buf(chunk_blocks * info_.block_bytes);
  for (uint64_t b = 0; b < info_.n_blocks;) {
    uint64_t n = std::min(chunk_blocks, info_.n_blocks - b);
    file_->read(info_.block_file_offset(b), n * info_.block_bytes, buf.data());
    for (uint64_t i = 0; i < n; ++i)
      if (!block_ok(b + i, buf.data() + i * info_.block_bytes)) rep.bad_blocks.push_back(b + i);
    b += n;
    rep.blocks_checked = b;
    if (progress) progress->update(b);
  }
  if (progress) progress->finish();
  return rep;
}

}  // namespace engram
