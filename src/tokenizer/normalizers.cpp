// HF tokenizers' normalizers on utf8proc and PCRE2; see normalizers.h. Semantics follow
// tokenizers/src/normalizers/*.rs and NormalizedString (tokenizer/normalizer.rs):
//  - NFC/NFD/NFKC/NFKD: the Unicode normalization forms, with HF's Unicode 9.0 tables:
//    code points those do not know pass through (hf_unicode.h).
//  - Lowercase: Rust's char::to_lowercase per character, i.e. the simple mapping (with the
//    Unicode 16-17 letters utf8proc lacks) except U+0130, whose unconditional full
//    lowercase is "i" + U+0307 (SpecialCasing.txt).
//  - Replace: every non-overlapping match (Onig find_iter order, empty matches included)
//    becomes `content` verbatim ("$1" is not expanded); a String pattern is a literal; an
//    empty string stays empty.
//  - Strip: White_Space (char::is_whitespace) off the left and/or right end.
//  - Prepend: the prefix, only when the string is not empty.
#include "tokenizer/normalizers.h"

#include <utf8proc.h>

#include <cstdint>

#include "core/error.h"
#include "tokenizer/hf_unicode.h"
#include "tokenizer/unicode_props.h"
#include "tokenizer/utf8.h"

namespace engram {

namespace {

// A regex matching `s` literally, as HF compiles regex::escape(s): ASCII punctuation is
// backslash-escaped (PCRE2 reads "\" + non-alphanumeric as that character), all else is
// literal. Going through the regex keeps HF's behaviour for an empty String pattern too.
std::string escape_literal(const std::string& s) {
  std::string out;
  out.reserve(s.size() * 2);
  for (char c : s) {
    const bool alnum = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    if (c >= '!' && c <= '~' && !alnum) out += '\\';  // ASCII punctuation, locale-free
    out += c;
  }
  return out;
}

// A normalization form (utf8proc options) of `s`, each code point HF's tables do not know
// kept as it is and the text between them normalized on its own (see hf_unicode.h).
std::string normalization_form(std::string_view s, int options) {
  std::string out;
  size_t seg = 0;  // start of the pending segment
  for (size_t i = 0; i < s.size();) {
    size_t len = 0;
    const uint32_t cp = utf8::decode(s, i, &len);
    if (hf_unicode::normalization_opaque(cp)) {
      if (seg < i) out += unicode::map_utf8(s.substr(seg, i - seg), options);
      out.append(s, i, len);
      seg = i + len;
    }
    i += len;
  }
  if (seg == 0) return unicode::map_utf8(s, options);
  if (seg < s.size()) out += unicode::map_utf8(s.substr(seg), options);
  return out;
}

std::string lowercase(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t len = 0;
    uint32_t cp = utf8::decode(s, i, &len);
    i += len;
    if (cp == 0x130) {
      out += 'i';
      utf8::append(out, 0x307);
      continue;
    }
    const auto lower = static_cast<uint32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(cp)));
    utf8::append(out, lower != cp ? lower : hf_unicode::extra_lowercase(cp));
  }
  return out;
}

std::string strip(std::string_view s, bool left, bool right) {
  size_t b = 0, e = s.size();
  while (left && b < e) {
    size_t len = 0;
    if (!unicode::is_white_space(utf8::decode(s, b, &len))) break;
    b += len;
  }
  while (right && e > b) {
    size_t p = e - 1;
    while (p > b && (static_cast<unsigned char>(s[p]) & 0xC0) == 0x80) --p;
    size_t len = 0;
    if (!unicode::is_white_space(utf8::decode(s, p, &len))) break;
    e = p;
  }
  return std::string(s.substr(b, e - b));
}

std::string replace(std::string_view s, const Regex& re, const std::string& content) {
  // HF's Pattern::find_matches reports no match in an empty string, even for a pattern
  // that matches the empty string.
  if (s.empty()) return std::string();
  if (s.size() > UINT32_MAX)  // Regex reports 32-bit offsets
    throw Error("normalizer: Replace on " + std::to_string(s.size()) + " bytes exceeds 4 GiB");
  std::vector<std::pair<uint32_t, uint32_t>> matches;
  re.find_all(s, &matches);
  if (matches.empty()) return std::string(s);
  std::string out;
  out.reserve(s.size() + matches.size() * content.size());
  size_t last = 0;
  for (auto [b, e] : matches) {
    out.append(s, last, b - last);
    out += content;
    last = e;
  }
  out.append(s, last, std::string_view::npos);
  return out;
}

}  // namespace

Normalizer Normalizer::from_json(const Json& j, const std::string& where) {
  Normalizer n;
  n.add(j, where);
  return n;
}

void Normalizer::add(const Json& j, const std::string& where) {
  if (!j.is_object()) throw Error(where + ": expected an object, got " + std::string(j.type_name()));
  const std::string t = json_string(json_field(j, "type", where), where + ".type");
  using K = NormalizerStep::Kind;
  NormalizerStep st;
  if (t == "Sequence") {
    const Json& list = json_field(j, "normalizers", where);
    if (!list.is_array()) throw Error(where + ".normalizers: expected an array");
    for (size_t i = 0; i < list.size(); ++i) add(list[i], where + ".normalizers[" + std::to_string(i) + "]");
    return;
  } else if (t == "NFC") {
    st.kind = K::kNfc;
  } else if (t == "NFD") {
    st.kind = K::kNfd;
  } else if (t == "NFKC") {
    st.kind = K::kNfkc;
  } else if (t == "NFKD") {
    st.kind = K::kNfkd;
  } else if (t == "Lowercase") {
    st.kind = K::kLowercase;
  } else if (t == "Strip") {
    st.kind = K::kStrip;
    st.left = json_bool(json_field(j, "strip_left", where), where + ".strip_left");
    st.right = json_bool(json_field(j, "strip_right", where), where + ".strip_right");
  } else if (t == "Prepend") {
    st.kind = K::kPrepend;
    st.text = json_string(json_field(j, "prepend", where), where + ".prepend");
  } else if (t == "Replace") {
    st.kind = K::kReplace;
    const std::string pw = where + ".pattern";
    const Json& p = json_field(j, "pattern", where);
    if (!p.is_object() || p.size() != 1)
      throw Error(pw + ": expected {\"String\": s} or {\"Regex\": r}, got " + p.dump().substr(0, 80));
    if (const Json* s = json_field_opt(p, "String")) {
      st.pattern = std::make_unique<Regex>(escape_literal(json_string(*s, pw + ".String")), pw + ".String");
    } else if (const Json* r = json_field_opt(p, "Regex")) {
      st.pattern = std::make_unique<Regex>(json_string(*r, pw + ".Regex"), pw + ".Regex");
    } else {
      throw Error(pw + ": expected {\"String\": s} or {\"Regex\": r}, got " + p.dump().substr(0, 80));
    }
    st.text = json_string(json_field(j, "content", where), where + ".content");
  } else {
    throw Error(where + ": normalizer type '" + t +
                "' is not supported (supported: NFC, NFD, NFKC, NFKD, Lowercase, Replace, Strip, Prepend, "
                "Sequence)");
  }
  steps_.push_back(std::move(st));
}

std::string Normalizer::apply(std::string_view text) const {
  size_t bad = 0;
  if (!utf8::is_valid(text, &bad))
    throw Error("normalizer: input is not well-formed UTF-8 (byte " + std::to_string(bad) + ")");
  std::string s(text);
  using K = NormalizerStep::Kind;
  for (const NormalizerStep& st : steps_) {
    switch (st.kind) {
      case K::kNfc:
        s = normalization_form(s, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
        break;
      case K::kNfd:
        s = normalization_form(s, UTF8PROC_STABLE | UTF8PROC_DECOMPOSE);
        break;
      case K::kNfkc:
        s = normalization_form(s, UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT);
        break;
      case K::kNfkd:
        s = normalization_form(s, UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT);
        break;
      case K::kLowercase:
        s = lowercase(s);
        break;
      case K::kReplace:
        s = replace(s, *st.pattern, st.text);
        break;
      case K::kStrip:
        s = strip(s, st.left, st.right);
        break;
      case K::kPrepend:
        if (!s.empty()) s.insert(0, st.text);
        break;
    }
  }
  return s;
}

}  // namespace engram
