// Prefetcher: prefill and decode pipelines return the right rows, the staging budget is
// never exceeded, errors reach the waiting consumer, and many producer/consumer threads
// run together (meaningful under TSan: shared stores, tickets crossing threads).
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <thread>

#include "core/error.h"
#include "memory/cached_store.h"
#include "memory/file_stores.h"
#include "memory/prefetcher.h"
#include "memory/ram_store.h"
#include "memory/uring_store.h"
#include "memory_test_util.h"

namespace engram {
namespace {

constexpr uint64_t kSeed = 31;

struct Tables {
  TableSpec spec = test::small_spec(RowDtype::kF32, 32, {101, 103, 107, 109});  // 420 rows, 4 heads
  std::shared_ptr<RowStore> layer_a, layer_b;
  Tables() {
    layer_a = RamStore::load(TableFile::open(test::make_table("pf_a", spec, kSeed)));
    RowCache::Options co;
    co.budget_bytes = 128 * 20;
    co.shards = 2;
    layer_b = std::make_shared<CachedStore>(UringStore::open(TableFile::open(test::make_table("pf_b", spec, kSeed))), co);
  }
};

void expect_rows(const TableSpec& spec, std::span<const float> got, const std::vector<uint64_t>& ids) {
  ASSERT_EQ(got.size(), ids.size() * spec.dim);
  for (size_t i = 0; i < ids.size(); ++i) {
    auto want = test::expected_row(spec, kSeed, ids[i]);
    ASSERT_EQ(0, std::memcmp(got.data() + i * spec.dim, want.data(), spec.dim * 4)) << "row " << ids[i];
  }
}

// Random hashed values [n_tokens, heads] -> global ids, as the hasher would feed them.
std::vector<uint64_t> token_rows(const TableInfo& info, size_t n_tokens, std::mt19937_64& rng) {
  std::vector<int64_t> hashed(n_tokens * info.head_rows.size());
  for (size_t i = 0; i < hashed.size(); ++i) hashed[i] = rng() % info.head_rows[i % info.head_rows.size()];
  std::vector<uint64_t> rows;
  to_global_row_ids(info, hashed, rows);
  return rows;
}

TEST(Prefetcher, PrefillBatchForTwoLayers) {
  Tables t;
  Prefetcher pf({.budget_bytes = 1 << 20, .threads = 2});
  std::mt19937_64 rng(1);
  auto ids_a = token_rows(t.layer_a->info(), 4 * 128, rng);  // B=4, T=128
  auto ids_b = token_rows(t.layer_b->info(), 4 * 128, rng);
  auto ta = pf.submit(*t.layer_a, ids_a);
  auto tb = pf.submit(*t.layer_b, ids_b);
  expect_rows(t.spec, ta.wait(), ids_a);
  expect_rows(t.spec, tb.wait(), ids_b);
  EXPECT_EQ(pf.reserved_bytes(), 2 * 512 * 4 * 32 * 4);
  ta.release();
  tb.release();
  EXPECT_EQ(pf.reserved_bytes(), 0u);
}

TEST(Prefetcher, DecodeStepsPipelinedOneAhead) {
  // 64 sequences, one new token each per step; step s+1's rows are requested before step
  // s is consumed, as a decoder does while the backbone computes.
  Tables t;
  Prefetcher pf({.budget_bytes = 64 * 4 * 32 * 4 * 2, .threads = 1});  // exactly two steps of one layer
  std::mt19937_64 rng(2);
  std::vector<std::vector<uint64_t>> steps;
  for (int s = 0; s < 50; ++s) steps.push_back(token_rows(t.layer_b->info(), 64, rng));
  Prefetcher::Ticket cur = pf.submit(*t.layer_b, steps[0]);
  for (size_t s = 0; s < steps.size(); ++s) {
    Prefetcher::Ticket next;
    if (s + 1 < steps.size()) next = pf.submit(*t.layer_b, steps[s + 1]);
    expect_rows(t.spec, cur.wait(), steps[s]);
    EXPECT_LE(pf.reserved_bytes(), pf.budget_bytes());
    cur = std::move(next);  // releases step s
  }
  EXPECT_LE(pf.peak_reserved_bytes(), pf.budget_bytes());
  EXPECT_EQ(pf.peak_reserved_bytes(), pf.budget_bytes());  // the pipeline did run two deep
}

TEST(Prefetcher, NeverExceedsBudgetUnderPressure) {
  Tables t;
  const size_t per_request = 100 * 32 * 4;
  Prefetcher pf({.budget_bytes = per_request * 3 + 100, .threads = 3});
  std::mt19937_64 rng(3);
  // A producer thread submits far more than fits; the consumer releases in order. The
  // producer must block (submit) rather than go over budget.
  const int n = 200;
  std::vector<std::vector<uint64_t>> reqs;
  for (int i = 0; i < n; ++i) reqs.push_back(token_rows(t.layer_a->info(), 25, rng));
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Prefetcher::Ticket> q;
  std::atomic<size_t> max_seen{0};
  std::thread producer([&] {
    for (int i = 0; i < n; ++i) {
      auto tk = pf.submit(i % 2 ? *t.layer_a : *t.layer_b, reqs[i]);
      size_t r = pf.reserved_bytes();
      if (r > max_seen) max_seen = r;
      std::lock_guard<std::mutex> lk(mu);
      q.push_back(std::move(tk));
      cv.notify_one();
    }
  });
  for (int i = 0; i < n; ++i) {
    Prefetcher::Ticket tk;
    {
      std::unique_lock<std::mutex> lk(mu);
      cv.wait(lk, [&] { return !q.empty(); });
      tk = std::move(q.front());
      q.pop_front();
    }
    expect_rows(t.spec, tk.wait(), reqs[i]);
  }
  producer.join();
  EXPECT_LE(max_seen.load(), pf.budget_bytes());
  EXPECT_LE(pf.peak_reserved_bytes(), pf.budget_bytes());
  EXPECT_LE(pf.peak_allocated_bytes(), pf.budget_bytes());
  EXPECT_GE(pf.peak_reserved_bytes(), 2 * per_request);  // it did fill up
  // try_submit refuses instead of blocking when full; a request above the budget throws.
  auto a = pf.submit(*t.layer_a, reqs[0]);
  auto b = pf.submit(*t.layer_a, reqs[1]);
  auto c = pf.submit(*t.layer_a, reqs[2]);
  EXPECT_FALSE(pf.try_submit(*t.layer_a, reqs[3]).has_value());
  a.release();
  EXPECT_TRUE(pf.try_submit(*t.layer_a, reqs[3]).has_value());  // released at once
  std::vector<uint64_t> huge(2000, 1);
  EXPECT_THROW(pf.submit(*t.layer_a, huge), Error);
}

TEST(Prefetcher, GatherErrorsReachTheConsumer) {
  Tables t;
  Prefetcher pf({.budget_bytes = 1 << 20, .threads = 1});
  std::vector<uint64_t> bad = {1, 2, 420};
  auto tk = pf.submit(*t.layer_a, bad);
  try {
    tk.wait();
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("row id 420"), std::string::npos);
  }
  tk.release();
  EXPECT_EQ(pf.reserved_bytes(), 0u);
  std::vector<uint64_t> good = {1, 2, 419};
  expect_rows(t.spec, pf.submit(*t.layer_a, good).wait(), good);
}

TEST(Prefetcher, ManyConsumerThreadsShareOnePrefetcher) {
  Tables t;
  Prefetcher pf({.budget_bytes = 64 * 1024, .threads = 2});
  std::atomic<int> wrong{0};
  std::vector<std::thread> th;
  for (int c = 0; c < 6; ++c)
    th.emplace_back([&, c] {
      std::mt19937_64 rng(50 + c);
      for (int step = 0; step < 30; ++step) {
        auto ids = token_rows(t.layer_a->info(), 8, rng);
        RowStore& s = (step + c) % 2 ? *t.layer_a : *t.layer_b;
        auto tk = pf.submit(s, ids);
        auto rows = tk.wait();
        for (size_t i = 0; i < ids.size(); ++i) {
          auto want = test::expected_row(t.spec, kSeed, ids[i]);
          if (std::memcmp(rows.data() + i * 32, want.data(), 128) != 0) wrong++;
        }
      }
    });
  for (auto& x : th) x.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LE(pf.peak_reserved_bytes(), pf.budget_bytes());
}

}  // namespace
}  // namespace engram
