#include "train/store_table.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "core/error.h"
#include "core/file.h"
#include "core/progress.h"
#include "memory/cached_store.h"
#include "memory/file_stores.h"
#include "memory/open_store.h"
#include "memory/table_config.h"
#include "memory/table_read.h"
#include "memory/table_writer.h"
#include "memory/uring_store.h"

namespace engram::train {

namespace fs = std::filesystem;

void validate(const TableStoreOptions& o) {
  const std::string& k = o.kind;
  if (k == "model") {
    if (o.cache_mb != 0)
      throw Error("--table-cache-mb needs a file store (mmap, pread or ssd): the 'model' tables are in RAM already");
    return;
  }
  validate(store_options(o));
}


std::shared_ptr<StoreTable> StoreTable::create(const TableStoreOptions& o, const std::string& stem, const TableSpec& spec,
                                               const model::ValueSource& values) {
  validate(o);
  ENGRAM_CHECK(o.kind != "model" && !o.dir.empty());
  auto t = std::shared_ptr<StoreTable>(new StoreTable());
  t->opt_ = o;
  t->stem_ = stem;
  t->spec_ = spec;
  fs::create_directories(o.dir);
  t->write_files({values, nullptr, nullptr});
  t->open_stores();
  return t;
}

StoreTable::~StoreTable() = default;

std::string StoreTable::working(size_t part) const { return opt_.dir + "/" + stem_ + "." + kParts[part] + ".engt"; }

namespace {
model::ValueSource copy_from(const float* src) {
  return [src, at = size_t{0}](float* out, size_t n) mutable {
    std::copy_n(src + at, n, out);
    at += n;
  };
}
}  // namespace

void StoreTable::write_files(const std::array<model::ValueSource, 3>& sources) {
  for (auto& s : stores_) s.reset();
  const TableInfo info = plan_table(spec_);
  const uint64_t chunk = 16384;
  std::vector<float> buf(std::min<uint64_t>(chunk, info.n_rows) * info.dim);
  for (size_t part = 0; part < 3; ++part) {
    Progress bar(stem_ + "." + kParts[part], info.n_rows, "row");
    TableWriter w(working(part), spec_);
    for (uint64_t r = 0; r < info.n_rows; r += chunk) {
      const uint64_t n = std::min(chunk, info.n_rows - r);
      if (sources[part]) sources[part](buf.data(), n * info.dim);
      else std::fill(buf.begin(), buf.end(), 0.0f);  // moments start at zero
      w.append_rows(buf.data(), n);
      bar.update(r + n);
    }
    w.finish();
    bar.finish();
  }
}

void StoreTable::open_stores() {
  TableOpenOptions oo;
  oo.writable = true;
  for (size_t part = 0; part < 3; ++part) {
    auto file = TableFile::open(working(part), oo);
    check_table_layout(file->info(), spec_, working(part));
    // The cache budget is shared by the value file and its two moment files.
    StoreOptions so = store_options(opt_);
    so.cache_mb = opt_.cache_mb / 3;
    auto s = open_store(file, so);
    stores_[part] = s;
  }
}

std::string StoreTable::describe() const {
  char b[64];
  std::snprintf(b, sizeof b, " + %.3g MB cache", opt_.cache_mb);
  return stores_[0]->kind() + (opt_.cache_mb > 0 ? b : "") + " at " + working(0);
}

void StoreTable::read(std::span<const int64_t> rows, float* out) {
  ids_.assign(rows.begin(), rows.end());  // non-negative: the layer checked every id
  stores_[0]->gather(ids_, out);
}

void StoreTable::read_state(std::span<const int64_t> rows, float* w, float* m, float* v) {
  ids_.assign(rows.begin(), rows.end());
  float* out[3] = {w, m, v};
  for (size_t part = 0; part < 3; ++part) stores_[part]->gather(ids_, out[part]);
}

void StoreTable::write_state(std::span<const int64_t> rows, const float* w, const float* m, const float* v) {
  ids_.assign(rows.begin(), rows.end());
  const float* in[3] = {w, m, v};
  for (size_t part = 0; part < 3; ++part) stores_[part]->scatter(ids_, in[part]);
}

void StoreTable::flush() {
  for (auto& s : stores_) s->flush();
}

std::array<std::string, 3> StoreTable::snapshot(const std::string& dir) {
  flush();
  std::array<std::string, 3> names;
  for (size_t part = 0; part < 3; ++part) {
    names[part] = stem_ + "." + kParts[part] + ".engt";
    copy_file_atomic(working(part), dir + "/" + names[part]);
  }
  return names;
}

void StoreTable::restore(const std::array<std::string, 3>& files) {
  for (size_t part = 0; part < 3; ++part) {
    auto t = TableFile::open(files[part]);
    check_table_layout(t->info(), spec_, files[part]);
    const auto rep = t->verify_all();
    if (!rep.bad_blocks.empty())
      throw Error(files[part] + ": " + std::to_string(rep.bad_blocks.size()) + " block(s) fail their checksum (first: block " +
                  std::to_string(rep.bad_blocks[0]) + "); the checkpoint's table is corrupt");
  }
  for (auto& s : stores_) s.reset();
  for (size_t part = 0; part < 3; ++part) copy_file_atomic(files[part], working(part));
  open_stores();
}

void StoreTable::rewrite(const float* values, const float* m, const float* v) {
  write_files({copy_from(values), m ? copy_from(m) : nullptr, v ? copy_from(v) : nullptr});
  open_stores();
}

double StoreTable::hit_rate() const {
  auto* c = dynamic_cast<CachedStore*>(stores_[0].get());
  return c ? c->cache().hit_rate() : -1.0;
}

model::TableFactory table_store_factory(const HashConfig& hc, const TableStoreOptions& o,
                                        std::vector<std::shared_ptr<StoreTable>>& made) {
  validate(o);
  if (o.kind == "model") return {};
  return [hc, o, &made](const model::Param& p, int layer, const model::ValueSource& init) {
    const TableSpec spec = table_spec_for(hc, layer, RowDtype::kF32);
    ENGRAM_CHECK(static_cast<int64_t>(plan_table(spec).n_rows) == p.shape[0]);
    auto t = StoreTable::create(o, "layer" + std::to_string(layer), spec, init);
    made.push_back(t);
    return std::static_pointer_cast<model::TableBackend>(t);
  };
}

std::vector<std::shared_ptr<StoreTable>> attach_table_stores(model::Transformer& m, const TableStoreOptions& o) {
  validate(o);
  std::vector<std::shared_ptr<StoreTable>> out;
  if (o.kind == "model" || !m.config().engram) return out;
  const HashConfig& hc = m.config().engram->hash;
  auto factory = table_store_factory(hc, o, out);
  for (int layer : hc.layer_ids) {
    model::Param& p = m.param("layers." + std::to_string(layer) + ".engram.multi_head_embedding.embedding.weight");
    p.backend = factory(p, layer, copy_from(p.data.data()));
    std::vector<float>().swap(p.data);
  }
  return out;
}

}  // namespace engram::train
