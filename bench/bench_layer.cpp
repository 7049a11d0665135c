// Google Benchmark micro benches of the Engram layer's fast path: forward, forward+backward
// and the projection GEMM alone, at the demo's widths (hidden 1024, hc_mult 4, E 1024) over
// a few sequence lengths, with small tables (the gather cost at the real 2.65 GB table is
// measured by `engram bench layer`, which allocates it).
// Run: OMP_WAIT_POLICY=PASSIVE build/bench/bench_layer --benchmark_min_time=2
#include <benchmark/benchmark.h>

#include "layer/layer_fast.h"
#include "layer/layer_random.h"

namespace engram {
namespace {

LayerDims demo_dims(int64_t rows_per_head) {
  LayerDims d;
  d.n_cols = 16;
  d.head_dim = 64;
  d.hidden = 1024;
  d.hc = 4;
  d.kernel = 4;
  d.dilation = 3;
  d.table_sizes.assign(16, rows_per_head);
  return d;
}

struct Fixture {
  LayerDims dims;
  RandomLayer L;
  std::vector<int64_t> rows;
  std::vector<float> hidden, dy;
  FastLayer fl;
  FastActs a;
  Fixture(int64_t T, DType dt)
      : dims(demo_dims(4096)),
        L(make_random_layer(dims, dt, 1)),
        rows(random_rows(dims, 1, T, 2)),
        hidden(random_uniform(static_cast<size_t>(T * dims.C()), 1.0f, 3)),
        dy(random_uniform(static_cast<size_t>(T * dims.C()), 1.0f, 4)),
        fl(dims, L.params) {}
};

void BM_LayerForward(benchmark::State& st) {
  const int64_t T = st.range(0);
  Fixture f(T, st.range(1) ? DType::kBF16 : DType::kF32);
  for (auto _ : st) f.fl.forward(f.a, f.L.table, f.hidden.data(), f.rows.data(), 1, T);
  st.SetItemsProcessed(st.iterations() * T);
}
BENCHMARK(BM_LayerForward)->ArgsProduct({{128, 512, 2048}, {0, 1}})->Unit(benchmark::kMillisecond);

void BM_LayerForwardBackward(benchmark::State& st) {
  const int64_t T = st.range(0);
  Fixture f(T, DType::kF32);
  LayerGrads<float> g;
  for (auto _ : st) {
    f.fl.forward(f.a, f.L.table, f.hidden.data(), f.rows.data(), 1, T);
    f.fl.backward(g, f.dy.data(), f.a, f.hidden.data());
  }
  st.SetItemsProcessed(st.iterations() * T);
}
BENCHMARK(BM_LayerForwardBackward)->Arg(128)->Arg(512)->Arg(2048)->Unit(benchmark::kMillisecond);

void BM_LayerProjectionGemm(benchmark::State& st) {
  const int64_t T = st.range(0);
  Fixture f(T, DType::kF32);
  f.fl.forward(f.a, f.L.table, f.hidden.data(), f.rows.data(), 1, T);
  for (auto _ : st) f.fl.project(f.a);
  st.SetItemsProcessed(st.iterations() * T);
}
BENCHMARK(BM_LayerProjectionGemm)->Arg(128)->Arg(512)->Arg(2048)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace engram

BENCHMARK_MAIN();
