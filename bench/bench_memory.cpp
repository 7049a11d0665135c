// Micro benches of the memory tier (Google Benchmark): RAM gathers per dtype against the
// plain memcpy ceiling, the hot-row cache per policy, CRC32C, fp8 decoding. Small tables
// by default; ENGRAM_BENCH_ROWS (env) sets the RAM table rows. The headline figures with
// ratios come from `engram bench memory`; these are for profiling one piece at a time.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <random>

#include "memory/crc32c.h"
#include "memory/dtype.h"
#include "memory/gather_ceiling.h"
#include "memory/ram_store.h"
#include "memory/row_cache.h"
#include "memory/table_writer.h"
#include "memory/zipf.h"

namespace {

using namespace engram;

uint64_t bench_rows() {
  const char* e = std::getenv("ENGRAM_BENCH_ROWS");
  return e ? std::strtoull(e, nullptr, 10) : 1'000'000;
}

// One RAM table per dtype, written once per process under the temp dir.
RamStore& table(RowDtype dt) {
  static std::map<RowDtype, std::unique_ptr<RamStore>> cache;
  auto& s = cache[dt];
  if (!s) {
    TableSpec spec;
    spec.dtype = dt;
    spec.dim = dt == RowDtype::kFp8E4m3 ? 256 : 64;
    spec.head_rows = {bench_rows()};
    std::string p = (std::filesystem::temp_directory_path() / ("engram_bench_" + row_dtype_name(dt) + ".engt")).string();
    write_random_table(p, spec, 1);
    s = RamStore::load(TableFile::open(p));
    std::filesystem::remove(p);
  }
  return *s;
}

std::vector<uint64_t> ids_for(uint64_t n, size_t count) {
  std::mt19937_64 rng(5);
  std::vector<uint64_t> v(count);
  for (auto& x : v) x = rng() % n;
  return v;
}

void BM_RamGather(benchmark::State& st) {
  RowDtype dt = static_cast<RowDtype>(st.range(0));
  RamStore& s = table(dt);
  auto ids = ids_for(s.info().n_rows, 4096);
  std::vector<float> out(ids.size() * s.info().dim);
  for (auto _ : st) {
    s.gather(ids, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  st.SetItemsProcessed(st.iterations() * ids.size());
  st.SetLabel(row_dtype_name(dt));
}
BENCHMARK(BM_RamGather)->Arg(1)->Arg(2)->Arg(3)->Arg(4);

void BM_RamGatherRaw(benchmark::State& st) {
  RowDtype dt = static_cast<RowDtype>(st.range(0));
  RamStore& s = table(dt);
  auto ids = ids_for(s.info().n_rows, 4096);
  std::vector<uint8_t> out(ids.size() * s.info().row_bytes);
  for (auto _ : st) {
    s.gather_raw(ids, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  st.SetItemsProcessed(st.iterations() * ids.size());
  st.SetLabel(row_dtype_name(dt));
}
BENCHMARK(BM_RamGatherRaw)->Arg(1)->Arg(3);

void BM_CeilingGather(benchmark::State& st) {
  RowDtype dt = static_cast<RowDtype>(st.range(0));
  RamStore& s = table(dt);
  auto ids = ids_for(s.info().n_rows, 4096);
  std::vector<uint8_t> out(ids.size() * s.info().row_bytes);
  for (auto _ : st) {
    ceiling_gather(s.data(), s.info(), ids, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  st.SetItemsProcessed(st.iterations() * ids.size());
  st.SetLabel(row_dtype_name(dt));
}
BENCHMARK(BM_CeilingGather)->Arg(1)->Arg(3);

void BM_CacheLookup(benchmark::State& st) {
  CachePolicy p = st.range(0) ? CachePolicy::kTinyLfu : CachePolicy::kLru;
  RowCache::Options o;
  o.row_bytes = 256;
  o.budget_bytes = 64u << 20;
  o.policy = p;
  RowCache c(o);
  ZipfGenerator z(4'000'000, 1.0, 3);
  auto trace = z.trace(1 << 16);
  std::vector<uint8_t> row(256, 1);
  size_t i = 0;
  for (auto _ : st) {
    uint64_t id = trace[i++ & (trace.size() - 1)];
    if (!c.lookup(id, row.data())) c.insert(id, row.data());
  }
  st.SetItemsProcessed(st.iterations());
  st.counters["hit_rate"] = c.hit_rate();
  st.SetLabel(cache_policy_name(p));
}
BENCHMARK(BM_CacheLookup)->Arg(0)->Arg(1);

void BM_Crc32c4K(benchmark::State& st) {
  std::vector<uint8_t> b(4096, 7);
  for (auto _ : st) benchmark::DoNotOptimize(crc32c::value(b.data(), b.size()));
  st.SetBytesProcessed(st.iterations() * 4096);
}
BENCHMARK(BM_Crc32c4K);

void BM_DecodeFp8Row(benchmark::State& st) {
  std::vector<uint8_t> raw(264, 0x35);
  for (int g = 0; g < 8; ++g) raw[256 + g] = 120;
  std::vector<float> out(256);
  for (auto _ : st) {
    decode_row(RowDtype::kFp8E4m3, 256, raw.data(), out.data());
    benchmark::DoNotOptimize(out.data());
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_DecodeFp8Row);

// Decoding consecutive rows of the random fp8 table (no random access): separates decode
// cost from gather latency. Arg: rows per call (output 1 KiB per row).
void BM_DecodeFp8Rows(benchmark::State& st) {
  RamStore& s = table(RowDtype::kFp8E4m3);
  const size_t n = static_cast<size_t>(st.range(0));
  std::vector<float> out(n * 256);
  const TableInfo& t = s.info();
  for (auto _ : st) {
    for (size_t i = 0; i < n; ++i) decode_row(t.dtype, t.dim, s.data() + t.row_data_offset(i), out.data() + i * 256);
    benchmark::DoNotOptimize(out.data());
  }
  st.SetItemsProcessed(st.iterations() * n);
}
BENCHMARK(BM_DecodeFp8Rows)->Arg(64)->Arg(4096);

}  // namespace

BENCHMARK_MAIN();
