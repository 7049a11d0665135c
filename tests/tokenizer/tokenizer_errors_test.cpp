// Bad tokenizer.json files and bad ids: each must raise engram::Error whose message names
// what is wrong and where (the JSON path or the id), never crash or silently proceed.
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/file.h"
#include "core/json_util.h"
#include "test_util.h"
#include "engram/tokenizer.h"

namespace engram {
namespace {

const std::string kData = ENGRAM_TOKENIZER_TEST_DATA;

Json tiny() { return load_json_file(kData + "/gpt2_tiny.json"); }

// Expects from_json(j) to throw an Error whose message contains every needle.
void expect_error(const std::string& text, std::initializer_list<const char*> needles) {
  try {
    Tokenizer::from_json(text, "bad.json");
    FAIL() << "no error for: " << text.substr(0, 200);
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("bad.json"), std::string::npos) << msg;
    for (const char* n : needles) EXPECT_NE(msg.find(n), std::string::npos) << "missing '" << n << "' in: " << msg;
  }
}

TEST(TokenizerErrors, MalformedAndTruncatedJson) {
  expect_error("", {"invalid JSON"});
  expect_error("{\"model\": ", {"invalid JSON"});
  expect_error("[1, 2]", {"top level"});
  std::string full = tiny().dump();
  for (size_t cut : {size_t{1}, full.size() / 3, full.size() / 2, full.size() - 1})
    expect_error(full.substr(0, cut), {"invalid JSON"});
}

TEST(TokenizerErrors, TruncatedDeepSeekFile) {
  std::string full = read_file(test::tokenizer_path());
  expect_error(full.substr(0, full.size() / 2), {"invalid JSON", "byte"});
}

TEST(TokenizerErrors, MissingFields) {
  Json j = tiny();
  j.erase("model");
  expect_error(j.dump(), {"model"});
  j = tiny();
  j["model"].erase("merges");
  expect_error(j.dump(), {"model", "merges"});
  j = tiny();
  j["pre_tokenizer"] = nullptr;
  expect_error(j.dump(), {"pre_tokenizer", "ByteLevel"});
}

TEST(TokenizerErrors, UnknownTypesNameTypeAndPath) {
  Json j = tiny();
  j["model"]["type"] = "WordPiece";
  expect_error(j.dump(), {"model.type", "WordPiece"});
  j = tiny();
  j["pre_tokenizer"] = {{"type", "Sequence"},
                        {"pretokenizers", Json::array({Json{{"type", "Whitespace"}}, j["pre_tokenizer"]})}};
  expect_error(j.dump(), {"pre_tokenizer.pretokenizers[0]", "Whitespace"});
  j = tiny();
  j["normalizer"] = {{"type", "Sequence"},
                     {"normalizers", Json::array({Json{{"type", "NFC"}}, Json{{"type", "Lowercase"}},
                                                  Json{{"type", "Precompiled"}, {"precompiled_charsmap", "AAAA"}}})}};
  expect_error(j.dump(), {"normalizer.normalizers[2]", "normalizer type 'Precompiled' is not supported"});
  j = tiny();
  j["normalizer"] = {{"type", "Replace"}, {"pattern", {{"Regex", "[a"}}}, {"content", ""}};
  expect_error(j.dump(), {"normalizer.pattern.Regex", "invalid regex"});
  j = tiny();
  // A normalized added token that normalizes to nothing could match everywhere.
  j["normalizer"] = {{"type", "Strip"}, {"strip_left", true}, {"strip_right", true}};
  j["added_tokens"].push_back({{"id", 60}, {"content", "  "}, {"normalized", true}, {"special", false}});
  expect_error(j.dump(), {"added_tokens[4]", "empty"});
  j = tiny();
  j["decoder"] = {{"type", "WordPiece"}};
  expect_error(j.dump(), {"decoder", "WordPiece"});
  j = tiny();
  j["post_processor"] = {{"type", "Mystery"}};
  expect_error(j.dump(), {"post_processor", "Mystery"});
  j = tiny();
  j["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "a"}}}, {"behavior", "Sideways"}};
  expect_error(j.dump(), {"behavior", "Sideways"});
}

TEST(TokenizerErrors, BadRegexNamesPath) {
  Json j = tiny();
  j["pre_tokenizer"] = {{"type", "Sequence"},
                        {"pretokenizers", Json::array({Json{{"type", "Split"},
                                                            {"pattern", {{"Regex", "([a-z"}}},
                                                            {"behavior", "Isolated"},
                                                            {"invert", false}},
                                                       j["pre_tokenizer"]})}};
  expect_error(j.dump(), {"pretokenizers[0].pattern.Regex", "([a-z"});
}

TEST(TokenizerErrors, MergesWithUnknownTokens) {
  Json j = tiny();
  j["model"]["merges"].push_back("zz q");
  size_t idx = j["model"]["merges"].size() - 1;
  expect_error(j.dump(), {("model.merges[" + std::to_string(idx) + "]").c_str(), "'zz'", "not in the vocabulary"});
  j = tiny();
  j["model"]["merges"].push_back("h llo");  // both parts known, "hllo" is not
  expect_error(j.dump(), {"merged token 'hllo'"});
  j = tiny();
  j["model"]["merges"].push_back("nospace");
  expect_error(j.dump(), {"nospace", "two tokens"});
  j = tiny();
  j["model"]["merges"].push_back(Json::array({"h"}));
  expect_error(j.dump(), {"model.merges["});
}

TEST(TokenizerErrors, BadVocabAndAddedTokens) {
  Json j = tiny();
  j["model"]["vocab"]["neg"] = -3;
  expect_error(j.dump(), {"vocab[\"neg\"]", "-3"});
  j = tiny();
  j["model"]["vocab"]["huge"] = 2000000000;
  expect_error(j.dump(), {"vocab[\"huge\"]", "2000000000"});
  j = tiny();
  j["model"]["vocab"]["dup"] = 0;
  expect_error(j.dump(), {"id 0", "dup"});
  j = tiny();
  j["model"]["vocab"]["str"] = "seven";
  expect_error(j.dump(), {"vocab[\"str\"]", "integer"});
  j = tiny();
  j["added_tokens"][0]["content"] = "";
  expect_error(j.dump(), {"added_tokens[0].content", "empty"});
  j = tiny();
  j["added_tokens"][1]["id"] = 0;  // id 0 is already a vocabulary entry
  expect_error(j.dump(), {"added_tokens[1]", "id 0"});
  j = tiny();
  j["model"]["unk_token"] = "<unk>";
  expect_error(j.dump(), {"unk_token", "<unk>"});
  j = tiny();
  j["model"]["dropout"] = 0.1;
  expect_error(j.dump(), {"dropout"});
}

TEST(TokenizerErrors, DecodeAndTokenOutOfRange) {
  Tokenizer tok = Tokenizer::load(kData + "/gpt2_tiny.json");
  const int32_t n = tok.size();
  std::vector<int32_t> ids = {1, 2, n, 3};
  try {
    tok.decode(ids);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("id " + std::to_string(n)), std::string::npos) << msg;
    EXPECT_NE(msg.find("position 2"), std::string::npos) << msg;
  }
  std::vector<int32_t> neg = {-1};
  EXPECT_THROW(tok.decode(neg), Error);
  EXPECT_THROW(tok.token(n), Error);
  EXPECT_THROW(tok.token_bytes(-5), Error);
}

TEST(TokenizerErrors, MissingFileNamesPath) {
  try {
    Tokenizer::load("/nonexistent/dir/tokenizer.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/dir/tokenizer.json"), std::string::npos);
  }
}

}  // namespace
}  // namespace engram
