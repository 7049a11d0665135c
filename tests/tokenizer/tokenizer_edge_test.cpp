// DeepSeek-V3 encode on awkward inputs: very long whitespace runs (deep regex
// backtracking; the JIT stack must not overflow), long words (heap merge path, uncached),
// invalid UTF-8 (repaired to U+FFFD first), added tokens glued to text, and concurrent
// encoding from several threads (per-thread word caches) against one-thread results.
// Expected ids come from Hugging Face tokenizers (data/deepseek_edge_expected.json, made by
// data/make_deepseek_edge.py), never from engram's own code; the reference path and round
// trips are checked as well.
#include <gtest/gtest.h>

#include <map>
#include <stdexcept>
#include <thread>

#include "core/file.h"
#include "core/json_util.h"
#include "core/paths.h"
#include "test_util.h"
#include "engram/tokenizer.h"
#include "tokenizer/utf8.h"

namespace engram {
namespace {

const Tokenizer& deepseek() {
  static const Tokenizer tok = Tokenizer::load(test::tokenizer_path());
  return tok;
}

// One input of the HF fixture: its bytes, HF's ids, and (for invalid UTF-8) the text the
// ids decode to.
struct HfCase {
  std::string text, repaired;
  std::vector<int32_t> ids;
};

std::string unhex(const std::string& h) {
  std::string out;
  for (size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16)));
  return out;
}

const HfCase& hf_case(const std::string& name) {
  static const std::map<std::string, HfCase> cases = [] {
    std::map<std::string, HfCase> out;
    Json doc = load_json_file(std::string(ENGRAM_TOKENIZER_TEST_DATA) + "/deepseek_edge_expected.json");
    for (const Json& c : doc.at("cases")) {
      HfCase h;
      for (const Json& part : c.at("parts")) {
        const std::string bytes = unhex(part.at(0).get<std::string>());
        for (int64_t n = part.at(1).get<int64_t>(); n > 0; --n) h.text += bytes;
      }
      for (const Json& run : c.at("ids")) {
        const std::vector<int32_t> chunk = run.at(0).get<std::vector<int32_t>>();
        for (int64_t n = run.at(1).get<int64_t>(); n > 0; --n) h.ids.insert(h.ids.end(), chunk.begin(), chunk.end());
      }
      if (c.contains("repaired")) h.repaired = c.at("repaired").get<std::string>();
      out[c.at("name").get<std::string>()] = std::move(h);
    }
    return out;
  }();
  auto it = cases.find(name);
  if (it == cases.end()) throw std::runtime_error("no case '" + name + "' in deepseek_edge_expected.json");
  return it->second;
}

// encode == HF's ids == the reference path, and decode gives the input back.
void expect_hf_ids(const std::string& name) {
  SCOPED_TRACE(name);
  const Tokenizer& tok = deepseek();
  const HfCase& c = hf_case(name);
  ASSERT_TRUE(c.repaired.empty()) << "valid UTF-8 only";
  std::vector<int32_t> ids = tok.encode(c.text);
  EXPECT_TRUE(ids == c.ids) << "engram " << ids.size() << " ids vs HF tokenizers " << c.ids.size();
  EXPECT_TRUE(tok.encode_reference(c.text) == c.ids) << "reference path";
  EXPECT_TRUE(tok.decode(ids) == c.text);
}

TEST(TokenizerEdge, LongWhitespaceRuns) {
  ASSERT_EQ(hf_case("spaces_200000_x").text, std::string(200000, ' ') + "x");
  for (const char* name : {"spaces_200000_x", "a_newlines_100000_b", "spaces_tabs_y"}) expect_hf_ids(name);
}

TEST(TokenizerEdge, LongWordsAndDigits) {
  for (const char* name : {"a_5000", "digits_3000", "ab_e_acute_cd_2000", "equals_4000"}) expect_hf_ids(name);
}

TEST(TokenizerEdge, InvalidUtf8IsRepairedFirst) {
  const Tokenizer& tok = deepseek();
  const HfCase& c = hf_case("invalid_utf8");
  ASSERT_EQ(c.text, "ab\xC0\xAF \xE4\xB8 tail \xFF");
  ASSERT_FALSE(c.repaired.empty());
  // HF ids of Python's errors="replace" decoding (U+FFFD per maximal invalid subpart).
  std::vector<int32_t> ids = tok.encode(c.text);
  EXPECT_EQ(ids, c.ids);
  EXPECT_EQ(tok.decode(ids), c.repaired);
  EXPECT_EQ(utf8::repair_lossy(c.text), c.repaired);
}

TEST(TokenizerEdge, AddedTokensGluedToText) {
  const Tokenizer& tok = deepseek();
  std::string bos(tok.token(0)), eos(tok.token(1));
  std::string text = "x" + bos + bos + "y" + eos + "<｜begin▁of" + "\n" + eos;
  const HfCase& c = hf_case("added_tokens_glued");
  ASSERT_EQ(c.text, text);
  std::vector<int32_t> ids = tok.encode(text);
  EXPECT_EQ(ids, c.ids);
  int n_special = 0;
  for (int32_t id : ids) n_special += id == 0 || id == 1;
  EXPECT_EQ(n_special, 4);
  EXPECT_EQ(tok.decode(ids), text);
}

TEST(TokenizerEdge, ConcurrentEncodeMatchesSingleThread) {
  const Tokenizer& tok = deepseek();
  const std::string path = cache_dir() + "/corpora/kjv.txt";
  ASSERT_TRUE(file_exists(path)) << "the KJV corpus '" << path << "' is missing: run `bash scripts/setup.sh`";
  const std::string text = read_file(path).substr(0, 300000);
  ASSERT_EQ(text.size(), 300000u) << path << " is shorter than 300,000 bytes: rerun `bash scripts/setup.sh`";
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
