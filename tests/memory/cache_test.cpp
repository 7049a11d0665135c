// Hot-row cache: policy mechanics, the byte budget, concurrent use, one-shard LRU against a
// textbook LRU, and the measured hit rates of the real cache with TinyLFU vs LRU on a Zipf
// trace (reported, and TinyLFU must not lose).
#include <gtest/gtest.h>

#include <cstring>
#include <list>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "core/error.h"
#include "memory/row_cache.h"
#include "memory/zipf.h"

namespace engram {
namespace {

RowCache::Options opts(CachePolicy p, size_t rows, unsigned shards = 1) {
  RowCache::Options o;
  o.row_bytes = 8;
  o.budget_bytes = rows * 8;
  o.policy = p;
  o.shards = shards;
  return o;
}

std::vector<uint8_t> row_of(uint64_t id) {
  std::vector<uint8_t> r(8);
  std::memcpy(r.data(), &id, 8);
  return r;
}

TEST(RowCache, LruEvictsLeastRecentlyUsed) {
  RowCache c(opts(CachePolicy::kLru, 3));
  uint8_t out[8];
  for (uint64_t id : {1, 2, 3}) c.insert(id, row_of(id).data());
  EXPECT_TRUE(c.lookup(1, out));  // 1 becomes most recent; 2 is the LRU
  c.insert(4, row_of(4).data());
  EXPECT_FALSE(c.lookup(2, out));
  EXPECT_TRUE(c.lookup(1, out));
  uint64_t v;
  std::memcpy(&v, out, 8);
  EXPECT_EQ(v, 1u);
  EXPECT_TRUE(c.lookup(3, out));
  EXPECT_TRUE(c.lookup(4, out));
  EXPECT_EQ(c.hits(), 4u);
  EXPECT_EQ(c.misses(), 1u);
}

TEST(RowCache, TinyLfuKeepsFrequentRowsAgainstOneOffs) {
  RowCache c(opts(CachePolicy::kTinyLfu, 4));
  uint8_t out[8];
  for (uint64_t id : {1, 2, 3, 4}) c.insert(id, row_of(id).data());
  for (int rep = 0; rep < 5; ++rep)
    for (uint64_t id : {1, 2, 3, 4}) ASSERT_TRUE(c.lookup(id, out));
  // A scan of one-off rows must not flush the hot set.
  for (uint64_t id = 100; id < 200; ++id) {
    EXPECT_FALSE(c.lookup(id, out));
    c.insert(id, row_of(id).data());
  }
  for (uint64_t id : {1, 2, 3, 4}) EXPECT_TRUE(c.lookup(id, out)) << id;
  // A row that becomes frequent does get in.
  for (int rep = 0; rep < 20; ++rep)
    if (!c.lookup(500, out)) c.insert(500, row_of(500).data());
  EXPECT_TRUE(c.lookup(500, out));
}

TEST(RowCache, BudgetIsRespected) {
  RowCache::Options o;
  o.row_bytes = 264;
  o.budget_bytes = 1'000'000;
  o.shards = 16;
  RowCache c(o);
  EXPECT_LE(c.bytes_reserved(), o.budget_bytes);
  EXPECT_GE(c.bytes_reserved(), o.budget_bytes - 16 * 264);
  std::vector<uint8_t> r(264, 1);
  for (uint64_t id = 0; id < 100000; ++id) c.insert(id, r.data());
  EXPECT_LE(c.bytes_reserved(), o.budget_bytes);
  o.budget_bytes = 100;
  EXPECT_THROW(RowCache{o}, Error);
}

// Runs `trace` through a real cache (lookup; insert on a miss) and checks every hit returns
// that id's row; returns the hit rate.
double replay(RowCache& c, const std::vector<uint64_t>& trace) {
  uint8_t out[8];
  uint64_t wrong = 0;
  for (uint64_t id : trace) {
    if (!c.lookup(id, out)) {
      c.insert(id, row_of(id).data());
      continue;
    }
    uint64_t v;
    std::memcpy(&v, out, 8);
    wrong += v != id;
  }
  EXPECT_EQ(wrong, 0u) << "hits returned another id's row";
  EXPECT_EQ(c.hits() + c.misses(), trace.size());
  return c.hit_rate();
}

// Textbook LRU (list + map), independent of RowCache's shard code: hits over `trace`.
uint64_t textbook_lru_hits(size_t capacity, const std::vector<uint64_t>& trace) {
  std::list<uint64_t> order;  // front: most recent
  std::unordered_map<uint64_t, std::list<uint64_t>::iterator> where;
  uint64_t hits = 0;
  for (uint64_t id : trace) {
    auto it = where.find(id);
    if (it != where.end()) {
      ++hits;
      order.splice(order.begin(), order, it->second);
      continue;
    }
    if (order.size() == capacity) {
      where.erase(order.back());
      order.pop_back();
    }
    order.push_front(id);
    where[id] = order.begin();
  }
  return hits;
}

TEST(RowCache, OneShardLruIsTextbookLru) {
  ZipfGenerator z(50'000, 0.9, 11);
  auto trace = z.trace(200'000);
  for (size_t cap : {1, 7, 500, 4000}) {
    RowCache c(opts(CachePolicy::kLru, cap));
    ASSERT_EQ(c.capacity_rows(), cap);
    replay(c, trace);
    EXPECT_EQ(c.hits(), textbook_lru_hits(cap, trace)) << "capacity " << cap;
  }
}

TEST(RowCache, HitRatesOnZipfTraceTinyLfuVsLru) {
  // 1M rows, Zipf s = 1.0 (n-gram frequencies are close to this), caches of 0.5-5%, on the
  // real sharded cache (16 shards, row bytes copied in and out).
  ZipfGenerator z(1'000'000, 1.0, 42);
  auto trace = z.trace(2'000'000);
  std::unordered_set<uint64_t> distinct(trace.begin(), trace.end());
  const double ceiling = 1.0 - static_cast<double>(distinct.size()) / static_cast<double>(trace.size());
  for (double frac : {0.005, 0.02, 0.05}) {
    size_t cap = static_cast<size_t>(1'000'000 * frac);
    RowCache lru_cache(opts(CachePolicy::kLru, cap, 16)), tlfu_cache(opts(CachePolicy::kTinyLfu, cap, 16));
    const double lru = replay(lru_cache, trace);
    const double tlfu = replay(tlfu_cache, trace);
    std::printf("[ zipf 1.0, 1M rows, cache %.1f%% ] hit rate: lru %.4f tinylfu %.4f (first-access ceiling %.4f)\n",
                frac * 100, lru, tlfu, ceiling);
    RecordProperty("lru_" + std::to_string(cap), std::to_string(lru));
    RecordProperty("tinylfu_" + std::to_string(cap), std::to_string(tlfu));
    EXPECT_GT(lru, 0.2);
    EXPECT_LT(lru, 0.9);
    EXPECT_GT(tlfu, lru) << "TinyLFU should beat LRU on Zipf traffic";
    EXPECT_LT(tlfu, ceiling) << "more hits than ids seen before";
    // The sharded LRU is within sharding noise of one global textbook LRU of the same size.
    const double textbook = static_cast<double>(textbook_lru_hits(lru_cache.capacity_rows(), trace)) / trace.size();
    EXPECT_NEAR(lru, textbook, 0.01) << "capacity " << lru_cache.capacity_rows();
  }
}

TEST(RowCache, SimulationMatchesRealCache) {
  ZipfGenerator z(10'000, 0.9, 5);
  auto trace = z.trace(50'000);
  for (CachePolicy p : {CachePolicy::kLru, CachePolicy::kTinyLfu}) {
    RowCache c(opts(p, 512, 4));
    uint8_t out[8];
    for (uint64_t id : trace)
      if (!c.lookup(id, out)) c.insert(id, row_of(id).data());
      else {
        uint64_t v;
        std::memcpy(&v, out, 8);
        ASSERT_EQ(v, id);  // a hit returns that id's bytes
      }
    EXPECT_DOUBLE_EQ(c.hit_rate(), simulate_hit_rate(p, 512, trace, 4)) << cache_policy_name(p);
  }
}

TEST(RowCache, ConcurrentLookupsAndInsertsReturnTheRightRows) {
  for (CachePolicy p : {CachePolicy::kLru, CachePolicy::kTinyLfu}) {
    RowCache c(opts(p, 1024, 8));
    std::atomic<int> wrong{0};
    std::vector<std::thread> th;
    for (int t = 0; t < 6; ++t)
      th.emplace_back([&, t] {
        ZipfGenerator z(20'000, 1.0, 100 + t);
        uint8_t out[8];
        for (int i = 0; i < 20'000; ++i) {
          uint64_t id = z.next();
          if (c.lookup(id, out)) {
            uint64_t v;
            std::memcpy(&v, out, 8);
            if (v != id) wrong++;
          } else {
            c.insert(id, row_of(id).data());
          }
        }
      });
    for (auto& t : th) t.join();
    EXPECT_EQ(wrong.load(), 0);
    EXPECT_EQ(c.hits() + c.misses(), 6u * 20'000);
  }
}

TEST(Zipf, RanksFollowThePowerLaw) {
  ZipfGenerator z(1000, 1.0, 1);
  std::vector<int> count(1001);
  const int n = 400'000;
  for (int i = 0; i < n; ++i) count[z.next_rank()]++;
  double hn = 0;
  for (int k = 1; k <= 1000; ++k) hn += 1.0 / k;
  for (int k : {1, 2, 10}) EXPECT_NEAR(count[k] / double(n), 1.0 / k / hn, 0.01) << k;
  // Scattered ids are a bijection of ranks onto [0, n).
  ZipfGenerator z2(97, 1.2, 3);
  for (int i = 0; i < 1000; ++i) EXPECT_LT(z2.next(), 97u);
}

}  // namespace
}  // namespace engram
