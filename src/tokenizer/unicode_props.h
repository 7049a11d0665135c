// The few Unicode character properties the tokenizer and the compression normaliser test,
// and utf8proc's string mapping they share, from utf8proc's tables (Unicode 15 in utf8proc 2.8).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace engram::unicode {

// Unicode White_Space (Rust char::is_whitespace).
bool is_white_space(uint32_t cp);
// Rust regex `\w` (Alphabetic, Mark, Decimal_Number, Connector_Punctuation, Join_Control),
// approximated by General_Category L*, M*, Nd, Nl, Pc, plus U+200C/U+200D.
bool is_word_char(uint32_t cp);
// General_Category Mark (Mn, Mc, Me).
bool is_mark(uint32_t cp);

// utf8proc_map over `s` (well-formed UTF-8) with utf8proc_option_t flags `options`, e.g.
// UTF8PROC_STABLE | UTF8PROC_COMPOSE for NFC. Throws engram::Error if utf8proc fails.
std::string map_utf8(std::string_view s, int options);

}  // namespace engram::unicode
