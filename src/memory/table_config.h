// The bridge between the hashing config and table files: the table layout a HashConfig
// implies for one Engram layer (one head per hash column, each with its prime row count),
// and the open options that refuse a table built for another config.
// Pure functions; thread-safe. Errors (layer not in the config) are engram::Error.
#pragma once

#include <cstdint>

#include "hashing/hash_config.h"
#include "memory/table_file.h"
#include "memory/table_format.h"

namespace engram {

// Canonical config text (FORMAT.md) and its fingerprint.
std::string table_config_json(const HashConfig& cfg);
uint64_t table_config_fingerprint(const HashConfig& cfg);

// Spec of the table for `layer_id`: head rows = the demo's prime table sizes of that layer,
// dim = n_embed_per_ngram / n_head_per_ngram.
TableSpec table_spec_for(const HashConfig& cfg, int64_t layer_id, RowDtype dtype);

// Open options that check the fingerprint and the layer.
TableOpenOptions table_open_options_for(const HashConfig& cfg, int64_t layer_id);

}  // namespace engram
