// Shared test helpers: oracle paths, raw little-endian array loading, the tokenizer path.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/json_util.h"

namespace engram::test {

// Directory of the public oracle vectors: ENGRAM_ORACLE env, else the copy vendored in
// tests/data/oracle. Throws Error naming the folder when it does not exist, so a test that
// needs the vectors fails (never skips) without them.
std::string oracle_dir();
// The tokenizer.json used by tests: ENGRAM_TOKENIZER env, else the default cache path.
// Fails the calling test (via exception) with a hint when the file is missing.
std::string tokenizer_path();
// Another tokenizer.json scripts/setup.sh fetches (qwen3, llama3), from the cache; fails
// the calling test (via exception) with a hint when the file is missing.
std::string cached_tokenizer(const std::string& name);
// A path under the build tree for scratch files.
std::string scratch_dir();

// Loads a raw little-endian array file and checks its byte size against `count`.
std::vector<int64_t> load_i64(const std::string& path, size_t count);
std::vector<float> load_f32(const std::string& path, size_t count);
std::vector<double> load_f64(const std::string& path, size_t count);

// Element count of a manifest entry {"file","dtype","shape"}.
size_t shape_count(const Json& entry);

// The message of the engram::Error that fn() throws, or "" when it throws none (tests check
// which field or value an error names).
template <typename Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace engram::test
