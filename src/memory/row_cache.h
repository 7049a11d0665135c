// The hot-row cache: fixed-size rows under a byte budget, sharded by row id hash (16
// shards by default, one mutex each, as leveldb's sharded LRU cache does).
// Two policies, so their hit rates can be compared on the same trace:
// - kLru: plain least-recently-used.
// - kTinyLfu: CLOCK eviction (2-bit reference counts) with TinyLFU admission: a per-shard
//   count-min sketch (4-bit counters, halved every 10x capacity accesses so old
//   popularity fades) estimates each id's recent frequency, and a missed row replaces the
//   CLOCK victim only if it is estimated to be more frequent. Zipfian n-gram traffic has
//   a long tail of one-off rows; LRU lets each of them evict a hot row, TinyLFU does not.
// Ownership: owns the row bytes (budget_bytes, rounded down to whole rows per shard).
// Thread safety: lookup/insert/stats may be called concurrently.
// Failure: never throws after construction; the constructor throws engram::Error for a
// zero row size or a budget below one row per shard.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace engram {

enum class CachePolicy { kLru, kTinyLfu };
std::string cache_policy_name(CachePolicy p);
CachePolicy parse_cache_policy(const std::string& name);  // "lru" | "tinylfu"

class RowCache {
 public:
  struct Options {
    size_t budget_bytes = 0;
    size_t row_bytes = 0;
    CachePolicy policy = CachePolicy::kTinyLfu;
    unsigned shards = 16;
  };
  explicit RowCache(const Options& opt);
  ~RowCache();

  // On a hit copies the row into `out` and returns true; counts a hit or a miss.
  bool lookup(uint64_t id, uint8_t* out);
  // Offers a row fetched after a miss; the policy may decline it. A row already present
  // is left as is.
  void insert(uint64_t id, const uint8_t* row);
  // Overwrites the row if it is cached (a write-through store keeping the cache coherent);
  // counts nothing and changes no policy state. Returns whether it was cached.
  bool update(uint64_t id, const uint8_t* row);

  size_t capacity_rows() const;
  size_t bytes_reserved() const;  // row storage held: never above budget_bytes
  uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }
  double hit_rate() const;
  void reset_stats();
  const Options& options() const { return opt_; }

  struct Shard;

 private:
  Shard& shard_for(uint64_t id);
  Options opt_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<uint64_t> hits_{0}, misses_{0};
};

// Hit rate of `policy` with room for `capacity_rows` rows over `trace` (no row data; for
// the policy comparison and the cache-size sweep).
double simulate_hit_rate(CachePolicy policy, size_t capacity_rows, const std::vector<uint64_t>& trace,
                         unsigned shards = 16);

}  // namespace engram
