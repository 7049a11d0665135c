#include "serve/sampler.h"

#include <gtest/gtest.h>

#include <map>

#include "core/error.h"

namespace engram::serve {

TEST(Sampler, GreedyTakesTheArgmax) {
  std::vector<float> l{0.1f, 2.0f, 2.0f, -1.0f};
  SampleOptions o;
  o.greedy = true;
  Sampler s(o);
  EXPECT_EQ(s.sample(l.data(), 4), 1);
}

TEST(Sampler, TopKAndTopPCutTheTail) {
  std::vector<float> l{5.0f, 4.0f, 0.0f, -5.0f};
  SampleOptions o;
  o.temperature = 1.0f;
  o.top_k = 2;
  o.top_p = 1.0f;
  Sampler s(o);
  std::map<int, int> seen;
  for (int i = 0; i < 2000; ++i) ++seen[s.sample(l.data(), 4)];
  EXPECT_EQ(seen.count(2) + seen.count(3), 0u);
  // exp(5) / (exp(5) + exp(4)) = 0.731
  EXPECT_NEAR(seen[0] / 2000.0, 0.731, 0.04);
  o.top_k = 0;
  o.top_p = 0.5f;  // the first token alone holds 0.73 > 0.5 of the mass
  Sampler s2(o);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(s2.sample(l.data(), 4), 0);
}

TEST(Sampler, SeedReproducesAndBadOptionsAreErrors) {
  std::vector<float> l(50);
  for (int i = 0; i < 50; ++i) l[i] = 0.1f * (i % 7);
  SampleOptions o;
  o.seed = 9;
  Sampler a(o), b(o);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.sample(l.data(), 50), b.sample(l.data(), 50));
  o.temperature = 0;
  EXPECT_THROW(Sampler{o}, Error);
  o.temperature = 1;
  o.top_p = 1.5f;
  EXPECT_THROW(Sampler{o}, Error);
}

}  // namespace engram::serve
