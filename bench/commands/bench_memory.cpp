// `engram bench memory`: the memory tiers against the machine's own ceilings, each figure
// a ratio measured side by side in one run (BASELINES.md: the host is noisy).
//  1. RAM gathers (f32 D=64 256-byte rows; fp8 D=256 264-byte rows) vs a plain prefetched
//     memcpy gather over the same ids and addresses.
//  2. The io_uring SSD store, page cache dropped, random rows at a queue depth vs the
//     device's raw 4 KiB random-read rate at the same depth.
//  3. Overlap: a real token stream (corpus -> tokenizer -> compression -> hashing) decoded
//     B sequences at a time through a stand-in backbone (SGEMMs) with two Engram layers
//     whose tables sit on SSD behind a hot-row cache and the prefetcher; tokens/s divided by
//     the same run with the tables in RAM; also without prefetch, without cache, and a
//     sweep of cache sizes (hit rate and throughput) for the plot. The configurations run
//     in lockstep, one decode step each in turn, so the host's drift (+-15% between
//     back-to-back runs on the shared VM) cancels out of the ratios.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <sstream>
#include <thread>

#include "bench_commands.h"
#include "core/error.h"
#include "core/file.h"
#include "core/json_util.h"
#include "core/paths.h"
#include "core/progress.h"
#include "core/stats.h"
#include "hashing/hash_config.h"
#include "engram/addressing.h"
#include "memory/cached_store.h"
#include "memory/file_stores.h"
#include "memory/gather_ceiling.h"
#include "memory/prefetcher.h"
#include "memory/ram_store.h"
#include "memory/table_config.h"
#include "memory/table_writer.h"
#include "memory/uring_store.h"
#include "memory/zipf.h"
#include "ops/gemm.h"
#include "engram/tokenizer.h"

namespace engram::cli {

namespace {

// Every flag in one place (name, default, help) -- STYLE.md "options declared once".
struct BenchMemoryOpts {
  bool json = false;
  std::string only = "ram,ssd,overlap";
  std::string dir;  // default <cache>/bench-memory
  bool keep_tables = true;
  int reps = 5;
  unsigned threads = 1;
  // RAM gathers
  uint64_t ram_rows = 4'000'000;  // rows of each RAM table (f32 D=64: 1 GB; fp8 D=256: 1.06 GB)
  uint64_t gathers = 2'000'000;   // ids per repetition
  std::string id_dist = "uniform";  // uniform | zipf
  uint64_t gather_batch = 4096;     // ids per gather call (decoded output: batch x dim floats)
  // SSD
  double ssd_table_gb = 2.0;  // total size of the Engram tables on SSD (both layers)
  unsigned qd = 32;
  uint64_t ssd_rows = 100'000;
  uint64_t ssd_batch = 1024;
  // Overlap
  std::string corpus;     // comma list; default <cache>/corpora/kjv.txt
  std::string tokenizer;  // default path
  std::string config;     // hashing config JSON; default the demo config (vocab sizes rescaled)
  std::string dtype = "f32";
  unsigned batch = 32;
  unsigned steps = 300;
  unsigned warmup_steps = 50;
  unsigned warm_steps = 1000;  // gathers only, before the warm-up: fills the caches fast
  int rounds = 3;          // overlap rounds (median of per-round ratios)
  unsigned lookahead = 0;  // 0: honest decode (ids known at step start); k: ids known k steps early
  int hidden = 1024;
  int ffn = 4096;
  int layers = 16;
  unsigned prefetch_threads = 1;  // prefetcher workers (they share the cores with the backbone)
  double cache_mb = 512;               // budget of the hot-row caches (all layers together)
  std::string sweep_mb = "64,256,1024";  // cache sizes for the hit-rate/throughput plot
  std::string policy = "tinylfu";
  std::string csv;  // sweep output
};

std::vector<double> parse_list(const std::string& s) {
  std::vector<double> v;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) v.push_back(std::stod(item));
  return v;
}

bool has(const std::string& list, const std::string& what) {
  std::stringstream ss(list);
  std::string item;
  while (std::getline(ss, item, ','))
    if (item == what) return true;
  return false;
}

// Opens `path` if it is a valid table for the spec (same fingerprint/layer/size), else
// writes it. Big tables take minutes to write, so reruns reuse them.
std::shared_ptr<TableFile> ensure_table(const std::string& path, const TableSpec& spec, uint64_t seed) {
  TableInfo want = plan_table(spec);
  if (file_exists(path)) {
    try {
      TableOpenOptions o;
      o.expected_fingerprint = want.config_fingerprint;
      o.expected_layer_id = spec.layer_id;
      auto t = TableFile::open(path, o);
      if (t->info().n_rows == want.n_rows && t->info().dtype == want.dtype && t->info().dim == want.dim &&
          t->info().head_rows == want.head_rows)
        return t;
    } catch (const Error&) {
    }
  }
  std::fprintf(stderr, "bench memory: writing %s (%.2f GB)\n", path.c_str(), want.file_bytes / 1e9);
  Progress bar("create " + std::filesystem::path(path).filename().string(), want.n_rows, "row");
  write_random_table(path, spec, seed, &bar);
  return TableFile::open(path);
}

std::vector<uint64_t> make_ids(uint64_t n_rows, uint64_t count, const std::string& dist, uint64_t seed) {
  if (dist == "zipf") return ZipfGenerator(n_rows, 1.0, seed).trace(count);
  if (dist != "uniform") throw Error("--id-dist must be uniform or zipf, got '" + dist + "'");
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> v(count);
  for (auto& x : v) x = rng() % n_rows;
  return v;
}

// Runs fn(ids chunk, thread index) on `threads` threads over disjoint slices; returns seconds.
template <typename F>
double timed_parallel(unsigned threads, const std::vector<uint64_t>& ids, F&& fn) {
  double t0 = now_seconds();
  if (threads <= 1) {
    fn(std::span<const uint64_t>(ids), 0u);
  } else {
    std::vector<std::thread> th;
    size_t per = (ids.size() + threads - 1) / threads;
    for (unsigned t = 0; t < threads; ++t) {
      size_t b = std::min(ids.size(), t * per), e = std::min(ids.size(), b + per);
      th.emplace_back([&, b, e, t] { fn(std::span<const uint64_t>(ids.data() + b, e - b), t); });
    }
    for (auto& x : th) x.join();
  }
  return now_seconds() - t0;
}

// ---------------------------------------------------------------- 1. RAM gathers

Json bench_ram(const BenchMemoryOpts& o, const std::string& dir) {
  Json out;
  struct Case {
    const char* name;
    RowDtype dt;
    uint32_t dim;
  };
  for (const Case& c : {Case{"f32", RowDtype::kF32, 64}, Case{"fp8", RowDtype::kFp8E4m3, 256}}) {
    TableSpec spec;
    spec.layer_id = 0;
    spec.dtype = c.dt;
    spec.dim = c.dim;
    spec.head_rows = {o.ram_rows};
    auto tf = ensure_table(dir + "/ram_" + c.name + "_" + std::to_string(o.ram_rows) + ".engt", spec, 1);
    auto store = RamStore::load(tf);
    const TableInfo& t = store->info();
    auto ids = make_ids(t.n_rows, o.gathers, o.id_dist, 7);
    const size_t batch = o.gather_batch;
    std::vector<std::vector<float>> f32(o.threads, std::vector<float>(batch * t.dim));
    std::vector<std::vector<uint8_t>> raw(o.threads, std::vector<uint8_t>(batch * t.row_bytes));
    auto run_gather = [&](std::span<const uint64_t> s, unsigned ti) {
      for (size_t i = 0; i < s.size(); i += batch)
        store->gather(s.subspan(i, std::min(batch, s.size() - i)), f32[ti].data());
    };
    auto run_raw = [&](std::span<const uint64_t> s, unsigned ti) {
      for (size_t i = 0; i < s.size(); i += batch)
        store->gather_raw(s.subspan(i, std::min(batch, s.size() - i)), raw[ti].data());
    };
    auto run_ceiling = [&](std::span<const uint64_t> s, unsigned ti) {
      for (size_t i = 0; i < s.size(); i += batch)
        ceiling_gather(store->data(), t, s.subspan(i, std::min(batch, s.size() - i)), raw[ti].data());
    };
    timed_parallel(o.threads, ids, run_ceiling);  // untimed warm-up (page faults, TLB)
    std::vector<double> g, r, ce, ratio, raw_ratio;
    // Interleave the kernels in every repetition so drift hits them alike; the ratios are
    // paired per repetition (ceiling measured before and after the store), then the median.
    for (int rep = 0; rep < o.reps; ++rep) {
      const double c1 = ids.size() / timed_parallel(o.threads, ids, run_ceiling);
      g.push_back(ids.size() / timed_parallel(o.threads, ids, run_gather));
      r.push_back(ids.size() / timed_parallel(o.threads, ids, run_raw));
      const double c2 = ids.size() / timed_parallel(o.threads, ids, run_ceiling);
      ce.push_back((c1 + c2) / 2);
      ratio.push_back(g.back() / ce.back());
      raw_ratio.push_back(r.back() / ce.back());
    }
    Json j;
    j["row_bytes"] = t.row_bytes;
    j["dim"] = t.dim;
    j["table_bytes"] = t.n_blocks * t.block_bytes;
    j["gather_rows_per_s"] = median(g);
    j["gather_raw_rows_per_s"] = median(r);
    j["ceiling_rows_per_s"] = median(ce);
    j["ratio"] = median(ratio);
    j["raw_ratio"] = median(raw_ratio);
    j["gather_gb_per_s"] = median(g) * t.row_bytes / 1e9;
    out[c.name] = j;
    if (!o.keep_tables) std::filesystem::remove(tf->path());
  }
  return out;
}

// ---------------------------------------------------------------- overlap setup

// The hashing config for the SSD tables: the given one, or the demo config with the
// starting vocab sizes scaled so both layers' tables total about ssd_table_gb.
HashConfig overlap_config(const BenchMemoryOpts& o) {
  HashConfig cfg = o.config.empty() ? HashConfig::demo_default()
                                    : hash_config_from_json(load_json_file(o.config), o.config);
  if (o.config.empty()) {
    size_t row_bytes = dtype_row_bytes(parse_dtype(o.dtype), static_cast<uint32_t>(cfg.n_embed_per_ngram / cfg.n_head_per_ngram));
    double rows_total = o.ssd_table_gb * 1e9 / row_bytes;
    double per_head = rows_total / (cfg.layer_ids.size() * cfg.columns());
    for (auto& v : cfg.engram_vocab_size) v = std::max<int64_t>(1000, static_cast<int64_t>(per_head));
  }
  return cfg;
}

struct Stream {
  // rows[layer][step][b * columns + c]: global row ids for sequence b at `step`.
  std::vector<std::vector<std::vector<uint64_t>>> rows;
  size_t tokens = 0;
};

Stream build_stream(const BenchMemoryOpts& o, const HashConfig& cfg, const std::vector<TableInfo>& infos) {
  const size_t steps = o.warm_steps + o.warmup_steps + o.steps;
  const size_t need = size_t{o.batch} * steps;
  std::string corpus_list = o.corpus.empty() ? cache_dir() + "/corpora/kjv.txt" : o.corpus;
  std::string text;
  for (const std::string& p : [&] {
         std::vector<std::string> v;
         std::stringstream ss(corpus_list);
         std::string it;
         while (std::getline(ss, it, ',')) v.push_back(it);
         return v;
       }()) {
    // Roughly 4 bytes per token; read a little more than needed from each file.
    std::string all = read_file(p);
    text += all.substr(0, std::min(all.size(), need * 6 + 4096));
  }
  Tokenizer tok = Tokenizer::load(resolve_tokenizer_path(o.tokenizer));
  const Addressing addr(tok, cfg);
  std::vector<int32_t> ids32 = tok.encode(text);
  if (ids32.size() < need)
    throw Error("corpus '" + corpus_list + "' gives " + std::to_string(ids32.size()) + " tokens, need " +
                std::to_string(need) + " (batch x steps); lower --steps or --batch or add a corpus");
  const std::vector<int64_t> raw(ids32.begin(), ids32.begin() + need);
  // Sequence b reads tokens [b * steps, (b+1) * steps): B sequences of T = steps tokens.
  const int64_t B = o.batch, T = static_cast<int64_t>(steps);
  const int cols = addr.columns();
  const std::vector<std::vector<int64_t>> hashed = addr.rows(raw, B, T);  // [layer][B, T, cols]
  Stream s;
  s.tokens = need;
  s.rows.resize(infos.size());
  for (size_t l = 0; l < infos.size(); ++l) {
    const int li = addr.layer_index(static_cast<int>(infos[l].layer_id));
    s.rows[l].resize(steps);
    for (size_t st = 0; st < steps; ++st) {
      std::vector<int64_t> step_vals(size_t(B) * cols);
      for (int64_t b = 0; b < B; ++b)
        std::copy_n(hashed[li].data() + (size_t(b) * T + st) * cols, cols, step_vals.data() + b * cols);
      to_global_row_ids(infos[l], step_vals, s.rows[l][st]);
    }
  }
  return s;
}

// A stand-in backbone: per layer an FFN-shaped pair of SGEMMs on [B, hidden]; at each
// Engram layer the gathered rows e [B, cols*dim] go through a value projection added to
// the hidden state (the Engram layer's own GEMM).
struct BackboneWeights {
  int d, f, e_width;
  std::vector<float> w1, w2, wv;
  BackboneWeights(int d_, int f_, int e_width_)
      : d(d_), f(f_), e_width(e_width_), w1(size_t(d_) * f_), w2(size_t(f_) * d_), wv(size_t(e_width_) * d_) {
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> u(-0.01f, 0.01f), tiny(-1e-6f, 1e-6f);
    for (auto* v : {&w1, &wv})
      for (auto& x : *v) x = u(rng);
    for (auto& x : w2) x = tiny(rng);  // keeps h bounded over thousands of steps
  }
};

// A stand-in backbone: per layer an FFN-shaped pair of SGEMMs on [B, hidden]; at each
// Engram layer the gathered rows e [B, cols*dim] go through a value projection added to
// the hidden state (the Engram layer's own GEMM). Weights are shared by all runs of a
// comparison (same cache footprint); each run has its own state. GEMMs go through
// ops/gemm.h like the model: OpenMP threads over rows, OpenBLAS single-threaded (its own
// spinning threads would starve the prefetcher's I/O thread).
struct Backbone {
  const BackboneWeights& w;
  int B;
  std::vector<float> h, tmp;
  Backbone(const BackboneWeights& w_, int B_) : w(w_), B(B_), h(size_t(B_) * w_.d), tmp(size_t(B_) * w_.f) {
    std::mt19937 rng(2);
    std::uniform_real_distribution<float> u(-0.01f, 0.01f);
    for (auto& x : h) x = u(rng);
  }
  void layer() {
    std::fill(tmp.begin(), tmp.end(), 0.0f);
    ops::sgemm_nn_acc(tmp.data(), h.data(), w.w1.data(), B, w.f, w.d);
    ops::sgemm_nn_acc(h.data(), tmp.data(), w.w2.data(), B, w.d, w.f);
  }
  void engram(std::span<const float> e) { ops::sgemm_nn_acc(h.data(), e.data(), w.wv.data(), B, w.d, w.e_width); }
};

struct OverlapResult {
  double tokens_per_s = 0;
  double hit_rate = -1;  // -1: no cache
  double seconds = 0;
  double row_wait_s = 0;  // time the decode loop spent waiting for rows (ticket wait or inline gather)
};

// One configuration decoding the stream: at each step the Engram rows of that step (or
// `lookahead` steps ahead) are requested, the backbone runs its layers, and each Engram
// layer consumes its rows. With prefetch the requests go to the Prefetcher at step start;
// without, each Engram layer gathers synchronously when reached.
class DecodeRun {
 public:
  DecodeRun(const BenchMemoryOpts& o, const Stream& s, const BackboneWeights& w,
            std::vector<std::shared_ptr<RowStore>> stores, const std::vector<int>& engram_at, bool prefetch,
            std::vector<RowCache*> caches)
      : o_(o), s_(s), stores_(std::move(stores)), engram_at_(engram_at), caches_(std::move(caches)),
        bb_(w, static_cast<int>(o.batch)) {
    const uint32_t dim = stores_[0]->info().dim;
    const size_t cols = stores_[0]->info().head_rows.size();
    const size_t step_bytes = size_t{o.batch} * cols * dim * sizeof(float);
    e_.resize(size_t{o.batch} * cols * dim);
    if (prefetch) {
      Prefetcher::Options po;
      po.budget_bytes = step_bytes * stores_.size() * (o.lookahead + 2);
      po.threads = std::max(1u, o.prefetch_threads);
      pf_ = std::make_unique<Prefetcher>(po);
    }
  }
  ~DecodeRun() { pending_.clear(); }  // tickets before the prefetcher

  // The stream's first warm_steps steps gathered without compute: caches fill as they
  // would over a long serving run (untimed); then the stats restart.
  void warm() {
    for (size_t st = 0; st < o_.warm_steps; ++st)
      for (size_t l = 0; l < stores_.size(); ++l) stores_[l]->gather(s_.rows[l][st], e_.data());
  }
  void start_timing() {
    for (RowCache* c : caches_) c->reset_stats();
    seconds_ = wait_s_ = 0;
    steps_ = 0;
  }

  void step(size_t st, bool timed) {
    const double t0 = now_seconds();
    const size_t total = s_.rows[0].size(), n_eng = stores_.size();
    if (pf_) {
      while (pending_.size() < o_.lookahead + 1 && st + pending_.size() < total) {
        std::vector<Prefetcher::Ticket> v;
        for (size_t l = 0; l < n_eng; ++l) v.push_back(pf_->submit(*stores_[l], s_.rows[l][st + pending_.size()]));
        pending_.push_back(std::move(v));
      }
    }
    size_t next_eng = 0;
    double wait = 0;
    for (int layer = 0; layer < o_.layers; ++layer) {
      if (next_eng < n_eng && engram_at_[next_eng] == layer) {
        const double w0 = now_seconds();
        if (pf_) {
          std::span<const float> rows = pending_.front()[next_eng].wait();
          wait += now_seconds() - w0;
          bb_.engram(rows);
        } else {
          stores_[next_eng]->gather(s_.rows[next_eng][st], e_.data());
          wait += now_seconds() - w0;
          bb_.engram(e_);
        }
        ++next_eng;
      }
      bb_.layer();
    }
    if (pf_) pending_.pop_front();  // releases this step's staging buffers
    if (timed) {
      seconds_ += now_seconds() - t0;
      wait_s_ += wait;
      ++steps_;
    }
  }

  OverlapResult result() const {
    OverlapResult r;
    r.seconds = seconds_;
    r.row_wait_s = wait_s_;
    r.tokens_per_s = double(steps_) * o_.batch / seconds_;
    if (!caches_.empty()) {
      uint64_t h = 0, m = 0;
      for (RowCache* c : caches_) {
        h += c->hits();
        m += c->misses();
      }
      r.hit_rate = h + m ? double(h) / double(h + m) : 0;
    }
    return r;
  }

 private:
  const BenchMemoryOpts& o_;
  const Stream& s_;
  std::vector<std::shared_ptr<RowStore>> stores_;
  const std::vector<int>& engram_at_;
  std::vector<RowCache*> caches_;
  Backbone bb_;
  std::unique_ptr<Prefetcher> pf_;
  std::deque<std::vector<Prefetcher::Ticket>> pending_;  // tickets for steps [cur, cur + lookahead]
  std::vector<float> e_;
  double seconds_ = 0, wait_s_ = 0;
  size_t steps_ = 0;
};

// Runs the configurations in lockstep, one decode step each in turn (the order rotating
// every step), so drift of the shared host hits them alike; each run times only its own
// steps. Every step is self-contained at lookahead 0 (its prefetches are submitted and
// consumed inside it), so runs do not overlap each other's work.
std::vector<OverlapResult> run_interleaved(const BenchMemoryOpts& o, std::vector<DecodeRun*> runs) {
  for (DecodeRun* r : runs) r->warm();
  const size_t begin = o.warm_steps, timed_from = o.warm_steps + o.warmup_steps, total = timed_from + o.steps;
  const size_t n = runs.size();
  for (size_t st = begin; st < total; ++st) {
    if (st == timed_from)
      for (DecodeRun* r : runs) r->start_timing();
    for (size_t k = 0; k < n; ++k) runs[(st + k) % n]->step(st, st >= timed_from);
  }
  std::vector<OverlapResult> out;
  for (DecodeRun* r : runs) out.push_back(r->result());
  return out;
}

Json overlap_json(const OverlapResult& r) {
  Json j;
  j["tokens_per_s"] = r.tokens_per_s;
  j["seconds"] = r.seconds;
  j["row_wait_s"] = r.row_wait_s;
  if (r.hit_rate >= 0) j["hit_rate"] = r.hit_rate;
  return j;
}

}  // namespace

void add_bench_memory(CLI::App& bench) {
  auto o = std::make_shared<BenchMemoryOpts>();
  CLI::App* c = bench.add_subcommand("memory", "Memory tiers: RAM gathers, SSD reads, overlap with compute (ratios)");
  c->add_flag("--json", o->json, "Print one JSON object");
  c->add_option("--only", o->only, "Comma list of parts: ram, ssd, overlap")->capture_default_str();
  c->add_option("--dir", o->dir, "Directory for the bench tables (default <cache>/bench-memory); must be on the SSD");
  c->add_option("--keep-tables", o->keep_tables, "Keep tables for reuse by later runs")->capture_default_str();
  c->add_option("--reps", o->reps, "Repetitions per RAM measurement (median reported)")->capture_default_str();
  c->add_option("--threads", o->threads, "Gather threads for the RAM part")->capture_default_str();
  c->add_option("--ram-rows", o->ram_rows, "Rows of each RAM table (f32 D=64 and fp8 D=256)")->capture_default_str();
  c->add_option("--gathers", o->gathers, "Row ids gathered per RAM repetition")->capture_default_str();
  c->add_option("--gather-batch", o->gather_batch, "RAM part: ids per gather call (a decode step gathers batch x columns)")
      ->capture_default_str();
  c->add_option("--id-dist", o->id_dist, "RAM id distribution: uniform or zipf")->capture_default_str();
  c->add_option("--ssd-table-gb", o->ssd_table_gb, "Total GB of the SSD Engram tables (both layers)")->capture_default_str();
  c->add_option("--qd", o->qd, "io_uring queue depth (store and raw device rate)")->capture_default_str();
  c->add_option("--ssd-rows", o->ssd_rows, "Random rows read in the SSD part")->capture_default_str();
  c->add_option("--ssd-batch", o->ssd_batch, "Ids per SSD gather call")->capture_default_str();
  c->add_option("--corpus", o->corpus, "Comma list of text files for the token stream (default <cache>/corpora/kjv.txt)");
  c->add_option("--tokenizer", o->tokenizer, "tokenizer.json (default: the DeepSeek-V3 one from scripts/setup.sh)");
  c->add_option("--config", o->config, "Hashing config JSON (default: demo config, vocab sizes scaled to --ssd-table-gb)");
  c->add_option("--dtype", o->dtype, "Dtype of the SSD tables: f32, bf16, fp8, int8")->capture_default_str();
  c->add_option("--batch", o->batch, "Sequences decoded together (tokens per step)")->capture_default_str();
  c->add_option("--steps", o->steps, "Timed decode steps")->capture_default_str();
  c->add_option("--warm-steps", o->warm_steps, "Untimed gather-only steps first (caches fill from the stream)")
      ->capture_default_str();
  c->add_option("--warmup-steps", o->warmup_steps, "Untimed decode steps after those (compute and gathers)")
      ->capture_default_str();
  c->add_option("--rounds", o->rounds, "Overlap rounds; ratios are per round, median reported")->capture_default_str();
  c->add_option("--lookahead", o->lookahead, "Steps of ids known ahead (0 = decode: ids known at step start)")->capture_default_str();
  c->add_option("--hidden", o->hidden, "Stand-in backbone hidden size")->capture_default_str();
  c->add_option("--ffn", o->ffn, "Stand-in backbone FFN size")->capture_default_str();
  c->add_option("--layers", o->layers, "Stand-in backbone layers (must cover the config's layer_ids)")->capture_default_str();
  c->add_option("--prefetch-threads", o->prefetch_threads, "Prefetcher worker threads")->capture_default_str();
  c->add_option("--cache-mb", o->cache_mb, "Hot-row cache budget in MB, all layers together")->capture_default_str();
  c->add_option("--sweep-mb", o->sweep_mb, "Comma list of cache sizes (MB) for the hit-rate/throughput sweep; empty: none")->capture_default_str();
  c->add_option("--policy", o->policy, "Cache policy: tinylfu or lru")->capture_default_str();
  c->add_option("--csv", o->csv, "Write the cache sweep as CSV here (for tools/plots/plot_cache_sweep.py)");
  c->callback([o] {
    const BenchMemoryOpts& opt = *o;
    std::string dir = opt.dir.empty() ? cache_dir() + "/bench-memory" : opt.dir;
    std::filesystem::create_directories(dir);
    Json out;
    out["machine_threads"] = std::thread::hardware_concurrency();
    if (has(opt.only, "ram")) {
      Json r = bench_ram(opt, dir);
      out["ram"] = r;
      out["ram_gather_rows_per_s"] = r["f32"]["gather_rows_per_s"];
      out["ram_gather_ceiling_rows_per_s"] = r["f32"]["ceiling_rows_per_s"];
      out["ram_gather_ratio"] = r["f32"]["ratio"];
      out["ram_gather_fp8_rows_per_s"] = r["fp8"]["gather_rows_per_s"];
      out["ram_gather_fp8_raw_rows_per_s"] = r["fp8"]["gather_raw_rows_per_s"];
      out["ram_gather_fp8_ceiling_rows_per_s"] = r["fp8"]["ceiling_rows_per_s"];
      out["ram_gather_fp8_ratio"] = r["fp8"]["ratio"];
    }
    if (!has(opt.only, "ssd") && !has(opt.only, "overlap")) {
      std::printf("%s\n", out.dump(2).c_str());
      return;
    }
    HashConfig cfg = overlap_config(opt);
    RowDtype dt = parse_dtype(opt.dtype);
    std::vector<std::shared_ptr<TableFile>> tables;
    std::vector<TableInfo> infos;
    std::vector<int> engram_at;
    for (int lid : cfg.layer_ids) {
      TableSpec spec = table_spec_for(cfg, lid, dt);
      char name[96];
      std::snprintf(name, sizeof name, "/ssd_layer%d_%016llx_%s.engt", lid,
                    static_cast<unsigned long long>(config_fingerprint(spec.config_json)), opt.dtype.c_str());
      tables.push_back(ensure_table(dir + name, spec, 100 + lid));
      infos.push_back(tables.back()->info());
      engram_at.push_back(lid);
      if (lid >= opt.layers)
        throw Error("Engram layer " + std::to_string(lid) + " is beyond --layers " + std::to_string(opt.layers));
    }
    uint64_t table_bytes = 0;
    for (auto& t : tables) table_bytes += t->info().file_bytes;
    out["ssd_table_bytes"] = table_bytes;
    auto uring_opts = [&] {
      UringStore::Options u;
      u.queue_depth = opt.qd;
      return u;
    };
    if (has(opt.only, "ssd")) {
      auto us = UringStore::open(tables[0], uring_opts());
      us->drop_page_cache();
      auto ids = make_ids(us->info().n_rows, opt.ssd_rows, "uniform", 11);
      std::vector<float> buf(opt.ssd_batch * us->info().dim);
      // Raw device rate first and last, store in between; report the mean of the two raw runs.
      double raw1 = UringStore::raw_random_read_rate(tables[0]->path(), opt.qd, opt.ssd_rows, 4096, 3);
      double t0 = now_seconds();
      for (size_t i = 0; i < ids.size(); i += opt.ssd_batch)
        us->gather(std::span<const uint64_t>(ids).subspan(i, std::min<size_t>(opt.ssd_batch, ids.size() - i)), buf.data());
      double rows_s = ids.size() / (now_seconds() - t0);
      double raw2 = UringStore::raw_random_read_rate(tables[0]->path(), opt.qd, opt.ssd_rows, 4096, 4);
      out["ssd_rows_per_s"] = rows_s;
      out["ssd_raw_reads_per_s"] = (raw1 + raw2) / 2;
      out["ssd_ratio"] = rows_s / ((raw1 + raw2) / 2);
      out["ssd_queue_depth"] = opt.qd;
      out["ssd_batch"] = opt.ssd_batch;
    }
    if (has(opt.only, "overlap")) {
      Stream s = build_stream(opt, cfg, infos);
      CachePolicy pol = parse_cache_policy(opt.policy);
      auto cached = [&](double mb, std::vector<RowCache*>& caches) {
        std::vector<std::shared_ptr<RowStore>> v;
        for (auto& t : tables) {
          RowCache::Options co;
          co.budget_bytes = static_cast<size_t>(mb * 1e6 / tables.size());
          co.policy = pol;
          auto cs = std::make_shared<CachedStore>(std::shared_ptr<RowStore>(UringStore::open(t, uring_opts())), co);
          caches.push_back(&cs->cache());
          v.push_back(cs);
        }
        return v;
      };
      Json ov;
      ov["tokens"] = s.tokens;
      ov["batch"] = opt.batch;
      ov["steps"] = opt.steps;
      ov["cache_mb"] = opt.cache_mb;
      ov["policy"] = opt.policy;
      ov["lookahead"] = opt.lookahead;
      // Each round runs every mode in lockstep (run_interleaved); a ratio is taken within a
      // round and the median over rounds is reported.
      // The reference: all tables in RAM (loaded once), gathered inline as the issue
      // defines it; also RAM with the prefetcher, the stronger reference.
      std::vector<std::shared_ptr<RowStore>> ram_stores;
      for (auto& t : tables) ram_stores.push_back(std::shared_ptr<RowStore>(RamStore::load(t)));
      const uint32_t dim = infos[0].dim;
      BackboneWeights bw(opt.hidden, opt.ffn, static_cast<int>(infos[0].head_rows.size() * dim));
      std::vector<double> r_full, r_nopf, r_nocache, r_vs_rampf, hit;
      OverlapResult ram, rampf, full, nopf, nocache;
      Json rounds = Json::array();
      for (int round = 0; round < std::max(1, opt.rounds); ++round) {
        // Fresh stores and caches each round: every cached run starts cold and warms on the
        // same stream prefix.
        std::vector<RowCache*> c_full, c_nopf;
        auto s_full = cached(opt.cache_mb, c_full), s_nopf = cached(opt.cache_mb, c_nopf);
        std::vector<std::shared_ptr<RowStore>> bare;
        for (auto& t : tables) bare.push_back(std::shared_ptr<RowStore>(UringStore::open(t, uring_opts())));
        DecodeRun d_ram(opt, s, bw, ram_stores, engram_at, false, {});
        DecodeRun d_rampf(opt, s, bw, ram_stores, engram_at, true, {});
        DecodeRun d_full(opt, s, bw, s_full, engram_at, true, c_full);
        DecodeRun d_nopf(opt, s, bw, s_nopf, engram_at, false, c_nopf);
        DecodeRun d_nocache(opt, s, bw, bare, engram_at, true, {});
        auto res = run_interleaved(opt, {&d_ram, &d_rampf, &d_full, &d_nopf, &d_nocache});
        ram = res[0], rampf = res[1], full = res[2], nopf = res[3], nocache = res[4];
        r_full.push_back(full.tokens_per_s / ram.tokens_per_s);
        r_nopf.push_back(nopf.tokens_per_s / ram.tokens_per_s);
        r_nocache.push_back(nocache.tokens_per_s / ram.tokens_per_s);
        r_vs_rampf.push_back(full.tokens_per_s / rampf.tokens_per_s);
        hit.push_back(full.hit_rate);
        Json rj;
        rj["ram"] = overlap_json(ram);
        rj["ram_prefetch"] = overlap_json(rampf);
        rj["ssd_cache_prefetch"] = overlap_json(full);
        rj["ssd_cache_no_prefetch"] = overlap_json(nopf);
        rj["ssd_prefetch_no_cache"] = overlap_json(nocache);
        rounds.push_back(rj);
      }
      ov["rounds"] = rounds;
      ov["ram"] = overlap_json(ram);  // last round, for the summary line
      ov["ram_prefetch"] = overlap_json(rampf);
      ov["ssd_cache_prefetch"] = overlap_json(full);
      ov["ssd_cache_no_prefetch"] = overlap_json(nopf);
      ov["ssd_prefetch_no_cache"] = overlap_json(nocache);
      out["overlap_throughput_ratio"] = median(r_full);
      out["overlap_ratio_vs_ram_prefetch"] = median(r_vs_rampf);
      out["overlap_ratio_no_prefetch"] = median(r_nopf);
      out["overlap_ratio_no_cache"] = median(r_nocache);
      out["overlap_hit_rate"] = median(hit);
      // Sweep for the plot: per cache size, LRU and TinyLFU (SSD + cache + prefetch)
      // interleaved with the all-in-RAM reference; hit rate and throughput ratio.
      Json sweep = Json::array();
      std::string csv = "cache_mb,policy,hit_rate,tokens_per_s,ratio_vs_ram\n";
      for (double mb : parse_list(opt.sweep_mb)) {
        std::vector<RowCache*> c_lru, c_tl;
        auto mk = [&](CachePolicy p, std::vector<RowCache*>& cs) {
          std::vector<std::shared_ptr<RowStore>> v;
          for (auto& t : tables) {
            RowCache::Options co;
            co.budget_bytes = static_cast<size_t>(mb * 1e6 / tables.size());
            co.policy = p;
            auto st = std::make_shared<CachedStore>(std::shared_ptr<RowStore>(UringStore::open(t, uring_opts())), co);
            cs.push_back(&st->cache());
            v.push_back(st);
          }
          return v;
        };
        auto s_lru = mk(CachePolicy::kLru, c_lru), s_tl = mk(CachePolicy::kTinyLfu, c_tl);
        DecodeRun d_ram(opt, s, bw, ram_stores, engram_at, false, {});
        DecodeRun d_lru(opt, s, bw, s_lru, engram_at, true, c_lru);
        DecodeRun d_tl(opt, s, bw, s_tl, engram_at, true, c_tl);
        auto res = run_interleaved(opt, {&d_ram, &d_lru, &d_tl});
        for (int k = 1; k <= 2; ++k) {
          const std::string pol = cache_policy_name(k == 1 ? CachePolicy::kLru : CachePolicy::kTinyLfu);
          const OverlapResult& r = res[k];
          Json j;
          j["cache_mb"] = mb;
          j["policy"] = pol;
          j["hit_rate"] = r.hit_rate;
          j["tokens_per_s"] = r.tokens_per_s;
          j["ratio_vs_ram"] = r.tokens_per_s / res[0].tokens_per_s;
          j["row_wait_s"] = r.row_wait_s;
          sweep.push_back(j);
          char line[160];
          std::snprintf(line, sizeof line, "%g,%s,%.6f,%.3f,%.6f\n", mb, pol.c_str(), r.hit_rate, r.tokens_per_s,
                        r.tokens_per_s / res[0].tokens_per_s);
          csv += line;
        }
      }
      ov["sweep"] = sweep;
      out["overlap"] = ov;
      if (!opt.csv.empty()) write_file_atomic(opt.csv, csv);
    }
    if (!opt.keep_tables)
      for (auto& t : tables) std::filesystem::remove(t->path());
    if (opt.json) {
      std::printf("%s\n", out.dump(2).c_str());
      return;
    }
    // Human summary.
    auto num = [&](const char* k) { return out.contains(k) ? out[k].get<double>() : NAN; };
    std::printf("engram bench memory\n");
    if (out.contains("ram")) {
      std::printf("  RAM gather f32 D=64 (256 B):  %.2f M rows/s, ceiling %.2f M rows/s, ratio %.3f\n",
                  num("ram_gather_rows_per_s") / 1e6, num("ram_gather_ceiling_rows_per_s") / 1e6, num("ram_gather_ratio"));
      std::printf("  RAM gather fp8 D=256 (264 B): %.2f M rows/s decoded, %.2f M raw, ceiling %.2f M, ratio %.3f\n",
                  num("ram_gather_fp8_rows_per_s") / 1e6, num("ram_gather_fp8_raw_rows_per_s") / 1e6,
                  num("ram_gather_fp8_ceiling_rows_per_s") / 1e6, num("ram_gather_fp8_ratio"));
    }
    if (out.contains("ssd_rows_per_s"))
      std::printf("  SSD (io_uring, QD %u): %.0f rows/s, device %.0f reads/s, ratio %.3f\n", opt.qd,
                  num("ssd_rows_per_s"), num("ssd_raw_reads_per_s"), num("ssd_ratio"));
    if (out.contains("overlap_throughput_ratio")) {
      const Json& ov = out["overlap"];
      std::printf("  overlap (%.2f GB tables, %.0f MB cache): RAM %.1f tok/s; SSD+cache+prefetch %.1f (ratio %.3f, hit %.3f); "
                  "no prefetch %.3f; no cache %.3f\n",
                  table_bytes / 1e9, opt.cache_mb, ov["ram"]["tokens_per_s"].get<double>(),
                  ov["ssd_cache_prefetch"]["tokens_per_s"].get<double>(), num("overlap_throughput_ratio"),
                  num("overlap_hit_rate"), num("overlap_ratio_no_prefetch"), num("overlap_ratio_no_cache"));
      for (const auto& j : ov["sweep"])
        std::printf("    cache %6.0f MB %-8s hit %.3f  %.1f tok/s  ratio %.3f\n", j["cache_mb"].get<double>(),
                    j["policy"].get<std::string>().c_str(), j["hit_rate"].get<double>(), j["tokens_per_s"].get<double>(),
                    j["ratio_vs_ram"].get<double>());
    }
  });
}

}  // namespace engram::cli
