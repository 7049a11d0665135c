// Pre-tokenizer pipeline of the byte-level family: Split steps (regex or literal pattern,
// with HF's five delimiter behaviours and `invert`) and a final ByteLevel step (optional
// prefix space, optional GPT-2 regex split). Pieces flow depth-first through the steps, so
// no step materialises the pieces of a whole text. Empty pieces are dropped, as HF's
// PreTokenizedString::split does.
// Thread safety: immutable after construction; run() may be called concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/json_util.h"
#include "tokenizer/regex.h"

namespace engram {

enum class SplitBehavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };

struct PreTokStep {
  enum class Kind { kSplit, kByteLevel } kind = Kind::kSplit;
  std::unique_ptr<Regex> regex;  // Split pattern, or the GPT-2 regex for ByteLevel(use_regex)
  SplitBehavior behavior = SplitBehavior::kIsolated;
  bool invert = false;
  bool add_prefix_space = false;  // ByteLevel only
};

// The exact GPT-2 pattern HF's ByteLevel pre-tokenizer uses when use_regex is true.
extern const char* const kGpt2Pattern;

class PreTokenizer {
 public:
  PreTokenizer() = default;
  // Parses the "pre_tokenizer" field (ByteLevel, Split, or a Sequence of Splits ending in
  // ByteLevel); `where` is its JSON path. Throws engram::Error on anything else.
  static PreTokenizer from_json(const Json& j, const std::string& where);

  using Sink = std::function<void(std::string_view)>;
  // Calls sink for each final piece of `text` (well-formed UTF-8), in order.
  void run(std::string_view text, const Sink& sink) const;

  const std::vector<PreTokStep>& steps() const { return steps_; }

 private:
  void run_step(size_t step, std::string_view piece, const Sink& sink, int depth) const;
  std::vector<PreTokStep> steps_;
};

}  // namespace engram
