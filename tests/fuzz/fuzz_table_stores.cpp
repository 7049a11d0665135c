// libFuzzer target: arbitrary bytes as a table file, opened through every store of the
// memory tiers (RAM, mmap, pread, io_uring where this machine allows it, and a cache over
// pread). Each open and gather must either throw engram::Error or succeed; stores that
// succeed on the same ids must return the same bytes; an id >= n_rows must be refused by
// every store; and on a writable copy, rows scattered through the mmap and pread stores
// must read back after flush, from a file that still verifies.
// Most mutations break the header CRC, then the block CRCs: each input is also tried with
// the header CRC recomputed and, once the header opens, with every block's CRC recomputed
// (TableFile::write_block + flush), so the stores see well-formed files with odd contents.
// fuzz_table_header covers the header parser on an in-memory file; this target, the stores.
// Seeds: tests/fuzz/corpus/fuzz_table_stores/ (small tables of every row dtype).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "fuzz_util.h"
#include "memory/cached_store.h"
#include "memory/crc32c.h"
#include "memory/file_stores.h"
#include "memory/ram_store.h"
#include "memory/table_file.h"
#include "memory/uring_store.h"

namespace {

using namespace engram;

// One store's answer to a gather: the float rows and the raw rows, or nothing (it threw).
struct Answer {
  std::vector<float> rows;
  std::vector<uint8_t> raw;
};

std::optional<Answer> gather(RowStore& s, const std::vector<uint64_t>& ids) {
  const TableInfo& i = s.info();
  Answer a;
  a.rows.resize(ids.size() * i.dim);
  a.raw.resize(ids.size() * i.row_bytes);
  try {
    s.gather(ids, a.rows.data());
    s.gather_raw(ids, a.raw.data());
  } catch (const Error&) {
    return std::nullopt;
  }
  return a;
}

bool same_bytes(const Answer& a, const Answer& b) {
  return a.rows.size() == b.rows.size() && a.raw == b.raw &&
         std::memcmp(a.rows.data(), b.rows.data(), a.rows.size() * sizeof(float)) == 0;
}

template <typename F>
std::unique_ptr<RowStore> open_or_null(F&& f) {
  try {
    return f();
  } catch (const Error&) {
    return nullptr;
  }
}

// Every store over the file at `path`; checks that they agree. Returns whether it opened.
bool check_stores(const std::string& path) {
  std::shared_ptr<TableFile> t;
  try {
    t = TableFile::open(path);
  } catch (const Error&) {
    return false;
  }
  const TableInfo& info = t->info();
  if (info.n_blocks > 4096 || info.n_rows == 0) return true;  // keep iterations fast
  std::vector<std::unique_ptr<RowStore>> stores;
  stores.push_back(open_or_null([&] { return RamStore::load(t); }));
  stores.push_back(open_or_null([&] { return MmapStore::open(t); }));
  stores.push_back(open_or_null([&] { return PreadStore::open(t); }));
  if (UringStore::available()) stores.push_back(open_or_null([&] { return UringStore::open(t); }));
  stores.push_back(open_or_null([&]() -> std::unique_ptr<RowStore> {
    RowCache::Options co;
    co.budget_bytes = 4 * info.row_bytes + 4096;
    return std::make_unique<CachedStore>(std::shared_ptr<RowStore>(PreadStore::open(t)), co);
  }));
  const std::vector<uint64_t> ids = {0, info.n_rows - 1, info.n_rows / 2, 0, info.n_rows - 1};
  std::optional<Answer> first;
  for (auto& s : stores) {
    if (!s) continue;
    std::optional<Answer> a = gather(*s, ids);
    if (a && first && !same_bytes(*a, *first)) __builtin_trap();
    if (a && !first) first = std::move(a);
    // Twice: the cache now answers from what it kept, the mmap store from verified blocks.
    std::optional<Answer> again = gather(*s, ids);
    if (again && first && !same_bytes(*again, *first)) __builtin_trap();
    // An id past the end is refused by every store, before anything is read.
    const std::vector<uint64_t> bad = {0, info.n_rows};
    if (gather(*s, bad)) __builtin_trap();
  }
  return true;
}

// Gives every block of the (header-valid) file at `path` its correct CRC.
bool fix_block_crcs(const std::string& path) {
  try {
    TableOpenOptions o;
    o.writable = true;
    auto t = TableFile::open(path, o);
    const TableInfo& info = t->info();
    if (info.n_blocks > 4096) return false;
    std::vector<uint8_t> block(info.block_bytes);
    for (uint64_t b = 0; b < info.n_blocks; ++b) {
      t->file().read(info.block_file_offset(b), info.block_bytes, block.data());
      t->write_block(b, block.data());
    }
    t->flush();
    return t->verify_all().bad_blocks.empty();
  } catch (const Error&) {
    return false;
  }
}

// Scatters rows through the mmap and pread stores of a writable copy, then reopens it.
void check_writes(const std::string& path) {
  for (int kind = 0; kind < 2; ++kind) {
    std::vector<float> want;
    std::vector<uint64_t> ids;
    try {
      TableOpenOptions o;
      o.writable = true;
      auto t = TableFile::open(path, o);
      const TableInfo& info = t->info();
      if (info.n_blocks > 4096 || info.n_rows == 0) return;
      std::unique_ptr<RowStore> s;
      if (kind == 0) s = MmapStore::open(t);
      else s = PreadStore::open(t);
      ids = {info.n_rows - 1};
      if (info.n_rows > 1) ids.push_back(0);
      std::vector<float> rows(ids.size() * info.dim);
      for (size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<float>(i % 5) * 0.5f - 1.0f;
      s->scatter(ids, rows.data());
      want.resize(rows.size());
      s->gather(ids, want.data());  // the rows as the dtype stores them
      s->flush();
    } catch (const Error&) {
      continue;  // e.g. a block that does not verify is never patched
    }
    auto t = TableFile::open(path);  // a flushed file must open and verify
    if (!t->verify_all().bad_blocks.empty()) __builtin_trap();
    auto s = PreadStore::open(t);
    std::vector<float> got(want.size());
    s->gather(ids, got.data());
    if (std::memcmp(got.data(), want.data(), got.size() * sizeof(float)) != 0) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  {
    fuzz::TempInput in(bytes.data(), bytes.size(), "table.engt");
    if (check_stores(in.path())) {
      if (fix_block_crcs(in.path())) {
        check_stores(in.path());
        check_writes(in.path());
      }
      return 0;
    }
  }
  // The header CRC recomputed as FORMAT.md defines it, so the field checks behind it run.
  if (size < 128) return 0;
  uint32_t n_heads, cfg_bytes;
  std::memcpy(&n_heads, bytes.data() + 80, 4);
  std::memcpy(&cfg_bytes, bytes.data() + 84, 4);
  const uint64_t used = 128 + uint64_t{16} * n_heads + cfg_bytes;
  if (used > size) return 0;
  std::memset(bytes.data() + 108, 0, 4);
  const uint32_t crc = crc32c::mask(crc32c::value(bytes.data(), used));
  std::memcpy(bytes.data() + 108, &crc, 4);
  fuzz::TempInput in(bytes.data(), bytes.size(), "table.engt");
  if (check_stores(in.path()) && fix_block_crcs(in.path())) {
    check_stores(in.path());
    check_writes(in.path());
  }
  return 0;
}
