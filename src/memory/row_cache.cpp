// RowCache: sharded LRU and CLOCK+TinyLFU hot-row caches.
#include "memory/row_cache.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <unordered_map>

#include "core/error.h"

namespace engram {

std::string cache_policy_name(CachePolicy p) { return p == CachePolicy::kLru ? "lru" : "tinylfu"; }

CachePolicy parse_cache_policy(const std::string& name) {
  if (name == "lru") return CachePolicy::kLru;
  if (name == "tinylfu") return CachePolicy::kTinyLfu;
  throw Error("unknown cache policy '" + name + "' (expected lru or tinylfu)");
}

namespace {

inline uint64_t mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return x;
}

// Count-min sketch with 4 rows of 4-bit counters packed two per byte.
class FrequencySketch {
 public:
  explicit FrequencySketch(size_t capacity) {
    size_t w = 64;
    while (w < capacity * 2) w <<= 1;
    width_mask_ = w - 1;
    table_.assign(4 * w / 2, 0);
    reset_every_ = std::max<size_t>(64, capacity * 10);
  }
  void increment(uint64_t id) {
    uint64_t h = mix64(id);
    bool any = false;
    for (int r = 0; r < 4; ++r) any |= bump(r, index(h, r));
    // Aging: after a window of accesses halve every counter, so yesterday's hot rows fade.
    if (any && ++additions_ >= reset_every_) halve();
  }
  unsigned estimate(uint64_t id) const {
    uint64_t h = mix64(id);
    unsigned m = 15;
    for (int r = 0; r < 4; ++r) m = std::min(m, get(r, index(h, r)));
    return m;
  }

 private:
  size_t index(uint64_t h, int r) const { return ((h >> (r * 16)) ^ (h >> (32 + r * 7))) & width_mask_; }
  unsigned get(int r, size_t i) const {
    uint8_t b = table_[(r * (width_mask_ + 1) + i) / 2];
    return (i & 1) ? b >> 4 : b & 15;
  }
  bool bump(int r, size_t i) {
    uint8_t& b = table_[(r * (width_mask_ + 1) + i) / 2];
    unsigned v = (i & 1) ? b >> 4 : b & 15;
    if (v == 15) return false;
    b = (i & 1) ? static_cast<uint8_t>((b & 0x0f) | ((v + 1) << 4)) : static_cast<uint8_t>((b & 0xf0) | (v + 1));
    return true;
  }
  void halve() {
    for (auto& b : table_) b = (b >> 1) & 0x77;
    additions_ /= 2;
  }
  std::vector<uint8_t> table_;
  size_t width_mask_, additions_ = 0, reset_every_;
};

constexpr uint32_t kNone = 0xffffffffu;

}  // namespace

struct RowCache::Shard {
  std::mutex mu;
  CachePolicy policy;
  size_t row_bytes, capacity;
  std::vector<uint8_t> rows;      // capacity * row_bytes (empty for simulations)
  std::vector<uint64_t> ids;      // slot -> id
  std::vector<uint32_t> prev, next;  // LRU list (head = most recent)
  std::vector<uint8_t> ref;       // CLOCK reference counts
  std::unordered_map<uint64_t, uint32_t> map;
  uint32_t head = kNone, tail = kNone, used = 0, hand = 0;
  FrequencySketch sketch;

  Shard(CachePolicy p, size_t rb, size_t cap, bool store_rows)
      : policy(p), row_bytes(rb), capacity(cap), sketch(cap) {
    if (store_rows) rows.resize(cap * rb);
    ids.resize(cap);
    if (p == CachePolicy::kLru) {
      prev.assign(cap, kNone);
      next.assign(cap, kNone);
    } else {
      ref.assign(cap, 0);
    }
    map.reserve(cap * 2);
  }
  void unlink(uint32_t s) {
    if (prev[s] != kNone) next[prev[s]] = next[s];
    else head = next[s];
    if (next[s] != kNone) prev[next[s]] = prev[s];
    else tail = prev[s];
    prev[s] = next[s] = kNone;
  }
  void push_front(uint32_t s) {
    prev[s] = kNone;
    next[s] = head;
    if (head != kNone) prev[head] = s;
    head = s;
    if (tail == kNone) tail = s;
  }
  // Returns the slot on a hit (and updates recency/frequency), or kNone.
  uint32_t touch(uint64_t id) {
    if (policy == CachePolicy::kTinyLfu) sketch.increment(id);
    auto it = map.find(id);
    if (it == map.end()) return kNone;
    uint32_t s = it->second;
    if (policy == CachePolicy::kLru) {
      unlink(s);
      push_front(s);
    } else if (ref[s] < 3) {
      ++ref[s];
    }
    return s;
  }
  // Picks a slot for a new id, or kNone when the policy declines it.
  uint32_t admit(uint64_t id) {
    if (capacity == 0) return kNone;
    if (map.count(id)) return kNone;
    uint32_t s;
    if (used < capacity) {
      s = used++;
    } else if (policy == CachePolicy::kLru) {
      s = tail;
      unlink(s);
      map.erase(ids[s]);
    } else {
      // CLOCK: sweep, decaying reference counts, to the first unreferenced slot.
      while (ref[hand] > 0) {
        --ref[hand];
        hand = static_cast<uint32_t>((hand + 1) % capacity);
      }
      s = hand;
      // TinyLFU admission: keep the victim unless the newcomer is more popular.
      if (sketch.estimate(id) <= sketch.estimate(ids[s])) return kNone;
      hand = static_cast<uint32_t>((hand + 1) % capacity);
      map.erase(ids[s]);
    }
    ids[s] = id;
    map.emplace(id, s);
    if (policy == CachePolicy::kLru) push_front(s);
    else ref[s] = 0;
    return s;
  }
};

RowCache::RowCache(const Options& opt) : opt_(opt) {
  if (opt.row_bytes == 0) throw Error("row cache: row_bytes must be > 0");
  if (opt.shards == 0) throw Error("row cache: need at least one shard");
  size_t per_shard = opt.budget_bytes / opt.row_bytes / opt.shards;
  if (per_shard == 0)
    throw Error("row cache: a budget of " + std::to_string(opt.budget_bytes) + " bytes holds no " +
                std::to_string(opt.row_bytes) + "-byte row in each of " + std::to_string(opt.shards) + " shards");
  for (unsigned i = 0; i < opt.shards; ++i)
    shards_.push_back(std::make_unique<Shard>(opt.policy, opt.row_bytes, per_shard, true));
}

RowCache::~RowCache() = default;

RowCache::Shard& RowCache::shard_for(uint64_t id) { return *shards_[mix64(id ^ 0x5bd1e995u) % shards_.size()]; }

bool RowCache::lookup(uint64_t id, uint8_t* out) {
  Shard& sh = shard_for(id);
  std::lock_guard<std::mutex> lk(sh.mu);
  uint32_t s = sh.touch(id);
  if (s == kNone) {
    misses_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  std::memcpy(out, sh.rows.data() + size_t{s} * sh.row_bytes, sh.row_bytes);
  hits_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void RowCache::insert(uint64_t id, const uint8_t* row) {
  Shard& sh = shard_for(id);
  std::lock_guard<std::mutex> lk(sh.mu);
  uint32_t s = sh.admit(id);
  if (s != kNone) std::memcpy(sh.rows.data() + size_t{s} * sh.row_bytes, row, sh.row_bytes);
}

bool RowCache::update(uint64_t id, const uint8_t* row) {
  Shard& sh = shard_for(id);
  std::lock_guard<std::mutex> lk(sh.mu);
  auto it = sh.map.find(id);
  if (it == sh.map.end()) return false;
  std::memcpy(sh.rows.data() + size_t{it->second} * sh.row_bytes, row, sh.row_bytes);
  return true;
}

size_t RowCache::capacity_rows() const { return shards_.size() * shards_[0]->capacity; }
size_t RowCache::bytes_reserved() const { return capacity_rows() * opt_.row_bytes; }

double RowCache::hit_rate() const {
  uint64_t h = hits(), m = misses();
  return h + m ? static_cast<double>(h) / static_cast<double>(h + m) : 0.0;
}

void RowCache::reset_stats() {
  hits_.store(0);
  misses_.store(0);
}

double simulate_hit_rate(CachePolicy policy, size_t capacity_rows, const std::vector<uint64_t>& trace, unsigned shards) {
  std::vector<std::unique_ptr<RowCache::Shard>> sh;
  size_t per = std::max<size_t>(1, capacity_rows / shards);
  for (unsigned i = 0; i < shards; ++i) sh.push_back(std::make_unique<RowCache::Shard>(policy, 1, per, false));
  uint64_t hits = 0;
  for (uint64_t id : trace) {
    RowCache::Shard& s = *sh[mix64(id ^ 0x5bd1e995u) % shards];
    if (s.touch(id) != kNone) ++hits;
    else s.admit(id);
  }
  return trace.empty() ? 0.0 : static_cast<double>(hits) / static_cast<double>(trace.size());
}

}  // namespace engram
