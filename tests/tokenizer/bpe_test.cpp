// BPE merge order: the fast path (linear min-scan for short words, heap for long ones, word
// cache) against the reference (HF's heap loop, uncached) on random vocabularies and words,
// including words long enough to take the heap path and repeated words served by the cache.
#include <gtest/gtest.h>

#include <random>

#include "tokenizer/bpe.h"

namespace engram {
namespace {

// A random merge table over a small byte alphabet: ids 0..255 are bytes, merged symbols
// get new ids; ranks are random so merges interact.
BpeModel random_model(std::mt19937& rng, int n_merges, int alphabet) {
  std::array<int32_t, 256> byte_ids;
  for (int b = 0; b < 256; ++b) byte_ids[b] = b;
  MergeTable table;
  std::vector<int32_t> symbols;
  for (int b = 0; b < alphabet; ++b) symbols.push_back('a' + b);
  int32_t next_id = 256;
  std::vector<int32_t> ranks(n_merges);
  for (int i = 0; i < n_merges; ++i) ranks[i] = i;
  std::shuffle(ranks.begin(), ranks.end(), rng);
  for (int i = 0; i < n_merges; ++i) {
    int32_t a = symbols[rng() % symbols.size()], b = symbols[rng() % symbols.size()];
    table.insert(a, b, {ranks[i], next_id});
    symbols.push_back(next_id++);
  }
  return BpeModel(byte_ids, std::move(table), BpeOptions{}, {});
}

TEST(Bpe, FastEqualsReferenceOnRandomModels) {
  std::mt19937 rng(1234);
  for (int model = 0; model < 20; ++model) {
    int alphabet = 2 + model % 5;
    BpeModel bpe = random_model(rng, 40 + model * 10, alphabet);
    for (int w = 0; w < 400; ++w) {
      size_t len = 1 + rng() % (w % 10 == 0 ? 200 : 20);  // some words take the heap path
      std::string word;
      for (size_t i = 0; i < len; ++i) word += static_cast<char>('a' + rng() % alphabet);
      std::vector<int32_t> ref, fast, again;
      bpe.encode_word_reference(word, &ref);
      bpe.encode_word(word, &fast);
      bpe.encode_word(word, &again);  // second call: from the cache
      ASSERT_EQ(fast, ref) << "model " << model << " word " << word;
      ASSERT_EQ(again, ref) << "cached, model " << model << " word " << word;
    }
  }
}

TEST(Bpe, LowestRankFirstLeftmostOnTies) {
  // "aaa" with the single merge a+a: the leftmost pair merges -> [aa, a].
  std::array<int32_t, 256> byte_ids;
  for (int b = 0; b < 256; ++b) byte_ids[b] = b;
  MergeTable t;
  t.insert('a', 'a', {0, 300});
  t.insert('b', 'c', {1, 301});
  t.insert('a', 'b', {2, 302});
  BpeModel bpe(byte_ids, std::move(t), BpeOptions{}, {});
  std::vector<int32_t> out;
  bpe.encode_word("aaa", &out);
  EXPECT_EQ(out, (std::vector<int32_t>{300, 'a'}));
  out.clear();
  // "abc": b+c (rank 1) beats a+b (rank 2) -> [a, bc].
  bpe.encode_word("abc", &out);
  EXPECT_EQ(out, (std::vector<int32_t>{'a', 301}));
}

TEST(Bpe, UnknownBytesDroppedOrUnk) {
  std::array<int32_t, 256> byte_ids;
  byte_ids.fill(-1);
  byte_ids['a'] = 1;
  byte_ids['b'] = 2;
  MergeTable t;
  BpeModel drop(byte_ids, MergeTable(), BpeOptions{}, {});
  std::vector<int32_t> out;
  drop.encode_word("axxb", &out);
  EXPECT_EQ(out, (std::vector<int32_t>{1, 2}));
  BpeOptions unk;
  unk.unk_id = 0;
  BpeModel with_unk(byte_ids, MergeTable(), unk, {});
  out.clear();
  with_unk.encode_word("axxb", &out);
  EXPECT_EQ(out, (std::vector<int32_t>{1, 0, 0, 2}));
  unk.fuse_unk = true;
  BpeModel fused(byte_ids, MergeTable(), unk, {});
  out.clear();
  fused.encode_word("axxbx", &out);
  EXPECT_EQ(out, (std::vector<int32_t>{1, 0, 2, 0}));
}

}  // namespace
}  // namespace engram
