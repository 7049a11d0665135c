// Compression against the oracle: the whole DeepSeek-V3 table's size, every public sample
// (new id and key), the normaliser cases, and rejection of out-of-range ids.
#include <gtest/gtest.h>

#include "core/error.h"
#include "test_util.h"
#include "engram/compression.h"
#include "engram/tokenizer.h"

namespace engram {
namespace {

struct Fixture {
  Tokenizer tok;
  Compression comp;
};

const Fixture& fixture() {
  static const Fixture f = [] {
    Tokenizer t = Tokenizer::load(test::tokenizer_path());
    Compression c = Compression::build(t);
    return Fixture{std::move(t), std::move(c)};
  }();
  return f;
}

TEST(Compression, DeepSeekCounts) {
  const Fixture& f = fixture();
  Json m = load_json_file(test::oracle_dir() + "/manifest.json").at("compression");
  EXPECT_EQ(f.comp.vocab_size(), m.at("len_tokenizer").get<int32_t>());
  EXPECT_EQ(f.comp.compressed_size(), m.at("compressed_vocab_size").get<int32_t>());
  int32_t pad = m.at("pad_id").get<int32_t>();
  EXPECT_EQ(f.comp.map(pad), m.at("pad_id_compressed").get<int64_t>());
  // Tokens whose single-id decode has U+FFFD.
  int n_fffd = 0;
  for (int32_t id = 0; id < f.tok.size(); ++id) {
    std::string t = f.tok.decode(std::vector<int32_t>{id});
    if (t.find("\xEF\xBF\xBD") != std::string::npos) ++n_fffd;
  }
  EXPECT_EQ(n_fffd, m.at("tokens_with_U+FFFD_when_decoded").get<int>());
}

TEST(Compression, EverySample) {
  const Fixture& f = fixture();
  Json m = load_json_file(test::oracle_dir() + "/compression/manifest.json");
  const Json& sample = m.at("sample");
  ASSERT_GT(sample.size(), 2000u);
  int bad = 0;
  for (const Json& s : sample) {
    int32_t id = s.at("id").get<int32_t>();
    SCOPED_TRACE("id " + std::to_string(id));
    EXPECT_EQ(std::string(f.tok.token(id)), s.at("token").get<std::string>());
    EXPECT_EQ(f.tok.decode(std::vector<int32_t>{id}), s.at("decoded").get<std::string>());
    EXPECT_EQ(compression_key(f.tok, id), s.at("key").get<std::string>());
    if (f.comp.map(id) != s.at("new_id").get<int64_t>()) ++bad;
    EXPECT_EQ(f.comp.map(id), s.at("new_id").get<int64_t>());
    if (bad > 10) break;
  }
}

TEST(Compression, NormalizerCases) {
  Json j = load_json_file(test::oracle_dir() + "/normalizer_cases.json");
  const Json& cases = j.at("cases");
  ASSERT_FALSE(cases.empty());
  for (const Json& c : cases) {
    std::string in = c.at("input").get<std::string>();
    SCOPED_TRACE(in);
    EXPECT_EQ(normalize_for_compression(in), c.at("normalized").get<std::string>());
  }
}

TEST(Compression, OutOfRangeIdsAreErrors) {
  const Fixture& f = fixture();
  EXPECT_THROW(f.comp.map(-1), Error);
  EXPECT_THROW(f.comp.map(f.comp.vocab_size()), Error);
  EXPECT_THROW(f.comp.map(129279), Error);  // a padding row of the model's embedding
  std::vector<int64_t> ids = {5, 6, 128815, 7};
  std::vector<int64_t> out(ids.size());
  try {
    f.comp.map(ids, out);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("128815"), std::string::npos) << msg;
    EXPECT_NE(msg.find("position 2"), std::string::npos) << msg;
  }
}

TEST(Compression, BulkMapEqualsSingle) {
  const Fixture& f = fixture();
  std::vector<int64_t> ids, out;
  for (int64_t i = 0; i < f.comp.vocab_size(); i += 7) ids.push_back(i);
  out.resize(ids.size());
  f.comp.map(ids, out);
  for (size_t i = 0; i < ids.size(); ++i) ASSERT_EQ(out[i], f.comp.map(ids[i]));
}

TEST(Compression, FromLookupValidates) {
  Compression c = Compression::from_lookup({0, 1, 0, 2});
  EXPECT_EQ(c.compressed_size(), 3);
  EXPECT_EQ(c.map(3), 2);
  for (int64_t id = 0; id < 4; ++id) EXPECT_EQ(c.map(id), (std::vector<int64_t>{0, 1, 0, 2})[id]) << id;
  EXPECT_THROW(Compression::from_lookup({0, -1}), Error);
  EXPECT_THROW(Compression::from_lookup({0, 2, 2}), Error);  // new id 1 never used
  EXPECT_THROW(Compression::from_lookup({5}), Error);
  // The DeepSeek table round-trips through from_lookup.
  const Fixture& f = fixture();
  Compression d = Compression::from_lookup(f.comp.lookup());
  EXPECT_EQ(d.compressed_size(), f.comp.compressed_size());
  EXPECT_EQ(d.vocab_size(), f.comp.vocab_size());
  EXPECT_TRUE(d.lookup() == f.comp.lookup()) << "the rebuilt table maps some id elsewhere";
  for (int64_t id = 0; id < d.vocab_size(); ++id) ASSERT_EQ(d.map(id), f.comp.map(id)) << "id " << id;
}

}  // namespace
}  // namespace engram
