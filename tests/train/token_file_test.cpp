#include "train/token_file.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "core/file.h"
#include "test_util.h"

namespace engram::train {

TEST(TokenFile, RoundTripAndCorruption) {
  const std::string p = test::scratch_dir() + "/t.engtok";
  std::vector<uint32_t> ids{5, 0, 128814, 7};
  TokenFile::write(p, ids, 42);
  {
    TokenFile f = TokenFile::open(p, 42);
    ASSERT_EQ(f.tokens().size(), 4u);
    EXPECT_EQ(f.tokens()[2], 128814u);
  }
  EXPECT_THROW(TokenFile::open(p, 43), Error);  // another tokenizer
  std::string bytes = read_file(p);
  std::string flipped = bytes;
  flipped[33] ^= 1;
  write_file_atomic(p, flipped);
  EXPECT_THROW(TokenFile::open(p, 42), Error);
  write_file_atomic(p, bytes.substr(0, bytes.size() - 2));
  EXPECT_THROW(TokenFile::open(p, 42), Error);
  write_file_atomic(p, "ENGTOK0");
  EXPECT_THROW(TokenFile::open(p, 42), Error);
}

}  // namespace engram::train
