// open_store and the public Table (include/engram/store.h).
#include "memory/open_store.h"

#include <cmath>

#include "core/error.h"
#include "memory/cached_store.h"
#include "memory/file_stores.h"
#include "memory/ram_store.h"
#include "memory/table_config.h"
#include "memory/table_writer.h"
#include "memory/uring_store.h"

namespace engram {

const char* store_kinds() { return "ram, mmap, pread, ssd"; }

void validate(const StoreOptions& o) {
  const std::string& k = o.kind;
  if (k != "ram" && k != "mmap" && k != "pread" && k != "ssd")
    throw Error("store kind must be one of " + std::string(store_kinds()) + ", got '" + k + "'");
  if (!std::isfinite(o.cache_mb) || o.cache_mb < 0)
    throw Error("table cache must be >= 0 MiB, got " + std::to_string(o.cache_mb));
  if (o.cache_mb > 0 && k == "ram")
    throw Error("a table cache needs a file store (mmap, pread or ssd): the 'ram' store holds every row already");
  if (o.queue_depth < 1 || o.queue_depth > 4096)
    throw Error("io_uring queue depth must be in [1, 4096], got " + std::to_string(o.queue_depth));
  if (k == "ssd" && !UringStore::available())
    throw Error(ErrorCode::kUnsupported,
                "store 'ssd' needs io_uring, which this kernel or build does not offer\n---> HINT: use pread or mmap");
}

std::shared_ptr<RowStore> open_store(std::shared_ptr<TableFile> table, const StoreOptions& opt, CachedStore** cache) {
  validate(opt);
  if (cache) *cache = nullptr;
  std::shared_ptr<RowStore> s;
  const size_t row_bytes = table->info().row_bytes;
  if (opt.kind == "ram") {
    s = RamStore::load(std::move(table));
  } else if (opt.kind == "mmap") {
    s = MmapStore::open(std::move(table));
  } else if (opt.kind == "pread") {
    s = PreadStore::open(std::move(table));
  } else {
    UringStore::Options uo;
    uo.queue_depth = opt.queue_depth;
    s = UringStore::open(std::move(table), uo);
  }
  if (opt.cache_mb > 0) {
    RowCache::Options co;
    co.budget_bytes = static_cast<size_t>(opt.cache_mb * 1048576.0);
    co.row_bytes = row_bytes;
    auto c = std::make_shared<CachedStore>(s, co);
    if (cache) *cache = c.get();
    s = c;
  }
  return s;
}

Table Table::open(const std::string& path, const StoreOptions& opt) {
  validate(opt);  // before the file: a bad option is reported as such, not as a file error
  TableOpenOptions oo;
  oo.writable = opt.writable;
  return Table(open_store(TableFile::open(path, oo), opt));
}

Table::Table(std::shared_ptr<RowStore> s) : store_(std::move(s)) {}
Table::Table(Table&&) noexcept = default;
Table& Table::operator=(Table&&) noexcept = default;
Table::~Table() = default;

uint64_t Table::rows() const { return store_->info().n_rows; }
uint32_t Table::dim() const { return store_->info().dim; }
std::string Table::dtype() const { return row_dtype_name(store_->info().dtype); }
std::string Table::kind() const { return store_->kind(); }
int64_t Table::layer_id() const { return store_->info().layer_id; }
uint64_t Table::fingerprint() const { return store_->info().config_fingerprint; }
void Table::gather(std::span<const uint64_t> ids, float* out) const { store_->gather(ids, out); }
void Table::scatter(std::span<const uint64_t> ids, const float* rows) { store_->scatter(ids, rows); }
void Table::flush() { store_->flush(); }
RowStore& Table::store() { return *store_; }

void create_table(const std::string& path, const HashConfig& cfg, int layer_id, const std::string& dtype,
                  const float* rows, uint64_t seed) {
  cfg.validate("create_table");
  const TableSpec spec = table_spec_for(cfg, layer_id, parse_dtype(dtype));
  if (rows)
    write_table_from_matrix(path, spec, rows);
  else
    write_random_table(path, spec, seed);
}

}  // namespace engram
