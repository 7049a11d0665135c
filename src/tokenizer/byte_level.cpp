// Byte-level alphabet tables, built once at static-init time from the GPT-2 rule.
#include "tokenizer/byte_level.h"

#include <array>

#include "tokenizer/utf8.h"

namespace engram::byte_level {

namespace {

struct Tables {
  std::array<uint32_t, 256> to_char{};
  // Stand-ins are all below 0x100 + 256, so a flat array inverts the map.
  std::array<int16_t, 0x200> to_byte{};

  Tables() {
    to_byte.fill(-1);
    auto printable = [](int b) { return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE); };
    uint32_t next = 0x100;
    for (int b = 0; b < 256; ++b) to_char[b] = printable(b) ? static_cast<uint32_t>(b) : next++;
    for (int b = 0; b < 256; ++b) to_byte[to_char[b]] = static_cast<int16_t>(b);
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

}  // namespace

uint32_t byte_to_char(uint8_t b) { return tables().to_char[b]; }

std::optional<uint8_t> char_to_byte(uint32_t cp) {
  if (cp >= tables().to_byte.size()) return std::nullopt;
  int16_t b = tables().to_byte[cp];
  if (b < 0) return std::nullopt;
  return static_cast<uint8_t>(b);
}

bool token_to_bytes(std::string_view token, std::string* out) {
  if (!utf8::is_valid(token)) return false;
  std::string bytes;
  bytes.reserve(token.size());
  for (size_t i = 0; i < token.size();) {
    size_t len = 0;
    uint32_t cp = utf8::decode(token, i, &len);
    auto b = char_to_byte(cp);
    if (!b) {
      *out = std::string(token);  // not all in the alphabet: the string's own bytes
      return true;
    }
    bytes.push_back(static_cast<char>(*b));
    i += len;
  }
  *out = std::move(bytes);
  return true;
}

std::string bytes_to_token(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) utf8::append(out, byte_to_char(b));
  return out;
}

}  // namespace engram::byte_level
