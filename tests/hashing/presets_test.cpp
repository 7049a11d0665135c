// The released models' addressing (hashing/presets.h): layouts against the row counts their
// configs publish, row ids against tools/peers/released_hash_ref.py (numpy, written from the
// models' code; vectors vendored in tests/data/presets) in every kernel, batch and decode, the
// variant boundaries fast vs reference on random ids, the HF config.json readers and their errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/json_util.h"
#include "engram/addressing.h"
#include "engram/compression.h"
#include "hashing/hash_config.h"
#include "hashing/multipliers.h"
#include "hashing/ngram_hash.h"
#include "hashing/presets.h"
#include "test_util.h"

namespace engram {
namespace {

using Rule = HashConfig::BoundaryRule;

std::string preset_data(const std::string& name) {
  return std::string(ENGRAM_SOURCE_DIR) + "/tests/data/presets/" + name;
}

std::vector<int64_t> layer_sums(const HashConfig& h) {
  std::vector<int64_t> out;
  for (const auto& sizes : h.table_sizes()) {
    int64_t s = 0;
    for (int64_t p : sizes) s += p;
    out.push_back(s);
  }
  return out;
}

TEST(Presets, LayoutsHaveThePublishedRowCounts) {
  const ModelPreset v41 = builtin_preset("deepseek-v4.1");
  EXPECT_EQ(layer_sums(v41.hash), (std::vector<int64_t>{384006168, 384016682}));
  EXPECT_EQ(v41.hash.columns(), 24);
  EXPECT_EQ(v41.row_bytes, 264);
  EXPECT_EQ(v41.table_rows(1, 384016682), 384016682);

  const ModelPreset q = builtin_preset("qwen4exp");
  const auto sums = layer_sums(q.hash);
  ASSERT_EQ(sums.size(), 1u);
  EXPECT_EQ(sums[0], 320001446);
  EXPECT_EQ(q.table_rows(0, sums[0]), 320001536);
  EXPECT_EQ(q.table_rows(0, sums[0]) % 128, 0);
  EXPECT_EQ(q.table_rows(0, sums[0]) / 128, 2500012);  // the checkpoint's shard rows
  EXPECT_EQ(q.row_bytes, 320);
  // Consecutive primes after 20,000,000 - 1, one per head (the mlx port's offsets list).
  const auto sizes = q.hash.table_sizes()[0];
  EXPECT_EQ(sizes[0], 20000003);
  EXPECT_EQ(sizes[1], 20000023);
  EXPECT_EQ(sizes[0] + sizes[1] + sizes[2], 60000059);

  const ModelPreset demo = builtin_preset("demo");
  EXPECT_EQ(demo.hash, HashConfig::demo_default());
}

TEST(Presets, UnknownNameListsTheBuiltIns) {
  try {
    builtin_preset("deepseek-v5");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("deepseek-v5"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("qwen4exp"), std::string::npos);
  }
}

// One vendored vector file through every kernel, batch and token by token.
void check_vectors(const std::string& file, const ModelPreset& p, int64_t hash_vocab) {
  const Json j = load_json_file(preset_data(file));
  const int64_t pad = j.at("pad_id").get<int64_t>();
  const Json& grid = j.at("ids");
  const int64_t B = static_cast<int64_t>(grid.size()), T = static_cast<int64_t>(grid[0].size());
  std::vector<int64_t> ids;
  for (const Json& row : grid)
    for (const Json& v : row) ids.push_back(v.get<int64_t>());
  NgramHasher h(p.hash, hash_vocab, pad);
  const int L = h.n_layers(), C = h.columns();
  ASSERT_EQ(static_cast<size_t>(L), j.at("layers").size());
  // Expected rows are global (offsets added); the hasher's are head-local.
  std::vector<int64_t> want(static_cast<size_t>(L) * B * T * C);
  for (int l = 0; l < L; ++l) {
    const Json& layer = j["layers"][l];
    EXPECT_EQ(layer.at("layer_id").get<int>(), h.layer_id(l));
    const auto sizes = h.table_sizes(l);
    EXPECT_EQ(layer.at("prime_sizes").get<std::vector<int64_t>>(), std::vector<int64_t>(sizes.begin(), sizes.end()));
    const auto m = h.multipliers(l);
    EXPECT_EQ(layer.at("multipliers").get<std::vector<int64_t>>(), std::vector<int64_t>(m.begin(), m.end()));
    std::vector<int64_t> off(C);
    for (int c = 1; c < C; ++c) off[c] = off[c - 1] + sizes[c - 1];
    for (int64_t b = 0; b < B; ++b)
      for (int64_t t = 0; t < T; ++t)
        for (int c = 0; c < C; ++c)
          want[((static_cast<size_t>(l) * B + b) * T + t) * C + c] = layer["row_ids"][b][t][c].get<int64_t>() - off[c];
  }
  for (HashKernel k : {HashKernel::kReference, HashKernel::kScalar, HashKernel::kAvx512, HashKernel::kAuto}) {
    if (!hash_kernel_available(k)) continue;
    for (int threads : {1, 2}) {
      std::vector<int64_t> got(want.size(), -7);
      h.hash_all_with(k, ids, B, T, got, threads);
      EXPECT_EQ(got, want) << file << " kernel " << hash_kernel_name(k) << " threads " << threads;
    }
  }
  IncrementalHasher inc(h);
  std::vector<int64_t> step(static_cast<size_t>(L) * C);
  for (int64_t b = 0; b < B; ++b) {
    inc.reset();
    for (int64_t t = 0; t < T; ++t) {
      inc.append(ids[b * T + t], step);
      for (int l = 0; l < L; ++l)
        for (int c = 0; c < C; ++c)
          ASSERT_EQ(step[l * C + c], want[((static_cast<size_t>(l) * B + b) * T + t) * C + c])
              << file << " decode [" << b << "][" << t << "] layer " << l << " column " << c;
    }
  }
}

TEST(Presets, DeepseekV41MatchesTheModelCodeReference) {
  const ModelPreset p = builtin_preset("deepseek-v4.1");
  check_vectors("deepseek_v41.json", p, p.compressed_vocab_size);
}

TEST(Presets, Qwen4ExpMatchesTheModelCodeReference) {
  const ModelPreset p = builtin_preset("qwen4exp");
  check_vectors("qwen4exp.json", p, p.vocab_size);
  // The reference's decode path (its n-gram history cache) agreed with its batch path.
  const Json j = load_json_file(preset_data("qwen4exp.json"));
  EXPECT_EQ(j["layers"][0]["decode_row_ids"], j["layers"][0]["row_ids"]);
}

// The public path: Addressing over Qwen's identity "compression" (raw ids), with -1 masked
// positions passing through, batch and Stream, against the vendored reference.
TEST(Presets, AddressingServesQwenWithMaskedIds) {
  const ModelPreset p = builtin_preset("qwen4exp");
  std::vector<int32_t> identity(static_cast<size_t>(p.vocab_size));
  for (size_t i = 0; i < identity.size(); ++i) identity[i] = static_cast<int32_t>(i);
  Addressing a(Compression::from_lookup(identity), p.hash);
  const Json j = load_json_file(preset_data("qwen4exp.json"));
  const int64_t B = static_cast<int64_t>(j["ids"].size()), T = static_cast<int64_t>(j["ids"][0].size());
  std::vector<int64_t> ids;
  for (const Json& row : j["ids"])
    for (const Json& v : row) ids.push_back(v.get<int64_t>());
  ASSERT_NE(std::find(ids.begin(), ids.end(), HashConfig::kDeadId), ids.end());
  const auto rows = a.rows(ids, B, T);
  const int C = a.columns();
  const std::vector<int64_t> global = a.global_rows(0, rows[0]);
  Addressing::Stream s(a);
  std::vector<int64_t> step(C);
  for (int64_t b = 0; b < B; ++b) {
    s.reset();
    for (int64_t t = 0; t < T; ++t) {
      s.append(ids[b * T + t], step);
      for (int c = 0; c < C; ++c) {
        const int64_t want = j["layers"][0]["row_ids"][b][t][c].get<int64_t>();
        ASSERT_EQ(global[(b * T + t) * C + c], want) << b << " " << t << " " << c;
        ASSERT_EQ(a.offsets(0)[c] + step[c], want) << "stream " << b << " " << t << " " << c;
      }
    }
  }
  std::vector<int64_t> bad = {1, -2};
  EXPECT_THROW(a.rows(bad, 1, 2), Error);
}

// Random small configs under each boundary rule: fast kernels (which build windows only around
// boundaries) against the literal reference, and decode against batch.
TEST(Presets, BoundaryRulesFastEqualsReferenceOnRandomIds) {
  std::mt19937_64 rng(99);
  for (Rule rule : {Rule::kDeadBlocks, Rule::kEosResets})
    for (int N : {2, 3, 4, 6})
      for (uint64_t every : {20u, 700u}) {  // dense boundaries; long fast runs between them
      HashConfig c;
      c.max_ngram_size = N;
      c.n_head_per_ngram = 3;
      c.n_embed_per_ngram = 12;
      c.layer_ids = {0, 5};
      c.engram_vocab_size.assign(N - 1, 1000);
      c.boundary = rule;
      c.multiplier_rule = rule == Rule::kEosResets ? HashConfig::MultiplierRule::kSplitmix64
                                                   : HashConfig::MultiplierRule::kNumpy;
      c.prime_rule = rule == Rule::kEosResets ? HashConfig::PrimeRule::kConsecutive : HashConfig::PrimeRule::kUnused;
      const int64_t V = 50, pad = 7;
      c.pad_id = pad;
      NgramHasher h(c, V, pad);
      const int64_t B = 4, T = 3000;  // > 1024 positions: two thread parts split mid-row
      std::vector<int64_t> ids(B * T);
      for (int64_t& v : ids) {
        const uint64_t r = rng() % every;
        v = r == 0 ? HashConfig::kDeadId : (r == 1 ? pad : static_cast<int64_t>(rng() % V));
      }
      for (int64_t t = 0; t < T; ++t) ids[t] = static_cast<int64_t>(rng() % V);  // a row with no boundary
      const size_t cells = static_cast<size_t>(h.n_layers()) * B * T * h.columns();
      std::vector<int64_t> ref(cells), fast(cells);
      h.hash_all_with(HashKernel::kReference, ids, B, T, ref);
      h.hash_all(ids, B, T, fast, 2);
      ASSERT_EQ(fast, ref) << "rule " << hash_rule_name(rule) << " N " << N << " every " << every;
      IncrementalHasher inc(h);
      std::vector<int64_t> step(static_cast<size_t>(h.n_layers()) * h.columns());
      const int C = h.columns();
      for (int64_t b = 1; b < 2; ++b) {
        inc.reset();
        for (int64_t t = 0; t < T; ++t) {
          inc.append(ids[b * T + t], step);
          for (int l = 0; l < h.n_layers(); ++l)
            for (int col = 0; col < C; ++col)
              ASSERT_EQ(step[l * C + col], ref[((static_cast<size_t>(l) * B + b) * T + t) * C + col])
                  << hash_rule_name(rule) << " N " << N << " t " << t;
        }
      }
    }
}

// A thread part that starts within N-1 positions after a boundary must still build windows
// for its first positions (the boundary lies in the previous part).
TEST(Presets, BoundaryJustBeforeAThreadSplit) {
  for (Rule rule : {Rule::kDeadBlocks, Rule::kEosResets}) {
    HashConfig c;
    c.max_ngram_size = 4;
    c.n_head_per_ngram = 2;
    c.n_embed_per_ngram = 8;
    c.layer_ids = {3};
    c.engram_vocab_size = {500, 500, 500};
    c.boundary = rule;
    c.pad_id = 9;
    NgramHasher h(c, 100, 9);
    const int64_t T = 4096, split = 2048;  // hash_all with 2 threads splits at T / 2
    for (int64_t d = 0; d < 5; ++d) {
      std::vector<int64_t> ids(T);
      for (int64_t t = 0; t < T; ++t) ids[t] = 10 + (t * 7919) % 90;
      ids[split - 1 - d] = rule == Rule::kDeadBlocks ? HashConfig::kDeadId : 9;
      std::vector<int64_t> ref(T * h.columns()), fast(ref.size());
      h.hash_all_with(HashKernel::kReference, ids, 1, T, ref);
      h.hash_all(ids, 1, T, fast, 2);
      EXPECT_EQ(fast, ref) << hash_rule_name(rule) << " boundary " << d + 1 << " before the split";
    }
  }
}

TEST(Presets, DemoRuleIgnoresMinusOne) {
  // Under the demo's rule -1 is an ordinary (if odd) id, hashed like numpy would: no window
  // path, so the demo's bit-exactness for any int64 input is unchanged.
  HashConfig c = HashConfig::demo_default();
  NgramHasher h(c, 1000, 2);
  std::vector<int64_t> ids = {5, -1, 7, 9}, a(2 * 4 * 16), b(2 * 4 * 16);
  h.hash_all_with(HashKernel::kReference, ids, 1, 4, a);
  h.hash_all(ids, 1, 4, b);
  EXPECT_EQ(a, b);
}

TEST(Presets, SplitmixMatchesItsPublishedFirstOutput) {
  // SplitMix64 seeded with 0: its first output is 0xE220A8397B1DCDAF (Vigna's reference code).
  EXPECT_EQ(splitmix64(0), 0xE220A8397B1DCDAFull);
}

TEST(Presets, RulesRoundTripAndDemoJsonIsUnchanged) {
  const HashConfig q = builtin_preset("qwen4exp").hash;
  EXPECT_EQ(HashConfig::parse(q.to_json_text(), "q"), q);
  const std::string demo = HashConfig::demo_default().to_json_text();
  EXPECT_EQ(demo.find("rule"), std::string::npos);
  EXPECT_EQ(demo.find("boundary"), std::string::npos);
  EXPECT_THROW(HashConfig::parse(R"({"boundary": "eos"})", "c"), Error);
  EXPECT_THROW(HashConfig::parse(R"({"table_rows_multiple": 0})", "c"), Error);
  try {
    HashConfig::parse(R"({"prime_rule": "consecutive", "engram_vocab_size": [100, 200]})", "cfg.json");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("engram_vocab_size[1]"), std::string::npos) << e.what();
  }
}

Json v41_config() {
  return parse_json(R"({"architectures": ["DeepseekV41ForConditionalGeneration"], "model_type": "deepseek_v41",
    "text_config": {"model_type": "deepseek_v41_text", "vocab_size": 129280, "hidden_size": 5120, "hc_mult": 4,
      "engram_layer_ids": [1, 14], "engram_vocab_size": 16000000, "engram_num_embeddings": [384006168, 384016682],
      "engram_max_ngram_size": 4, "engram_n_heads": 8, "engram_head_dim": 256, "engram_pad_id": 2,
      "engram_compressed_vocab_size": 99092}})",
                    "v41");
}

Json qwen_config() {
  return parse_json(R"({"model_type": "qwen4_exp", "text_config": {"model_type": "qwen4_exp_text",
      "hidden_size": 2560, "vocab_size": 248320, "hc_count": 4, "ple_layer_ids": [2], "ple_embed_dim": 2560,
      "ple_conv_kernel_size": 4, "ngram_size": 3, "heads_per_ngram": 8, "ngram_vocab_size_base": 20000000,
      "split_ngram_parts": 128, "make_ngram_vocab_size_divisible_by": 128, "eos_token_id": 248044}})",
                    "qwen");
}

TEST(Presets, HfConfigsReadToTheBuiltIns) {
  const ModelPreset v = preset_from_hf_config(v41_config(), "config.json");
  EXPECT_EQ(v.hash, builtin_preset("deepseek-v4.1").hash);
  EXPECT_NO_THROW(check_preset_matches(builtin_preset("deepseek-v4.1"), v, "config.json"));
  const ModelPreset q = preset_from_hf_config(qwen_config(), "config.json");
  EXPECT_EQ(q.hash, builtin_preset("qwen4exp").hash);  // seed: the class default 1234
  EXPECT_EQ(q.row_bytes, 320);
  EXPECT_NO_THROW(check_preset_matches(builtin_preset("qwen4exp"), q, "config.json"));
}

using test::error_of;

TEST(Presets, HfConfigErrorsNameTheField) {
  Json c = qwen_config();
  c["text_config"].erase("ple_layer_ids");
  EXPECT_NE(error_of([&] { preset_from_hf_config(c, "config.json"); }).find("ple_layer_ids"), std::string::npos);
  c = qwen_config();
  c["text_config"].erase("eos_token_id");
  EXPECT_NE(error_of([&] { preset_from_hf_config(c, "config.json"); }).find("eos_token_id"), std::string::npos);
  c = qwen_config();
  c["text_config"]["eos_token_id"] = Json::array({248046, 248044});  // a list: the first resets
  EXPECT_EQ(preset_from_hf_config(c, "config.json").hash.pad_id, 248046);
  c["text_config"]["eos_token_id"] = 300000;
  EXPECT_NE(error_of([&] { preset_from_hf_config(c, "config.json"); }).find("outside the vocabulary"),
            std::string::npos);

  Json v = v41_config();
  v["text_config"]["engram_vocab_size"] = 8000000;
  const ModelPreset other = preset_from_hf_config(v, "config.json");
  const std::string msg = error_of([&] { check_preset_matches(builtin_preset("deepseek-v4.1"), other, "config.json"); });
  EXPECT_NE(msg.find("table starting sizes"), std::string::npos) << msg;
  EXPECT_NE(msg.find("8000000"), std::string::npos) << msg;
  v = v41_config();
  v["text_config"]["engram_compressed_vocab_size"] = 98627;
  EXPECT_NE(error_of([&] {
              check_preset_matches(builtin_preset("deepseek-v4.1"), preset_from_hf_config(v, "c"), "c");
            }).find("compressed vocabulary size"),
            std::string::npos);
  v = v41_config();
  v["text_config"]["engram_num_embeddings"] = Json::array({1});
  EXPECT_NE(error_of([&] { preset_from_hf_config(v, "c"); }).find("engram_num_embeddings"), std::string::npos);
  v = v41_config();
  v["text_config"]["engram_layer_ids"] = Json::array();
  EXPECT_NE(error_of([&] { preset_from_hf_config(v, "c"); }).find("no Engram layers"), std::string::npos);
  v["text_config"]["model_type"] = "llama";
  v["model_type"] = "llama";
  EXPECT_NE(error_of([&] { preset_from_hf_config(v, "c"); }).find("'llama'"), std::string::npos);
}

}  // namespace
}  // namespace engram
