// `engram bench layer`: times the fast Engram layer at the demo's shapes (hidden 1024,
// hc_mult 4, n_embed 512, 8 heads, N 3, kernel 4; layer 1's 16 prime-sized tables of ~646k
// rows x 64 values, 2.65 GB in F32), random weights and uniform row ids.
// Reports medians over --reps timed calls after --warmup untimed ones:
//   forward_ms            gather + projections + fused passes
//   forward_backward_ms   forward then backward (all dense grads, dhidden, sparse table grad)
//   gemm_ms               the forward's projection SGEMM alone (the float32 floor)
// plus peak RSS. --json prints {"forward_ms", "forward_backward_ms", "gemm_ms", ...}.
// Run on a quiet machine; set OMP_WAIT_POLICY=PASSIVE when comparing with other programs.
#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <vector>

#include "bench_commands.h"
#include "core/error.h"
#include "core/json_util.h"
#include "core/progress.h"
#include "core/stats.h"
#include "hashing/ngram_hash.h"
#include "layer/layer_fast.h"
#include "layer/layer_random.h"

namespace engram::cli {
namespace {

struct BenchLayerOptions {
  int64_t batch = 1, seq = 2048, rows_per_head = 0, hidden = 1024, hc = 4;
  int threads = 0, reps = 9, warmup = 1;
  std::string table_dtype = "f32";
  std::string proj_dtype = "f32";
  bool json = false;
};

void run_bench_layer(const BenchLayerOptions& o) {
  if (o.batch < 1 || o.seq < 1 || o.reps < 1 || o.warmup < 0) {
    throw Error("bench layer: --batch, --seq and --reps must be >= 1, --warmup >= 0");
  }
  if (o.table_dtype != "f32" && o.table_dtype != "bf16") throw Error("bench layer: --table-dtype must be f32 or bf16");
  if (o.proj_dtype != "f32" && o.proj_dtype != "bf16") throw Error("bench layer: --proj-dtype must be f32 or bf16");
  const ProjDtype proj = o.proj_dtype == "bf16" ? ProjDtype::kBF16 : ProjDtype::kF32;
  // The demo's layer 1 table sizes: primes are independent of the compressed vocabulary.
  HashConfig hc = HashConfig::demo_default();
  NgramHasher hasher(hc, 98627, 2);
  LayerDims dims;
  dims.n_cols = hc.columns();
  dims.head_dim = hc.n_embed_per_ngram / hc.n_head_per_ngram;
  dims.hidden = o.hidden;
  dims.hc = o.hc;
  dims.kernel = 4;
  dims.dilation = hc.max_ngram_size;
  auto ts = hasher.table_sizes(hasher.layer_index(1));
  dims.table_sizes.assign(ts.begin(), ts.end());
  if (o.rows_per_head > 0) std::fill(dims.table_sizes.begin(), dims.table_sizes.end(), o.rows_per_head);
  dims.validate();

  RandomLayer L = make_random_layer(dims, o.table_dtype == "f32" ? DType::kF32 : DType::kBF16, 42);
  const int64_t R = o.batch * o.seq;
  std::vector<int64_t> rows = random_rows(dims, o.batch, o.seq, 7);
  std::vector<float> hidden = random_uniform(static_cast<size_t>(R * dims.C()), 1.0f, 11);
  std::vector<float> dy = random_uniform(static_cast<size_t>(R * dims.C()), 1.0f, 13);
  FastLayer fl(dims, L.params, o.threads, proj);
  FastActs a;
  LayerGrads<float> g;

  std::vector<double> fwd, fb, gemm;
  for (int i = 0; i < o.warmup + o.reps; ++i) {
    double t0 = now_seconds();
    fl.forward(a, L.table, hidden.data(), rows.data(), o.batch, o.seq);
    double t1 = now_seconds();
    fl.project(a);
    double t2 = now_seconds();
    fl.forward(a, L.table, hidden.data(), rows.data(), o.batch, o.seq);
    fl.backward(g, dy.data(), a, hidden.data());
    double t3 = now_seconds();
    if (i < o.warmup) continue;
    fwd.push_back((t1 - t0) * 1e3);
    gemm.push_back((t2 - t1) * 1e3);
    fb.push_back((t3 - t2) * 1e3);
  }
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  const double peak_mib = static_cast<double>(ru.ru_maxrss) / 1024.0;
  const double f = median(fwd), b = median(fb), m = median(gemm);
  // With bf16 projections: the output's deviation from the float32 layer on the same call,
  // max |diff| over max |y| (the price of the rounding, reported beside the speed).
  double proj_err = 0;
  if (proj == ProjDtype::kBF16) {
    FastLayer f32(dims, L.params, o.threads);
    FastActs a32;
    f32.forward(a32, L.table, hidden.data(), rows.data(), o.batch, o.seq);
    fl.forward(a, L.table, hidden.data(), rows.data(), o.batch, o.seq);
    double worst = 0, scale = 0;
    for (size_t i = 0; i < a.y.size(); ++i) {
      worst = std::max(worst, static_cast<double>(std::fabs(a.y[i] - a32.y[i])));
      scale = std::max(scale, static_cast<double>(std::fabs(a32.y[i])));
    }
    proj_err = scale > 0 ? worst / scale : 0;
  }
  const double flops = 2.0 * static_cast<double>(R) * static_cast<double>((dims.hc + 1) * dims.hidden) *
                       static_cast<double>(dims.E());
  if (o.json) {
    Json j = {{"forward_ms", f},
              {"forward_backward_ms", b},
              {"gemm_ms", m},
              {"gemm_only_ms", m},
              {"forward_over_gemm", f / m},
              {"tokens_per_s", static_cast<double>(R) / (f * 1e-3)},
              {"gemm_gflops", flops / (m * 1e-3) / 1e9},
              {"peak_rss_mib", peak_mib},
              {"batch", o.batch},
              {"seq", o.seq},
              {"threads", fl.threads()},
              {"table_dtype", o.table_dtype},
              {"proj_dtype", o.proj_dtype},
              {"proj_max_rel_err_vs_f32", proj_err},
              {"table_rows", dims.total_rows()},
              {"reps", o.reps}};
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("engram layer, B=%lld T=%lld, hidden %lld x hc %lld, E %lld, %lld table rows (%s), %d threads, "
                "median of %d\n",
                static_cast<long long>(o.batch), static_cast<long long>(o.seq), static_cast<long long>(dims.hidden),
                static_cast<long long>(dims.hc), static_cast<long long>(dims.E()),
                static_cast<long long>(dims.total_rows()), o.table_dtype.c_str(), fl.threads(), o.reps);
    std::printf("  forward           %9.2f ms  (%.0f tokens/s)\n", f, static_cast<double>(R) / (f * 1e-3));
    std::printf("  forward+backward  %9.2f ms\n", b);
    std::printf("  projection GEMM   %9.2f ms  (%.1f GFLOP/s; forward = %.2fx GEMM)\n", m, flops / (m * 1e-3) / 1e9,
                f / m);
    std::printf("  peak RSS          %9.0f MiB\n", peak_mib);
    if (proj == ProjDtype::kBF16) std::printf("  bf16 projections: output max |diff| / max |y| vs float32 = %.2e\n", proj_err);
  }
}

}  // namespace

void add_bench_layer(CLI::App& bench) {
  auto o = std::make_shared<BenchLayerOptions>();
  CLI::App* c = bench.add_subcommand(
      "layer", "Engram layer forward and forward+backward at the demo's shapes, plus the projection GEMM alone");
  c->add_option("--batch", o->batch, "batch size B")->capture_default_str();
  c->add_option("--seq", o->seq, "sequence length T")->capture_default_str();
  c->add_option("--threads", o->threads, "OpenMP threads (0 = all)")->capture_default_str();
  c->add_option("--reps", o->reps, "timed repetitions (median reported)")->capture_default_str();
  c->add_option("--warmup", o->warmup, "untimed warm-up calls")->capture_default_str();
  c->add_option("--table-dtype", o->table_dtype, "table storage: f32 or bf16")->capture_default_str();
  c->add_option("--proj-dtype", o->proj_dtype, "projection GEMM precision: f32, or bf16 (AVX-512 BF16, ~1e-3 error)")
      ->capture_default_str();
  c->add_option("--rows-per-head", o->rows_per_head,
                "override every head's table size (0 = the demo's primes, ~646k; small values for smoke runs)")
      ->capture_default_str();
  c->add_option("--hidden", o->hidden, "hidden size d (demo: 1024)")->capture_default_str();
  c->add_option("--hc-mult", o->hc, "branches M (demo: 4)")->capture_default_str();
  c->add_flag("--json", o->json, "print {\"forward_ms\", \"forward_backward_ms\", \"gemm_ms\", ...}");
  c->callback([o] { run_bench_layer(*o); });
}

}  // namespace engram::cli
