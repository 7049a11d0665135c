// tokenizer.json "normalizer": Hugging Face's NFC, NFD, NFKC, NFKD, Lowercase, Replace,
// Strip, Prepend and Sequence, applied to each piece of text between raw-matched added
// tokens, before the normalized added tokens are matched and before pre-tokenization (HF's
// AddedVocabulary::extract_and_normalize). HF also tracks alignments to the original text;
// engram needs only the normalized string, since ids do not depend on offsets.
// Thread safety: immutable after construction; apply() may be called concurrently.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/json_util.h"
#include "tokenizer/regex.h"

namespace engram {

struct NormalizerStep {
  enum class Kind { kNfc, kNfd, kNfkc, kNfkd, kLowercase, kReplace, kStrip, kPrepend } kind = Kind::kNfc;
  std::unique_ptr<Regex> pattern;  // Replace: the regex, or the escaped String pattern
  std::string text;                // Replace: content; Prepend: the prefix
  bool left = false, right = false;  // Strip
};

class Normalizer {
 public:
  Normalizer() = default;
  // Parses a "normalizer" object; `where` is its JSON path. Sequences are flattened (HF
  // runs nested ones in order on the same string). Throws engram::Error naming the field
  // on an unsupported type or a missing or malformed field.
  static Normalizer from_json(const Json& j, const std::string& where);

  // True when no step would run (no normalizer, or empty Sequences only).
  bool empty() const { return steps_.empty(); }

  // The normalized form of `text`, which must be well-formed UTF-8 (throws engram::Error
  // otherwise: the encoder repairs its input first). The result is well-formed UTF-8.
  std::string apply(std::string_view text) const;

 private:
  void add(const Json& j, const std::string& where);
  std::vector<NormalizerStep> steps_;
};

}  // namespace engram
