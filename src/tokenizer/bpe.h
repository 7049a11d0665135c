// Byte-level BPE model: a word (the raw bytes of one pre-token) starts as one symbol per
// byte (the vocabulary id of that byte's stand-in character) and adjacent pairs are merged,
// lowest merge rank first, leftmost first among equal ranks, until no pair has a merge.
// This is the order HF's Word::merge_all applies (its heap pops (rank, position) minima;
// a pair's rank and result are fixed by the pair, so stale heap entries never fire).
// Thread safety: immutable after construction; encode_word* may run concurrently.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace engram {

// (left id, right id) -> (rank, merged id), open addressing on a 64-bit key.
class MergeTable {
 public:
  struct Value {
    int32_t rank, id;
  };
  void reserve(size_t n);
  // Later inserts of the same pair replace earlier ones (HF's HashMap insert does too).
  void insert(int32_t a, int32_t b, Value v);
  // Returns nullptr when the pair has no merge.
  const Value* find(int32_t a, int32_t b) const {
    if (slots_.empty()) return nullptr;
    uint64_t key = pack(a, b);
    size_t i = mix(key) & mask_;
    while (true) {
      const Slot& s = slots_[i];
      if (s.key == key) return &s.value;
      if (s.key == kEmpty) return nullptr;
      i = (i + 1) & mask_;
    }
  }
  size_t size() const { return size_; }

 private:
  static constexpr uint64_t kEmpty = ~0ULL;
  struct Slot {
    uint64_t key;
    Value value;
  };
  static uint64_t pack(int32_t a, int32_t b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
  }
  static uint64_t mix(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return k;
  }
  void rehash(size_t cap);
  std::vector<Slot> slots_;
  size_t mask_ = 0, size_ = 0;
};

struct BpeOptions {
  std::optional<int32_t> unk_id;  // id for bytes whose stand-in is not in the vocabulary
  bool fuse_unk = false;          // consecutive unknowns become one unk
  bool ignore_merges = false;     // a word that is itself a vocabulary entry is emitted whole
};

class BpeModel {
 public:
  BpeModel() = default;
  // byte_ids[b]: id of the one-character token standing for byte b, or -1 if absent
  // (then the byte becomes unk, or is dropped when there is no unk, as HF does).
  // whole_words: vocabulary entries by their byte strings, used by ignore_merges.
  BpeModel(std::array<int32_t, 256> byte_ids, MergeTable merges, BpeOptions opt,
           std::unordered_map<std::string, int32_t> whole_words);

  // Appends the ids of one word. The reference: HF's heap-ordered merge loop.
  void encode_word_reference(std::string_view word, std::vector<int32_t>* out) const;
  // Same result, faster: a linear min-scan for short words, the heap for long ones,
  // and a per-thread cache of recent words.
  void encode_word(std::string_view word, std::vector<int32_t>* out) const;

  const MergeTable& merges() const { return merges_; }

 private:
  // Initial symbols of a word: one id per byte, unknown bytes handled per options.
  void initial_symbols(std::string_view word, std::vector<int32_t>* syms) const;
  void merge_scan(std::vector<int32_t>* syms) const;
  void merge_heap(std::vector<int32_t>* syms) const;
  void encode_uncached(std::string_view word, std::vector<int32_t>* out) const;

  std::array<int32_t, 256> byte_ids_{};
  MergeTable merges_;
  BpeOptions opt_;
  std::unordered_map<std::string, int32_t> whole_words_;
  uint64_t instance_id_ = 0;  // keys the per-thread word caches
};

}  // namespace engram
