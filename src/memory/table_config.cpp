// Table layout from a HashConfig (prime head sizes, fingerprint).
#include "memory/table_config.h"


#include "core/error.h"

namespace engram {

std::string table_config_json(const HashConfig& cfg) { return canonical_hash_config(hash_config_to_json(cfg), "hashing config"); }

uint64_t table_config_fingerprint(const HashConfig& cfg) { return config_fingerprint(table_config_json(cfg)); }

TableSpec table_spec_for(const HashConfig& cfg, int64_t layer_id, RowDtype dtype) {
  const size_t index = cfg.layer_index(layer_id);
  const auto sizes = cfg.table_sizes();
  TableSpec s;
  s.layer_id = layer_id;
  s.dtype = dtype;
  s.dim = static_cast<uint32_t>(cfg.head_dim());
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
