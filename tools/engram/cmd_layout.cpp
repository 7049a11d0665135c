// `engram layout`: the table layout of a released model's Engram layers (built-in preset or
// the model's HF config.json): prime sizes, offsets, allocated rows, row bytes, and the
// variant's rules. Reaches below the public API for the presets (hashing/presets.h).
#include <cstdio>
#include <memory>

#include "commands.h"
#include "core/error.h"
#include "core/json_util.h"
#include "hashing/hash_config.h"
#include "hashing/presets.h"
#include "preset_option.h"

namespace engram::cli {

ModelPreset resolve_preset(const std::string& name, const std::string& hf_config) {
  if (name.empty() && hf_config.empty()) throw Error("give --preset NAME or --hf-config config.json");
  if (hf_config.empty()) return builtin_preset(name);
  ModelPreset p = preset_from_hf_config(load_json_file(hf_config), hf_config);
  if (!name.empty()) check_preset_matches(builtin_preset(name), p, hf_config);
  return p;
}

std::string preset_help() {
  std::string s;
  for (const std::string& n : preset_names()) s += (s.empty() ? "" : ", ") + n;
  return s;
}

namespace {

struct LayoutOptions {
  std::string preset, hf_config;
  bool json = false;
};

void run_layout(const LayoutOptions& o) {
  const ModelPreset p = resolve_preset(o.preset, o.hf_config);
  const HashConfig& h = p.hash;
  const Json out = preset_layout_json(p);
  const Json& layers = out.at("layers");
  if (o.json) {
    std::printf("%s\n", out.dump().c_str());
    return;
  }
  std::printf("preset %s: %d layer(s), n-grams 2..%d x %d heads = %d columns, head dim %d, %s rows (%lld B)\n",
              p.name.c_str(), static_cast<int>(h.layer_ids.size()), h.max_ngram_size, h.n_head_per_ngram,
              h.columns(), h.head_dim(), p.row_format.c_str(), static_cast<long long>(p.row_bytes));
  std::printf("rules: multipliers %s, primes %s, boundary %s; vocab %lld%s\n", hash_rule_name(h.multiplier_rule),
              hash_rule_name(h.prime_rule), hash_rule_name(h.boundary), static_cast<long long>(p.vocab_size),
              p.compressed ? " (compressed)" : " (raw ids)");
  for (const Json& l : layers)
    std::printf("layer %lld: %lld rows addressed, %lld allocated, %.2f GiB\n", l["layer_id"].get<long long>(),
                l["rows"].get<long long>(), l["table_rows"].get<long long>(),
                static_cast<double>(l["table_bytes"].get<int64_t>()) / (1024.0 * 1024.0 * 1024.0));
}

}  // namespace

void add_layout_command(CLI::App& app) {
  auto o = std::make_shared<LayoutOptions>();
  CLI::App* cmd = app.add_subcommand(
      "layout", "Table layout of a released model's Engram layers: prime sizes, offsets, rows, row bytes, rules");
  cmd->add_option("--preset", o->preset, "built-in preset: " + preset_help());
  cmd->add_option("--hf-config", o->hf_config,
                  "a model's HF config.json (deepseek_v41 or qwen4_exp); with --preset its fields must agree");
  cmd->add_flag("--json", o->json, "print machine-readable JSON on stdout");
  cmd->callback([o] { run_layout(*o); });
}

}  // namespace engram::cli
