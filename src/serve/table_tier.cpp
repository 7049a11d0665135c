#include "serve/table_tier.h"

#include <cstdio>

#include <sys/stat.h>

#include "core/error.h"
#include "core/progress.h"
#include "memory/cached_store.h"
#include "memory/open_store.h"
#include "memory/prefetcher.h"
#include "memory/table_config.h"
#include "memory/table_writer.h"

namespace engram::serve {

struct TableTier::Impl {
  TierOptions opt;
  std::vector<std::shared_ptr<RowStore>> stores;  // per Engram layer
  std::vector<CachedStore*> caches;
  std::unique_ptr<Prefetcher> prefetcher;
  std::vector<Prefetcher::Ticket> tickets;
  std::vector<std::vector<uint64_t>> ids;   // per layer, the current step's global ids
  std::vector<std::vector<float>> sync_out;  // per layer, rows gathered without prefetch
  double waited = 0;
};

namespace {
double mtime(const std::string& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return -1;
  return st.st_mtim.tv_sec + st.st_mtim.tv_nsec * 1e-9;
}
}  // namespace

TableTier::TableTier(model::Transformer& m, const std::string& checkpoint, const TierOptions& opt)
    : impl_(std::make_unique<Impl>()) {
  Impl& I = *impl_;
  I.opt = opt;
  if (opt.kind == "model") return;
  validate(store_options(opt));
  const auto& cfg = m.config();
  if (!cfg.engram) throw Error(checkpoint + ": the model has no Engram layer, so it has no tables to place");
  const HashConfig& hc = cfg.engram->hash;
  for (int layer : hc.layer_ids) {
    const std::string path = checkpoint + ".layer" + std::to_string(layer) + ".engt";
    if (mtime(path) < mtime(checkpoint)) {
      const model::Param& t = m.param("layers." + std::to_string(layer) + ".engram.multi_head_embedding.embedding.weight");
      Progress bar("export layer " + std::to_string(layer) + " table", 1, "file");
      write_table_from_matrix(path, table_spec_for(hc, layer, RowDtype::kF32), t.data.data());
      bar.finish();
    }
    auto file = TableFile::open(path, table_open_options_for(hc, layer));
    CachedStore* cache = nullptr;
    std::shared_ptr<RowStore> store = open_store(file, store_options(opt), &cache);
    if (cache) I.caches.push_back(cache);
    I.stores.push_back(store);
  }
  I.ids.resize(I.stores.size());
  I.sync_out.resize(I.stores.size());
  I.tickets.resize(I.stores.size());
  if (opt.prefetch) {
    Prefetcher::Options po;
    po.budget_bytes = opt.prefetch_mb << 20;
    I.prefetcher = std::make_unique<Prefetcher>(po);
  }
}

TableTier::~TableTier() {
  if (impl_)
    for (auto& t : impl_->tickets)
      if (t) t.release();
}

bool TableTier::active() const { return !impl_->stores.empty(); }

void TableTier::submit(const model::EngramRows& er, int64_t n) {
  Impl& I = *impl_;
  for (size_t i = 0; i < I.stores.size(); ++i) {
    if (I.tickets[i]) I.tickets[i].release();
    const auto& rows = er.rows.at(i);
    ENGRAM_CHECK(static_cast<int64_t>(rows.size()) % std::max<int64_t>(n, 1) == 0);
    to_global_row_ids(I.stores[i]->info(), rows, I.ids[i]);
    if (I.prefetcher) I.tickets[i] = I.prefetcher->submit(*I.stores[i], I.ids[i]);
  }
}

const float* TableTier::fetch(size_t i) {
  Impl& I = *impl_;
  const double t0 = now_seconds();
  const float* out;
  if (I.prefetcher) {
    out = I.tickets.at(i).wait().data();
  } else {
    auto& buf = I.sync_out.at(i);
    buf.resize(I.ids[i].size() * I.stores[i]->info().dim);
    I.stores[i]->gather(I.ids[i], buf.data());
    out = buf.data();
  }
  I.waited += now_seconds() - t0;
  return out;
}

std::string TableTier::describe() const {
  const Impl& I = *impl_;
  if (I.stores.empty()) return "tables in the model (RAM)";
  std::string s = "tables: " + I.stores[0]->kind();
  if (I.opt.kind == "ssd") {
    char mb[32];
    std::snprintf(mb, sizeof mb, "%g", I.opt.cache_mb);
    s += std::string(", cache ") + mb + " MB";
  }
  s += I.prefetcher ? ", prefetch on" : ", prefetch off";
  return s;
}

double TableTier::hit_rate() const {
  const Impl& I = *impl_;
  if (I.caches.empty()) return -1;
  uint64_t h = 0, m = 0;
  for (auto* c : I.caches) {
    h += c->cache().hits();
    m += c->cache().misses();
  }
  return h + m ? static_cast<double>(h) / (h + m) : 0.0;
}

double TableTier::wait_seconds() const { return impl_->waited; }

}  // namespace engram::serve
