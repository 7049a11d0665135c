// Strict accessors over nlohmann::json that turn a missing or mistyped field into an
// engram::Error naming the source and the field path ("cfg.json: layer_ids[2]: ...").
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace engram {

using Json = nlohmann::json;

// Parses text as JSON; the error names `source` and the byte offset.
Json parse_json(const std::string& text, const std::string& source);
Json load_json_file(const std::string& path);

// Field access: `where` is the path used in messages (e.g. "tokenizer.json: model").
const Json& json_field(const Json& obj, const char* key, const std::string& where);
const Json* json_field_opt(const Json& obj, const char* key);
std::string json_string(const Json& v, const std::string& where);
int64_t json_int(const Json& v, const std::string& where);
double json_number(const Json& v, const std::string& where);
bool json_bool(const Json& v, const std::string& where);
std::vector<int64_t> json_int_array(const Json& v, const std::string& where);

}  // namespace engram
