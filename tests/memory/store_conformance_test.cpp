// One conformance suite over every row store (leveldb's table_test idea): the same
// gathers, raw gathers, edge cases and concurrent use, checked against rows computed
// independently from the writer's value function.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <thread>

#include "core/error.h"
#include "memory/cached_store.h"
#include "memory/file_stores.h"
#include "memory/ram_store.h"
#include "memory/uring_store.h"
#include "memory_test_util.h"

namespace engram {
namespace {

struct RamFactory {
  static std::shared_ptr<RowStore> make(std::shared_ptr<TableFile> t) { return RamStore::load(std::move(t)); }
};
struct MmapFactory {
  static std::shared_ptr<RowStore> make(std::shared_ptr<TableFile> t) { return MmapStore::open(std::move(t)); }
};
struct PreadFactory {
  static std::shared_ptr<RowStore> make(std::shared_ptr<TableFile> t) { return PreadStore::open(std::move(t)); }
};
struct UringFactory {
  static std::shared_ptr<RowStore> make(std::shared_ptr<TableFile> t) {
    UringStore::Options o;
    o.queue_depth = 4;  // shallow, so batches cycle the queue several times
    return UringStore::open(std::move(t), o);
  }
};
// Caches far smaller than the table, so gathers mix hits, misses and evictions.
struct CachedUringTinyLfuFactory {
  static std::shared_ptr<RowStore> make(std::shared_ptr<TableFile> t) {
    RowCache::Options o;
    o.budget_bytes = t->info().row_bytes * 32;
    o.shards = 4;
    o.policy = CachePolicy::kTinyLfu;
    return std::make_shared<CachedStore>(UringFactory::make(std::move(t)), o);
  }
};
struct CachedPreadLruFactory {
  static std::shared_ptr<RowStore> make(std::shared_ptr<TableFile> t) {
    RowCache::Options o;
    o.budget_bytes = t->info().row_bytes * 32;
    o.shards = 4;
    o.policy = CachePolicy::kLru;
    return std::make_shared<CachedStore>(PreadStore::open(std::move(t)), o);
  }
};

template <typename F>
class StoreConformance : public ::testing::Test {
 protected:
  std::shared_ptr<RowStore> open(const TableSpec& spec, uint64_t seed) {
    std::string p = test::make_table("conf", spec, seed);
    return F::make(TableFile::open(p));
  }
  // Checks a float gather against the independently computed rows.
  void expect_rows(RowStore& s, const TableSpec& spec, uint64_t seed, const std::vector<uint64_t>& ids) {
    std::vector<float> out(ids.size() * spec.dim, -777.0f);
    s.gather(ids, out.data());
    for (size_t i = 0; i < ids.size(); ++i) {
      auto want = test::expected_row(spec, seed, ids[i]);
      ASSERT_EQ(0, std::memcmp(out.data() + i * spec.dim, want.data(), spec.dim * 4))
          << s.kind() << " " << dtype_name(spec.dtype) << " position " << i << " row " << ids[i];
    }
  }
};

using Factories = ::testing::Types<RamFactory, MmapFactory, PreadFactory, UringFactory, CachedUringTinyLfuFactory,
                                   CachedPreadLruFactory>;
TYPED_TEST_SUITE(StoreConformance, Factories);

TYPED_TEST(StoreConformance, GathersEveryDtypeExactly) {
  for (RowDtype dt : {RowDtype::kF32, RowDtype::kBf16, RowDtype::kFp8E4m3, RowDtype::kInt8}) {
    TableSpec spec = test::small_spec(dt, dt == RowDtype::kFp8E4m3 ? 256 : 64, {97, 101, 103, 107});
    auto s = this->open(spec, 5);
    EXPECT_EQ(s->info().n_rows, 408u);
    // Every row in order, then a random batch with duplicates, twice (second pass hits caches).
    std::vector<uint64_t> all(408);
    for (uint64_t i = 0; i < all.size(); ++i) all[i] = i;
    this->expect_rows(*s, spec, 5, all);
    std::mt19937_64 rng(9);
    std::vector<uint64_t> ids(500);
    for (auto& x : ids) x = rng() % 408;
    ids[1] = ids[0];
    this->expect_rows(*s, spec, 5, ids);
    this->expect_rows(*s, spec, 5, ids);
  }
}

TYPED_TEST(StoreConformance, RawGatherReturnsStoredBytes) {
  TableSpec spec = test::small_spec(RowDtype::kFp8E4m3, 256, {50, 60});
  auto s = this->open(spec, 17);
  std::vector<uint64_t> ids = {0, 109, 14, 15, 16, 55, 55, 3};
  std::vector<uint8_t> out(ids.size() * 264);
  s->gather_raw(ids, out.data());
  for (size_t i = 0; i < ids.size(); ++i) {
    auto want = test::expected_raw_row(spec, 17, ids[i]);
    EXPECT_EQ(0, std::memcmp(out.data() + i * 264, want.data(), 264)) << i;
  }
}

TYPED_TEST(StoreConformance, EmptyBatchAndOutOfRangeIds) {
  TableSpec spec = test::small_spec(RowDtype::kF32, 16, {10, 11});
  auto s = this->open(spec, 1);
  s->gather({}, nullptr);
  std::vector<float> out(3 * 16);
  std::vector<uint64_t> bad = {0, 21, 5};
  try {
    s->gather(bad, out.data());
    FAIL() << "id 21 of a 21-row table was accepted";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("row id 21"), std::string::npos) << m;
    EXPECT_NE(m.find("position 1"), std::string::npos) << m;
  }
  std::vector<uint8_t> raw(3 * 64);
  bad = {~uint64_t{0}};
  EXPECT_THROW(s->gather_raw(bad, raw.data()), Error);
  // The store still works after refusing a batch.
  this->expect_rows(*s, spec, 1, {20, 0});
}

TYPED_TEST(StoreConformance, ManyThreadsGatherConcurrently) {
  TableSpec spec = test::small_spec(RowDtype::kBf16, 64, {211, 223});
  auto s = this->open(spec, 23);
  const int n_threads = 6;
  std::vector<std::thread> th;
  std::atomic<int> failures{0};
  for (int t = 0; t < n_threads; ++t)
    th.emplace_back([&, t] {
      std::mt19937_64 rng(100 + t);
      std::vector<uint64_t> ids(64);
      std::vector<float> out(ids.size() * 64);
      for (int it = 0; it < 40; ++it) {
        for (auto& x : ids) x = rng() % 434;
        s->gather(ids, out.data());
        for (size_t i = 0; i < ids.size(); ++i) {
          auto want = test::expected_row(spec, 23, ids[i]);
          if (std::memcmp(out.data() + i * 64, want.data(), 256) != 0) failures++;
        }
      }
    });
  for (auto& t : th) t.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace engram
