// `engram bench hash`: the addressing hot path on the demo's default config (both layers,
// 2 x 16 columns), measured as the numpy peer (tools/peers/numpy_hash_bench.py) does it:
// random raw ids in [0, vocab) -> compression lookup -> row ids of every layer. --preset
// measures a released model's addressing (V4.1: 2 x 24 columns, N 4; Qwen: 16 columns), with
// --boundary-every putting DEAD/EOS tokens into the ids (their windows take the slow path).
// Reports the median over repetitions after a warm-up, the hash-only and compression-only
// parts, the bound set by merely writing the output (a plain store loop over the same
// buffer), and the incremental decode cost per token (compress one id + append).
#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <random>

#include "bench_commands.h"
#include "core/error.h"
#include "core/json_util.h"
#include "core/paths.h"
#include "core/progress.h"
#include "core/stats.h"
#include "hashing/ngram_hash.h"
#include "hashing/presets.h"
#include "engram/compression.h"
#include "engram/tokenizer.h"

namespace engram::cli {
namespace {

struct BenchHashOptions {
  int64_t batch = 1;
  int64_t seq = 4096;
  int threads = 1;
  int reps = 21;
  int warmup = 3;
  int64_t decode_tokens = 200000;
  std::string kernel = "auto";
  std::string tokenizer;
  std::string preset = "demo";
  int64_t boundary_every = 0;
  bool json = false;
};

// Median seconds of `reps` timed calls of f after `warmup` untimed ones.
template <class F>
double time_median(int warmup, int reps, F&& f) {
  for (int i = 0; i < warmup; ++i) f();
  std::vector<double> s;
  for (int i = 0; i < reps; ++i) {
    double t0 = now_seconds();
    f();
    s.push_back(now_seconds() - t0);
  }
  return median(s);
}

void run_bench_hash(const BenchHashOptions& o) {
  if (o.batch < 1 || o.seq < 1) throw Error("bench hash: --batch and --seq must be at least 1");
  if (o.threads < 1) throw Error("bench hash: --threads must be at least 1");
  if (o.reps < 1 || o.warmup < 0) throw Error("bench hash: --reps must be >= 1 and --warmup >= 0");
  if (o.decode_tokens < 1) throw Error("bench hash: --decode-tokens must be at least 1");
  const HashKernel kernel = parse_hash_kernel(o.kernel);
  if (!hash_kernel_available(kernel)) throw Error("bench hash: kernel '" + o.kernel + "' is not available here");

  if (o.boundary_every < 0) throw Error("bench hash: --boundary-every must be >= 0");
  double t_setup = now_seconds();
  const ModelPreset preset = builtin_preset(o.preset);
  const HashConfig& cfg = preset.hash;
  // The demo compresses through the tokenizer; the released presets hash canonical (V4.1,
  // whose tokenizer is not here) or raw (Qwen) ids directly, so their compression is the
  // identity and the "compress" stage is a copy.
  const bool demo = preset.name == "demo";
  std::vector<int32_t> identity;
  if (!demo) {
    identity.resize(static_cast<size_t>(preset.compressed ? preset.compressed_vocab_size : preset.vocab_size));
    for (size_t i = 0; i < identity.size(); ++i) identity[i] = static_cast<int32_t>(i);
  }
  Compression comp = demo ? Compression::build(Tokenizer::load(resolve_tokenizer_path(o.tokenizer)))
                          : Compression::from_lookup(identity);
  const int64_t pad = demo ? comp.map(cfg.pad_id) : cfg.pad_id;
  NgramHasher h(cfg, comp.compressed_size(), pad);
  t_setup = now_seconds() - t_setup;
  // Boundary tokens (DEAD for V4.1, EOS for Qwen) about every K positions, jittered.
  const int64_t boundary_id = cfg.boundary == HashConfig::BoundaryRule::kEosResets ? pad : HashConfig::kDeadId;
  if (o.boundary_every > 0 && cfg.boundary == HashConfig::BoundaryRule::kPad)
    throw Error("bench hash: preset " + preset.name + " has no boundary tokens (--boundary-every needs "
                "deepseek-v4.1 or qwen4exp)");

  const int64_t B = o.batch, T = o.seq, N = B * T;
  const int L = h.n_layers(), C = h.columns();
  std::mt19937_64 rng(12345);
  std::vector<int64_t> raw(N), ids(N);
  for (auto& x : raw) x = static_cast<int64_t>(rng() % static_cast<uint64_t>(comp.vocab_size()));
  int64_t n_boundary = 0;
  if (o.boundary_every > 0)
    for (int64_t i = static_cast<int64_t>(rng() % static_cast<uint64_t>(o.boundary_every)); i < N;
         i += 1 + static_cast<int64_t>(rng() % static_cast<uint64_t>(2 * o.boundary_every))) {
      raw[i] = boundary_id;
      ++n_boundary;
    }
  std::vector<int64_t> out(static_cast<size_t>(L) * N * C);
  // DEAD ids pass through the compression stage unchanged (as Addressing's do).
  const std::optional<int64_t> keep =
      cfg.boundary == HashConfig::BoundaryRule::kPad ? std::nullopt : std::optional<int64_t>(HashConfig::kDeadId);
  auto compress = [&] { comp.map(raw, ids, keep); };

  const double t_full = time_median(o.warmup, o.reps, [&] {
    compress();
    h.hash_all_with(kernel, ids, B, T, out, o.threads);
  });
  const double t_hash = time_median(o.warmup, o.reps, [&] { h.hash_all_with(kernel, ids, B, T, out, o.threads); });
  const double t_comp = time_median(o.warmup, o.reps, compress);
  // The write bound: storing the same number of row-id bytes with nothing to compute.
  int64_t fill = 0;
  const double t_store = time_median(o.warmup, o.reps, [&] {
    ++fill;
    int64_t* p = out.data();
    const size_t n = out.size();
#pragma omp parallel for num_threads(o.threads) schedule(static)
    for (size_t i = 0; i < n; ++i) p[i] = fill;
  });

  // Decode: one sequence, one token at a time (compression lookup + all layers' rows).
  std::vector<int64_t> dec_raw(o.decode_tokens);
  for (auto& x : dec_raw) x = static_cast<int64_t>(rng() % static_cast<uint64_t>(comp.vocab_size()));
  IncrementalHasher inc(h);
  std::vector<int64_t> step(static_cast<size_t>(L) * C);
  int64_t sink = 0;
  const double t_dec = time_median(1, 5, [&] {
    inc.reset();
    for (int64_t x : dec_raw) {
      inc.append(comp.map(x), step);
      sink += step[0];
    }
  });
  const double decode_ns = t_dec * 1e9 / static_cast<double>(o.decode_tokens);

  const double bytes_per_token = static_cast<double>(L) * C * sizeof(int64_t);
  Json r;
  r["tokens_per_s"] = N / t_full;
  r["ns_per_token"] = t_full * 1e9 / N;
  r["median_s"] = t_full;
  r["hash_only_tokens_per_s"] = N / t_hash;
  r["compress_only_tokens_per_s"] = N / t_comp;
  r["decode_ns_per_token"] = decode_ns;
  r["out_bytes_per_token"] = bytes_per_token;
  r["store_bound_tokens_per_s"] = N / t_store;
  r["store_gb_per_s"] = bytes_per_token * N / t_store / 1e9;
  r["batch"] = B;
  r["seq"] = T;
  r["threads"] = o.threads;
  r["reps"] = o.reps;
  r["kernel"] = hash_kernel_name(kernel == HashKernel::kAuto ? h.kernel() : kernel);
  r["preset"] = preset.name;
  r["config"] = preset.name + ": " + std::to_string(L) + " layer(s) x " + std::to_string(C) + " columns, N " +
                std::to_string(cfg.max_ngram_size);
  r["boundary_tokens"] = n_boundary;
  r["setup_s"] = t_setup;
  if (o.json) {
    std::printf("%s\n", r.dump().c_str());
  } else {
    std::printf("bench hash: B=%lld T=%lld threads=%d kernel=%s, median of %d after %d warm-up\n",
                static_cast<long long>(B), static_cast<long long>(T), o.threads,
                r["kernel"].get<std::string>().c_str(), o.reps, o.warmup);
    std::printf("  compress + hash   %10.2f M tokens/s  (%.2f ns/token, %.3f ms per call)\n", N / t_full / 1e6,
                t_full * 1e9 / N, t_full * 1e3);
    std::printf("  hash only         %10.2f M tokens/s\n", N / t_hash / 1e6);
    std::printf("  compress only     %10.2f M tokens/s\n", N / t_comp / 1e6);
    std::printf("  store bound       %10.2f M tokens/s  (%.0f B/token written, %.1f GB/s)\n", N / t_store / 1e6,
                bytes_per_token, bytes_per_token * N / t_store / 1e9);
    std::printf("  decode            %10.1f ns/token (all %d layers, compress + append)\n", decode_ns, L);
    std::printf("  setup (tokenizer + compression + hasher) %.2f s\n", t_setup);
  }
  if (sink == 42) std::fprintf(stderr, " ");  // keeps the decode loop's results alive
}

}  // namespace

void add_bench_hash(CLI::App& bench) {
  auto o = std::make_shared<BenchHashOptions>();
  CLI::App* cmd = bench.add_subcommand(
      "hash", "Compression + n-gram hashing throughput on the demo config (both layers), and decode cost per token");
  cmd->add_option("--batch", o->batch, "sequences per call (B)")->capture_default_str();
  cmd->add_option("--seq", o->seq, "tokens per sequence (T)")->capture_default_str();
  cmd->add_option("--threads", o->threads, "threads for the batch hash")->capture_default_str();
  cmd->add_option("--reps", o->reps, "timed repetitions (the median is reported)")->capture_default_str();
  cmd->add_option("--warmup", o->warmup, "untimed calls first")->capture_default_str();
  cmd->add_option("--decode-tokens", o->decode_tokens, "tokens appended one by one for the decode figure")
      ->capture_default_str();
  cmd->add_option("--kernel", o->kernel, "auto, reference, scalar or avx512")->capture_default_str();
  cmd->add_option("--tokenizer", o->tokenizer, "tokenizer.json for the compression table (default: setup.sh's)");
  cmd->add_option("--preset", o->preset, "addressing preset: demo, deepseek-v4.1 or qwen4exp (the released ones "
                                          "hash canonical/raw ids: no tokenizer)")
      ->capture_default_str();
  cmd->add_option("--boundary-every", o->boundary_every,
                  "put a boundary token (DEAD for deepseek-v4.1, EOS for qwen4exp) about every K positions "
                  "(0: none)")
      ->capture_default_str();
  cmd->add_flag("--json", o->json, "print one JSON object on stdout");
  cmd->callback([o] { run_bench_hash(*o); });
}

}  // namespace engram::cli
