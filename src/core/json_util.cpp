#include "core/json_util.h"

#include "core/error.h"
#include "core/file.h"

namespace engram {

Json parse_json(const std::string& text, const std::string& source) {
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& e) {
    throw Error(ErrorCode::kCorruption, source + ": invalid JSON at byte " + std::to_string(e.byte) + ": " + e.what());
  } catch (const Json::exception& e) {
    // e.g. out_of_range for a number literal too large for a double ("1e1111111").
    throw Error(ErrorCode::kCorruption, source + ": invalid JSON: " + e.what());
  }
}

Json load_json_file(const std::string& path) { return parse_json(read_file(path), path); }

const Json& json_field(const Json& obj, const char* key, const std::string& where) {
  if (!obj.is_object()) throw Error(where + ": expected a JSON object");
  auto it = obj.find(key);
  if (it == obj.end()) throw Error(where + ": missing field '" + key + "'");
  return *it;
}

const Json* json_field_opt(const Json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

std::string json_string(const Json& v, const std::string& where) {
  if (!v.is_string()) throw Error(where + ": expected a string, got " + v.type_name());
  return v.get<std::string>();
}

int64_t json_int(const Json& v, const std::string& where) {
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_unsigned()) {
    uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) throw Error(where + ": integer out of int64 range");
    return static_cast<int64_t>(u);
  }
  throw Error(where + ": expected an integer, got " + std::string(v.type_name()) +
              (v.is_number_float() ? " (a float)" : ""));
}

double json_number(const Json& v, const std::string& where) {
  if (!v.is_number()) throw Error(where + ": expected a number, got " + v.type_name());
  return v.get<double>();
}

bool json_bool(const Json& v, const std::string& where) {
  if (!v.is_boolean()) throw Error(where + ": expected true or false, got " + v.type_name());
  return v.get<bool>();
}

std::vector<int64_t> json_int_array(const Json& v, const std::string& where) {
  if (!v.is_array()) throw Error(where + ": expected an array, got " + v.type_name());
  std::vector<int64_t> out;
  out.reserve(v.size());
  for (size_t i = 0; i < v.size(); ++i) out.push_back(json_int(v[i], where + "[" + std::to_string(i) + "]"));
  return out;
}

}  // namespace engram
