// GPT-2's byte-level alphabet: every byte 0..255 has a printable stand-in character, so
// that BPE vocabularies are strings over 256 characters. Bytes that are printable Latin-1
// map to themselves; the rest map to U+0100.. in byte order (HF's bytes_char()).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace engram::byte_level {

// The stand-in code point of byte b.
uint32_t byte_to_char(uint8_t b);
// The byte whose stand-in is `cp`, if cp is in the alphabet.
std::optional<uint8_t> char_to_byte(uint32_t cp);

// HF's ByteLevel decoder rule for one token string: if every character is in the alphabet,
// the bytes they stand for; otherwise the string's own UTF-8 bytes. Returns false (leaving
// out unchanged) when `token` is not well-formed UTF-8.
bool token_to_bytes(std::string_view token, std::string* out);

// The byte-level string of raw bytes (each byte -> its stand-in character, as UTF-8).
std::string bytes_to_token(std::string_view bytes);

}  // namespace engram::byte_level
