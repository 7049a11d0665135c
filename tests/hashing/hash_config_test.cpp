// HashConfig: demo defaults, the oracle configs, and one test per bad value (each error must
// name the field).
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/json_util.h"
#include "hashing/hash_config.h"
#include "test_util.h"

namespace engram {
namespace {

// Expects from_json to throw an Error whose message names `where` and contains `needle`.
void expect_error(const std::string& json_text, const std::string& needle) {
  Json j = Json::parse(json_text);
  try {
    hash_config_from_json(j, "cfg.json");
    FAIL() << "no error for " << json_text;
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("cfg.json"), std::string::npos) << msg;
    EXPECT_NE(msg.find(needle), std::string::npos) << "'" << needle << "' not in: " << msg;
  }
}

TEST(HashConfig, DemoDefault) {
  HashConfig c = HashConfig::demo_default();
  EXPECT_NO_THROW(c.validate("demo"));
  EXPECT_EQ(c.engram_vocab_size, (std::vector<int64_t>{646400, 646400}));
  EXPECT_EQ(c.layer_ids, (std::vector<int>{1, 15}));
  EXPECT_EQ(c.columns(), 16);
  // An empty object means every default.
  HashConfig d = hash_config_from_json(Json::object(), "x");
  EXPECT_EQ(d, c);
}

TEST(HashConfig, ReadsEveryOracleConfig) {
  for (const char* name : {"demo_default", "ngram4_seed42", "tiny_equal_tables"}) {
    Json m = load_json_file(test::oracle_dir() + "/hashing/" + name + "/manifest.json");
    HashConfig c = hash_config_from_json(m.at("config"), name);
    EXPECT_EQ(c.engram_vocab_size, m.at("config").at("engram_vocab_size").get<std::vector<int64_t>>());
    EXPECT_EQ(c.max_ngram_size, m.at("config").at("max_ngram_size").get<int>());
    EXPECT_EQ(c.n_head_per_ngram, m.at("config").at("n_head_per_ngram").get<int>());
    EXPECT_EQ(c.seed, m.at("config").at("seed").get<int64_t>());
    // No n_embed_per_ngram in the oracle configs: 64 per head keeps 3 heads valid.
    EXPECT_EQ(c.n_embed_per_ngram % c.n_head_per_ngram, 0);
  }
}

TEST(HashConfig, UnknownFieldsIgnoredAndRoundTrip) {
  Json j = Json::parse(R"({"engram_vocab_size":[100,200,300],"max_ngram_size":4,"n_embed_per_ngram":256,
    "n_head_per_ngram":4,"layer_ids":[3,0],"pad_id":7,"seed":9,"hidden_size":1024,"kernel_size":4})");
  HashConfig c = hash_config_from_json(j, "cfg.json");
  EXPECT_EQ(c.layer_ids, (std::vector<int>{3, 0}));
  EXPECT_EQ(c.pad_id, 7);
  EXPECT_EQ(hash_config_to_json(hash_config_from_json(hash_config_to_json(c), "again")), hash_config_to_json(c));
  // The public text round trip reads back an equal config.
  EXPECT_EQ(HashConfig::parse(c.to_json_text(), "text"), c);
}

TEST(HashConfig, NoHeads) { expect_error(R"({"n_head_per_ngram":0})", "n_head_per_ngram"); }
TEST(HashConfig, NegativeHeads) { expect_error(R"({"n_head_per_ngram":-8})", "n_head_per_ngram"); }
TEST(HashConfig, EmptyLayerList) { expect_error(R"({"layer_ids":[]})", "layer_ids"); }
TEST(HashConfig, TableSizeBelowTwo) {
  expect_error(R"({"engram_vocab_size":[646400,1]})", "engram_vocab_size[1]");
  expect_error(R"({"engram_vocab_size":[0,646400]})", "engram_vocab_size[0]");
  expect_error(R"({"engram_vocab_size":[-5,646400]})", "engram_vocab_size[0]");
}
TEST(HashConfig, TableSizeAboveLimit) { expect_error(R"({"engram_vocab_size":[1099511627777,2]})", "engram_vocab_size[0]"); }
TEST(HashConfig, DuplicateLayers) { expect_error(R"({"layer_ids":[1,15,1]})", "layer_ids[2]"); }
TEST(HashConfig, NegativeLayer) { expect_error(R"({"layer_ids":[1,-3]})", "layer_ids[1]"); }
TEST(HashConfig, WrongVocabListLength) {
  expect_error(R"({"engram_vocab_size":[646400]})", "engram_vocab_size");
  expect_error(R"({"max_ngram_size":4,"engram_vocab_size":[10,10]})", "engram_vocab_size");
  expect_error(R"({"max_ngram_size":4})", "engram_vocab_size");  // default has 2 entries
}
TEST(HashConfig, NonIntegerFields) {
  expect_error(R"({"max_ngram_size":3.0})", "max_ngram_size");
  expect_error(R"({"n_head_per_ngram":"8"})", "n_head_per_ngram");
  expect_error(R"({"n_embed_per_ngram":true})", "n_embed_per_ngram");
  expect_error(R"({"layer_ids":[1,1.5]})", "layer_ids[1]");
  expect_error(R"({"layer_ids":7})", "layer_ids");
  expect_error(R"({"engram_vocab_size":[646400,"x"]})", "engram_vocab_size[1]");
  expect_error(R"({"pad_id":2.5})", "pad_id");
  expect_error(R"({"seed":[0]})", "seed");
  expect_error(R"({"seed":18446744073709551615})", "seed");
  expect_error(R"({"n_head_per_ngram":4294967304})", "n_head_per_ngram");
}
TEST(HashConfig, NegativeSeed) { expect_error(R"({"seed":-1})", "seed"); }
TEST(HashConfig, NegativePad) { expect_error(R"({"pad_id":-2})", "pad_id"); }
TEST(HashConfig, NgramBelowTwo) {
  expect_error(R"({"max_ngram_size":1,"engram_vocab_size":[]})", "max_ngram_size");
  expect_error(R"({"max_ngram_size":17})", "max_ngram_size");
}
TEST(HashConfig, EmbedNotDivisibleByHeads) {
  expect_error(R"({"n_embed_per_ngram":500,"n_head_per_ngram":8})", "n_embed_per_ngram");
  expect_error(R"({"n_embed_per_ngram":0})", "n_embed_per_ngram");
}
TEST(HashConfig, TooManyTables) { expect_error(R"({"n_head_per_ngram":9000})", "tables"); }
TEST(HashConfig, NotAnObject) {
  expect_error(R"([1,2])", "object");
  expect_error(R"(null)", "object");
}

TEST(HashConfig, ValidateDirectly) {
  HashConfig c = HashConfig::demo_default();
  c.layer_ids = {1, 1};
  EXPECT_THROW(c.validate("api"), Error);
  c = HashConfig::demo_default();
  c.max_ngram_size = 1;
  c.engram_vocab_size = {};
  EXPECT_THROW(c.validate("api"), Error);
}

}  // namespace
}  // namespace engram
