// `engram bench generate`: prefill and decode speed with the Engram tables in RAM against
// the SSD tier (io_uring direct reads behind a hot-row cache, with and without prefetch),
// alternating the configurations in each round so that all are measured side by side;
// medians over rounds, and ratios against RAM. By default every sequence of the batch gets
// its own prompt (distinct lines of --prompts-from) and tokens are sampled (temperature,
// fixed seed): identical greedy sequences would share every row and flatter the cache.
#include <algorithm>
#include <cstdio>

#include "bench_commands.h"
#include "core/error.h"
#include "core/file.h"
#include "core/json_util.h"
#include "core/paths.h"
#include "core/stats.h"
#include "engram/generate.h"

namespace engram::cli {


void add_bench_generate(CLI::App& bench) {
  struct Flags {
    std::string checkpoint, tokenizer, prompt, prompts_from;
    int64_t batch = 4, max_tokens = 64, rounds = 5;
    double cache_mb = 1;
    bool json = false, greedy = false;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* c = bench.add_subcommand("generate", "Prefill/decode tokens/s: tables in RAM vs SSD tier (cache, prefetch)");
  c->add_option("--checkpoint", f->checkpoint, "checkpoint of a model with Engram layers")->required();
  c->add_option("--tokenizer", f->tokenizer, "tokenizer.json (default: the cache path)");
  c->add_option("--prompt", f->prompt, "one prompt for every sequence (default: distinct lines of --prompts-from)");
  c->add_option("--prompts-from", f->prompts_from,
                "text file whose lines (evenly spaced, first 60 bytes) prompt the sequences (default: the KJV corpus)");
  c->add_flag("--greedy", f->greedy, "greedy decoding (default: temperature 0.8, seed 7; same tokens in every tier)");
  c->add_option("--batch", f->batch, "sequences decoded together")->capture_default_str();
  c->add_option("--max-tokens", f->max_tokens, "tokens generated per sequence")->capture_default_str();
  c->add_option("--rounds", f->rounds, "rounds; each runs every configuration once")->capture_default_str();
  c->add_option("--table-cache-mb,--cache-mb", f->cache_mb, "hot-row cache of the SSD tier (keep it below the table size)")
      ->capture_default_str();
  c->add_flag("--json", f->json, "JSON output");
  c->callback([f] {
    struct Config {
      std::string name;
      serve::TierOptions tier;
      std::unique_ptr<serve::Generator> gen;
      std::vector<double> prefill, decode, wait;
      double hit = -1;
    };
    std::vector<Config> cfgs(3);
    cfgs[0].name = "ram";
    cfgs[0].tier.kind = "ram";
    cfgs[1].name = "ssd_cache_prefetch";
    cfgs[1].tier.kind = "ssd";
    cfgs[2].name = "ssd_cache_no_prefetch";
    cfgs[2].tier.kind = "ssd";
    cfgs[2].tier.prefetch = false;
    for (auto& c : cfgs) {
      c.tier.cache_mb = f->cache_mb;
      c.gen = std::make_unique<serve::Generator>(f->checkpoint, f->tokenizer, c.tier);
    }
    std::vector<std::string> prompts;
    if (!f->prompt.empty()) {
      prompts.assign(f->batch, f->prompt);
    } else {
      const std::string path = f->prompts_from.empty() ? cache_dir() + "/corpora/kjv.txt" : f->prompts_from;
      std::vector<std::string> lines;
      const std::string text = read_file(path);
      size_t at = 0;
      while (at < text.size()) {
        size_t nl = text.find('\n', at);
        if (nl == std::string::npos) nl = text.size();
        if (nl - at >= 20) lines.push_back(text.substr(at, std::min<size_t>(60, nl - at)));
        at = nl + 1;
      }
      if (static_cast<int64_t>(lines.size()) < f->batch)
        throw Error(path + ": " + std::to_string(lines.size()) + " lines of 20+ bytes, need --batch " +
                    std::to_string(f->batch) + " prompts");
      for (int64_t b = 0; b < f->batch; ++b) prompts.push_back(lines[lines.size() * b / f->batch]);
    }
    serve::SampleOptions so;
    // Same options and seed in every configuration: the tiers return identical rows, so
    // every configuration generates the same tokens (tests/serve EveryTier).
    so.greedy = f->greedy;
    so.temperature = 0.8f;
    so.seed = 7;
    int64_t ptoks = 0, gtoks = 0;
    for (int64_t r = 0; r <= f->rounds; ++r)  // round 0 warms caches and is not counted
      for (auto& c : cfgs) {
        auto st = c.gen->generate(prompts, f->max_tokens, so, [](size_t, const std::string&) {});
        if (r == 0) continue;
        ptoks = st.prompt_tokens;
        gtoks = st.generated_tokens;
        c.prefill.push_back(st.prompt_tokens / st.prefill_seconds);
        c.decode.push_back(st.generated_tokens / st.decode_seconds);
        c.wait.push_back(st.table_wait_seconds);
        c.hit = st.table_hit_rate;
      }
    Json j = {{"prompt_tokens", ptoks}, {"generated_tokens", gtoks}, {"batch", f->batch}, {"rounds", f->rounds},
              {"cache_mb", f->cache_mb}};
    const double ram_p = median(cfgs[0].prefill), ram_d = median(cfgs[0].decode);
    for (auto& c : cfgs) {
      const double p = median(c.prefill), d = median(c.decode);
      j[c.name] = {{"prefill_tokens_per_s", p},
                   {"decode_tokens_per_s", d},
                   {"decode_ms_per_step", 1e3 * f->batch / d},
                   {"prefill_ratio_vs_ram", p / ram_p},
                   {"decode_ratio_vs_ram", d / ram_d},
                   {"cache_hit_rate", c.hit}};
    }
    j["decode_throughput_ratio"] = median(cfgs[1].decode) / ram_d;
    j["prefill_throughput_ratio"] = median(cfgs[1].prefill) / ram_p;
    if (f->json) {
      std::printf("%s\n", j.dump().c_str());
      return;
    }
    std::printf("%-24s %14s %14s %12s %10s %10s\n", "tables", "prefill tok/s", "decode tok/s", "ms/step", "decode/ram",
                "hit rate");
    for (auto& c : cfgs)
      std::printf("%-24s %14.0f %14.1f %12.3f %10.3f %10.3f\n", c.name.c_str(), median(c.prefill), median(c.decode),
                  1e3 * f->batch / median(c.decode), median(c.decode) / ram_d, c.hit);
  });
}

}  // namespace engram::cli
