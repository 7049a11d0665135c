// Bit-exactness on every public hashing case: half_bound, multipliers, prime table sizes, and
// the row ids of every input (the optional negative ids included) through every kernel, the
// all-layers call with 1 and 2 threads, and the incremental hasher fed one token at a time.
#include <gtest/gtest.h>

#include "core/json_util.h"
#include "hashing/ngram_hash.h"
#include "test_util.h"

namespace engram {
namespace {

std::vector<HashKernel> kernels() {
  std::vector<HashKernel> ks = {HashKernel::kReference, HashKernel::kScalar, HashKernel::kAuto};
  if (hash_kernel_available(HashKernel::kAvx512)) ks.push_back(HashKernel::kAvx512);
  return ks;
}

class OracleCase : public ::testing::TestWithParam<std::string> {};

TEST_P(OracleCase, BitExact) {
  const std::string dir = test::oracle_dir() + "/hashing/" + GetParam() + "/";
  Json m = load_json_file(dir + "manifest.json");
  HashConfig cfg = hash_config_from_json(m.at("config"), GetParam());
  NgramHasher h(cfg, m.at("tokenizer_vocab_size_compressed").get<int64_t>(),
                m.at("pad_id_compressed").get<int64_t>());
  EXPECT_EQ(h.half_bound(), m.at("half_bound").get<int64_t>());
  const int L = h.n_layers(), C = h.columns();
  for (int l = 0; l < L; ++l) {
    std::string key = std::to_string(cfg.layer_ids[l]);
    EXPECT_EQ(h.layer_index(cfg.layer_ids[l]), l);
    auto mult = h.multipliers(l);
    EXPECT_EQ(std::vector<int64_t>(mult.begin(), mult.end()), m.at("multipliers").at(key).get<std::vector<int64_t>>());
    std::vector<int64_t> primes;
    for (const Json& per_n : m.at("prime_table_sizes").at(key))
      for (const Json& p : per_n) primes.push_back(p.get<int64_t>());
    auto sizes = h.table_sizes(l);
    EXPECT_EQ(std::vector<int64_t>(sizes.begin(), sizes.end()), primes);
  }

  int inputs_checked = 0;
  for (auto& [name, in] : m.at("inputs").items()) {
    SCOPED_TRACE(GetParam() + "/" + name);
    const Json& shape = in.at("compressed_ids").at("shape");
    const int64_t B = shape[0], T = shape[1];
    std::vector<int64_t> ids = test::load_i64(dir + in.at("compressed_ids").at("file").get<std::string>(),
                                              test::shape_count(in.at("compressed_ids")));
    std::vector<std::vector<int64_t>> want(L);
    for (int l = 0; l < L; ++l) {
      const Json& e = in.at("hash_ids").at(std::to_string(cfg.layer_ids[l]));
      ASSERT_EQ(test::shape_count(e), static_cast<size_t>(B * T * C));
      want[l] = test::load_i64(dir + e.at("file").get<std::string>(), test::shape_count(e));
    }
    // Per layer, every kernel.
    for (HashKernel k : kernels()) {
      for (int l = 0; l < L; ++l) {
        std::vector<int64_t> out(B * T * C, -1);
        h.hash_with(k, ids, B, T, l, out);
        EXPECT_EQ(out, want[l]) << "kernel " << hash_kernel_name(k) << " layer " << cfg.layer_ids[l];
      }
    }
    for (int l = 0; l < L; ++l) {
      std::vector<int64_t> out(B * T * C, -1);
      h.hash(ids, B, T, l, out);
      EXPECT_EQ(out, want[l]);
    }
    // All layers at once.
    for (int threads : {1, 2}) {
      std::vector<int64_t> all(L * B * T * C, -1);
      h.hash_all(ids, B, T, all, threads);
      for (int l = 0; l < L; ++l)
        EXPECT_EQ(std::vector<int64_t>(all.begin() + l * B * T * C, all.begin() + (l + 1) * B * T * C), want[l])
            << "threads " << threads;
    }
    // Incremental: one token at a time per sequence; each position's rows must be the oracle's.
    IncrementalHasher inc(h);
    std::vector<int64_t> step(L * C);
    for (int64_t b = 0; b < B; ++b) {
      inc.reset();
      for (int64_t t = 0; t < T; ++t) {
        inc.append(ids[b * T + t], step);
        for (int l = 0; l < L; ++l)
          for (int c = 0; c < C; ++c)
            ASSERT_EQ(step[l * C + c], want[l][(b * T + t) * C + c]) << "b " << b << " t " << t << " col " << c;
      }
      EXPECT_EQ(inc.position(), T);
    }
    ++inputs_checked;
  }
  EXPECT_EQ(inputs_checked, 6);
}

INSTANTIATE_TEST_SUITE_P(Public, OracleCase, ::testing::Values("demo_default", "ngram4_seed42", "tiny_equal_tables"));

}  // namespace
}  // namespace engram
