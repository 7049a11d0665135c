#include "test_util.h"

#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "core/error.h"
#include "core/file.h"
#include "core/paths.h"

namespace engram::test {

std::string oracle_dir() {
  const char* e = std::getenv("ENGRAM_ORACLE");
  std::string d = e && *e ? e : ENGRAM_ORACLE_DIR;
  if (!std::filesystem::is_directory(d))
    throw Error("oracle vectors not found at '" + d + "': the tests read the copy vendored in tests/data/oracle " +
                "(tests/data/README.md, scripts/vendor_oracle.sh); ENGRAM_ORACLE names another copy");
  return d;
}

std::string tokenizer_path() {
  if (const char* e = std::getenv("ENGRAM_TOKENIZER"); e && *e) return e;
  std::string p = default_tokenizer_path();
  if (!file_exists(p)) throw Error("test tokenizer '" + p + "' missing: run scripts/setup.sh");
  return p;
}

std::string cached_tokenizer(const std::string& name) {
  std::string p = cached_tokenizer_path(name);
  if (!file_exists(p)) throw Error("test tokenizer '" + p + "' missing: run scripts/setup.sh");
  return p;
}

std::string scratch_dir() {
  std::string d = std::string(ENGRAM_BINARY_DIR) + "/test_scratch";
  std::filesystem::create_directories(d);
  return d;
}

template <typename T>
static std::vector<T> load_raw(const std::string& path, size_t count) {
  std::string bytes = read_file(path);
  if (bytes.size() != count * sizeof(T))
    throw Error(path + ": expected " + std::to_string(count * sizeof(T)) + " bytes, found " +
                std::to_string(bytes.size()));
  std::vector<T> out(count);
  std::memcpy(out.data(), bytes.data(), bytes.size());
  return out;
}

std::vector<int64_t> load_i64(const std::string& p, size_t n) { return load_raw<int64_t>(p, n); }
std::vector<float> load_f32(const std::string& p, size_t n) { return load_raw<float>(p, n); }
std::vector<double> load_f64(const std::string& p, size_t n) { return load_raw<double>(p, n); }

size_t shape_count(const Json& entry) {
  size_t n = 1;
  for (const auto& d : entry.at("shape")) n *= d.get<size_t>();
  return n;
}

}  // namespace engram::test
