// DeepSeek-V3 encode/decode against the oracle's tokenization.json (made with HF's Rust
// tokenizers 0.23.2): ids without special tokens, ids with BOS, token strings, round trip.
#include <gtest/gtest.h>

#include "test_util.h"
#include "engram/tokenizer.h"

namespace engram {
namespace {

const Tokenizer& deepseek() {
  static const Tokenizer tok = Tokenizer::load(test::tokenizer_path());
  return tok;
}

TEST(TokenizerOracle, SizeAndBos) {
  const Tokenizer& tok = deepseek();
  Json m = load_json_file(test::oracle_dir() + "/manifest.json");
  EXPECT_EQ(tok.size(), m["compression"]["len_tokenizer"].get<int32_t>());
  ASSERT_TRUE(tok.bos_id().has_value());
  EXPECT_EQ(*tok.bos_id(), 0);
}

TEST(TokenizerOracle, PublicSentences) {
  const Tokenizer& tok = deepseek();
  Json j = load_json_file(test::oracle_dir() + "/tokenization.json");
  const Json& sentences = j.at("sentences");
  ASSERT_GE(sentences.size(), 10u);
  for (const Json& s : sentences) {
    std::string text = s.at("text").get<std::string>();
    SCOPED_TRACE(text);
    std::vector<int32_t> want = s.at("ids").get<std::vector<int32_t>>();
    std::vector<int32_t> want_bos = s.at("ids_with_bos").get<std::vector<int32_t>>();
    std::vector<std::string> want_tokens = s.at("tokens").get<std::vector<std::string>>();
    std::vector<int32_t> got = tok.encode(text);
    EXPECT_EQ(got, want);
    EXPECT_EQ(tok.encode(text, /*add_bos=*/true), want_bos);
    std::vector<std::string> got_tokens;
    for (int32_t id : got) got_tokens.emplace_back(tok.token(id));
    EXPECT_EQ(got_tokens, want_tokens);
    EXPECT_EQ(tok.decode(got), text);
  }
}

}  // namespace
}  // namespace engram
