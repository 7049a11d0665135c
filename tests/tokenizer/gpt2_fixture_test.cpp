// A hand-written GPT-2-style tokenizer (data/gpt2_tiny*.json, made by
// data/make_gpt2_tiny.py): ByteLevel pre-tokenizer with the GPT-2 regex, with and without
// the prefix space, merges in both serialised forms, a partial byte alphabet (absent bytes
// are dropped, as HF does without an unk token), and added tokens with lstrip, rstrip,
// single_word and normalized set. The expected ids, tokens and decoded texts in
// data/*_expected.json were produced by Hugging Face's tokenizers 0.23.2 (npm) through
// tools/peers/hf_ground_truth.js; nothing here is computed by engram itself.
#include <gtest/gtest.h>

#include "core/file.h"
#include "core/json_util.h"
#include "engram/tokenizer.h"

namespace engram {
namespace {

const std::string kData = ENGRAM_TOKENIZER_TEST_DATA;

void check_fixture(const std::string& name) {
  Tokenizer tok = Tokenizer::load(kData + "/" + name + ".json");
  Json expected = load_json_file(kData + "/" + name + "_expected.json");
  ASSERT_GT(expected.size(), 10u);
  for (const Json& e : expected) {
    std::string text = e.at("text").get<std::string>();
    SCOPED_TRACE(name + ": '" + text + "'");
    std::vector<int32_t> ids = tok.encode(text);
    EXPECT_EQ(ids, e.at("ids").get<std::vector<int32_t>>());
    // HF's Encoding.tokens shows the text an added token matched, including whitespace its
    // lstrip/rstrip absorbed; token(id) is the entry itself, so compare with that trimmed.
    std::vector<std::string> want_tokens = e.at("tokens").get<std::vector<std::string>>();
    ASSERT_EQ(want_tokens.size(), ids.size());
    for (size_t i = 0; i < ids.size(); ++i) {
      std::string want = want_tokens[i];
      if (tok.token(ids[i]) != want) {
        size_t b = want.find_first_not_of(" \t\n"), e2 = want.find_last_not_of(" \t\n");
        want = b == std::string::npos ? "" : want.substr(b, e2 - b + 1);
      }
      EXPECT_EQ(tok.token(ids[i]), want) << "token " << i;
    }
    EXPECT_EQ(tok.decode(ids), e.at("decoded").get<std::string>());
  }
}

TEST(Gpt2Fixture, PrefixSpaceStringMerges) { check_fixture("gpt2_tiny"); }
TEST(Gpt2Fixture, NoPrefixSpaceArrayMerges) { check_fixture("gpt2_tiny_array_merges"); }

TEST(Gpt2Fixture, SizeAndBos) {
  Tokenizer tok = Tokenizer::load(kData + "/gpt2_tiny.json");
  Json j = load_json_file(kData + "/gpt2_tiny.json");
  int32_t n_vocab = static_cast<int32_t>(j["model"]["vocab"].size());
  EXPECT_EQ(tok.size(), n_vocab + static_cast<int32_t>(j["added_tokens"].size()));
  ASSERT_TRUE(tok.bos_id().has_value());
  EXPECT_EQ(tok.token(*tok.bos_id()), "<|endoftext|>");
  std::vector<int32_t> with_bos = tok.encode("hello", true);
  ASSERT_FALSE(with_bos.empty());
  EXPECT_EQ(with_bos[0], *tok.bos_id());
}

}  // namespace
}  // namespace engram
