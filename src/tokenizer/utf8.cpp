// UTF-8 validation and lossy repair; see utf8.h. The ranges follow the Unicode standard's
// table of well-formed byte sequences (Table 3-7), which is what makes the "maximal
// subpart" replacement match Rust's from_utf8_lossy byte for byte.
#include "tokenizer/utf8.h"

namespace engram::utf8 {

namespace {

// For a lead byte: number of continuation bytes, and the allowed range of the first one.
struct LeadInfo {
  uint8_t n_cont;
  uint8_t lo, hi;
};

LeadInfo lead_info(unsigned char b) {
  if (b >= 0xC2 && b <= 0xDF) return {1, 0x80, 0xBF};
  if (b == 0xE0) return {2, 0xA0, 0xBF};
  if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF) return {2, 0x80, 0xBF};
  if (b == 0xED) return {2, 0x80, 0x9F};  // excludes surrogates
  if (b == 0xF0) return {3, 0x90, 0xBF};
  if (b >= 0xF1 && b <= 0xF3) return {3, 0x80, 0xBF};
  if (b == 0xF4) return {3, 0x80, 0x8F};  // <= U+10FFFF
  return {0, 0, 0};                       // 0x80..0xC1, 0xF5..0xFF: never a lead
}

// Number of bytes starting at pos that form a prefix of a well-formed sequence (at least 1),
// and whether that prefix is the complete sequence.
size_t maximal_prefix(std::string_view s, size_t pos, bool* complete) {
  unsigned char b = static_cast<unsigned char>(s[pos]);
  if (b < 0x80) {
    *complete = true;
    return 1;
  }
  LeadInfo li = lead_info(b);
  if (li.n_cont == 0) {
    *complete = false;
    return 1;
  }
  size_t i = 1;
  for (; i <= li.n_cont; ++i) {
    if (pos + i >= s.size()) break;
    unsigned char c = static_cast<unsigned char>(s[pos + i]);
    unsigned char lo = i == 1 ? li.lo : 0x80, hi = i == 1 ? li.hi : 0xBF;
    if (c < lo || c > hi) break;
  }
  *complete = i == static_cast<size_t>(li.n_cont) + 1;
  return *complete ? i : i;  // i bytes consumed: the lead plus the valid continuations
}

}  // namespace

size_t valid_seq_len(std::string_view s, size_t pos) {
  if (pos >= s.size()) return 0;
  bool complete = false;
  size_t n = maximal_prefix(s, pos, &complete);
  return complete ? n : 0;
}

bool is_valid(std::string_view s, size_t* bad_offset) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    // ASCII runs dominate real text: skip 8 bytes at a time.
    while (i + 8 <= n) {
      uint64_t w;
      __builtin_memcpy(&w, s.data() + i, 8);
      if (w & 0x8080808080808080ULL) break;
      i += 8;
    }
    if (i >= n) break;
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    size_t len = valid_seq_len(s, i);
    if (len == 0) {
      if (bad_offset) *bad_offset = i;
      return false;
    }
    i += len;
  }
  return true;
}

std::string repair_lossy(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  size_t i = 0;
  while (i < s.size()) {
    bool complete = false;
    size_t n = maximal_prefix(s, i, &complete);
    if (complete) {
      out.append(s.data() + i, n);
    } else {
      append(out, kReplacement);
    }
    i += n;
  }
  return out;
}

uint32_t decode(std::string_view s, size_t pos, size_t* len) {
  unsigned char b = static_cast<unsigned char>(s[pos]);
  if (b < 0x80) {
    *len = 1;
    return b;
  }
  if (b < 0xE0) {
    *len = 2;
    return ((b & 0x1Fu) << 6) | (static_cast<unsigned char>(s[pos + 1]) & 0x3Fu);
  }
  if (b < 0xF0) {
    *len = 3;
    return ((b & 0x0Fu) << 12) | ((static_cast<unsigned char>(s[pos + 1]) & 0x3Fu) << 6) |
           (static_cast<unsigned char>(s[pos + 2]) & 0x3Fu);
  }
  *len = 4;
  return ((b & 0x07u) << 18) | ((static_cast<unsigned char>(s[pos + 1]) & 0x3Fu) << 12) |
         ((static_cast<unsigned char>(s[pos + 2]) & 0x3Fu) << 6) |
         (static_cast<unsigned char>(s[pos + 3]) & 0x3Fu);
}

void append(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace engram::utf8
