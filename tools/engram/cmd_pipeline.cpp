// `engram pipeline`: the whole deterministic addressing path on one text — tokens,
// compressed ids, and the row ids of every Engram layer — plus compression statistics.
// This is the main job's first stage: everything before the first Engram layer's gather.
// Below the public API: reports per-stage timings and statistics of the hasher itself.
#include <cstdio>
#include <string>
#include <vector>

#include "commands.h"
#include "core/error.h"
#include "core/json_util.h"
#include "core/paths.h"
#include "core/progress.h"
#include "hashing/hash_config.h"
#include "hashing/ngram_hash.h"
#include "engram/compression.h"
#include "engram/tokenizer.h"

namespace engram::cli {

namespace {

struct PipelineOptions {
  std::string tokenizer;
  std::string config;
  std::string text = "Only Alexander the Great could tame the horse Bucephalus.";
  bool json = false;
};

void run_pipeline(const PipelineOptions& o) {
  double t0 = now_seconds();
  Tokenizer tok = Tokenizer::load(resolve_tokenizer_path(o.tokenizer));
  double t1 = now_seconds();
  Compression comp = Compression::build(tok);
  double t2 = now_seconds();
  HashConfig cfg = o.config.empty() ? HashConfig::demo_default()
                                    : hash_config_from_json(load_json_file(o.config), o.config);
  int64_t pad = comp.map(cfg.pad_id);
  NgramHasher hasher(cfg, comp.compressed_size(), pad);

  std::vector<int32_t> ids32 = tok.encode(o.text);
  std::vector<int64_t> ids(ids32.begin(), ids32.end()), cids(ids.size());
  comp.map(ids, cids);
  const int64_t T = static_cast<int64_t>(ids.size());
  const int C = hasher.columns();
  std::vector<int64_t> rows(static_cast<size_t>(hasher.n_layers()) * T * C);
  hasher.hash_all(cids, 1, T, rows);
  double t3 = now_seconds();

  const double reduction = 100.0 * (1.0 - static_cast<double>(comp.compressed_size()) / comp.vocab_size());
  if (o.json) {
    Json j;
    j["text"] = o.text;
    j["ids"] = ids;
    j["compressed_ids"] = cids;
    Json tokens = Json::array();
    for (int32_t id : ids32) tokens.push_back(std::string(tok.token(id)));
    j["tokens"] = tokens;
    j["compression"] = {{"vocab_size", comp.vocab_size()},
                        {"compressed_size", comp.compressed_size()},
                        {"reduction_percent", reduction}};
    for (int l = 0; l < hasher.n_layers(); ++l) {
      Json per_t = Json::array();
      for (int64_t t = 0; t < T; ++t) {
        const int64_t* r = rows.data() + (static_cast<size_t>(l) * T + t) * C;
        per_t.push_back(std::vector<int64_t>(r, r + C));
      }
      j["hash_ids"][std::to_string(cfg.layer_ids[l])] = per_t;
    }
    std::printf("%s\n", j.dump().c_str());
    return;
  }
  std::printf("text: %s\n\n", o.text.c_str());
  std::printf("compression: %d token ids -> %d canonical ids (-%.2f%%)\n", comp.vocab_size(),
              comp.compressed_size(), reduction);
  std::printf("hashing: layers");
  for (int id : cfg.layer_ids) std::printf(" %d", id);
  std::printf(", n-grams 2..%d, %d heads each -> %d row ids per token per layer\n\n", cfg.max_ngram_size,
              cfg.n_head_per_ngram, C);
  std::printf("%4s  %-16s %7s %7s", "t", "token", "id", "canon");
  const int show = C < 4 ? C : 4;
  for (int l = 0; l < hasher.n_layers(); ++l) std::printf("   layer %-2d rows (first %d of %d)", cfg.layer_ids[l], show, C);
  std::printf("\n");
  for (int64_t t = 0; t < T; ++t) {
    std::string shown = tok.token_bytes(ids32[t]);
    for (char& c : shown)
      if (c == '\n') c = ' ';
    std::printf("%4lld  %-16s %7d %7lld", static_cast<long long>(t), ("'" + shown + "'").c_str(), ids32[t],
                static_cast<long long>(cids[t]));
    for (int l = 0; l < hasher.n_layers(); ++l) {
      const int64_t* r = rows.data() + (static_cast<size_t>(l) * T + t) * C;
      std::printf("  ");
      for (int c = 0; c < show; ++c) std::printf(" %7lld", static_cast<long long>(r[c]));
      std::printf("    ");
    }
    std::printf("\n");
  }
  std::printf("\ntimings: load tokenizer %.0f ms, build compression %.0f ms, encode+compress+hash %.3f ms\n",
              (t1 - t0) * 1e3, (t2 - t1) * 1e3, (t3 - t2) * 1e3);
}

}  // namespace

void add_pipeline_command(CLI::App& app) {
  auto o = std::make_shared<PipelineOptions>();
  CLI::App* sub = app.add_subcommand(
      "pipeline", "The addressing pipeline on one text: tokens, compressed ids, row ids per Engram layer");
  sub->add_option("--tokenizer", o->tokenizer, "tokenizer.json (default: the cache path from scripts/setup.sh)");
  sub->add_option("--config", o->config, "hashing config JSON with the demo's field names (default: demo config)");
  sub->add_option("--text", o->text, "text to run through the pipeline");
  sub->add_flag("--json", o->json, "machine-readable JSON output");
  sub->callback([o] { run_pipeline(*o); });
}

}  // namespace engram::cli
