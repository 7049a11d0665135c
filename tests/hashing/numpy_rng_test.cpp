// numpy-exact SeedSequence / PCG64 / Generator.integers: every row of the oracle's
// rng_multipliers.json, plus the 32-bit bounded path against values printed by numpy 1.24.2.
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/json_util.h"
#include "hashing/numpy_rng.h"
#include "test_util.h"

namespace engram {
namespace {

TEST(NumpyRng, EveryOracleMultiplierRow) {
  Json j = load_json_file(test::oracle_dir() + "/rng_multipliers.json");
  const Json& rows = j.at("rows");
  ASSERT_GT(rows.size(), 0u);
  for (const Json& r : rows) {
    int64_t seed = r.at("seed"), layer = r.at("layer_id"), V = r.at("n_compressed");
    int64_t half = r.at("half_bound");
    uint64_t rng_seed = r.at("rng_seed");
    ASSERT_EQ(rng_seed, static_cast<uint64_t>(seed + 10007 * layer));
    EXPECT_EQ(demo_half_bound(V), half) << "V=" << V;
    std::vector<int64_t> want = r.at("multipliers_first5").get<std::vector<int64_t>>();
    EXPECT_EQ(demo_multipliers(rng_seed, half, want.size()), want) << "seed " << seed << " layer " << layer;
    // numpy draws one value after another, so a shorter size gives the prefix.
    std::vector<int64_t> three = demo_multipliers(rng_seed, half, 3);
    EXPECT_EQ(three, std::vector<int64_t>(want.begin(), want.begin() + 3));
  }
}

// Values printed by numpy 1.24.2:
//   np.random.default_rng(seed).integers(0, high, size=7, dtype=np.int64).tolist()
struct Case {
  uint64_t seed;
  int64_t high;
  std::vector<int64_t> want;
};

TEST(NumpyRng, BoundedPathsMatchNumpy) {
  const std::vector<Case> cases = {
      {0, 2, {1, 1, 1, 0, 0, 0, 0}},
      {7, 1000, {944, 625, 684, 897, 578, 775, 833}},
      {12345, 2147483648LL, {1501552846, 488200390, 1693606511, 680233354, 438466540, 1712329281, 1380152456}},
      // rng = 2^32 - 1 exactly: the plain 32-bit output.
      {99, 4294967295LL, {4115325592LL, 2173385196LL, 3254087974LL, 2427050076LL, 763719177, 2198662304LL, 4045518373LL}},
      // rng = 2^32 - 1 + 1: the first 64-bit Lemire range.
      {5, 4294967296LL, {2881021352LL, 3457461230LL, 97294837, 3470079269LL, 2013703616, 2213306431LL, 2706834550LL}},
      {3, 4294967297LL, {367860371, 1017093381, 3441447623LL, 2500366906LL, 404279440, 1860266043, 2057509659}},
      {11, 1, {0, 0, 0, 0, 0, 0, 0}},  // empty range width: no draw
      {1099511627779ULL, 12345678, {9051386, 9551308, 5489845, 12294534, 4699268, 5841714, 4158412}},  // 2-word seed
  };
  for (const Case& c : cases) {
    Pcg64 g(c.seed);
    EXPECT_EQ(numpy_integers_i64(g, 0, c.high, 7), c.want) << "seed " << c.seed << " high " << c.high;
  }
}

TEST(NumpyRng, DemoMultipliersOnThe32BitPath) {
  // A compressed vocabulary so large that half_bound - 1 < 2^32 (numpy 1.24.2:
  // default_rng(10007).integers(0, half, 4, int64) * 2 + 1).
  struct V32 {
    int64_t V, half;
    std::vector<int64_t> want;
  };
  for (const V32& c : std::vector<V32>{{2147483648LL, 2147483647, {644226611, 3536058431LL, 2662691891LL, 223327893}},
                                      {3000000000LL, 1537228672, {461155371, 2531209219LL, 1906029099, 159864333}},
                                      {8589934592LL, 536870911, {161056653, 884014607, 665672973, 55831973}}}) {
    ASSERT_EQ(demo_half_bound(c.V), c.half);
    EXPECT_EQ(demo_multipliers(10007, c.half, 4), c.want) << "V=" << c.V;
  }
}

TEST(NumpyRng, SeedSequenceState) {
  // numpy 1.24.2: SeedSequence(0).generate_state(4, np.uint32), and (2**40+3) as uint64.
  EXPECT_EQ(SeedSequence(0).generate_state_u32(4),
            (std::vector<uint32_t>{2968811710u, 3677149159u, 745650761u, 2884920346u}));
  EXPECT_EQ(SeedSequence(1099511627779ULL).generate_state_u64(4),
            (std::vector<uint64_t>{6059815089232835828ULL, 7748354339778573394ULL, 7469072271128384145ULL,
                                   3873464148347455775ULL}));
}

TEST(NumpyRng, Errors) {
  Pcg64 g(0);
  EXPECT_THROW(numpy_integers_i64(g, 5, 5, 1), Error);
  EXPECT_THROW(demo_half_bound(0), Error);
  EXPECT_EQ(demo_half_bound(1), INT64_MAX / 2);
  EXPECT_EQ(demo_half_bound(INT64_MAX), 1);  // max(1, 1 / 2)
}

}  // namespace
}  // namespace engram
