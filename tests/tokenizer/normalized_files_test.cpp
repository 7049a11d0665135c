// Whole tokenizer.json files with a normalizer, against Hugging Face tokenizers' ids
// (data/make_normalizer_fixtures.py): Qwen3 (NFC) and Llama-3 (none) on a mixed text set,
// from the cache scripts/setup.sh fills; gpt2_tiny_normalized.json (NFKC + Lowercase),
// where added tokens with normalized: false match the raw text and normalized: true ones
// match the normalized text; gpt2_tiny_strip_prepend.json (Strip, Prepend, Replace).
#include <gtest/gtest.h>

#include "core/json_util.h"
#include "engram/tokenizer.h"
#include "test_util.h"

namespace engram {
namespace {

const std::string kData = ENGRAM_TOKENIZER_TEST_DATA;

// encode and the reference path give HF's ids; decode gives HF's decoded text (the
// normalized text for Qwen3, since NFC is not undone).
void expect_hf(const Tokenizer& tok, const std::string& name, const std::string& text, const Json& c) {
  SCOPED_TRACE(name);
  const std::vector<int32_t> want = c.at("ids").get<std::vector<int32_t>>();
  const std::vector<int32_t> ids = tok.encode(text);
  EXPECT_EQ(ids, want);
  EXPECT_EQ(tok.encode_reference(text), want);
  EXPECT_EQ(tok.decode(want), c.at("decoded").get<std::string>());
}

void check_file(const std::string& name) {
  const Json doc = load_json_file(kData + "/qwen3_llama3_expected.json");
  const Json& texts = doc.at("texts");
  const Json& cases = doc.at("tokenizers").at(name).at("cases");
  ASSERT_EQ(cases.size(), texts.size());
  const Tokenizer tok = Tokenizer::load(test::cached_tokenizer(name));
  for (const Json& c : cases) {
    const std::string case_name = c.at("name").get<std::string>();
    expect_hf(tok, name + "/" + case_name, texts.at(case_name).get<std::string>(), c);
  }
}

TEST(NormalizedFiles, Qwen3MatchesHf) { check_file("qwen3"); }

TEST(NormalizedFiles, Llama3MatchesHf) { check_file("llama3"); }

TEST(NormalizedFiles, Qwen3NfcChangesIds) {
  // The NFD and NFC spellings encode alike only because the normalizer runs.
  const Tokenizer tok = Tokenizer::load(test::cached_tokenizer("qwen3"));
  EXPECT_EQ(tok.encode("Cafe\xCC\x81 re\xCC\x81sume\xCC\x81"), tok.encode("Caf\xC3\xA9 r\xC3\xA9sum\xC3\xA9"));
}

void check_synthetic(const std::string& name, size_t min_cases) {
  const Json doc = load_json_file(kData + "/" + name + "_expected.json");
  const Tokenizer tok = Tokenizer::load(kData + "/" + name + ".json");
  ASSERT_GE(doc.at("cases").size(), min_cases);
  for (const Json& c : doc.at("cases")) {
    const std::string text = c.at("text").get<std::string>();
    expect_hf(tok, name + ": " + text, text, c);
  }
}

TEST(NormalizedFiles, AddedTokensRawVersusNormalized) { check_synthetic("gpt2_tiny_normalized", 8); }

// Strip and Prepend act on each piece between raw added tokens, and on the contents of
// the normalized ones ("wow" is matched as " wow").
TEST(NormalizedFiles, NormalizerRunsPerPieceBetweenRawTokens) { check_synthetic("gpt2_tiny_strip_prepend", 9); }

}  // namespace
}  // namespace engram
