// Byte-level BPE merges and the per-thread word cache; see bpe.h.
#include "tokenizer/bpe.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <queue>

#include "core/error.h"

namespace engram {

// ---------------------------------------------------------------------------------------
// MergeTable

void MergeTable::reserve(size_t n) {
  size_t cap = 16;
  while (cap < n * 2) cap <<= 1;
  if (cap > slots_.size()) rehash(cap);
}

void MergeTable::rehash(size_t cap) {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(cap, Slot{kEmpty, {0, 0}});
  mask_ = cap - 1;
  size_ = 0;
  for (const Slot& s : old)
    if (s.key != kEmpty) insert(static_cast<int32_t>(s.key >> 32), static_cast<int32_t>(s.key & 0xffffffffu), s.value);
}

void MergeTable::insert(int32_t a, int32_t b, Value v) {
  if ((size_ + 1) * 2 > slots_.size()) rehash(std::max<size_t>(16, slots_.size() * 2));
  uint64_t key = pack(a, b);
  size_t i = mix(key) & mask_;
  while (slots_[i].key != kEmpty && slots_[i].key != key) i = (i + 1) & mask_;
  if (slots_[i].key == kEmpty) ++size_;
  slots_[i] = Slot{key, v};
}

// ---------------------------------------------------------------------------------------
// Per-thread word cache. Each thread keeps caches for the few most recently used models,
// keyed by a process-unique instance id (never an address, which a later model may reuse).
// A cache holds up to kMaxEntries words of up to kMaxWordBytes; when full it is cleared,
// which keeps memory bounded and costs one re-merge per word afterwards.

namespace {

constexpr size_t kMaxWordBytes = 64;
constexpr size_t kMaxEntries = 1 << 16;
constexpr size_t kSlots = 1 << 17;  // load factor <= 0.5
constexpr int kModelsPerThread = 4;

std::atomic<uint64_t> g_next_instance{1};

uint64_t hash_bytes(std::string_view s) {
  // 8 bytes at a time, multiply-xorshift mixing; words are short.
  uint64_t h = 0x9E3779B97F4A7C15ULL ^ (s.size() * 0xC2B2AE3D27D4EB4FULL);
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 31;
  }
  if (i < s.size()) {
    uint64_t w = 0;
    std::memcpy(&w, s.data() + i, s.size() - i);
    h = (h ^ w) * 0x94D049BB133111EBULL;
    h ^= h >> 29;
  }
  return h ^ (h >> 32);
}

class WordCache {
 public:
  WordCache() : slots_(kSlots) {}

  // Appends the cached ids of `word` to out; false on a miss.
  bool get(std::string_view word, uint64_t h, std::vector<int32_t>* out) const {
    size_t i = h & (kSlots - 1);
    while (true) {
      const Slot& s = slots_[i];
      if (s.key_len == 0) return false;
      if (s.hash == h && s.key_len == word.size() && std::memcmp(keys_.data() + s.key_off, word.data(), word.size()) == 0) {
        out->insert(out->end(), ids_.begin() + s.ids_off, ids_.begin() + s.ids_off + s.n_ids);
        return true;
      }
      i = (i + 1) & (kSlots - 1);
    }
  }

  void put(std::string_view word, uint64_t h, const int32_t* ids, size_t n) {
    if (word.empty() || word.size() > kMaxWordBytes) return;
    if (n_entries_ >= kMaxEntries) clear();
    size_t i = h & (kSlots - 1);
    while (slots_[i].key_len != 0) i = (i + 1) & (kSlots - 1);
    Slot& s = slots_[i];
    s.hash = h;
    s.key_off = static_cast<uint32_t>(keys_.size());
    s.key_len = static_cast<uint16_t>(word.size());
    s.ids_off = static_cast<uint32_t>(ids_.size());
    s.n_ids = static_cast<uint16_t>(n);
    keys_.append(word);
    ids_.insert(ids_.end(), ids, ids + n);
    ++n_entries_;
  }

 private:
  void clear() {
    std::fill(slots_.begin(), slots_.end(), Slot{});
    keys_.clear();
    ids_.clear();
    n_entries_ = 0;
  }
  struct Slot {
    uint64_t hash = 0;
    uint32_t key_off = 0, ids_off = 0;
    uint16_t key_len = 0, n_ids = 0;
  };
  std::vector<Slot> slots_;
  std::string keys_;
  std::vector<int32_t> ids_;
  size_t n_entries_ = 0;
};

struct ThreadCaches {
  struct Entry {
    uint64_t instance = 0;
    uint64_t last_use = 0;
    std::unique_ptr<WordCache> cache;
  };
  Entry entries[kModelsPerThread];
  uint64_t clock = 0;
  uint64_t last_instance = 0;
  WordCache* last_cache = nullptr;

  WordCache& for_instance(uint64_t id) {
    if (id == last_instance && last_cache) return *last_cache;
    Entry* victim = &entries[0];
    for (Entry& e : entries) {
      if (e.instance == id && e.cache) {
        victim = &e;
        goto found;
      }
      if (e.last_use < victim->last_use) victim = &e;
    }
    victim->instance = id;
    victim->cache = std::make_unique<WordCache>();
  found:
    victim->last_use = ++clock;
    last_instance = id;
    last_cache = victim->cache.get();
    return *last_cache;
  }
};

}  // namespace

// ---------------------------------------------------------------------------------------
// BpeModel

BpeModel::BpeModel(std::array<int32_t, 256> byte_ids, MergeTable merges, BpeOptions opt,
                   std::unordered_map<std::string, int32_t> whole_words)
    : byte_ids_(byte_ids),
      merges_(std::move(merges)),
      opt_(opt),
      whole_words_(std::move(whole_words)),
      instance_id_(g_next_instance.fetch_add(1)) {}

void BpeModel::initial_symbols(std::string_view word, std::vector<int32_t>* syms) const {
  syms->clear();
  bool pending_unk = false;  // an unk run not yet emitted (only with fuse_unk)
  for (unsigned char b : word) {
    int32_t id = byte_ids_[b];
    if (id >= 0) {
      if (pending_unk) syms->push_back(*opt_.unk_id);
      pending_unk = false;
      syms->push_back(id);
    } else if (opt_.unk_id) {
      if (opt_.fuse_unk) {
        pending_unk = true;
      } else {
        syms->push_back(*opt_.unk_id);
      }
    }
    // No unk token: HF drops the symbol.
  }
  if (pending_unk) syms->push_back(*opt_.unk_id);
}

void BpeModel::merge_scan(std::vector<int32_t>* syms) const {
  // O(n^2) in pair lookups but allocation-free and branch-light: fastest for short words.
  std::vector<int32_t>& s = *syms;
  size_t n = s.size();
  while (n >= 2) {
    int32_t best_rank = INT32_MAX, best_id = -1;
    size_t best_pos = 0;
    for (size_t i = 0; i + 1 < n; ++i) {
      const MergeTable::Value* v = merges_.find(s[i], s[i + 1]);
      if (v && v->rank < best_rank) {
        best_rank = v->rank;
        best_id = v->id;
        best_pos = i;
      }
    }
    if (best_id < 0) break;
    s[best_pos] = best_id;
    std::memmove(&s[best_pos + 1], &s[best_pos + 2], (n - best_pos - 2) * sizeof(int32_t));
    --n;
  }
  s.resize(n);
}

void BpeModel::merge_heap(std::vector<int32_t>* syms) const {
  // HF's Word::merge_all: a doubly linked list of symbols and a min-heap of candidate
  // merges keyed by (rank, position); entries whose pair changed since they were pushed
  // are skipped when popped.
  std::vector<int32_t>& s = *syms;
  const int n = static_cast<int>(s.size());
  if (n < 2) return;
  std::vector<int> prev(n), next(n);
  std::vector<char> alive(n, 1);
  for (int i = 0; i < n; ++i) {
    prev[i] = i - 1;
    next[i] = i + 1 < n ? i + 1 : -1;
  }
  struct Cand {
    int32_t rank;
    int pos;
    int32_t left, right;  // the pair at push time
    bool operator>(const Cand& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
  };
  std::priority_queue<Cand, std::vector<Cand>, std::greater<Cand>> heap;
  for (int i = 0; i + 1 < n; ++i)
    if (const auto* v = merges_.find(s[i], s[i + 1])) heap.push({v->rank, i, s[i], s[i + 1]});
  while (!heap.empty()) {
    Cand c = heap.top();
    heap.pop();
    if (!alive[c.pos] || next[c.pos] < 0) continue;
    int r = next[c.pos];
    if (s[c.pos] != c.left || s[r] != c.right) continue;  // stale
    const MergeTable::Value* v = merges_.find(c.left, c.right);
    s[c.pos] = v->id;
    alive[r] = 0;
    next[c.pos] = next[r];
    if (next[r] >= 0) prev[next[r]] = c.pos;
    if (prev[c.pos] >= 0) {
      int p = prev[c.pos];
      if (const auto* pv = merges_.find(s[p], s[c.pos])) heap.push({pv->rank, p, s[p], s[c.pos]});
    }
    if (next[c.pos] >= 0) {
      int q = next[c.pos];
      if (const auto* nv = merges_.find(s[c.pos], s[q])) heap.push({nv->rank, c.pos, s[c.pos], s[q]});
    }
  }
  size_t w = 0;
  for (int i = 0; i < n; ++i)
    if (alive[i]) s[w++] = s[i];
  s.resize(w);
}

void BpeModel::encode_word_reference(std::string_view word, std::vector<int32_t>* out) const {
  if (word.empty()) return;
  if (opt_.ignore_merges) {
    auto it = whole_words_.find(std::string(word));
    if (it != whole_words_.end()) {
      out->push_back(it->second);
      return;
    }
  }
  std::vector<int32_t> syms;
  initial_symbols(word, &syms);
  merge_heap(&syms);
  out->insert(out->end(), syms.begin(), syms.end());
}

void BpeModel::encode_uncached(std::string_view word, std::vector<int32_t>* out) const {
  thread_local std::vector<int32_t> syms;
  if (opt_.ignore_merges) {
    auto it = whole_words_.find(std::string(word));
    if (it != whole_words_.end()) {
      out->push_back(it->second);
      return;
    }
  }
  initial_symbols(word, &syms);
  if (syms.size() <= 48) {
    merge_scan(&syms);
  } else {
    merge_heap(&syms);
  }
  out->insert(out->end(), syms.begin(), syms.end());
}

void BpeModel::encode_word(std::string_view word, std::vector<int32_t>* out) const {
  if (word.empty()) return;
  if (word.size() == 1) {  // one byte: no merge possible
    int32_t id = byte_ids_[static_cast<unsigned char>(word[0])];
    if (id >= 0) {
      out->push_back(id);
      return;
    }
    encode_uncached(word, out);
    return;
  }
  if (word.size() > kMaxWordBytes) {
    encode_uncached(word, out);
    return;
  }
  thread_local ThreadCaches caches;
  WordCache& cache = caches.for_instance(instance_id_);
  uint64_t h = hash_bytes(word);
  if (cache.get(word, h, out)) return;
  size_t before = out->size();
  encode_uncached(word, out);
  cache.put(word, h, out->data() + before, out->size() - before);
}

}  // namespace engram
