// Tokenizer micro benches (Google Benchmark) on the DeepSeek-V3 tokenizer and the KJV text
// (from the engram cache; ENGRAM_TOKENIZER overrides the tokenizer): whole-text encode,
// line-by-line encode, the reference (uncached heap BPE) encode, pre-tokenization alone,
// and decode. Throughput is reported as bytes/s of input text.
// Run: build/bench_tokenizer --benchmark_min_time=1   (quiet machine; see engram bench tokenize)
#include <benchmark/benchmark.h>

#include <cstdlib>

#include "core/file.h"
#include "core/json_util.h"
#include "core/paths.h"
#include "tokenizer/pre_tokenizer.h"
#include "engram/tokenizer.h"

namespace {

std::string tokenizer_path() {
  const char* e = std::getenv("ENGRAM_TOKENIZER");
  return e && *e ? e : engram::default_tokenizer_path();
}

const engram::Tokenizer& tok() {
  static const engram::Tokenizer t = engram::Tokenizer::load(tokenizer_path());
  return t;
}

// The first `n` bytes of KJV, cut at a line end.
std::string kjv(size_t n) {
  static const std::string all = engram::read_file(engram::cache_dir() + "/corpora/kjv.txt");
  size_t end = all.find('\n', std::min(n, all.size()));
  return all.substr(0, end == std::string::npos ? all.size() : end + 1);
}

void BM_EncodeWhole(benchmark::State& st) {
  std::string text = kjv(static_cast<size_t>(st.range(0)));
  for (auto _ : st) benchmark::DoNotOptimize(tok().encode(text));
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations() * text.size()));
}
BENCHMARK(BM_EncodeWhole)->Arg(1 << 16)->Arg(1 << 20);

void BM_EncodeLines(benchmark::State& st) {
  std::string text = kjv(static_cast<size_t>(st.range(0)));
  std::vector<std::string_view> lines;
  for (size_t p = 0; p < text.size();) {
    size_t nl = text.find('\n', p);
    size_t e = nl == std::string::npos ? text.size() : nl + 1;
    lines.push_back(std::string_view(text).substr(p, e - p));
    p = e;
  }
  for (auto _ : st)
    for (std::string_view l : lines) benchmark::DoNotOptimize(tok().encode(l));
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations() * text.size()));
}
BENCHMARK(BM_EncodeLines)->Arg(1 << 16);

void BM_EncodeReference(benchmark::State& st) {
  std::string text = kjv(static_cast<size_t>(st.range(0)));
  for (auto _ : st) benchmark::DoNotOptimize(tok().encode_reference(text));
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations() * text.size()));
}
BENCHMARK(BM_EncodeReference)->Arg(1 << 16);

void BM_PreTokenize(benchmark::State& st) {
  static const engram::PreTokenizer pre = [] {
    engram::Json j = engram::load_json_file(tokenizer_path());
    return engram::PreTokenizer::from_json(j.at("pre_tokenizer"), "pre_tokenizer");
  }();
  std::string text = kjv(static_cast<size_t>(st.range(0)));
  for (auto _ : st) {
    size_t n = 0;
    pre.run(text, [&](std::string_view p) { n += p.size(); });
    benchmark::DoNotOptimize(n);
  }
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations() * text.size()));
}
BENCHMARK(BM_PreTokenize)->Arg(1 << 16);

void BM_Decode(benchmark::State& st) {
  std::string text = kjv(static_cast<size_t>(st.range(0)));
  std::vector<int32_t> ids = tok().encode(text);
  for (auto _ : st) benchmark::DoNotOptimize(tok().decode(ids));
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations() * text.size()));
}
BENCHMARK(BM_Decode)->Arg(1 << 16);

}  // namespace
BENCHMARK_MAIN();
