// The few Unicode character properties the tokenizer and the compression normaliser test,
// from utf8proc's tables (Unicode 15 in utf8proc 2.8).
#pragma once

#include <cstdint>

namespace engram::unicode {

// Unicode White_Space (Rust char::is_whitespace).
bool is_white_space(uint32_t cp);
// Rust regex `\w` (Alphabetic, Mark, Decimal_Number, Connector_Punctuation, Join_Control),
// approximated by General_Category L*, M*, Nd, Nl, Pc, plus U+200C/U+200D.
bool is_word_char(uint32_t cp);
// General_Category Mark (Mn, Mc, Me).
bool is_mark(uint32_t cp);

}  // namespace engram::unicode
