// Whole-corpus checks on DeepSeek-V3: decode(encode(s)) == s over the KJV text and the
// kernel docs, and the fast encode equals the reference encode (uncached heap BPE) on both.
// The corpora come from scripts/setup.sh (<cache>/corpora); the test fails with a hint if
// they are missing.
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/file.h"
#include "core/paths.h"
#include "test_util.h"
#include "engram/tokenizer.h"

namespace engram {
namespace {

const Tokenizer& deepseek() {
  static const Tokenizer tok = Tokenizer::load(test::tokenizer_path());
  return tok;
}

std::string corpus(const std::string& name) {
  std::string p = cache_dir() + "/corpora/" + name;
  if (!file_exists(p)) throw Error("corpus '" + p + "' missing: run scripts/setup.sh");
  return read_file(p);
}

void round_trip(const std::string& name) {
  const Tokenizer& tok = deepseek();
  std::string text = corpus(name);
  ASSERT_GT(text.size(), 1000000u);
  std::vector<int32_t> ids = tok.encode(text);
  EXPECT_GT(ids.size(), text.size() / 8);
  std::string back = tok.decode(ids);
  ASSERT_EQ(back.size(), text.size());
  EXPECT_TRUE(back == text);
  // Fast path (cache, short-word scan) vs the reference path on the same text.
  std::vector<int32_t> ref = tok.encode_reference(text);
  ASSERT_EQ(ids.size(), ref.size());
  EXPECT_TRUE(ids == ref);
  // Line by line: pieces never span lines here, so the ids concatenate to the same list.
  size_t n_lines = 0, pos = 0;
  while (pos < text.size() && n_lines < 20000) {
    size_t nl = text.find('\n', pos);
    size_t end = nl == std::string::npos ? text.size() : nl + 1;
    std::vector<int32_t> part = tok.encode(std::string_view(text).substr(pos, end - pos));
    EXPECT_EQ(tok.decode(part), text.substr(pos, end - pos));
    pos = end;
    ++n_lines;
  }
}

TEST(TokenizerCorpus, KjvRoundTrip) { round_trip("kjv.txt"); }
TEST(TokenizerCorpus, LinuxDocRoundTrip) { round_trip("linux-doc.txt"); }

}  // namespace
}  // namespace engram
