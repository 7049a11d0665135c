// `engram bench tokenize`: encode throughput (MB/s of UTF-8 input) on a corpus file,
// median of --reps timed runs after one untimed warm-up. Default: the whole file as one
// encode call (per thread); --lines: one encode call per line (the '\n' kept with its line). With --threads N the text is cut at line starts into N chunks encoded in
// parallel (chunk edges can tokenize differently from the whole text; throughput only).
// The peer: tools/peers/hf_tokenize_bench.js (HF tokenizers, one thread, same file, same
// --lines choice; with --lines it uses encodeBatch over the lines, one Rayon thread).
#include <algorithm>
#include <cstdio>
#include <thread>

#include "bench_commands.h"
#include "core/error.h"
#include "core/file.h"
#include "core/json_util.h"
#include "core/paths.h"
#include "core/progress.h"
#include "engram/tokenizer.h"

namespace engram::cli {
namespace {

struct BenchTokenizeOptions {
  std::string tokenizer;
  std::string file;
  int threads = 1;
  int reps = 5;
  bool lines = false;
  bool json = false;
};

std::vector<std::string_view> split_chunks(std::string_view text, int n) {
  std::vector<std::string_view> chunks;
  size_t start = 0;
  for (int i = 1; i <= n; ++i) {
    size_t end = i == n ? text.size() : text.size() * i / n;
    if (i < n) {
      size_t nl = text.find('\n', end);
      end = nl == std::string_view::npos ? text.size() : nl + 1;
    }
    end = std::max(end, start);
    chunks.push_back(text.substr(start, end - start));
    start = end;
  }
  return chunks;
}

void run_bench(const BenchTokenizeOptions& o) {
  std::string file = o.file.empty() ? cache_dir() + "/corpora/kjv.txt" : o.file;
  if (!file_exists(file)) throw Error("bench tokenize: corpus '" + file + "' not found (run scripts/setup.sh or pass --file)");
  std::string text = read_file(file);
  Tokenizer tok = Tokenizer::load(resolve_tokenizer_path(o.tokenizer));
  std::vector<std::string_view> chunks = split_chunks(text, o.threads);
  size_t n_tokens = 0;
  auto encode_chunk = [&](std::string_view chunk) -> size_t {
    if (!o.lines) return tok.encode(chunk).size();
    size_t n = 0, pos = 0;
    while (pos < chunk.size()) {
      size_t nl = chunk.find('\n', pos);
      size_t end = nl == std::string_view::npos ? chunk.size() : nl + 1;
      n += tok.encode(chunk.substr(pos, end - pos)).size();
      pos = end;
    }
    return n;
  };
  auto once = [&] {
    std::vector<size_t> counts(chunks.size());
    std::vector<std::thread> pool;
    for (size_t i = 1; i < chunks.size(); ++i)
      pool.emplace_back([&, i] { counts[i] = encode_chunk(chunks[i]); });
    counts[0] = encode_chunk(chunks[0]);
    for (auto& t : pool) t.join();
    n_tokens = 0;
    for (size_t c : counts) n_tokens += c;
  };
  once();  // warm-up: page cache, word caches, allocator
  std::vector<double> secs;
  for (int r = 0; r < o.reps; ++r) {
    double t0 = now_seconds();
    once();
    secs.push_back(now_seconds() - t0);
  }
  std::sort(secs.begin(), secs.end());
  double median = secs[secs.size() / 2];
  double mbps = text.size() / median / 1e6;
  if (o.json) {
    Json j = {{"file", file},       {"bytes", text.size()},    {"tokens", n_tokens},  {"threads", o.threads},
              {"reps", o.reps},       {"lines", o.lines},     {"median_s", median},      {"min_s", secs.front()}, {"max_s", secs.back()},
              {"mb_per_s", mbps},   {"tokens_per_s", n_tokens / median}};
    std::printf("%s\n", j.dump().c_str());
    return;
  }
  std::printf("encode %s (%s): %zu bytes -> %zu tokens, %d thread(s), %d reps\n", file.c_str(),
              o.lines ? "line by line" : "whole text", text.size(), n_tokens, o.threads, o.reps);
  std::printf("median %.4f s (min %.4f, max %.4f)  %.2f MB/s  %.2f M tokens/s\n", median, secs.front(), secs.back(),
              mbps, n_tokens / median / 1e6);
}

}  // namespace

void add_bench_tokenize(CLI::App& bench) {
  auto o = std::make_shared<BenchTokenizeOptions>();
  CLI::App* cmd = bench.add_subcommand("tokenize", "Tokenizer encode throughput (MB/s) on a corpus file");
  cmd->add_option("--tokenizer", o->tokenizer, "tokenizer.json (default: the DeepSeek-V3 file in the engram cache)");
  cmd->add_option("--file", o->file, "corpus to encode (default: the KJV text in the engram cache)");
  cmd->add_option("--threads", o->threads, "encoding threads (the text is cut at line starts)")
      ->default_val(1)
      ->check(CLI::Range(1, 256));
  cmd->add_option("--reps", o->reps, "timed repetitions after one warm-up (median reported)")
      ->default_val(5)
      ->check(CLI::Range(1, 1000));
  cmd->add_flag("--lines", o->lines, "encode each line separately instead of the whole text at once");
  cmd->add_flag("--json", o->json, "print {\"mb_per_s\": ..., ...} on stdout");
  cmd->callback([o] { run_bench(*o); });
}

}  // namespace engram::cli
