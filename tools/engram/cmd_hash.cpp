// `engram hash`: raw token ids (IDS.json) or text -> compressed ids -> row ids of every
// Engram layer, with the multipliers and prime table sizes that produced them.
// JSON output: {"multipliers": {layer: [...]}, "table_sizes": {layer: [[n=2 primes], ...]},
// "hash_ids": {layer: [B][T][columns]}, "compressed_ids": [B][T], "input_ids": [B][T],
// "half_bound": ..., ...}, layers keyed by their id as a string.
// With --preset NAME (or --hf-config): a released model's addressing (hashing/presets.h);
// output {"preset", "layers": [{"layer_id", "row_ids": [B][T][columns]}]}, row ids within the
// layer's table (offsets added); -1 in IDS.json marks a DEAD (masked) position.
// Below the public API: prints the multipliers and the hash kernel's raw ids, which
// engram::Addressing hides (hashing/ngram_hash.h is the stage on its own).
#include <algorithm>
#include <cstdio>
#include <memory>

#include "commands.h"
#include "core/error.h"
#include "core/json_util.h"
#include "core/paths.h"
#include "hashing/ngram_hash.h"
#include "hashing/presets.h"
#include "hashing/row_layout.h"
#include "preset_option.h"
#include "engram/compression.h"
#include "engram/tokenizer.h"

namespace engram::cli {
namespace {

struct HashOptions {
  std::string tokenizer;
  std::string config;
  std::string preset, hf_config;
  std::string ids_path;
  std::string text;
  bool json = false;
  bool compressed = false;
  bool decode = false;
  int64_t pad = -1;  // -1: the preset's
};

// IDS.json: a [B][T] array of integers with equal rows. Errors name the row or [b][t].
std::vector<int64_t> read_ids_file(const std::string& path, int64_t& B, int64_t& T) {
  Json j = load_json_file(path);
  if (!j.is_array()) throw Error(path + ": expected a [B][T] array of token ids, got " + std::string(j.type_name()));
  B = static_cast<int64_t>(j.size());
  T = 0;
  std::vector<int64_t> ids;
  for (int64_t b = 0; b < B; ++b) {
    const Json& row = j[b];
    const std::string where = path + ": row [" + std::to_string(b) + "]";
    if (!row.is_array()) throw Error(where + ": expected an array of token ids, got " + std::string(row.type_name()));
    if (b == 0) T = static_cast<int64_t>(row.size());
    if (static_cast<int64_t>(row.size()) != T)
      throw Error(where + " has " + std::to_string(row.size()) + " ids but row [0] has " + std::to_string(T) +
                  " (a [B][T] array needs rows of equal length)");
    for (int64_t t = 0; t < T; ++t)
      ids.push_back(json_int(row[t], path + ": [" + std::to_string(b) + "][" + std::to_string(t) + "]"));
  }
  return ids;
}

// A released model's row ids: ids checked (DEAD = -1 allowed where the variant has one),
// compressed when the model compresses and the ids are raw, hashed in batch or token by token.
void run_preset_hash(const HashOptions& o) {
  const ModelPreset p = resolve_preset(o.preset, o.hf_config);
  const HashConfig& cfg = p.hash;
  const bool has_dead = cfg.boundary != HashConfig::BoundaryRule::kPad;
  int64_t B = 1, T = 0;
  std::vector<int64_t> ids;
  std::string source;
  std::unique_ptr<Tokenizer> tok;
  auto tokenizer = [&]() -> const Tokenizer& {
    if (!tok) tok = std::make_unique<Tokenizer>(Tokenizer::load(resolve_tokenizer_path(o.tokenizer)));
    return *tok;
  };
  if (!o.ids_path.empty()) {
    ids = read_ids_file(o.ids_path, B, T);
    source = o.ids_path;
  } else {
    if (!p.compressed && o.tokenizer.empty())
      throw Error("hash: --text with preset " + p.name + " needs --tokenizer (the model's own tokenizer.json)");
    for (int32_t id : tokenizer().encode(o.text, false)) ids.push_back(id);
    T = static_cast<int64_t>(ids.size());
    source = "--text";
  }
  if (!p.compressed && o.pad >= 0)
    throw Error("hash: --pad does not apply to preset " + p.name + ": its lookbacks read the EOS id " +
                std::to_string(cfg.pad_id));
  // The vocabulary the ids must lie in, and the compressed (canonical) pad id.
  int64_t vocab = p.vocab_size, hash_vocab = p.compressed_vocab_size, pad = cfg.pad_id;
  std::vector<int32_t> lookup;
  if (p.compressed && !o.compressed) {
    Compression comp = Compression::build(tokenizer());
    if (p.compressed_vocab_size > 0 && comp.compressed_size() != p.compressed_vocab_size)
      throw Error("hash: the tokenizer compresses to " + std::to_string(comp.compressed_size()) + " ids but preset " +
                  p.name + " needs " + std::to_string(p.compressed_vocab_size) +
                  " (its multipliers derive from that size: use the model's own tokenizer, or pass canonical ids "
                  "with --compressed)");
    vocab = comp.vocab_size();
    hash_vocab = comp.compressed_size();
    if (cfg.pad_id >= vocab)
      throw Error("hash: pad id " + std::to_string(cfg.pad_id) + " is outside the tokenizer vocabulary");
    pad = comp.map(cfg.pad_id);
    lookup = comp.lookup();
  } else if (p.compressed) {
    if (hash_vocab <= 0) {  // the demo: its compressed size is the tokenizer's
      hash_vocab = Compression::build(tokenizer()).compressed_size();
    }
    vocab = hash_vocab;
    if (o.pad >= 0) pad = o.pad;
    if (pad >= hash_vocab)
      throw Error("hash: --pad " + std::to_string(pad) + " is outside the compressed vocabulary [0, " +
                  std::to_string(hash_vocab) + ")");
  }
  for (int64_t i = 0; i < B * T; ++i) {
    const int64_t v = ids[i];
    if (v == HashConfig::kDeadId && has_dead) continue;
    if (v < 0 || v >= vocab)
      throw Error(source + ": id " + std::to_string(v) + " at [" + std::to_string(i / T) + "][" +
                  std::to_string(i % T) + "] is outside the " + (o.compressed ? "compressed " : "") + "vocabulary [0, " +
                  std::to_string(vocab) + ")" + (has_dead ? " (-1 marks a DEAD position)" : ""));
    if (!lookup.empty()) ids[i] = lookup[v];
  }

  NgramHasher h(cfg, hash_vocab, pad);
  const int L = h.n_layers(), C = h.columns();
  std::vector<int64_t> rows(static_cast<size_t>(L) * B * T * C);
  if (o.decode) {
    IncrementalHasher inc(h);
    std::vector<int64_t> step(static_cast<size_t>(L) * C);
    for (int64_t b = 0; b < B; ++b) {
      inc.reset();
      for (int64_t t = 0; t < T; ++t) {
        inc.append(ids[b * T + t], step);
        for (int l = 0; l < L; ++l)
          std::copy(step.begin() + l * C, step.begin() + (l + 1) * C,
                    rows.begin() + ((static_cast<int64_t>(l) * B + b) * T + t) * C);
      }
    }
  } else {
    h.hash_all(ids, B, T, rows);
  }
  Json layers = Json::array();
  for (int l = 0; l < L; ++l) {
    // Offsets added through the one local -> global conversion (row_layout.h).
    const auto sizes = h.table_sizes(l);
    std::vector<int64_t> off(C);
    for (int c = 1; c < C; ++c) off[c] = off[c - 1] + sizes[c - 1];
    const size_t layer_cells = static_cast<size_t>(B * T * C);
    std::vector<int64_t> global(layer_cells);
    to_global_rows(std::span<const int64_t>(rows.data() + l * layer_cells, layer_cells), sizes,
                   std::span<const int64_t>(off), global.data(), [&](size_t pos, size_t c, int64_t v) {
                     throw Error("hash: position " + std::to_string(pos) + " column " + std::to_string(c) + ": row " +
                                 std::to_string(v) + " is outside its table");
                   });
    Json hb = Json::array();
    for (int64_t b = 0; b < B; ++b) {
      Json ht = Json::array();
      for (int64_t t = 0; t < T; ++t) {
        const int64_t* g = global.data() + (b * T + t) * C;
        ht.push_back(std::vector<int64_t>(g, g + C));
      }
      hb.push_back(std::move(ht));
    }
    layers.push_back(Json{{"layer_id", cfg.layer_ids[l]}, {"row_ids", std::move(hb)}});
  }
  if (o.json) {
    Json out{{"preset", p.name}, {"pad_id", pad}, {"layers", std::move(layers)}};
    std::printf("%s\n", out.dump().c_str());
    return;
  }
  std::printf("preset %s: B=%lld, T=%lld, %d columns per layer, pad/EOS id %lld (%s)\n", p.name.c_str(),
              static_cast<long long>(B), static_cast<long long>(T), C, static_cast<long long>(pad),
              o.decode ? "token by token" : "batch");
  const int64_t shown = std::min<int64_t>(B * T, 32);
  for (int64_t i = 0; i < shown; ++i)
    for (int l = 0; l < L; ++l) {
      std::printf("[%lld][%lld] layer %d:", static_cast<long long>(i / T), static_cast<long long>(i % T),
                  cfg.layer_ids[l]);
      for (const Json& v : layers[l]["row_ids"][i / T][i % T]) std::printf(" %lld", v.get<long long>());
      std::printf("\n");
    }
  if (B * T > shown)
    std::printf("... %lld more positions (use --json for all)\n", static_cast<long long>(B * T - shown));
}

void run_hash(const HashOptions& o) {
  if (o.ids_path.empty() == o.text.empty()) throw Error("hash: give exactly one of --ids IDS.json or --text S");
  if (!o.preset.empty() || !o.hf_config.empty()) {
    if (!o.config.empty()) throw Error("hash: give --config or --preset/--hf-config, not both");
    run_preset_hash(o);
    return;
  }
  if (o.config.empty()) throw Error("hash: give --config CFG.json or --preset NAME");
  if (o.compressed || o.decode || o.pad >= 0)
    throw Error("hash: --compressed, --decode and --pad go with --preset (or --hf-config)");
  HashConfig cfg = hash_config_from_json(load_json_file(o.config), o.config);
  Tokenizer tok = Tokenizer::load(resolve_tokenizer_path(o.tokenizer));
  Compression comp = Compression::build(tok);
  const int64_t vocab = comp.vocab_size();
  if (cfg.pad_id >= vocab)
    throw Error(o.config + ": pad_id " + std::to_string(cfg.pad_id) + " is outside the tokenizer vocabulary [0, " +
                std::to_string(vocab) + ")");
  const int64_t pad = comp.map(cfg.pad_id);

  int64_t B = 1, T = 0;
  std::vector<int64_t> raw;
  std::string source;
  if (!o.ids_path.empty()) {
    raw = read_ids_file(o.ids_path, B, T);
    source = o.ids_path;
  } else {
    for (int32_t id : tok.encode(o.text, false)) raw.push_back(id);
    T = static_cast<int64_t>(raw.size());
    source = "--text";
  }
  // Compress, rejecting ids outside the vocabulary (never clamped) with their position.
  const std::vector<int32_t>& lookup = comp.lookup();
  std::vector<int64_t> ids(raw.size());
  for (int64_t i = 0; i < B * T; ++i) {
    if (raw[i] < 0 || raw[i] >= vocab)
      throw Error(source + ": id " + std::to_string(raw[i]) + " at [" + std::to_string(i / T) + "][" +
                  std::to_string(i % T) + "] is outside the tokenizer vocabulary [0, " + std::to_string(vocab) +
                  ") (padding rows of a model's embedding are not tokens)");
    ids[i] = lookup[raw[i]];
  }

  NgramHasher h(cfg, comp.compressed_size(), pad);
  const int L = h.n_layers(), C = h.columns(), K = cfg.n_head_per_ngram;
  std::vector<int64_t> rows(static_cast<size_t>(L) * B * T * C);
  h.hash_all(ids, B, T, rows);

  if (o.json) {
    Json out;
    out["half_bound"] = h.half_bound();
    out["compressed_vocab_size"] = comp.compressed_size();
    out["compressed_pad_id"] = pad;
    out["layer_ids"] = cfg.layer_ids;
    auto grid = [&](const int64_t* p) {
      Json a = Json::array();
      for (int64_t b = 0; b < B; ++b) a.push_back(std::vector<int64_t>(p + b * T, p + (b + 1) * T));
      return a;
    };
    out["input_ids"] = grid(raw.data());
    out["compressed_ids"] = grid(ids.data());
    Json mult = Json::object(), sizes = Json::object(), hashes = Json::object();
    for (int l = 0; l < L; ++l) {
      const std::string key = std::to_string(cfg.layer_ids[l]);
      auto m = h.multipliers(l);
      mult[key] = std::vector<int64_t>(m.begin(), m.end());
      auto s = h.table_sizes(l);
      Json per_n = Json::array();
      for (int n = 0; n + 1 < cfg.max_ngram_size; ++n)
        per_n.push_back(std::vector<int64_t>(s.begin() + n * K, s.begin() + (n + 1) * K));
      sizes[key] = per_n;
      Json hb = Json::array();
      for (int64_t b = 0; b < B; ++b) {
        Json ht = Json::array();
        for (int64_t t = 0; t < T; ++t) {
          const int64_t* r = rows.data() + ((static_cast<int64_t>(l) * B + b) * T + t) * C;
          ht.push_back(std::vector<int64_t>(r, r + C));
        }
        hb.push_back(std::move(ht));
      }
      hashes[key] = std::move(hb);
    }
    out["multipliers"] = std::move(mult);
    out["table_sizes"] = std::move(sizes);
    out["hash_ids"] = std::move(hashes);
    std::printf("%s\n", out.dump().c_str());
    return;
  }

  std::printf("config: N=%d, %d heads per n-gram, %d columns per layer, seed %lld, pad id %lld -> %lld\n",
              cfg.max_ngram_size, K, C, static_cast<long long>(cfg.seed), static_cast<long long>(cfg.pad_id),
              static_cast<long long>(pad));
  std::printf("compressed vocabulary %d (from %lld ids), half_bound %lld\n", comp.compressed_size(),
              static_cast<long long>(vocab), static_cast<long long>(h.half_bound()));
  for (int l = 0; l < L; ++l) {
    std::printf("layer %d: multipliers", cfg.layer_ids[l]);
    for (int64_t m : h.multipliers(l)) std::printf(" %lld", static_cast<long long>(m));
    std::printf("\n");
    auto s = h.table_sizes(l);
    for (int n = 0; n + 1 < cfg.max_ngram_size; ++n) {
      std::printf("  %d-gram table sizes:", n + 2);
      for (int k = 0; k < K; ++k) std::printf(" %lld", static_cast<long long>(s[n * K + k]));
      std::printf("\n");
    }
  }
  std::printf("row ids (B=%lld, T=%lld), per position: raw id -> compressed id, then each layer's columns\n",
              static_cast<long long>(B), static_cast<long long>(T));
  const int64_t shown = std::min<int64_t>(B * T, 64);
  for (int64_t i = 0; i < shown; ++i) {
    std::printf("[%lld][%lld] %lld -> %lld\n", static_cast<long long>(i / T), static_cast<long long>(i % T),
                static_cast<long long>(raw[i]), static_cast<long long>(ids[i]));
    for (int l = 0; l < L; ++l) {
      std::printf("    layer %d:", cfg.layer_ids[l]);
      const int64_t* r = rows.data() + (static_cast<int64_t>(l) * B * T + i) * C;
      for (int c = 0; c < C; ++c) std::printf(" %lld", static_cast<long long>(r[c]));
      std::printf("\n");
    }
  }
  if (B * T > shown)
    std::printf("... %lld more positions (use --json for all)\n", static_cast<long long>(B * T - shown));
}

}  // namespace

void add_hash_command(CLI::App& app) {
  auto o = std::make_shared<HashOptions>();
  CLI::App* cmd = app.add_subcommand(
      "hash", "Row ids of every Engram layer for raw token ids or text: compression, then the demo's "
              "multi-head n-gram hash (bit-exact with deepseek-ai/Engram)");
  cmd->add_option("--tokenizer", o->tokenizer,
                  "tokenizer.json (default: the DeepSeek-V3 file fetched by scripts/setup.sh)");
  cmd->add_option("--config", o->config,
                  "CFG.json with the demo's field names: engram_vocab_size, max_ngram_size, n_embed_per_ngram, "
                  "n_head_per_ngram, layer_ids, pad_id, seed (missing fields take the demo defaults)");
  cmd->add_option("--preset", o->preset, "a released model's addressing instead of --config: " + preset_help());
  cmd->add_option("--hf-config", o->hf_config,
                  "a model's HF config.json (deepseek_v41, qwen4_exp); with --preset its fields must agree");
  cmd->add_flag("--compressed", o->compressed,
                "with --preset: IDS.json holds canonical (compressed) ids already; -1 marks a DEAD position");
  cmd->add_option("--pad", o->pad,
                  "with --preset --compressed: the canonical pad id (default: the preset's pad id, 2 for "
                  "deepseek-v4.1, which DeepSeek's compression maps to itself)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--decode", o->decode, "with --preset: hash token by token as in decoding (same row ids)");
  CLI::Option* ids = cmd->add_option("--ids", o->ids_path, "IDS.json: a [B][T] array of token ids");
  CLI::Option* text = cmd->add_option("--text", o->text, "text to tokenize (no BOS), hashed as B=1");
  ids->excludes(text);
  cmd->add_flag("--json", o->json, "print machine-readable JSON on stdout");
  cmd->callback([o] { run_hash(*o); });
}

}  // namespace engram::cli
