// MmapStore (verify-on-first-touch mapping) and PreadStore (checked block reads).
#include "memory/file_stores.h"

#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace engram {

std::unique_ptr<MmapStore> MmapStore::open(std::shared_ptr<TableFile> table) {
  const TableInfo& t = table->info();
  int fd = table->file().fd();
  if (fd < 0) throw Error(t.path + ": the mmap store needs a table on a real file");
  auto s = std::unique_ptr<MmapStore>(new MmapStore());
  s->map_bytes_ = t.file_bytes;
  const int prot = table->writable() ? PROT_READ | PROT_WRITE : PROT_READ;
  void* p = ::mmap(nullptr, s->map_bytes_, prot, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) throw Error(ErrorCode::kIo, t.path + ": mmap failed: " + std::strerror(errno));
  s->map_ = static_cast<uint8_t*>(p);
  // Lookups are random: readahead would only pull in rows nobody asked for.
  ::madvise(p, s->map_bytes_, MADV_RANDOM);
  size_t words = (t.n_blocks + 63) / 64;
  s->verified_.reset(new std::atomic<uint64_t>[words]);
  for (size_t i = 0; i < words; ++i) s->verified_[i].store(0, std::memory_order_relaxed);
  s->table_ = std::move(table);
  return s;
}

MmapStore::~MmapStore() {
  if (map_) ::munmap(map_, map_bytes_);
}

const uint8_t* MmapStore::verified_block(uint64_t block) {
  const TableInfo& t = table_->info();
  const uint8_t* p = map_ + t.block_file_offset(block);
  std::atomic<uint64_t>& w = verified_[block / 64];
  const uint64_t bit = uint64_t{1} << (block % 64);
  if ((w.load(std::memory_order_acquire) & bit) == 0) {
    // Two threads may both verify a block the first time; that is harmless and cheaper
    // than a lock. The bit is set only after a passing check.
    table_->check_block(block, p);
    w.fetch_or(bit, std::memory_order_release);
  }
  return p;
}

void MmapStore::gather(std::span<const uint64_t> ids, float* out) {
  table_->check_row_ids(ids);
  const TableInfo& t = table_->info();
  for (size_t i = 0; i < ids.size(); ++i) {
    const uint8_t* blk = verified_block(ids[i] / t.rows_per_block);
    decode_row(t.dtype, t.dim, blk + (ids[i] % t.rows_per_block) * t.row_bytes, out + i * t.dim);
  }
}

void MmapStore::gather_raw(std::span<const uint64_t> ids, uint8_t* out) {
  table_->check_row_ids(ids);
  const TableInfo& t = table_->info();
  for (size_t i = 0; i < ids.size(); ++i) {
    const uint8_t* blk = verified_block(ids[i] / t.rows_per_block);
    std::memcpy(out + i * t.row_bytes, blk + (ids[i] % t.rows_per_block) * t.row_bytes, t.row_bytes);
  }
}

void MmapStore::scatter(std::span<const uint64_t> ids, const float* rows) {
  check_scatter_ids(*table_, ids);
  const TableInfo& t = table_->info();
  for (size_t i = 0; i < ids.size(); ++i) {
    const uint64_t b = ids[i] / t.rows_per_block;
    verified_block(b);  // never bless a corrupt block with a fresh CRC
    encode_row(t.dtype, rows + i * t.dim, t.dim, map_ + t.data_offset + t.row_data_offset(ids[i]));
    dirty_.mark(b, t.n_blocks);
  }
}

void MmapStore::flush() {
  if (!table_->writable()) return;
  const TableInfo& t = table_->info();
  dirty_.drain([&](uint64_t b) { table_->record_block(b, map_ + t.block_file_offset(b)); });
  if (::msync(map_, map_bytes_, MS_SYNC) != 0) throw Error(ErrorCode::kIo, t.path + ": msync failed: " + std::strerror(errno));
  table_->flush();
}

std::unique_ptr<PreadStore> PreadStore::open(std::shared_ptr<TableFile> table) {
  auto s = std::unique_ptr<PreadStore>(new PreadStore());
  s->table_ = std::move(table);
  return s;
}

void PreadStore::gather_any(std::span<const uint64_t> ids, float* out_f32, uint8_t* out_raw) {
  table_->check_row_ids(ids);
  const TableInfo& t = table_->info();
  BlockPlan plan;
  plan.build(t, ids);
  std::vector<uint8_t> buf(t.block_bytes);
  for (size_t k = 0; k < plan.blocks.size(); ++k) {
    uint64_t b = plan.blocks[k];
    table_->file().read(t.block_file_offset(b), t.block_bytes, buf.data());
    table_->check_block(b, buf.data());
    emit_block_rows(t, plan, k, buf.data(), ids, out_f32, out_raw);
  }
}

void PreadStore::gather(std::span<const uint64_t> ids, float* out) { gather_any(ids, out, nullptr); }
void PreadStore::gather_raw(std::span<const uint64_t> ids, uint8_t* out) { gather_any(ids, nullptr, out); }

}  // namespace engram
