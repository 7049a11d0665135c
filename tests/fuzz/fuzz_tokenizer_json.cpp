// libFuzzer target: arbitrary bytes -> Tokenizer::from_json. Loading must either succeed or
// throw engram::Error; any other exception, crash, leak or sanitizer report is a bug. When
// a file loads, a short fixed text is encoded and decoded too, so a loadable-but-inconsistent
// tokenizer (bad merges, odd regexes, odd added tokens, normalizers) is exercised.
// Seeds: tests/fuzz/corpus/fuzz_tokenizer_json/ (small hand-written tokenizer.json files).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"
#include "engram/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    engram::Tokenizer tok = engram::Tokenizer::from_json(text, "fuzz.json");
    // Also text normalizers change: an NFD accent, a ligature, a dotted capital I.
    static const std::string kSample = "Hello world! 123 <|endoftext|> café cafe\u0301 \ufb01 \u0130\n\n  x";
    std::vector<int32_t> ids = tok.encode(kSample);
    (void)tok.decode(ids);
    for (int32_t id = 0; id < tok.size() && id < 64; ++id) {
      try {
        (void)tok.token_bytes(id);
      } catch (const engram::Error&) {
        // gaps in the id space are reported, not crashes
      }
    }
  } catch (const engram::Error&) {
    // Expected for malformed input.
  }
  return 0;
}
