// Primality against a sieve and known hard cases; the demo's table sizes against every
// oracle case; the linked search against a naive candidate walk.
#include <gtest/gtest.h>

#include <set>

#include "core/json_util.h"
#include "hashing/primes.h"
#include "test_util.h"

namespace engram {
namespace {

TEST(Primes, MatchesSieveBelow200k) {
  const int n = 200000;
  std::vector<bool> composite(n, false);
  composite[0] = composite[1] = true;
  for (int i = 2; i * i < n; ++i)
    if (!composite[i])
      for (int j = i * i; j < n; j += i) composite[j] = true;
  for (int i = 0; i < n; ++i) ASSERT_EQ(is_prime(i), !composite[i]) << i;
}

TEST(Primes, LargeKnownValues) {
  EXPECT_TRUE(is_prime((uint64_t{1} << 61) - 1));     // Mersenne prime
  EXPECT_TRUE(is_prime(18446744073709551557ULL));     // largest 64-bit prime
  EXPECT_TRUE(is_prime(1099511627791ULL));            // smallest prime above 2^40
  EXPECT_FALSE(is_prime(3215031751ULL));              // strong pseudoprime to bases 2, 3, 5, 7
  EXPECT_FALSE(is_prime(3825123056546413051ULL));     // strong pseudoprime to bases 2..23
  EXPECT_FALSE(is_prime(4294967297ULL));              // 2^32+1 = 641 * 6700417
  EXPECT_FALSE(is_prime(561));                        // Carmichael
  EXPECT_EQ(next_prime(1099511627776ULL), 1099511627791ULL);
  EXPECT_EQ(next_prime(646399), 646403u);
  EXPECT_EQ(next_prime(1), 2u);
  EXPECT_EQ(next_prime(2), 3u);
}

TEST(Primes, DemoTableSizesMatchEveryOracleCase) {
  for (const char* name : {"demo_default", "ngram4_seed42", "tiny_equal_tables"}) {
    Json m = load_json_file(test::oracle_dir() + "/hashing/" + name + "/manifest.json");
    const Json& cfg = m.at("config");
    std::vector<int64_t> vocab = cfg.at("engram_vocab_size").get<std::vector<int64_t>>();
    std::vector<int64_t> layers = cfg.at("layer_ids").get<std::vector<int64_t>>();
    int heads = cfg.at("n_head_per_ngram");
    auto sizes = demo_table_sizes(vocab, heads, layers.size());
    ASSERT_EQ(sizes.size(), layers.size());
    for (size_t l = 0; l < layers.size(); ++l) {
      std::vector<int64_t> want;
      for (const Json& per_n : m.at("prime_table_sizes").at(std::to_string(layers[l])))
        for (const Json& p : per_n) want.push_back(p.get<int64_t>());
      EXPECT_EQ(sizes[l], want) << name << " layer " << layers[l];
    }
  }
}

// The demo's walk, candidate by candidate, as an independent check of the linked search.
std::vector<std::vector<int64_t>> naive_sizes(const std::vector<int64_t>& vocab, int heads, size_t layers) {
  std::set<int64_t> used;
  std::vector<std::vector<int64_t>> out(layers);
  for (size_t l = 0; l < layers; ++l)
    for (int64_t v : vocab) {
      int64_t start = v - 1;
      for (int h = 0; h < heads; ++h) {
        int64_t c = start + 1;
        while (!is_prime(c) || used.count(c)) ++c;
        used.insert(c);
        out[l].push_back(c);
        start = c;
      }
    }
  return out;
}

TEST(Primes, LinkedSearchEqualsNaiveWalk) {
  EXPECT_EQ(demo_table_sizes({2, 2, 5, 3}, 3, 7), naive_sizes({2, 2, 5, 3}, 3, 7));
  EXPECT_EQ(demo_table_sizes({100, 90, 100}, 5, 6), naive_sizes({100, 90, 100}, 5, 6));
  EXPECT_EQ(demo_table_sizes({646400, 646400}, 8, 4), naive_sizes({646400, 646400}, 8, 4));
  auto s = demo_table_sizes({2}, 1, 5);  // 2, 3, 5, 7, 11
  EXPECT_EQ(s[4], std::vector<int64_t>{11});
}

TEST(Primes, ManyTablesFromOneLargeStartStayFast) {
  // 16384 tables (the config limit) from one start near 2^40: the used-prime walk would be
  // quadratic without the links; this must finish in well under a few seconds.
  auto sizes = demo_table_sizes({int64_t{1} << 40}, 64, 256);
  std::set<int64_t> all;
  for (const auto& l : sizes) all.insert(l.begin(), l.end());
  EXPECT_EQ(all.size(), 16384u);
  EXPECT_EQ(sizes[0][0], 1099511627791LL);
}

}  // namespace
}  // namespace engram
