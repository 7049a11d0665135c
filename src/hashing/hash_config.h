// HashConfig (include/engram/hash_config.h) to and from nlohmann::json, for the config
// readers inside the library (model configs, table headers, CLI config files).
#pragma once

#include <string>

#include "core/json_util.h"
#include "engram/hash_config.h"

namespace engram {

// See HashConfig::parse for the rules; `where` names the source in errors.
HashConfig hash_config_from_json(const Json& j, const std::string& where);
Json hash_config_to_json(const HashConfig& c);
// The JSON names of the rules ("numpy", "consecutive", "dead_blocks", ...).
const char* hash_rule_name(HashConfig::MultiplierRule r);
const char* hash_rule_name(HashConfig::PrimeRule r);
const char* hash_rule_name(HashConfig::BoundaryRule r);

}  // namespace engram
