// The shared integer hashes (src/core/mix.h) against published values: splitmix64 from seed
// 1234567 (the reference sequence of Vigna's splitmix64.c) and FNV-1a 64 of short strings
// (the FNV authors' test values), so the copies they replaced cannot have drifted.
#include "core/mix.h"

#include <gtest/gtest.h>

namespace engram {
namespace {

TEST(Mix, SplitMix64MatchesTheReferenceSequence) {
  SplitMix64 g(1234567);
  const uint64_t want[] = {6457827717110365317ull, 3203168211198807973ull, 9817491932198370423ull,
                           4593380528125082431ull, 16408922859458223821ull};
  uint64_t state = 1234567;
  for (uint64_t w : want) {
    EXPECT_EQ(g.next(), w);
    EXPECT_EQ(splitmix64(state), w);  // the counter form from the same state
    state += kGoldenGamma;
  }
  static_assert(mix64(0) == 0, "the finaliser maps 0 to 0");
}

TEST(Mix, UnitIsIn01) {
  SplitMix64 g(7);
  for (int i = 0; i < 10000; ++i) {
    const double u = g.unit();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
}

TEST(Mix, Fnv1a64MatchesPublishedValues) {
  EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(fnv1a64("foobar"), 0x85944171f73967e8ull);
  const char bytes[] = {'f', 'o', 'o', 'b', 'a', 'r'};
  EXPECT_EQ(fnv1a64(static_cast<const void*>(bytes), sizeof bytes), 0x85944171f73967e8ull);
}

}  // namespace
}  // namespace engram
