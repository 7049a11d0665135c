// Fast kernels against the straight-loop reference over random configs and shapes (T = 0, 1,
// T < N, B > 1; K not a multiple of 8; primes below the vector kernel's small-prime bound;
// ids over the whole int64 range so mixes of both signs reach the floor modulo), thread
// splits, incremental decode against the batch result, and argument errors.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "hashing/ngram_hash.h"

namespace engram {
namespace {

HashConfig make_cfg(int N, int K, std::vector<int> layers, std::vector<int64_t> sizes, int64_t seed) {
  HashConfig c;
  c.max_ngram_size = N;
  c.n_head_per_ngram = K;
  c.n_embed_per_ngram = 4 * K;
  c.layer_ids = std::move(layers);
  c.engram_vocab_size = std::move(sizes);
  c.seed = seed;
  return c;
}

std::vector<HashConfig> configs() {
  return {
      HashConfig::demo_default(),
      make_cfg(4, 4, {2, 7}, {1000, 2000, 3000}, 42),
      make_cfg(3, 3, {0, 3, 5}, {50, 50}, 123),                 // small primes, 6 columns
      make_cfg(2, 1, {4}, {2}, 1),                               // one column, prime 2
      make_cfg(5, 5, {1, 2}, {9000, 8000, 100000, 1 << 30}, 7),  // 20 columns, mixed sizes
      make_cfg(3, 16, {0}, {int64_t{1} << 40, 646400}, 3),       // 32 columns, huge primes
      make_cfg(16, 2, {9}, std::vector<int64_t>(15, 5000), 11),  // N = 16, 30 columns
      make_cfg(3, 12, {1, 2, 3}, {129280 * 5, 16777216}, 0),     // 24 columns, 3 chunks
  };
}

// Why the AVX-512 kernel cannot be checked here ("" when it must be: the kernel is built
// on x86-64 with GCC/Clang and used where the CPU has AVX-512F and DQ).
std::string avx512_unchecked_reason() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")) return "";
  return "this CPU lacks AVX-512F/DQ: the avx512 hash kernel was not checked";
#else
  return "the avx512 hash kernel is not built for this platform: it was not checked";
#endif
}

// The kernels of `want` to check: an unavailable one is a failure, except the AVX-512
// kernel where avx512_unchecked_reason() says why (the test then ends with
// skip_if_avx512_unchecked(), a visible skip).
std::vector<HashKernel> kernels_to_check(std::initializer_list<HashKernel> want) {
  std::vector<HashKernel> out;
  for (HashKernel k : want) {
    if (hash_kernel_available(k)) out.push_back(k);
    else if (k != HashKernel::kAvx512 || avx512_unchecked_reason().empty())
      ADD_FAILURE() << "the " << hash_kernel_name(k) << " kernel is unavailable although this CPU and build have it";
  }
  return out;
}

void skip_if_avx512_unchecked() {
  if (const std::string why = avx512_unchecked_reason(); !why.empty()) GTEST_SKIP() << why;
}

std::vector<int64_t> random_ids(std::mt19937_64& rng, size_t n, int mode, int64_t vocab) {
  std::vector<int64_t> v(n);
  for (auto& x : v) {
    if (mode == 0) x = static_cast<int64_t>(rng() % static_cast<uint64_t>(vocab));
    else if (mode == 1) x = static_cast<int64_t>(rng());  // any int64: mixes of both signs
    else x = static_cast<int64_t>(rng() % 7) - 3;         // small, negative included
  }
  return v;
}

TEST(HashKernels, FastEqualsReferenceOverRandomShapes) {
  std::mt19937_64 rng(2026);
  const int64_t V = 98627;
  const std::vector<HashKernel> kernels = kernels_to_check({HashKernel::kScalar, HashKernel::kAvx512, HashKernel::kAuto});
  for (const HashConfig& cfg : configs()) {
    NgramHasher h(cfg, V, 2);
    const int L = h.n_layers(), C = h.columns(), N = cfg.max_ngram_size;
    for (int64_t B : {1, 3}) {
      for (int64_t T : {0, 1, 2, N - 1, N, N + 1, 37, 130}) {
        for (int mode : {0, 1, 2}) {
          std::vector<int64_t> ids = random_ids(rng, B * T, mode, V);
          std::vector<int64_t> ref(L * B * T * C), got(L * B * T * C, -1);
          h.hash_all_with(HashKernel::kReference, ids, B, T, ref);
          for (HashKernel k : kernels) {
            for (int threads : {1, 2}) {
              std::fill(got.begin(), got.end(), -1);
              h.hash_all_with(k, ids, B, T, got, threads);
              ASSERT_EQ(got, ref) << hash_kernel_name(k) << " N=" << N << " K=" << cfg.n_head_per_ngram
                                  << " B=" << B << " T=" << T << " mode=" << mode << " threads=" << threads;
            }
          }
          // Every row id is inside its own table.
          for (int l = 0; l < L; ++l) {
            auto primes = h.table_sizes(l);
            for (int64_t i = 0; i < B * T; ++i)
              for (int c = 0; c < C; ++c) {
                int64_t r = ref[(l * B * T + i) * C + c];
                ASSERT_TRUE(r >= 0 && r < primes[c]);
              }
          }
        }
      }
    }
  }
  skip_if_avx512_unchecked();
}

TEST(HashKernels, ThreadSplitsEqualOneThread) {
  // Enough positions for several threads; parts then start mid-sequence and span sequences.
  std::mt19937_64 rng(3);
  for (const HashConfig& cfg : {HashConfig::demo_default(), make_cfg(4, 4, {2, 7}, {1000, 2000, 3000}, 42)}) {
    NgramHasher h(cfg, 98627, 2);
    for (auto [B, T] : {std::pair<int64_t, int64_t>{1, 5000}, {3, 1501}, {7, 999}}) {
      std::vector<int64_t> ids = random_ids(rng, B * T, 1, 98627);
      std::vector<int64_t> one(h.n_layers() * B * T * h.columns()), many(one.size());
      h.hash_all_with(HashKernel::kReference, ids, B, T, one);
      for (int threads : {2, 3, 5}) {
        std::fill(many.begin(), many.end(), -1);
        h.hash_all(ids, B, T, many, threads);
        ASSERT_EQ(many, one) << "B=" << B << " T=" << T << " threads=" << threads;
      }
    }
  }
}

TEST(HashKernels, ExtremeMixesNearInt64Bounds) {
  // ids chosen so that products land at the int64 extremes for multiplier 1 would need
  // control of multipliers; instead sweep ids near +-2^63 / m[0] and their neighbours.
  HashConfig cfg = make_cfg(3, 3, {0}, {50, 9000}, 5);
  NgramHasher h(cfg, 98627, 1);
  auto m = h.multipliers(0);
  std::vector<int64_t> ids;
  for (int64_t base : {INT64_MAX / m[0], INT64_MIN / m[0], INT64_MAX, INT64_MIN, int64_t{0}})
    for (int64_t d = -3; d <= 3; ++d) ids.push_back(base + ((base > 0 && d > 0) || (base < 0 && d < 0) ? 0 : d));
  const int64_t T = static_cast<int64_t>(ids.size()), C = h.columns();
  std::vector<int64_t> ref(T * C), got(T * C);
  h.hash_with(HashKernel::kReference, ids, 1, T, 0, ref);
  for (HashKernel k : kernels_to_check({HashKernel::kScalar, HashKernel::kAvx512})) {
    h.hash_with(k, ids, 1, T, 0, got);
    EXPECT_EQ(got, ref) << hash_kernel_name(k);
  }
  skip_if_avx512_unchecked();
}

TEST(HashKernels, IncrementalEqualsBatch) {
  std::mt19937_64 rng(7);
  for (const HashConfig& cfg : configs()) {
    NgramHasher h(cfg, 98627, 2);
    const int L = h.n_layers(), C = h.columns();
    const int64_t T = 50;
    std::vector<int64_t> ids = random_ids(rng, T, 0, 98627);
    std::vector<int64_t> batch(L * T * C);
    h.hash_all(ids, 1, T, batch);
    IncrementalHasher inc(h);
    std::vector<int64_t> step(L * C);
    for (int round = 0; round < 2; ++round) {  // a reset must start a fresh sequence
      for (int64_t t = 0; t < T; ++t) {
        inc.append(ids[t], step);
        for (int l = 0; l < L; ++l)
          for (int c = 0; c < C; ++c) ASSERT_EQ(step[l * C + c], batch[(l * T + t) * C + c]);
      }
      IncrementalHasher copy = inc;  // copies carry the window
      copy.append(ids[0], step);
      inc.reset();
    }
  }
}

TEST(HashKernels, ArgumentErrors) {
  NgramHasher h(HashConfig::demo_default(), 98627, 2);
  std::vector<int64_t> ids(6), out(6 * 16), all(2 * 6 * 16);
  EXPECT_THROW(h.hash(ids, 2, 4, 0, out), Error);                // ids count
  EXPECT_THROW(h.hash(ids, 2, 3, 0, all), Error);                // out size
  EXPECT_THROW(h.hash(ids, 2, 3, 2, out), Error);                // layer index
  EXPECT_THROW(h.hash(ids, -2, -3, 0, out), Error);              // negative shape
  EXPECT_THROW(h.hash_all(ids, 2, 3, out), Error);               // needs both layers
  EXPECT_THROW(h.hash_all(ids, 2, 3, all, 0), Error);            // threads
  EXPECT_THROW(h.hash(ids, INT64_MAX, 2, 0, out), Error);        // overflow
  EXPECT_NO_THROW(h.hash_all(ids, 2, 3, all, 64));               // more threads than positions
  EXPECT_THROW(h.layer_index(2), Error);
  EXPECT_EQ(h.layer_index(15), 1);
  EXPECT_THROW(NgramHasher(HashConfig::demo_default(), 0, 0), Error);
  EXPECT_THROW(NgramHasher(HashConfig::demo_default(), 100, 100), Error);
  EXPECT_THROW(NgramHasher(HashConfig::demo_default(), 100, -1), Error);
  HashConfig bad = HashConfig::demo_default();
  bad.layer_ids = {};
  EXPECT_THROW(NgramHasher(bad, 100, 2), Error);
  IncrementalHasher inc(h);
  std::vector<int64_t> small(16);
  EXPECT_THROW(inc.append(5, small), Error);
  EXPECT_THROW(parse_hash_kernel("gpu"), Error);
  EXPECT_EQ(parse_hash_kernel("scalar"), HashKernel::kScalar);
}

}  // namespace
}  // namespace engram
