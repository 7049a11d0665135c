// Micro benches of the hashing stage on the demo's default config (V' = 98,627, both layers,
// 2 x 16 columns) with random compressed ids: each kernel, thread counts, incremental decode,
// and construction (numpy multipliers + prime search). No tokenizer needed; `engram bench hash`
// measures the full path with compression, side by side with tools/peers/numpy_hash_bench.py.
// Example: build/bench_hashing --benchmark_filter='HashAll' --benchmark_min_time=0.5
#include <benchmark/benchmark.h>

#include <random>

#include "hashing/ngram_hash.h"

namespace {

using engram::HashConfig;
using engram::HashKernel;
using engram::NgramHasher;

constexpr int64_t kVocab = 98627;

const NgramHasher& demo_hasher() {
  static const NgramHasher h(HashConfig::demo_default(), kVocab, 2);
  return h;
}

std::vector<int64_t> random_ids(size_t n) {
  std::mt19937_64 rng(1);
  std::vector<int64_t> v(n);
  for (auto& x : v) x = static_cast<int64_t>(rng() % kVocab);
  return v;
}

// Args: kernel, B, T, threads.
void BM_HashAll(benchmark::State& state) {
  const auto kernel = static_cast<HashKernel>(state.range(0));
  if (!engram::hash_kernel_available(kernel)) {
    state.SkipWithError("kernel not available");
    return;
  }
  const int64_t B = state.range(1), T = state.range(2);
  const int threads = static_cast<int>(state.range(3));
  const NgramHasher& h = demo_hasher();
  std::vector<int64_t> ids = random_ids(B * T);
  std::vector<int64_t> out(static_cast<size_t>(h.n_layers()) * B * T * h.columns());
  for (auto _ : state) {
    h.hash_all_with(kernel, ids, B, T, out, threads);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * B * T);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(out.size() * sizeof(int64_t)));
  state.SetLabel(engram::hash_kernel_name(kernel));
}
BENCHMARK(BM_HashAll)
    ->ArgNames({"kernel", "B", "T", "threads"})
    ->Args({static_cast<int>(HashKernel::kReference), 1, 4096, 1})
    ->Args({static_cast<int>(HashKernel::kScalar), 1, 4096, 1})
    ->Args({static_cast<int>(HashKernel::kAvx512), 1, 4096, 1})
    ->Args({static_cast<int>(HashKernel::kAvx512), 1, 4096, 2})
    ->Args({static_cast<int>(HashKernel::kScalar), 8, 2048, 1})
    ->Args({static_cast<int>(HashKernel::kAvx512), 8, 2048, 1})
    ->Args({static_cast<int>(HashKernel::kAvx512), 8, 2048, 2})
    ->UseRealTime();

// One token appended for all layers (decode).
void BM_IncrementalAppend(benchmark::State& state) {
  const NgramHasher& h = demo_hasher();
  engram::IncrementalHasher inc(h);
  std::vector<int64_t> ids = random_ids(4096);
  std::vector<int64_t> out(static_cast<size_t>(h.n_layers()) * h.columns());
  size_t i = 0;
  for (auto _ : state) {
    inc.append(ids[i++ & 4095], out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_IncrementalAppend);

// Construction: SeedSequence + PCG64 draws and the prime search for both layers.
void BM_BuildDemoHasher(benchmark::State& state) {
  for (auto _ : state) {
    NgramHasher h(HashConfig::demo_default(), kVocab, 2);
    benchmark::DoNotOptimize(h.half_bound());
  }
}
BENCHMARK(BM_BuildDemoHasher);

}  // namespace

BENCHMARK_MAIN();
