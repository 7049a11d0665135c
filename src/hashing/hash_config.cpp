// HashConfig: demo defaults, JSON reading with field-named errors, validation limits.
#include "hashing/hash_config.h"

#include <climits>
#include <set>

#include "core/error.h"
#include "hashing/primes.h"

namespace engram {

HashConfig HashConfig::demo_default() {
  HashConfig c;
  c.engram_vocab_size = {129280 * 5, 129280 * 5};
  c.max_ngram_size = 3;
  c.n_embed_per_ngram = 512;
  c.n_head_per_ngram = 8;
  c.layer_ids = {1, 15};
  c.pad_id = 2;
  c.seed = 0;
  return c;
}

namespace {

struct RuleName {
  int value;
  const char* name;
};
constexpr RuleName kMultiplierRules[] = {{static_cast<int>(HashConfig::MultiplierRule::kNumpy), "numpy"},
                                         {static_cast<int>(HashConfig::MultiplierRule::kSplitmix64), "splitmix64"}};
constexpr RuleName kPrimeRules[] = {{static_cast<int>(HashConfig::PrimeRule::kUnused), "unused"},
                                    {static_cast<int>(HashConfig::PrimeRule::kConsecutive), "consecutive"}};
constexpr RuleName kBoundaryRules[] = {{static_cast<int>(HashConfig::BoundaryRule::kPad), "pad"},
                                       {static_cast<int>(HashConfig::BoundaryRule::kDeadBlocks), "dead_blocks"},
                                       {static_cast<int>(HashConfig::BoundaryRule::kEosResets), "eos_resets"}};

template <size_t N>
const char* rule_name(const RuleName (&rules)[N], int v) {
  for (const RuleName& r : rules)
    if (r.value == v) return r.name;
  return "?";
}

// A rule field: a JSON string naming one of `rules`; errors list the accepted names.
template <size_t N>
int parse_rule(const Json& v, const RuleName (&rules)[N], const std::string& where) {
  if (!v.is_string()) throw Error(where + ": expected a string, got " + std::string(v.type_name()));
  const std::string s = v.get<std::string>();
  std::string names;
  for (const RuleName& r : rules) {
    if (s == r.name) return r.value;
    names += (names.empty() ? "" : ", ") + std::string(r.name);
  }
  throw Error(where + ": unknown rule '" + s + "' (expected one of: " + names + ")");
}

}  // namespace

// An int field: must be a JSON integer that fits in `int`.
static int json_small_int(const Json& v, const std::string& where) {
  int64_t x = json_int(v, where);
  if (x < INT_MIN || x > INT_MAX) throw Error(where + ": " + std::to_string(x) + " is out of range");
  return static_cast<int>(x);
}

HashConfig hash_config_from_json(const Json& j, const std::string& where) {
  if (!j.is_object()) throw Error(where + ": expected a JSON object with the hash config, got " +
                                  std::string(j.type_name()));
  HashConfig c = HashConfig::demo_default();
  if (const Json* v = json_field_opt(j, "max_ngram_size"))
    c.max_ngram_size = json_small_int(*v, where + ": max_ngram_size");
  if (const Json* v = json_field_opt(j, "n_head_per_ngram"))
    c.n_head_per_ngram = json_small_int(*v, where + ": n_head_per_ngram");
  if (const Json* v = json_field_opt(j, "n_embed_per_ngram")) {
    c.n_embed_per_ngram = json_small_int(*v, where + ": n_embed_per_ngram");
  } else {
    // 64 values per head as in the demo; bounded so a huge head count cannot overflow.
    int64_t e = int64_t{64} * c.n_head_per_ngram;
    c.n_embed_per_ngram = (e > 0 && e <= INT_MAX) ? static_cast<int>(e) : c.n_head_per_ngram;
  }
  if (const Json* v = json_field_opt(j, "engram_vocab_size")) {
    c.engram_vocab_size = json_int_array(*v, where + ": engram_vocab_size");
  } else if (c.max_ngram_size != 3) {
    throw Error(where + ": engram_vocab_size is missing; the demo default has 2 entries but "
                "max_ngram_size " + std::to_string(c.max_ngram_size) + " needs " +
                std::to_string(c.max_ngram_size - 1));
  }
  if (const Json* v = json_field_opt(j, "layer_ids")) {
    std::vector<int64_t> ids = json_int_array(*v, where + ": layer_ids");
    c.layer_ids.clear();
    for (size_t i = 0; i < ids.size(); ++i) {
      if (ids[i] < 0 || ids[i] > HashConfig::kMaxLayerId)
        throw Error(where + ": layer_ids[" + std::to_string(i) + "]: " + std::to_string(ids[i]) +
                    " is outside [0, " + std::to_string(HashConfig::kMaxLayerId) + "]");
      c.layer_ids.push_back(static_cast<int>(ids[i]));
    }
  }
  if (const Json* v = json_field_opt(j, "pad_id")) c.pad_id = json_int(*v, where + ": pad_id");
  if (const Json* v = json_field_opt(j, "seed")) c.seed = json_int(*v, where + ": seed");
  if (const Json* v = json_field_opt(j, "multiplier_rule"))
    c.multiplier_rule = static_cast<HashConfig::MultiplierRule>(parse_rule(*v, kMultiplierRules, where + ": multiplier_rule"));
  if (const Json* v = json_field_opt(j, "prime_rule"))
    c.prime_rule = static_cast<HashConfig::PrimeRule>(parse_rule(*v, kPrimeRules, where + ": prime_rule"));
  if (const Json* v = json_field_opt(j, "boundary"))
    c.boundary = static_cast<HashConfig::BoundaryRule>(parse_rule(*v, kBoundaryRules, where + ": boundary"));
  if (const Json* v = json_field_opt(j, "table_rows_multiple"))
    c.table_rows_multiple = json_int(*v, where + ": table_rows_multiple");
  c.validate(where);
  return c;
}

Json hash_config_to_json(const HashConfig& c) {
  Json j{{"engram_vocab_size", c.engram_vocab_size}, {"max_ngram_size", c.max_ngram_size},
         {"n_embed_per_ngram", c.n_embed_per_ngram}, {"n_head_per_ngram", c.n_head_per_ngram},
         {"layer_ids", c.layer_ids},                 {"pad_id", c.pad_id},
         {"seed", c.seed}};
  // Demo-rule configs keep the demo's exact field set (table headers, CFG.json round trips).
  const HashConfig demo;
  if (c.multiplier_rule != demo.multiplier_rule)
    j["multiplier_rule"] = rule_name(kMultiplierRules, static_cast<int>(c.multiplier_rule));
  if (c.prime_rule != demo.prime_rule) j["prime_rule"] = rule_name(kPrimeRules, static_cast<int>(c.prime_rule));
  if (c.boundary != demo.boundary) j["boundary"] = rule_name(kBoundaryRules, static_cast<int>(c.boundary));
  if (c.table_rows_multiple != demo.table_rows_multiple) j["table_rows_multiple"] = c.table_rows_multiple;
  return j;
}

const char* hash_rule_name(HashConfig::MultiplierRule r) { return rule_name(kMultiplierRules, static_cast<int>(r)); }
const char* hash_rule_name(HashConfig::PrimeRule r) { return rule_name(kPrimeRules, static_cast<int>(r)); }
const char* hash_rule_name(HashConfig::BoundaryRule r) { return rule_name(kBoundaryRules, static_cast<int>(r)); }

HashConfig HashConfig::parse(std::string_view json_text, const std::string& where) {
  return hash_config_from_json(parse_json(std::string(json_text), where), where);
}

HashConfig HashConfig::load(const std::string& path) { return hash_config_from_json(load_json_file(path), path); }

std::string HashConfig::to_json_text() const { return hash_config_to_json(*this).dump(); }

void HashConfig::validate(const std::string& where) const {
  const std::string w = where + ": ";
  if (max_ngram_size < 2 || max_ngram_size > kMaxNgram)
    throw Error(w + "max_ngram_size " + std::to_string(max_ngram_size) + " is outside [2, " +
                std::to_string(kMaxNgram) + "] (n-grams start at n = 2)");
  if (n_head_per_ngram < 1)
    throw Error(w + "n_head_per_ngram " + std::to_string(n_head_per_ngram) +
                " must be at least 1 (no heads means no hash columns)");
  if (n_embed_per_ngram < 1)
    throw Error(w + "n_embed_per_ngram " + std::to_string(n_embed_per_ngram) + " must be at least 1");
  if (n_embed_per_ngram % n_head_per_ngram != 0)
    throw Error(w + "n_embed_per_ngram " + std::to_string(n_embed_per_ngram) +
                " is not divisible by n_head_per_ngram " + std::to_string(n_head_per_ngram) +
                " (each head's row must have the same width)");
  if (engram_vocab_size.size() != static_cast<size_t>(max_ngram_size - 1))
    throw Error(w + "engram_vocab_size has " + std::to_string(engram_vocab_size.size()) +
                " entries; max_ngram_size " + std::to_string(max_ngram_size) + " needs " +
                std::to_string(max_ngram_size - 1) + " (one per n = 2.." +
                std::to_string(max_ngram_size) + ")");
  for (size_t i = 0; i < engram_vocab_size.size(); ++i) {
    int64_t s = engram_vocab_size[i];
    if (s < 2 || s > kMaxTableSize)
      throw Error(w + "engram_vocab_size[" + std::to_string(i) + "] = " + std::to_string(s) +
                  " is outside [2, 2^40] (a table needs at least 2 rows)");
  }
  if (layer_ids.empty()) throw Error(w + "layer_ids is empty (at least one Engram layer is needed)");
  if (layer_ids.size() > static_cast<size_t>(kMaxLayers))
    throw Error(w + "layer_ids has " + std::to_string(layer_ids.size()) + " entries, more than " +
                std::to_string(kMaxLayers));
  std::set<int> seen;
  for (size_t i = 0; i < layer_ids.size(); ++i) {
    int id = layer_ids[i];
    if (id < 0 || id > HashConfig::kMaxLayerId)
      throw Error(w + "layer_ids[" + std::to_string(i) + "]: " + std::to_string(id) +
                  " is outside [0, " + std::to_string(HashConfig::kMaxLayerId) + "]");
    if (!seen.insert(id).second)
      throw Error(w + "layer_ids[" + std::to_string(i) + "]: layer " + std::to_string(id) +
                  " is listed twice");
  }
  int64_t tables = static_cast<int64_t>(layer_ids.size()) * (max_ngram_size - 1) * n_head_per_ngram;
  if (tables > kMaxTables)
    throw Error(w + "len(layer_ids) * (max_ngram_size - 1) * n_head_per_ngram = " +
                std::to_string(tables) + " tables, more than the limit " + std::to_string(kMaxTables));
  if (pad_id < 0) throw Error(w + "pad_id " + std::to_string(pad_id) + " must be a token id >= 0");
  if (table_rows_multiple < 1 || table_rows_multiple > kMaxRowsMultiple)
    throw Error(w + "table_rows_multiple " + std::to_string(table_rows_multiple) + " is outside [1, 2^20]");
  if (prime_rule == PrimeRule::kConsecutive)
    for (size_t i = 1; i < engram_vocab_size.size(); ++i)
      if (engram_vocab_size[i] != engram_vocab_size[0])
        throw Error(w + "engram_vocab_size[" + std::to_string(i) + "] = " + std::to_string(engram_vocab_size[i]) +
                    " differs from engram_vocab_size[0] = " + std::to_string(engram_vocab_size[0]) +
                    " (prime_rule \"consecutive\" counts every table's prime from one base)");
  if (seed < 0)
    throw Error(w + "seed " + std::to_string(seed) +
                " must be >= 0 (numpy's SeedSequence rejects negative seeds)");
}

size_t HashConfig::layer_index(int64_t layer_id) const {
  for (size_t i = 0; i < layer_ids.size(); ++i)
    if (layer_ids[i] == layer_id) return i;
  std::string ids;
  for (int l : layer_ids) ids += (ids.empty() ? "" : ", ") + std::to_string(l);
  throw Error("layer id " + std::to_string(layer_id) + " is not an Engram layer of the config (layer_ids [" + ids + "])");
}

std::vector<std::vector<int64_t>> HashConfig::table_sizes() const {
  if (prime_rule == PrimeRule::kConsecutive)
    return consecutive_table_sizes(engram_vocab_size.at(0), columns(), layer_ids.size());
  return demo_table_sizes(engram_vocab_size, n_head_per_ngram, layer_ids.size());
}

}  // namespace engram
