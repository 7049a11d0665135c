// libFuzzer target: arbitrary ids -> decode with the real DeepSeek-V3 tokenizer (loaded
// once from $ENGRAM_TOKENIZER, else the default cache path). The input is read as
// little-endian int32 ids; the first byte picks how: raw ids (any value, most out of
// range), or ids folded into the vocabulary, or folded into the added (special) tokens.
// Contract checked: decode throws engram::Error exactly when some id is outside
// [0, size()) or falls in a gap of the id space (token_bytes throws for it too); otherwise
// it returns the concatenated token bytes, repaired to U+FFFD per maximal ill-formed
// subpart when they are not UTF-8, and that text is valid UTF-8 that encodes and decodes
// back to itself.
// Seeds: tests/fuzz/corpus/fuzz_decode/.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/paths.h"
#include "fuzz_util.h"
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
  using namespace engram;
  const Tokenizer& tok = tokenizer();
  if (size == 0) return 0;
  const int mode = data[0] % 3;
  const int32_t V = tok.size();
  // DeepSeek-V3's added tokens sit at the top of the id space (from 128000).
  const int32_t added_from = V > 128000 ? 128000 : 0;
  std::vector<int32_t> ids;
  for (size_t off = 1; off < size && ids.size() < 4096; off += 4) {
    int32_t v = static_cast<int32_t>(fuzz::read_le<uint32_t>(data, size, off));
    if (mode == 1) v = static_cast<int32_t>(static_cast<uint32_t>(v) % static_cast<uint32_t>(V));
    if (mode == 2) v = added_from + static_cast<int32_t>(static_cast<uint32_t>(v) % static_cast<uint32_t>(V - added_from));
    ids.push_back(v);
  }
  bool all_valid = true;
  std::string concat;
  for (int32_t id : ids) {
    try {
      concat += tok.token_bytes(id);  // throws for an id out of range or a gap in the id space
    } catch (const Error&) {
      all_valid = false;
    }
  }
  std::string text;
  try {
    text = tok.decode(ids);
  } catch (const Error&) {
    if (all_valid) __builtin_trap();
    return 0;
  }
  if (!all_valid) __builtin_trap();
  const std::string want = utf8::is_valid(concat) ? concat : utf8::repair_lossy(concat);
  if (text != want || !utf8::is_valid(text)) __builtin_trap();
  if (tok.decode(tok.encode(text)) != text) __builtin_trap();
  return 0;
}
