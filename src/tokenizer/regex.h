// Unicode regex for pre-tokenizer Split patterns, on PCRE2 (UTF + UCP, JIT-compiled).
// HF compiles these patterns with Oniguruma; PCRE2 agrees on the syntax the tokenizer
// files use except for two escapes, which the constructor rewrites: Onig's `\s` also
// matches U+0085 (NEL), and Onig's `\h` is a hex digit, not horizontal space.
// Thread safety: a compiled Regex is immutable; find_all may run concurrently (match data
// is per thread). Failure: a bad pattern throws engram::Error naming `where`.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace engram {

class Regex {
 public:
  // `where` names the JSON path of the pattern for error messages.
  Regex(const std::string& pattern, const std::string& where);
  ~Regex();
  Regex(Regex&&) noexcept;
  Regex& operator=(Regex&&) noexcept;

  // Appends the [start, end) byte ranges of successive non-overlapping matches in `text`
  // (well-formed UTF-8), leftmost first, as Onig's find_iter yields them: an empty match
  // is reported and the search resumes one character later.
  void find_all(std::string_view text, std::vector<std::pair<uint32_t, uint32_t>>* out) const;

  const std::string& pattern() const { return pattern_; }

  // The PCRE2 pattern text used for an Onig pattern (exposed for tests).
  static std::string translate_onig(const std::string& pattern, const std::string& where);

 private:
  std::string pattern_;
  void* code_ = nullptr;  // pcre2_code_8*
};

}  // namespace engram
