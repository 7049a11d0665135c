// DeepSeek-V3 encode on awkward inputs: very long whitespace runs (deep regex
// backtracking; the JIT stack must not overflow), long words (heap merge path, uncached),
// invalid UTF-8 (repaired to U+FFFD first), added tokens glued to text, and concurrent
// encoding from several threads (per-thread word caches) against one-thread results.
// Expected ids come from the reference path or from round trips, never hard-coded.
#include <gtest/gtest.h>

#include <thread>

#include "core/file.h"
#include "core/paths.h"
#include "test_util.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/utf8.h"

namespace engram {
namespace {

const Tokenizer& deepseek() {
  static const Tokenizer tok = Tokenizer::load(test::tokenizer_path());
  return tok;
}

void expect_round_trip(const std::string& text) {
  const Tokenizer& tok = deepseek();
  std::vector<int32_t> ids = tok.encode(text);
  EXPECT_EQ(ids, tok.encode_reference(text));
  EXPECT_TRUE(tok.decode(ids) == text);
}

TEST(TokenizerEdge, LongWhitespaceRuns) {
  expect_round_trip(std::string(200000, ' ') + "x");
  expect_round_trip("a" + std::string(100000, '\n') + "b");
  expect_round_trip(std::string(100000, ' ') + "\n" + std::string(100000, '\t') + "y  ");
}

TEST(TokenizerEdge, LongWordsAndDigits) {
  expect_round_trip(std::string(5000, 'a'));
  expect_round_trip(std::string(3000, '7'));
  std::string mixed;
  for (int i = 0; i < 2000; ++i) mixed += "ab\xC3\xA9" "cd";
  expect_round_trip(mixed);
  expect_round_trip(std::string(4000, '='));
}

TEST(TokenizerEdge, InvalidUtf8IsRepairedFirst) {
  const Tokenizer& tok = deepseek();
  std::string bad = "ab\xC0\xAF \xE4\xB8 tail \xFF";
  std::vector<int32_t> ids = tok.encode(bad);
  std::string repaired = utf8::repair_lossy(bad);
  EXPECT_EQ(ids, tok.encode(repaired));
  EXPECT_EQ(tok.decode(ids), repaired);
}

TEST(TokenizerEdge, AddedTokensGluedToText) {
  const Tokenizer& tok = deepseek();
  std::string bos(tok.token(0)), eos(tok.token(1));
  std::string text = "x" + bos + bos + "y" + eos + "<｜begin▁of" + "\n" + eos;
  std::vector<int32_t> ids = tok.encode(text);
  int n_special = 0;
  for (int32_t id : ids) n_special += id == 0 || id == 1;
  EXPECT_EQ(n_special, 4);
  EXPECT_EQ(tok.decode(ids), text);
}

TEST(TokenizerEdge, ConcurrentEncodeMatchesSingleThread) {
  const Tokenizer& tok = deepseek();
  std::string path = cache_dir() + "/corpora/kjv.txt";
  std::string text = file_exists(path) ? read_file(path).substr(0, 300000) : std::string(300000, 'z');
  std::vector<int32_t> want = tok.encode_reference(text);
  std::vector<std::vector<int32_t>> got(4);
  std::vector<std::thread> pool;
  for (int t = 0; t < 4; ++t)
    pool.emplace_back([&, t] {
      for (int rep = 0; rep < 2; ++rep) got[t] = tok.encode(text);
    });
  for (auto& th : pool) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_TRUE(got[t] == want) << "thread " << t;
}

}  // namespace
}  // namespace engram
