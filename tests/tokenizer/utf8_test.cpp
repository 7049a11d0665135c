// UTF-8 validation and lossy repair. The expected repairs follow the Unicode standard's
// "maximal subpart" practice (the examples of its section 3.9, which Rust's
// from_utf8_lossy and Python's errors="replace" both implement).
#include <gtest/gtest.h>

#include "tokenizer/byte_level.h"
#include "tokenizer/utf8.h"

namespace engram {
namespace {

const std::string R = "\xEF\xBF\xBD";

TEST(Utf8, ValidAndInvalid) {
  EXPECT_TRUE(utf8::is_valid(""));
  EXPECT_TRUE(utf8::is_valid("plain ascii text that is long enough for the 8-byte skip"));
  EXPECT_TRUE(utf8::is_valid("\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80"));
  size_t bad = 99;
  EXPECT_FALSE(utf8::is_valid("abc\xC0\xAF", &bad));  // overlong
  EXPECT_EQ(bad, 3u);
  EXPECT_FALSE(utf8::is_valid("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(utf8::is_valid("\xF4\x90\x80\x80"));  // > U+10FFFF
  EXPECT_FALSE(utf8::is_valid("\xE4\xB8"));          // truncated
}

TEST(Utf8, RepairMaximalSubparts) {
  // Unicode 15 section 3.9, table 3-8: 61 F1 80 80 E1 80 C2 62 80 63 80 BF 64
  std::string in = "\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64";
  EXPECT_EQ(utf8::repair_lossy(in), "a" + R + R + R + "b" + R + "c" + R + R + "d");
  EXPECT_EQ(utf8::repair_lossy("\xE4\xB8"), R);  // truncated 3-byte sequence: one U+FFFD
  EXPECT_EQ(utf8::repair_lossy("\xC0\xAF"), R + R);
  EXPECT_EQ(utf8::repair_lossy("ok"), "ok");
}

TEST(ByteLevel, AlphabetRoundTrip) {
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  std::string tok = byte_level::bytes_to_token(all);
  std::string back;
  ASSERT_TRUE(byte_level::token_to_bytes(tok, &back));
  EXPECT_EQ(back, all);
  EXPECT_EQ(byte_level::byte_to_char(' '), 0x120u);   // 'Ġ'
  EXPECT_EQ(byte_level::byte_to_char('\n'), 0x10Au);  // 'Ċ'
  EXPECT_EQ(byte_level::byte_to_char('A'), static_cast<uint32_t>('A'));
  // A string with a character outside the alphabet decodes to its own UTF-8 bytes.
  std::string out;
  ASSERT_TRUE(byte_level::token_to_bytes("<\xEF\xBD\x9C>", &out));
  EXPECT_EQ(out, "<\xEF\xBD\x9C>");
}

}  // namespace
}  // namespace engram
