#include "core/paths.h"

#include <cstdlib>

#include "core/error.h"
#include "core/file.h"

namespace engram {

std::string cache_dir() {
  if (const char* e = std::getenv("ENGRAM_CACHE"); e && *e) return e;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/engram";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.cache/engram";
}

std::string cached_tokenizer_path(const std::string& name) {
  return cache_dir() + "/tokenizers/" + name + "/tokenizer.json";
}

std::string default_tokenizer_path() { return cached_tokenizer_path("deepseek_v3"); }

std::string resolve_tokenizer_path(const std::string& flag) {
  if (!flag.empty()) {
    if (!file_exists(flag)) throw Error("tokenizer file '" + flag + "' does not exist");
    return flag;
  }
  std::string def = default_tokenizer_path();
  if (!file_exists(def))
    throw Error("no --tokenizer given and the default '" + def +
                "' is missing\n---> HINT: run scripts/setup.sh (it fetches the DeepSeek-V3 tokenizer)");
  return def;
}

}  // namespace engram
