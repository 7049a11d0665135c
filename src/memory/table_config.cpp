// Table layout from a HashConfig (prime head sizes, fingerprint).
#include "memory/table_config.h"

#include <algorithm>

#include "core/error.h"
#include "hashing/primes.h"

namespace engram {

std::string table_config_json(const HashConfig& cfg) { return canonical_hash_config(hash_config_to_json(cfg), "hashing config"); }

uint64_t table_config_fingerprint(const HashConfig& cfg) { return config_fingerprint(table_config_json(cfg)); }

TableSpec table_spec_for(const HashConfig& cfg, int64_t layer_id, RowDtype dtype) {
  auto it = std::find(cfg.layer_ids.begin(), cfg.layer_ids.end(), layer_id);
  if (it == cfg.layer_ids.end()) {
    std::string ids;
    for (int l : cfg.layer_ids) ids += (ids.empty() ? "" : ", ") + std::to_string(l);
    throw Error("layer id " + std::to_string(layer_id) + " is not an Engram layer of the config (layer_ids [" + ids + "])");
  }
  size_t index = static_cast<size_t>(it - cfg.layer_ids.begin());
  // Primes depend on every earlier layer (they are shared), so compute up to this one.
  auto sizes = demo_table_sizes(cfg.engram_vocab_size, cfg.n_head_per_ngram, index + 1);
  TableSpec s;
  s.layer_id = layer_id;
  s.dtype = dtype;
  s.dim = static_cast<uint32_t>(cfg.n_embed_per_ngram / cfg.n_head_per_ngram);
  for (int64_t p : sizes[index]) s.head_rows.push_back(static_cast<uint64_t>(p));
  s.config_json = table_config_json(cfg);
  return s;
}

TableOpenOptions table_open_options_for(const HashConfig& cfg, int64_t layer_id) {
  TableOpenOptions o;
  o.expected_fingerprint = table_config_fingerprint(cfg);
  o.expected_layer_id = layer_id;
  return o;
}

}  // namespace engram
