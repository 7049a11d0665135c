// engram's tokenizer.json normalizers against Hugging Face tokenizers: every supported type
// (and Sequences of them) on short texts, checked against HF's normalizeString
// (data/normalizer_expected.json, made by data/make_normalizer_fixtures.py), and on the
// characters where HF's Unicode tables are not utf8proc's (normalizer_unicode_expected.json);
// malformed or unsupported normalizer objects; random bytes through each normalizer.
#include <gtest/gtest.h>

#include <utf8proc.h>

#include <random>

#include "core/error.h"
#include "core/json_util.h"
#include "tokenizer/normalizers.h"
#include "tokenizer/utf8.h"

namespace engram {
namespace {

Json load(const char* file) { return load_json_file(std::string(ENGRAM_TOKENIZER_TEST_DATA) + "/" + file); }

const Json& expected() {
  static const Json doc = load("normalizer_expected.json");
  return doc;
}

// Every case of an HF fixture: {"texts": [...], "cases": [{name, normalizer, normalized}]}.
void expect_fixture(const Json& doc, size_t min_cases) {
  const std::vector<std::string> texts = doc.at("texts").get<std::vector<std::string>>();
  ASSERT_GE(doc.at("cases").size(), min_cases);
  for (const Json& c : doc.at("cases")) {
    const std::string name = c.at("name").get<std::string>();
    Normalizer n = Normalizer::from_json(c.at("normalizer"), name);
    const std::vector<std::string> want = c.at("normalized").get<std::vector<std::string>>();
    ASSERT_EQ(want.size(), texts.size()) << name;
    for (size_t i = 0; i < texts.size(); ++i)
      EXPECT_EQ(n.apply(texts[i]), want[i]) << name << " on text " << i << ": '" << texts[i] << "'";
  }
}

TEST(Normalizer, EveryTypeMatchesHf) { expect_fixture(expected(), 20); }

// Characters HF's Unicode tables and utf8proc's disagree on (hf_unicode.h).
TEST(Normalizer, UnicodeTableGapsMatchHf) {
  // The gap tables were found against utf8proc's Unicode 15 (utf8proc 2.8); another
  // utf8proc needs tools/peers/hf_unicode_gaps.py run again.
  EXPECT_STREQ(utf8proc_unicode_version(), "15.0.0");
  expect_fixture(load("normalizer_unicode_expected.json"), 5);
}

TEST(Normalizer, EmptySequenceIsIdentity) {
  Normalizer n = Normalizer::from_json(Json::parse(R"({"type": "Sequence", "normalizers": [
      {"type": "Sequence", "normalizers": []}]})"),
                                       "n");
  EXPECT_TRUE(n.empty());
  EXPECT_EQ(n.apply("Cafe\xCC\x81  "), "Cafe\xCC\x81  ");
  EXPECT_FALSE(Normalizer::from_json(Json::parse(R"({"type": "NFC"})"), "n").empty());
}

// Expects from_json to throw an Error whose message contains every needle.
void expect_error(const char* json, std::initializer_list<const char*> needles) {
  try {
    Normalizer::from_json(Json::parse(json), "tokenizer.json: normalizer");
    FAIL() << "no error for " << json;
  } catch (const Error& e) {
    std::string msg = e.what();
    for (const char* n : needles) EXPECT_NE(msg.find(n), std::string::npos) << "missing '" << n << "' in: " << msg;
  }
}

TEST(Normalizer, MalformedOrUnsupportedNamesTheField) {
  expect_error(R"({"type": "Sequence", "normalizers": [{"type": "NFC"}, {"type": "Lowercase"},
                   {"type": "Precompiled", "precompiled_charsmap": "AAAA"}]})",
               {"normalizer.normalizers[2]", "'Precompiled' is not supported", "NFC"});
  expect_error(R"({"type": "BertNormalizer"})", {"normalizer:", "'BertNormalizer'"});
  expect_error(R"({"type": "Sequence"})", {"normalizer", "normalizers"});
  expect_error(R"({"type": "Sequence", "normalizers": {"type": "NFC"}})", {"normalizer.normalizers", "array"});
  expect_error(R"({"type": "Strip", "strip_left": true})", {"normalizer", "strip_right"});
  expect_error(R"({"type": "Strip", "strip_left": 1, "strip_right": true})", {"normalizer.strip_left"});
  expect_error(R"({"type": "Prepend"})", {"normalizer", "prepend"});
  expect_error(R"({"type": "Replace", "pattern": {"String": "a"}})", {"normalizer", "content"});
  expect_error(R"({"type": "Replace", "content": "b"})", {"normalizer", "pattern"});
  expect_error(R"({"type": "Replace", "pattern": "a", "content": "b"})", {"normalizer.pattern", "String"});
  expect_error(R"({"type": "Replace", "pattern": {"Glob": "a*"}, "content": "b"})", {"normalizer.pattern", "Glob"});
  expect_error(R"({"type": "Replace", "pattern": {"String": "a", "Regex": "b"}, "content": "b"})",
               {"normalizer.pattern"});
  expect_error(R"({"type": "Replace", "pattern": {"Regex": "(a"}, "content": "b"})",
               {"normalizer.pattern.Regex", "invalid regex"});
  expect_error(R"({"type": "Replace", "pattern": {"String": 3}, "content": "b"})", {"normalizer.pattern.String"});
  expect_error(R"(["NFC"])", {"normalizer", "expected an object"});
  expect_error(R"({"kind": "NFC"})", {"normalizer", "type"});
}

TEST(Normalizer, InvalidUtf8IsAnErrorNotRepaired) {
  Normalizer n = Normalizer::from_json(Json::parse(R"({"type": "NFC"})"), "n");
  try {
    n.apply("ab\xC3");
    FAIL() << "no error for truncated UTF-8";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("byte 2"), std::string::npos) << e.what();
  }
}

// Random bytes (mostly invalid) and random well-formed UTF-8 heavy in marks, Hangul,
// compatibility characters and white space, through each normalizer type: invalid input
// throws engram::Error, valid input gives well-formed UTF-8, and the normalization forms
// are idempotent.
TEST(Normalizer, RandomInputNeverCrashes) {
  const Json& doc = expected();
  std::mt19937 rng(12345);
  const uint32_t pool[] = {'a', 'Z', ' ', '\t', '\n', 0x85, 0xA0, 0x130, 0x301, 0x323, 0x344, 0x1100, 0x1161,
                           0x11AB, 0xAC00, 0xD7A3, 0x212B, 0x2460, 0x3000, 0xFB01, 0xFF46, 0x1F468, 0x200D, 0x10FFFF};
  size_t n_invalid = 0, n_valid = 0;
  for (const Json& c : doc.at("cases")) {
    const std::string name = c.at("name").get<std::string>();
    Normalizer n = Normalizer::from_json(c.at("normalizer"), name);
    const std::string type = c.at("normalizer").at("type").get<std::string>();
    const bool is_form = type == "NFC" || type == "NFD" || type == "NFKC" || type == "NFKD";
    for (int iter = 0; iter < 300; ++iter) {
      std::string s;
      const size_t len = rng() % 24;
      if (iter % 2 == 0) {
        for (size_t i = 0; i < len; ++i) s.push_back(static_cast<char>(rng() & 0xFF));
      } else {
        for (size_t i = 0; i < len; ++i) utf8::append(s, pool[rng() % std::size(pool)]);
      }
      if (!utf8::is_valid(s)) {
        ++n_invalid;
        EXPECT_THROW(n.apply(s), Error) << name;
        s = utf8::repair_lossy(s);
      }
      ++n_valid;
      const std::string out = n.apply(s);
      EXPECT_TRUE(utf8::is_valid(out)) << name;
      if (is_form) {
        EXPECT_EQ(n.apply(out), out) << name << " is not idempotent";
      }
    }
  }
  EXPECT_GT(n_invalid, 1000u);
  EXPECT_GT(n_valid, 6000u);
}

}  // namespace
}  // namespace engram
