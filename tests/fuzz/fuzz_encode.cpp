// libFuzzer target: arbitrary bytes -> encode with the real DeepSeek-V3 tokenizer (loaded
// once from $ENGRAM_TOKENIZER, else the default cache path).
// Contract checked: encode never throws or crashes on any input (invalid UTF-8 is repaired
// to U+FFFD per maximal ill-formed subpart first, see tokenizer.cpp); every id is inside
// the vocabulary; the fast path equals the reference path; and for well-formed UTF-8
// input decode(encode(s)) == s exactly. For ill-formed input, decode(encode(s)) equals the
// repaired text.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/paths.h"
#include "engram/tokenizer.h"
#include "tokenizer/utf8.h"

namespace {

const engram::Tokenizer& tokenizer() {
  static const engram::Tokenizer tok = [] {
    const char* env = std::getenv("ENGRAM_TOKENIZER");
    std::string path = env && *env ? env : engram::default_tokenizer_path();
    return engram::Tokenizer::load(path);
  }();
  return tok;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const engram::Tokenizer& tok = tokenizer();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<int32_t> ids = tok.encode(text);
  for (int32_t id : ids)
    if (id < 0 || id >= tok.size()) __builtin_trap();
  if (tok.encode_reference(text) != ids) __builtin_trap();
  std::string back = tok.decode(ids);
  std::string want = engram::utf8::is_valid(text) ? std::string(text) : engram::utf8::repair_lossy(text);
  if (back != want) {
    std::fprintf(stderr, "round trip mismatch: %zu bytes in, %zu bytes out\n", want.size(), back.size());
    __builtin_trap();
  }
  return 0;
}
