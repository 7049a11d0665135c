// libFuzzer target: arbitrary bytes through each tokenizer.json normalizer type. The first
// byte picks the normalizer, the rest is the text. apply() must throw engram::Error for
// ill-formed UTF-8 and otherwise return well-formed UTF-8; the normalization forms must
// be idempotent. Anything else (crash, other exception, sanitizer report) is a bug.
// Seeds: tests/fuzz/corpus/fuzz_normalizer/.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/json_util.h"
#include "tokenizer/normalizers.h"
#include "tokenizer/utf8.h"

namespace {

struct Case {
  engram::Normalizer n;
  bool idempotent;
};

const std::vector<Case>& cases() {
  static const std::vector<Case> all = [] {
    const char* specs[] = {
        R"({"type": "NFC"})",
        R"({"type": "NFD"})",
        R"({"type": "NFKC"})",
        R"({"type": "NFKD"})",
        R"({"type": "Lowercase"})",
        R"({"type": "Strip", "strip_left": true, "strip_right": true})",
        R"({"type": "Prepend", "prepend": "\u2581"})",
        R"({"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"})",
        R"({"type": "Replace", "pattern": {"String": ""}, "content": "|"})",
        R"({"type": "Replace", "pattern": {"Regex": "\\s*"}, "content": "-"})",
        R"({"type": "Sequence", "normalizers": [{"type": "NFKD"}, {"type": "Lowercase"},
            {"type": "Replace", "pattern": {"Regex": "\\p{Mn}+"}, "content": ""}, {"type": "NFC"}]})",
    };
    std::vector<Case> out;
    for (size_t i = 0; i < std::size(specs); ++i)
      out.push_back({engram::Normalizer::from_json(engram::Json::parse(specs[i]), "fuzz"), i < 4});
    return out;
  }();
  return all;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const Case& c = cases()[data[0] % cases().size()];
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  const bool valid = engram::utf8::is_valid(text);
  std::string out;
  try {
    out = c.n.apply(text);
  } catch (const engram::Error&) {
    if (valid) std::abort();  // well-formed input must normalize
    return 0;
  }
  if (!valid || !engram::utf8::is_valid(out)) std::abort();
  if (c.idempotent && c.n.apply(out) != out) std::abort();
  return 0;
}
