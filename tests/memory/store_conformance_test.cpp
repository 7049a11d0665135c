// One conformance suite over every row store (leveldb's table_test idea): the same
// gathers, raw gathers, edge cases, concurrent use and row writes (training), checked
// against rows computed independently from the writer's value function.
#include <gtest/gtest.h>

#include <algorithm>
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
  std::shared_ptr<RowStore> open(const TableSpec& spec, uint64_t seed, bool writable = false,
                                 std::string* path = nullptr) {
    std::string p = test::make_table("conf", spec, seed);
    if (path) *path = p;
    TableOpenOptions o;
    o.writable = writable;
    return F::make(TableFile::open(p, o));
  }
  // Checks a float gather against the independently computed rows.
  void expect_rows(RowStore& s, const TableSpec& spec, uint64_t seed, const std::vector<uint64_t>& ids) {
    std::vector<float> out(ids.size() * spec.dim, -777.0f);
    s.gather(ids, out.data());
    for (size_t i = 0; i < ids.size(); ++i) {
      auto want = test::expected_row(spec, seed, ids[i]);
      ASSERT_EQ(0, std::memcmp(out.data() + i * spec.dim, want.data(), spec.dim * 4))
          << s.kind() << " " << row_dtype_name(spec.dtype) << " position " << i << " row " << ids[i];
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

// Rows written by scatter are what later gathers return (through caches too), untouched
// rows keep their values, and after flush the file on disk verifies and reopens with the
// new rows: block CRCs and the checksum region are kept whole.
TYPED_TEST(StoreConformance, ScatterThenGatherAndReopen) {
  TableSpec spec = test::small_spec(RowDtype::kF32, 16, {211, 223});  // 16 rows per block
  std::string path;
  auto s = this->open(spec, 31, /*writable=*/true, &path);
  const uint64_t n = 434;
  std::vector<float> want(n * 16);
  for (uint64_t r = 0; r < n; ++r) {
    auto row = test::expected_row(spec, 31, r);
    std::copy(row.begin(), row.end(), want.begin() + r * 16);
  }
  std::vector<uint64_t> all(n);
  for (uint64_t r = 0; r < n; ++r) all[r] = r;
  std::vector<float> warm(n * 16);
  s->gather(all, warm.data());  // a cache in front now holds some of the rows about to change
  std::mt19937_64 rng(7);
  for (int round = 0; round < 3; ++round) {
    std::vector<uint64_t> ids;
    for (uint64_t r = 0; r < n; ++r)
      if (rng() % 5 == 0) ids.push_back(r);
    std::shuffle(ids.begin(), ids.end(), rng);
    std::vector<float> rows(ids.size() * 16);
    for (size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<float>(round * 1000 + i) * 0.25f;
    s->scatter(ids, rows.data());
    for (size_t i = 0; i < ids.size(); ++i) std::copy_n(rows.begin() + i * 16, 16, want.begin() + ids[i] * 16);
    std::vector<float> got(n * 16);
    s->gather(all, got.data());
    ASSERT_EQ(0, std::memcmp(got.data(), want.data(), got.size() * 4)) << s->kind() << " round " << round;
  }
  s->flush();
  s.reset();
  auto t = TableFile::open(path);
  EXPECT_TRUE(t->verify_all().bad_blocks.empty()) << "checksums not kept whole";
  auto back = PreadStore::open(t);
  std::vector<float> got(n * 16);
  back->gather(all, got.data());
  EXPECT_EQ(0, std::memcmp(got.data(), want.data(), got.size() * 4));
}

TYPED_TEST(StoreConformance, ScatterRefusesBadWritesBeforeWritingAnything) {
  TableSpec spec = test::small_spec(RowDtype::kF32, 16, {37, 41});
  std::vector<float> rows(2 * 16, 5.0f);
  {
    auto ro = this->open(spec, 3);
    std::vector<uint64_t> ids{1, 2};
    EXPECT_THROW(
        {
          try {
            ro->scatter(ids, rows.data());
          } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find("read-only"), std::string::npos) << e.what();
            throw;
          }
        },
        Error);
  }
  std::string path;
  auto s = this->open(spec, 3, true, &path);
  for (std::vector<uint64_t> ids : {std::vector<uint64_t>{4, 78}, std::vector<uint64_t>{9, 9}}) {
    try {
      s->scatter(ids, rows.data());
      ADD_FAILURE() << "scatter of bad ids did not throw";
    } catch (const Error& e) {
      const std::string bad = ids[1] == 78 ? "row id 78" : "row id 9 appears twice";
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    }
  }
  s->flush();
  s.reset();
  auto back = PreadStore::open(TableFile::open(path));
  std::vector<uint64_t> ids{4, 9};
  std::vector<float> got(2 * 16);
  back->gather(ids, got.data());
  for (size_t i = 0; i < 2; ++i) {
    auto want = test::expected_row(spec, 3, ids[i]);
    EXPECT_EQ(0, std::memcmp(got.data() + i * 16, want.data(), 64)) << "row " << ids[i] << " changed";
  }
}

// A block corrupted on disk is refused by a write-through store rather than patched (its
// new CRC would otherwise bless the corruption).
TEST(StoreWrite, WriteThroughRefusesACorruptBlock) {
  TableSpec spec = test::small_spec(RowDtype::kF32, 16, {37, 41});
  std::string path = test::make_table("wcorrupt", spec, 5);
  TableOpenOptions o;
  o.writable = true;
  auto t = TableFile::open(path, o);
  ASSERT_EQ(t->info().n_blocks, 2u);
  test::flip_byte(path, t->info().block_file_offset(1) + 100);
  auto s = PreadStore::open(t);
  std::vector<uint64_t> ids{t->info().rows_per_block + 1};
  std::vector<float> row(16, 1.0f);
  try {
    s->scatter(ids, row.data());
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("checksum mismatch in block 1"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace engram
