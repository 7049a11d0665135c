// FloorMod (Barrett + sign fix) against plain `%` with the floor correction, on edge values
// and random int64 mixes, for tiny, demo-sized and 2^40-sized divisors.
#include <gtest/gtest.h>

#include <random>

#include "hashing/floor_mod.h"

namespace engram {
namespace {

int64_t plain_floor_mod(int64_t a, int64_t p) {
  int64_t r = a % p;
  return r < 0 ? r + p : r;
}

TEST(FloorMod, EdgesAndRandom) {
  std::mt19937_64 rng(1);
  const std::vector<int64_t> divisors = {2, 3, 5, 53, 8191, 646403, 646879, 16777259, 1099511627791LL,
                                         (int64_t{1} << 61) - 1, INT64_MAX};
  const std::vector<int64_t> edges = {0, 1, -1, 2, -2, INT64_MAX, INT64_MIN, INT64_MIN + 1, INT64_MAX - 1,
                                      646403, -646403, 646402, -646404};
  for (int64_t p : divisors) {
    FloorMod fm(static_cast<uint64_t>(p));
    for (int64_t a : edges) ASSERT_EQ(fm(a), plain_floor_mod(a, p)) << a << " mod " << p;
    for (int i = 0; i < 20000; ++i) {
      int64_t a = static_cast<int64_t>(rng());
      ASSERT_EQ(fm(a), plain_floor_mod(a, p)) << a << " mod " << p;
      ASSERT_EQ(fm(a >> (i % 64)), plain_floor_mod(a >> (i % 64), p));
    }
  }
}

}  // namespace
}  // namespace engram
