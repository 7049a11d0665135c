// engram::Addressing against its stages run by hand (Compression, then NgramHasher, then
// the stacked offsets), and its Stream against the batch path.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "engram/addressing.h"
#include "engram/error.h"
#include "engram/tokenizer.h"
#include "hashing/ngram_hash.h"
#include "test_util.h"

namespace engram {
namespace {

HashConfig config() {
  HashConfig c;
  c.engram_vocab_size = {997, 1999, 3001};
  c.max_ngram_size = 4;
  c.n_head_per_ngram = 2;
  c.n_embed_per_ngram = 16;
  c.layer_ids = {2, 5};
  c.pad_id = 2;
  c.seed = 3;
  return c;
}

struct Fixture {
  Tokenizer tok = Tokenizer::load(test::tokenizer_path());
  Addressing addr{tok, config()};
  std::vector<int64_t> ids;
  Fixture() {
    std::mt19937 g(5);
    for (int i = 0; i < 2 * 37; ++i) ids.push_back(static_cast<int64_t>(g() % static_cast<uint32_t>(tok.size())));
  }
};

TEST(Addressing, MatchesCompressionThenHash) {
  Fixture f;
  const Compression comp = Compression::build(f.tok);
  NgramHasher h(config(), comp.compressed_size(), comp.map(config().pad_id));
  std::vector<int64_t> cids(f.ids.size());
  comp.map(f.ids, cids);
  auto rows = f.addr.rows(f.ids, 2, 37, 2);
  ASSERT_EQ(rows.size(), 2u);
  for (int l = 0; l < 2; ++l) {
    std::vector<int64_t> want(f.ids.size() * h.columns());
    h.hash(cids, 2, 37, l, want);
    EXPECT_EQ(rows[l], want) << "layer " << l;
    auto sizes = f.addr.table_sizes(l);
    auto off = f.addr.offsets(l);
    auto global = f.addr.global_rows(l, rows[l]);
    int64_t acc = 0;
    for (size_t c = 0; c < sizes.size(); ++c) {
      EXPECT_EQ(off[c], acc);
      acc += sizes[c];
    }
    EXPECT_EQ(f.addr.total_rows(l), acc);
    for (size_t i = 0; i < global.size(); ++i) EXPECT_EQ(global[i], off[i % sizes.size()] + rows[l][i]);
  }
}

TEST(Addressing, RowsIntoOneBufferEqualsRows) {
  Fixture f;
  auto rows = f.addr.rows(f.ids, 2, 37);
  const size_t per_layer = f.ids.size() * static_cast<size_t>(f.addr.columns());
  std::vector<int64_t> flat(2 * per_layer, -1);
  f.addr.rows_into(f.ids, 2, 37, flat, 2);
  for (int l = 0; l < 2; ++l)
    EXPECT_EQ(std::vector<int64_t>(flat.begin() + l * per_layer, flat.begin() + (l + 1) * per_layer), rows[l]);
  std::vector<int64_t> short_out(flat.size() - 1);
  EXPECT_THROW(f.addr.rows_into(f.ids, 2, 37, short_out), Error);  // never writes past the buffer
  EXPECT_THROW(f.addr.rows_into(f.ids, 3, 37, flat), Error);
}

TEST(Addressing, OneLayerEqualsThatLayerOfAll) {
  Fixture f;
  auto rows = f.addr.rows(f.ids, 2, 37);
  for (int l = 0; l < f.addr.n_layers(); ++l) {
    std::vector<int64_t> one(rows[l].size(), -1);
    f.addr.layer_rows_into(l, f.ids, 2, 37, one);
    EXPECT_EQ(one, rows[l]) << "layer index " << l;
  }
  std::vector<int64_t> short_out(rows[0].size() - 1);
  EXPECT_THROW(f.addr.layer_rows_into(0, f.ids, 2, 37, short_out), Error);
  std::vector<int64_t> ok(rows[0].size());
  EXPECT_THROW(f.addr.layer_rows_into(f.addr.n_layers(), f.ids, 2, 37, ok), Error);
}

TEST(Addressing, StreamMatchesBatch) {
  Fixture f;
  auto rows = f.addr.rows(f.ids, 2, 37);
  const int C = f.addr.columns(), L = f.addr.n_layers();
  Addressing::Stream s(f.addr);
  std::vector<int64_t> out(static_cast<size_t>(L * C));
  for (int b = 0; b < 2; ++b) {
    s.reset();
    for (int t = 0; t < 37; ++t) {
      s.append(f.ids[b * 37 + t], out);
      for (int l = 0; l < L; ++l)
        for (int c = 0; c < C; ++c) ASSERT_EQ(out[l * C + c], rows[l][(b * 37 + t) * C + c]) << b << " " << t;
    }
  }
  EXPECT_EQ(s.position(), 37);
}

TEST(Addressing, RefusesBadInput) {
  Fixture f;
  std::vector<int64_t> bad = f.ids;
  bad[40] = f.tok.size();  // outside the vocabulary: an error naming it, never clamped
  EXPECT_THROW(f.addr.rows(bad, 2, 37), Error);
  EXPECT_THROW(f.addr.rows(f.ids, 3, 37), Error);  // shape does not match
  std::vector<int64_t> local(static_cast<size_t>(f.addr.columns()), 0);
  local[1] = f.addr.table_sizes(0)[1];  // one past its column's table
  try {
    f.addr.global_rows(0, local);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("column 1"), std::string::npos) << e.what();
  }
  HashConfig c = config();
  c.pad_id = f.tok.size();
  EXPECT_THROW(Addressing(f.tok, c), Error);
}

// HashConfig::table_sizes is the one source of the prime sizes: each column's table is a
// prime, the primes ascend from each order's starting size and none repeats across layers,
// and the hasher and Addressing agree with it.
TEST(Addressing, TableSizesComeFromTheConfig) {
  Fixture f;
  const HashConfig c = config();
  const auto sizes = c.table_sizes();
  ASSERT_EQ(sizes.size(), 2u);
  std::set<int64_t> seen;
  for (size_t l = 0; l < sizes.size(); ++l) {
    ASSERT_EQ(sizes[l].size(), static_cast<size_t>(c.columns()));
    for (int c_i = 0; c_i < c.columns(); ++c_i) {
      const int64_t p = sizes[l][c_i];
      EXPECT_GE(p, c.engram_vocab_size[c_i / c.n_head_per_ngram]) << l << "," << c_i;
      for (int64_t d = 2; d * d <= p; ++d) ASSERT_NE(p % d, 0) << p << " is not prime";
      EXPECT_TRUE(seen.insert(p).second) << p << " used twice";
    }
    const auto a = f.addr.table_sizes(static_cast<int>(l));
    EXPECT_EQ(std::vector<int64_t>(a.begin(), a.end()), sizes[l]);
    const auto h = f.addr.hasher().table_sizes(static_cast<int>(l));
    EXPECT_EQ(std::vector<int64_t>(h.begin(), h.end()), sizes[l]);
  }
  EXPECT_EQ(c.layer_index(5), 1u);
  try {
    (void)c.layer_index(3);
    FAIL() << "layer 3 is not configured";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("layer_ids [2, 5]"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace engram
