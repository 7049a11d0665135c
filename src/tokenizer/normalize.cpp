// The compression normaliser (ENGRAM.md section 3, step 2), on utf8proc.
//
// Lowercasing uses utf8proc's simple per-character mapping. Rust's char::to_lowercase (the
// demo's reference behaviour) differs from the simple mapping only for U+0130, whose full
// lowercase is two characters; NFD has already decomposed U+0130 into I + U+0307 (and the
// mark is dropped) before lowercasing, so the two agree here. The oracle's
// normalizer_cases.json and the 98,627 class count check this.
#include <utf8proc.h>

#include "engram/compression.h"
#include "tokenizer/unicode_props.h"
#include "tokenizer/utf8.h"

namespace engram {

std::string normalize_for_compression(std::string_view input) {
  std::string valid;
  if (!utf8::is_valid(input)) {
    valid = utf8::repair_lossy(input);
    input = valid;
  }
  // a. NFKC, then NFD.
  std::string nfkc = unicode::map_utf8(input, UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT);
  std::string nfd = unicode::map_utf8(nfkc, UTF8PROC_STABLE | UTF8PROC_DECOMPOSE);
  // b. drop marks, c. lowercase per character, d. collapse [ \t\r\n]+ to one space.
  std::string out;
  out.reserve(nfd.size());
  bool in_ws_run = false;
  for (size_t i = 0; i < nfd.size();) {
    size_t len = 0;
    uint32_t cp = utf8::decode(nfd, i, &len);
    i += len;
    if (unicode::is_mark(cp)) continue;
    cp = static_cast<uint32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(cp)));
    if (cp == ' ' || cp == '\t' || cp == '\r' || cp == '\n') {
      if (!in_ws_run) out += ' ';
      in_ws_run = true;
      continue;
    }
    in_ws_run = false;
    utf8::append(out, cp);
  }
  // e. the demo protects a lone space with U+E000 before stripping and turns every U+E000
  //    back into a space afterwards, so a U+E000 already in the text also ends up a space.
  static const std::string kPua = "\xEE\x80\x80";
  if (out == " ") out = kPua;
  // f. strip White_Space at both ends.
  size_t b = 0, e = out.size();
  while (b < e) {
    size_t len = 0;
    if (!unicode::is_white_space(utf8::decode(out, b, &len))) break;
    b += len;
  }
  while (e > b) {
    size_t p = e - 1;
    while (p > b && (static_cast<unsigned char>(out[p]) & 0xC0) == 0x80) --p;
    size_t len = 0;
    if (!unicode::is_white_space(utf8::decode(out, p, &len))) break;
    e = p;
  }
  std::string stripped = out.substr(b, e - b);
  std::string result;
  result.reserve(stripped.size());
  for (size_t i = 0; i < stripped.size();) {
    if (stripped.compare(i, 3, kPua) == 0) {
      result += ' ';
      i += 3;
    } else {
      result += stripped[i++];
    }
  }
  return result;
}

}  // namespace engram
