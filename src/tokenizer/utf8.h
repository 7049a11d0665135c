// UTF-8 helpers shared by the tokenizer and the compression normaliser: validation, lossy
// repair (one U+FFFD per maximal invalid subpart, as Rust's String::from_utf8_lossy and
// Python's errors="replace" do), code point decode/encode.
// All functions are pure; none reads past the given view.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace engram::utf8 {

// Length of the well-formed sequence starting at s[pos], or 0 when the bytes there are not
// a well-formed UTF-8 sequence (overlongs, surrogates, > U+10FFFF, truncation all count).
size_t valid_seq_len(std::string_view s, size_t pos);

// True when the whole of `s` is well-formed UTF-8; otherwise sets *bad_offset (if given)
// to the offset of the first ill-formed byte.
bool is_valid(std::string_view s, size_t* bad_offset = nullptr);

// `s` with every maximal ill-formed subpart replaced by U+FFFD.
std::string repair_lossy(std::string_view s);

// Decodes the (assumed well-formed) sequence at s[pos]; sets *len to its byte length.
uint32_t decode(std::string_view s, size_t pos, size_t* len);

// Appends code point `cp` (must be a scalar value) as UTF-8.
void append(std::string& out, uint32_t cp);

constexpr uint32_t kReplacement = 0xFFFD;

}  // namespace engram::utf8
