// PCRE2 wrapper: compile with Onig-compatible escapes, JIT, per-thread match data.
#define PCRE2_CODE_UNIT_WIDTH 8
#include "tokenizer/regex.h"

#include <pcre2.h>

#include "core/error.h"
#include "tokenizer/utf8.h"

namespace engram {

namespace {

std::string pcre2_message(int code) {
  PCRE2_UCHAR buf[256];
  int n = pcre2_get_error_message(code, buf, sizeof(buf));
  return n < 0 ? "PCRE2 error " + std::to_string(code) : std::string(reinterpret_cast<char*>(buf));
}

// Per-thread match state: one ovector pair is enough (only the whole match is used), and a
// JIT stack big enough for long whitespace runs (`\s+(?!\S)` backtracks over the run).
// The stack's memory is reserved, not committed, until the JIT code needs it.
struct MatchState {
  pcre2_match_data* md = nullptr;
  pcre2_match_context* mctx = nullptr;
  pcre2_jit_stack* stack = nullptr;
  MatchState() {
    md = pcre2_match_data_create(1, nullptr);
    mctx = pcre2_match_context_create(nullptr);
    stack = pcre2_jit_stack_create(32 * 1024, 256 * 1024 * 1024, nullptr);
    if (mctx && stack) pcre2_jit_stack_assign(mctx, nullptr, stack);
    // The interpreter (fallback) may use up to 1 GiB of heap for very long runs.
    if (mctx) pcre2_set_heap_limit(mctx, 1024 * 1024);
  }
  ~MatchState() {
    pcre2_match_data_free(md);
    pcre2_match_context_free(mctx);
    pcre2_jit_stack_free(stack);
  }
};

MatchState& match_state() {
  thread_local MatchState st;
  return st;
}

}  // namespace

std::string Regex::translate_onig(const std::string& p, const std::string& where) {
  std::string out;
  out.reserve(p.size() + 16);
  bool in_class = false;
  size_t class_start = 0;  // index in p just after '[' (and '^')
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\') {
      if (i + 1 >= p.size()) {
        out += c;  // trailing backslash: let PCRE2 report it
        continue;
      }
      char e = p[i + 1];
      if (e == 'Q') {  // \Q...\E is literal: copy verbatim
        size_t end = p.find("\\E", i + 2);
        size_t stop = end == std::string::npos ? p.size() : end + 2;
        out.append(p, i, stop - i);
        i = stop - 1;
        continue;
      }
      if (e == 's') {
        out += in_class ? "\\s\\x{85}" : "[\\s\\x{85}]";
      } else if (e == 'S') {
        if (in_class) throw Error(where + ": \\S inside a character class is not supported (pattern '" + p + "')");
        out += "[^\\s\\x{85}]";
      } else if (e == 'h') {
        out += in_class ? "0-9a-fA-F" : "[0-9a-fA-F]";
      } else if (e == 'H') {
        if (in_class) throw Error(where + ": \\H inside a character class is not supported (pattern '" + p + "')");
        out += "[^0-9a-fA-F]";
      } else {
        out += c;
        out += e;
      }
      ++i;
      continue;
    }
    if (!in_class) {
      out += c;
      if (c == '[') {
        in_class = true;
        if (i + 1 < p.size() && p[i + 1] == '^') out += p[++i];
        class_start = i + 1;
      }
      continue;
    }
    // Inside a class: a ']' first is literal; "[:name:]" is a POSIX class.
    if (c == '[' && i + 1 < p.size() && p[i + 1] == ':') {
      size_t end = p.find(":]", i + 2);
      if (end != std::string::npos) {
        out.append(p, i, end + 2 - i);
        i = end + 1;
        continue;
      }
    }
    out += c;
    if (c == ']' && i != class_start) in_class = false;
  }
  return out;
}

Regex::Regex(const std::string& pattern, const std::string& where) : pattern_(pattern) {
  std::string translated = translate_onig(pattern, where);
  int err = 0;
  PCRE2_SIZE off = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(translated.data()), translated.size(),
                                   PCRE2_UTF | PCRE2_UCP, &err, &off, nullptr);
  if (!code)
    throw Error(where + ": invalid regex '" + pattern + "' near offset " + std::to_string(off) + ": " +
                pcre2_message(err));
  // JIT failure (e.g. no executable memory) is not fatal: the interpreter gives the same matches.
  (void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
  code_ = code;
}

Regex::~Regex() { pcre2_code_free(static_cast<pcre2_code*>(code_)); }
Regex::Regex(Regex&& o) noexcept : pattern_(std::move(o.pattern_)), code_(o.code_) { o.code_ = nullptr; }
Regex& Regex::operator=(Regex&& o) noexcept {
  if (this != &o) {
    pcre2_code_free(static_cast<pcre2_code*>(code_));
    pattern_ = std::move(o.pattern_);
    code_ = o.code_;
    o.code_ = nullptr;
  }
  return *this;
}

void Regex::find_all(std::string_view text, std::vector<std::pair<uint32_t, uint32_t>>* out) const {
  auto* code = static_cast<pcre2_code*>(code_);
  MatchState& st = match_state();
  if (!st.md || !st.mctx) throw Error("regex: out of memory creating PCRE2 match data");
  auto subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  const size_t n = text.size();
  // Mirrors rust-onig's FindMatches: an empty match right where the previous match ended
  // is skipped by stepping one character, so the loop always advances.
  size_t start = 0;
  bool have_last = false;
  size_t last_match_end = 0;
  while (start <= n) {
    int rc = pcre2_match(code, subject, n, start, PCRE2_NO_UTF_CHECK, st.md, st.mctx);
    if (rc == PCRE2_ERROR_JIT_STACKLIMIT)  // retry without JIT: the interpreter uses the heap
      rc = pcre2_match(code, subject, n, start, PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT, st.md, st.mctx);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0)
      throw Error("regex '" + pattern_ + "': matching failed at byte " + std::to_string(start) + " of a " +
                  std::to_string(n) + "-byte piece: " + pcre2_message(rc));
    PCRE2_SIZE* ov = pcre2_get_ovector_pointer(st.md);
    size_t s = ov[0], e = ov[1];
    // \K inside a lookaround can report end < start; such matches are not splits.
    if (e < s || s < start || e > n) throw Error("regex '" + pattern_ + "': unsupported match shape (\\K?)");
    if (e == s && have_last && last_match_end == e) {
      if (start >= n) break;
      size_t len = utf8::valid_seq_len(text, start);
      start += len ? len : 1;
      continue;
    }
    out->emplace_back(static_cast<uint32_t>(s), static_cast<uint32_t>(e));
    start = e;
    have_last = true;
    last_match_end = e;
  }
}

}  // namespace engram
