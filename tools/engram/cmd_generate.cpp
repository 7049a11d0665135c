// `engram generate` (streamed sampling from a checkpoint) and `engram gates` (per-token
// Engram gate values rendered as an HTML and SVG heatmap, like the paper's case study, or
// the mean gate over a held-out split by n-gram training frequency: train/gate_frequency.h).
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "commands.h"
#include "core/error.h"
#include "core/file.h"
#include "core/json_util.h"
#include "engram/generate.h"
#include "train/gate_frequency.h"

namespace engram::cli {

namespace {

std::string html_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '&') o += "&amp;";
    else if (c == '"') o += "&quot;";
    else if (c == '\n') o += "\u21b5";
    else o += c;
  }
  return o;
}

// White (gate 0) to deep red (gate 1).
std::string heat(float g) {
  g = std::min(1.0f, std::max(0.0f, g));
  char b[32];
  std::snprintf(b, sizeof b, "rgb(255,%d,%d)", static_cast<int>(255 - 200 * g), static_cast<int>(255 - 230 * g));
  return b;
}

void write_gates(const serve::GateTrace& g, const std::string& dir, const std::string& title) {
  std::filesystem::create_directories(dir);
  std::string html = "<!doctype html><meta charset=\"utf-8\"><title>Engram gates</title>"
                     "<style>body{font-family:sans-serif;max-width:70em}span.t{padding:2px 1px;margin:1px;"
                     "border-radius:3px;white-space:pre;font-family:monospace}</style>\n<h2>" +
                     html_escape(title) + "</h2>\n";
  for (size_t l = 0; l < g.layer_ids.size(); ++l) {
    html += "<h3>Engram layer " + std::to_string(g.layer_ids[l]) + "</h3><p>";
    for (size_t t = 0; t < g.tokens.size(); ++t) {
      char tip[32];
      std::snprintf(tip, sizeof tip, "%.3f", g.gates[l][t]);
      html += "<span class=\"t\" title=\"gate " + std::string(tip) + "\" style=\"background:" + heat(g.gates[l][t]) +
              "\">" + html_escape(g.tokens[t]) + "</span>";
    }
    html += "</p>\n";
  }
  html += "<p>Colour: gate value from 0 (white) to 1 (red). Hover a token for its value.</p>\n";
  write_file_atomic(dir + "/gates.html", html);

  const int cw = 34, ch = 30, left = 80, top = 40, bottom = 110;
  const int W = left + cw * static_cast<int>(g.tokens.size()) + 20;
  const int H = top + ch * static_cast<int>(g.layer_ids.size()) + bottom;
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(W) + "\" height=\"" +
                    std::to_string(H) + "\" font-family=\"sans-serif\" font-size=\"11\">\n" +
                    "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"" + std::to_string(left) +
                    "\" y=\"22\" font-size=\"14\">" + html_escape(title) + "</text>\n";
  for (size_t l = 0; l < g.layer_ids.size(); ++l) {
    const int y = top + ch * static_cast<int>(l);
    svg += "<text x=\"6\" y=\"" + std::to_string(y + 19) + "\">layer " + std::to_string(g.layer_ids[l]) + "</text>\n";
    for (size_t t = 0; t < g.tokens.size(); ++t) {
      const int x = left + cw * static_cast<int>(t);
      char v[16];
      std::snprintf(v, sizeof v, "%.2f", g.gates[l][t]);
      svg += "<rect x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(y) + "\" width=\"" + std::to_string(cw - 2) +
             "\" height=\"" + std::to_string(ch - 2) + "\" fill=\"" + heat(g.gates[l][t]) + "\"><title>" + v +
             "</title></rect>\n<text x=\"" + std::to_string(x + 3) + "\" y=\"" + std::to_string(y + 18) +
             "\" font-size=\"9\">" + v + "</text>\n";
    }
  }
  const int ly = top + ch * static_cast<int>(g.layer_ids.size()) + 8;
  for (size_t t = 0; t < g.tokens.size(); ++t) {
    const int x = left + cw * static_cast<int>(t) + 12;
    svg += "<text transform=\"translate(" + std::to_string(x) + "," + std::to_string(ly) +
           ") rotate(60)\" font-family=\"monospace\">" + html_escape(g.tokens[t]) + "</text>\n";
  }
  svg += "</svg>\n";
  write_file_atomic(dir + "/gates.svg", svg);
}

}  // namespace

void add_generate_commands(CLI::App& app) {
  struct Flags {
    std::string checkpoint, tokenizer;
    std::vector<std::string> prompts;
    int64_t max_tokens = 64;
    serve::SampleOptions s;
    serve::TierOptions tier;
    bool no_prefetch = false;
    bool json = false;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* g = app.add_subcommand("generate", "Generate text from a checkpoint, streamed as it is produced");
  g->add_option("--checkpoint", f->checkpoint, "checkpoint.safetensors written by `engram train`")->required();
  g->add_option("--prompt", f->prompts, "prompt text (repeat for batched generation of several sequences)")
      ->required();
  g->add_option("--tokenizer", f->tokenizer, "tokenizer.json (default: the cache path)");
  g->add_option("--max-tokens", f->max_tokens, "tokens to generate per sequence")->capture_default_str();
  g->add_flag("--greedy", f->s.greedy, "always take the most likely token");
  g->add_option("--temperature", f->s.temperature, "sampling temperature")->capture_default_str();
  g->add_option("--top-k", f->s.top_k, "keep the k most likely tokens (0: all)")->capture_default_str();
  g->add_option("--top-p", f->s.top_p, "nucleus: keep the smallest set with this much probability")
      ->capture_default_str();
  g->add_option("--seed", f->s.seed, "sampling seed")->capture_default_str();
  // The same flag names as `engram train` (--tables, --table-cache-mb); --cache-mb is
  // the older spelling, kept so existing scripts run.
  g->add_option("--tables", f->tier.kind,
                "where Engram rows come from: model (the checkpoint's tensor), or a memory-tier store over a "
                "table file exported beside the checkpoint: ram, mmap, pread, ssd (io_uring O_DIRECT)")
      ->capture_default_str();
  g->add_option("--table-cache-mb,--cache-mb", f->tier.cache_mb,
                "hot-row cache (TinyLFU) in front of the ssd store, MiB; 0: none")
      ->capture_default_str();
  g->add_flag("--no-prefetch", f->no_prefetch, "gather rows when the Engram layer is reached instead of ahead");
  g->add_flag("--json", f->json, "print the texts and statistics as JSON at the end instead of streaming");
  g->callback([f] {
    f->tier.prefetch = !f->no_prefetch;
    serve::Generator gen(f->checkpoint, f->tokenizer, f->tier);
    std::vector<std::string> texts(f->prompts.size());
    const bool stream = !f->json && f->prompts.size() == 1;
    if (stream) {
      std::printf("%s", f->prompts[0].c_str());
      std::fflush(stdout);
    }
    auto st = gen.generate(f->prompts, f->max_tokens, f->s, [&](size_t i, const std::string& piece) {
      texts[i] += piece;
      if (stream) {
        std::printf("%s", piece.c_str());
        std::fflush(stdout);
      }
    });
    if (f->json) {
      Json j = {{"texts", texts},
                {"prompt_tokens", st.prompt_tokens},
                {"generated_tokens", st.generated_tokens},
                {"prefill_s", st.prefill_seconds},
                {"decode_s", st.decode_seconds},
                {"decode_tokens_per_s", st.decode_tokens_per_s()},
                {"tables", st.tables},
                {"table_wait_s", st.table_wait_seconds},
                {"table_hit_rate", st.table_hit_rate}};
      std::printf("%s\n", j.dump().c_str());
      return;
    }
    if (!stream)
      for (size_t i = 0; i < texts.size(); ++i) std::printf("[%zu] %s%s\n", i, f->prompts[i].c_str(), texts[i].c_str());
    std::printf("\n-- %lld prompt tokens, %lld generated in %.3f s (%.1f tokens/s decode, prefill %.3f s)\n",
                static_cast<long long>(st.prompt_tokens), static_cast<long long>(st.generated_tokens),
                st.decode_seconds, st.decode_tokens_per_s(), st.prefill_seconds);
    std::printf("-- %s; waited %.3f s for rows", st.tables.c_str(), st.table_wait_seconds);
    if (st.table_hit_rate >= 0) std::printf("; cache hit rate %.1f%%", 100 * st.table_hit_rate);
    std::printf("\n");
  });

  struct GateFlags {
    std::string checkpoint, tokenizer, text, data, out = "out/gates";
    double heldout = 0.05;
    int64_t rare_max = 9;
    bool json = false;
  };
  auto gf = std::make_shared<GateFlags>();
  CLI::App* gc = app.add_subcommand(
      "gates",
      "Per-token Engram gate values of a text, as an HTML and SVG heatmap; or (--data) the mean gate over a corpus's "
      "held-out split by how often each n-gram was seen in training");
  gc->add_option("--checkpoint", gf->checkpoint, "checkpoint of a model with Engram layers")->required();
  CLI::Option* text = gc->add_option("--text", gf->text, "text to analyse");
  CLI::Option* data = gc->add_option(
      "--data", gf->data,
      "corpus the checkpoint was trained on: mean gate over every held-out window, by the training count of the "
      "n-gram ending at each position (never / rare / often)");
  text->excludes(data);
  data->excludes(text);
  gc->add_option("--heldout", gf->heldout, "held-out fraction of --data (the training run's)")->capture_default_str();
  gc->add_option("--rare-max", gf->rare_max, "with --data: counts 1..N are 'rare', above N 'often'")
      ->capture_default_str();
  gc->add_option("--tokenizer", gf->tokenizer, "tokenizer.json (default: the cache path)");
  gc->add_option("--out", gf->out, "output folder for gates.html and gates.svg")->capture_default_str();
  gc->add_flag("--json", gf->json, "also print the gate values as JSON");
  gc->callback([gf] {
    if (!gf->data.empty()) {
      const train::GateFrequency r =
          train::gate_frequency(gf->checkpoint, gf->data, gf->tokenizer, gf->heldout, gf->rare_max);
      Json buckets = Json::array();
      for (const auto& b : r.buckets) {
        Json g = Json::array();
        for (double v : b.mean_gate) g.push_back(std::isnan(v) ? Json(nullptr) : Json(v));
        buckets.push_back({{"name", b.name}, {"min_count", b.min_count}, {"max_count", b.max_count},
                           {"positions", b.positions}, {"mean_gate", g}});
      }
      if (gf->json) {
        std::printf("%s\n", Json({{"layer_ids", r.layer_ids}, {"ngram", r.ngram}, {"train_tokens", r.train_tokens},
                                  {"distinct_train_ngrams", r.distinct_train_ngrams},
                                  {"heldout_positions", r.heldout_positions}, {"buckets", buckets}})
                                .dump()
                                .c_str());
        return;
      }
      std::printf("%d-grams of the held-out split by their count in the %lld training tokens (%lld distinct)\n",
                  r.ngram, static_cast<long long>(r.train_tokens), static_cast<long long>(r.distinct_train_ngrams));
      for (const auto& b : r.buckets) {
        std::printf("  %-6s %9lld positions  mean gate", b.name.c_str(), static_cast<long long>(b.positions));
        for (size_t l = 0; l < r.layer_ids.size(); ++l) std::printf("  layer %d %.4f", r.layer_ids[l], b.mean_gate[l]);
        std::printf("\n");
      }
      return;
    }
    if (gf->text.empty()) throw Error("gates: give --text or --data");
    serve::Generator gen(gf->checkpoint, gf->tokenizer);
    serve::GateTrace g = gen.gates(gf->text);
    write_gates(g, gf->out, "Engram gates: " + gf->text);
    if (gf->json) {
      Json j = {{"tokens", g.tokens}, {"layer_ids", g.layer_ids}, {"gates", g.gates}};
      std::printf("%s\n", j.dump().c_str());
    } else {
      for (size_t l = 0; l < g.layer_ids.size(); ++l) {
        std::printf("layer %d:", g.layer_ids[l]);
        for (size_t t = 0; t < g.tokens.size(); ++t) std::printf(" %s=%.2f", g.tokens[t].c_str(), g.gates[l][t]);
        std::printf("\n");
      }
    }
    std::printf("wrote %s/gates.html and %s/gates.svg\n", gf->out.c_str(), gf->out.c_str());
  });
}

}  // namespace engram::cli
