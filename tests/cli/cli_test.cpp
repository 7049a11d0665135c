// Every `engram` subcommand run once through the built binary, with small inputs and the
// quickest flags: exit code 0 (or the documented failure), and output checked against what
// the library computes in-process or against known figures (not just "it printed JSON").
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>
#include <tuple>

#include "core/file.h"
#include "core/json_util.h"
#include "core/paths.h"
#include "hashing/ngram_hash.h"
#include "io/safetensors.h"
#include "layer/layer_io.h"
#include "layer/layer_ref.h"
#include "test_util.h"
#include "engram/tokenizer.h"

namespace engram {
namespace {

struct CliRun {
  int code = -1;
  std::string out, err;
};

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// A folder of its own for each test (ctest runs tests in parallel processes).
std::string work_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string d = test::scratch_dir() + "/cli_" + info->name();
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

// Runs `engram ARGS` (the binary of this build), stdout captured, stderr kept for messages.
CliRun engram(const std::string& args) {
  static const std::string bin = std::string(ENGRAM_BINARY_DIR) + "/engram";
  const std::string err_path = test::scratch_dir() + "/cli_stderr_" + std::to_string(::getpid()) + ".txt";
  CliRun r;
  FILE* p = ::popen((quote(bin) + " " + args + " 2>" + quote(err_path)).c_str(), "r");
  if (!p) {
    ADD_FAILURE() << "popen failed for " << args;
    return r;
  }
  char buf[65536];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.out.append(buf, n);
  const int st = ::pclose(p);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  if (file_exists(err_path)) r.err = read_file(err_path);
  return r;
}

// Runs a command that must succeed and print one JSON document.
Json engram_json(const std::string& args) {
  CliRun r = engram(args);
  EXPECT_EQ(r.code, 0) << "engram " << args << "\n" << r.err;
  try {
    return parse_json(r.out, "engram " + args);
  } catch (const std::exception& e) {
    ADD_FAILURE() << e.what() << "\nstdout: " << r.out.substr(0, 2000) << "\nstderr: " << r.err;
    return Json::object();
  }
}

void expect_keys(const Json& j, std::initializer_list<const char*> keys) {
  for (const char* k : keys) EXPECT_TRUE(j.contains(k)) << "missing '" << k << "' in " << j.dump().substr(0, 500);
}

const Tokenizer& deepseek() {
  static const Tokenizer tok = Tokenizer::load(test::tokenizer_path());
  return tok;
}

// A small hashing config (tables of ~211 rows): layer 1, N 3, 2 heads, 16 values per n-gram.
const char* kSmallHash = R"({"engram_vocab_size": [211, 211], "max_ngram_size": 3, "n_embed_per_ngram": 16,
  "n_head_per_ngram": 2, "layer_ids": [1], "pad_id": 2, "seed": 0)";

std::string small_hash_config(const std::string& dir, const std::string& extra = "") {
  const std::string p = dir + "/hash.json";
  write_file_atomic(p, std::string(kSmallHash) + extra + "}");
  return p;
}

const char* kText = "And God said, Let there be light: and there was light.";

TEST(Cli, VersionAndUsageErrors) {
  CliRun v = engram("--version");
  EXPECT_EQ(v.code, 0);
  EXPECT_NE(v.out.find("engram "), std::string::npos) << v.out;
  EXPECT_NE(engram("").code, 0) << "no subcommand must be an error";
  EXPECT_NE(engram("no-such-command").code, 0);
  CliRun bad = engram("tokenize --tokenizer /nonexistent/tokenizer.json --text x");
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("/nonexistent/tokenizer.json"), std::string::npos) << bad.err;
}

TEST(Cli, Tokenize) {
  const std::string dir = work_dir();
  const std::vector<int32_t> want = deepseek().encode(kText);
  Json j = engram_json("tokenize --text " + quote(kText) + " --json");
  EXPECT_EQ(j.at("ids").get<std::vector<int32_t>>(), want);
  Json b = engram_json("tokenize --bos --text " + quote(kText) + " --json");
  std::vector<int32_t> with_bos = {0};
  with_bos.insert(with_bos.end(), want.begin(), want.end());
  EXPECT_EQ(b.at("ids").get<std::vector<int32_t>>(), with_bos);
  write_file_atomic(dir + "/in.txt", kText);
  EXPECT_EQ(engram_json("tokenize --file " + quote(dir + "/in.txt") + " --json").at("ids"), j.at("ids"));
  CliRun plain = engram("tokenize --text " + quote(kText));
  EXPECT_EQ(plain.code, 0) << plain.err;
  EXPECT_NE(plain.out.find(std::to_string(want[1])), std::string::npos) << plain.out;
}

TEST(Cli, Compress) {
  Json j = engram_json("compress --top 3 --json");
  expect_keys(j, {"vocab_size", "compressed_size", "reduction_percent", "largest_classes", "lookup"});
  EXPECT_EQ(j.at("vocab_size").get<int64_t>(), deepseek().size());
  EXPECT_EQ(j.at("compressed_size").get<int64_t>(), 98627);  // the oracle's count (tests/tokenizer)
  EXPECT_EQ(j.at("largest_classes").size(), 3u);
  const auto lookup = j.at("lookup").get<std::vector<int64_t>>();
  ASSERT_EQ(static_cast<int64_t>(lookup.size()), deepseek().size());
  int64_t mx = 0;
  for (int64_t v : lookup) mx = std::max(mx, v);
  EXPECT_EQ(mx + 1, 98627);
  EXPECT_NEAR(j.at("reduction_percent").get<double>(), 100.0 * (1.0 - 98627.0 / deepseek().size()), 1e-9);
}

TEST(Cli, HashAndPipelineAgree) {
  const std::string dir = work_dir();
  const std::string cfg = small_hash_config(dir);
  const std::vector<int32_t> ids = deepseek().encode(kText);
  const size_t T = ids.size();
  Json h = engram_json("hash --config " + quote(cfg) + " --text " + quote(kText) + " --json");
  expect_keys(h, {"compressed_ids", "hash_ids", "compressed_vocab_size"});
  const Json& rows = h.at("hash_ids").at("1");  // [B][T][columns]
  ASSERT_EQ(rows.size(), 1u);
  ASSERT_EQ(rows[0].size(), T);
  // (N - 1) * heads = 4 columns, each inside its table (the config's primes).
  HashConfig hc = hash_config_from_json(parse_json(std::string(kSmallHash) + "}", "hash"), "hash");
  NgramHasher hasher(hc, 1, 0);
  const auto primes = hasher.table_sizes(0);
  for (const Json& t : rows[0]) {
    ASSERT_EQ(t.size(), primes.size());
    for (size_t c = 0; c < primes.size(); ++c) {
      EXPECT_GE(t[c].get<int64_t>(), 0);
      EXPECT_LT(t[c].get<int64_t>(), primes[c]);
    }
  }
  // Raw ids from a file give the same rows; the pipeline command prints the same addressing.
  write_file_atomic(dir + "/ids.json", Json::array({ids}).dump());
  Json h2 = engram_json("hash --config " + quote(cfg) + " --ids " + quote(dir + "/ids.json") + " --json");
  EXPECT_EQ(h2.at("hash_ids"), h.at("hash_ids"));
  Json p = engram_json("pipeline --config " + quote(cfg) + " --text " + quote(kText) + " --json");
  expect_keys(p, {"compressed_ids", "compression", "hash_ids"});
  EXPECT_EQ(p.at("hash_ids").at("1"), rows[0]);
  EXPECT_EQ(p.at("compressed_ids"), h.at("compressed_ids")[0]);
  EXPECT_EQ(p.at("compression").at("compressed_size").get<int64_t>(), 98627);
}

TEST(Cli, LayoutPresets) {
  Json v = engram_json("layout --preset deepseek-v4.1 --json");
  expect_keys(v, {"preset", "vocab_size", "eos_token_id", "layers"});
  EXPECT_EQ(v.at("preset"), "deepseek-v4.1");
  ASSERT_EQ(v.at("layers").size(), 2u);
  const std::vector<int64_t> want_rows = {384006168, 384016682};
  for (size_t l = 0; l < 2; ++l) {
    const Json& L = v["layers"][l];
    expect_keys(L, {"layer_id", "columns", "rows", "table_rows", "row_bytes", "prime_sizes", "offsets"});
    EXPECT_EQ(L.at("rows").get<int64_t>(), want_rows[l]);
    EXPECT_EQ(L.at("table_rows").get<int64_t>(), want_rows[l]);
    EXPECT_EQ(L.at("row_bytes").get<int64_t>(), 264);
    EXPECT_EQ(L.at("columns").get<int>(), 24);
    const auto primes = L.at("prime_sizes").get<std::vector<int64_t>>();
    const auto offsets = L.at("offsets").get<std::vector<int64_t>>();
    ASSERT_EQ(primes.size(), 24u);
    int64_t acc = 0;
    for (size_t c = 0; c < 24; ++c) {
      EXPECT_EQ(offsets[c], acc);
      acc += primes[c];
    }
    EXPECT_EQ(acc, want_rows[l]);
  }
  EXPECT_EQ(v["layers"][0]["layer_id"], 1);
  EXPECT_EQ(v["layers"][1]["layer_id"], 14);
  EXPECT_TRUE(v.at("eos_token_id").is_null());

  Json q = engram_json("layout --preset qwen4exp --json");
  EXPECT_EQ(q.at("vocab_size").get<int64_t>(), 248320);
  EXPECT_EQ(q.at("eos_token_id").get<int64_t>(), 248044);
  ASSERT_EQ(q.at("layers").size(), 1u);
  EXPECT_EQ(q["layers"][0]["rows"].get<int64_t>(), 320001446);
  EXPECT_EQ(q["layers"][0]["table_rows"].get<int64_t>(), 320001536);
  EXPECT_EQ(q["layers"][0]["row_bytes"].get<int64_t>(), 320);
  EXPECT_EQ(q["layers"][0]["columns"].get<int>(), 16);

  // A model's config.json gives the same layout; one that contradicts the preset is refused.
  const std::string dir = work_dir();
  write_file_atomic(dir + "/config.json", R"({"model_type": "qwen4_exp", "text_config": {"model_type":
      "qwen4_exp_text", "hidden_size": 2560, "vocab_size": 248320, "ple_layer_ids": [2], "eos_token_id": 248044}})");
  Json h = engram_json("layout --hf-config " + quote(dir + "/config.json") + " --json");
  EXPECT_EQ(h.at("layers"), q.at("layers"));
  CliRun bad = engram("layout --preset deepseek-v4.1 --hf-config " + quote(dir + "/config.json"));
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("contradicts"), std::string::npos) << bad.err;
  CliRun unknown = engram("layout --preset gpt-5 --json");
  EXPECT_EQ(unknown.code, 1);
  EXPECT_NE(unknown.err.find("unknown preset 'gpt-5'"), std::string::npos) << unknown.err;
}

// The vendored vectors of tools/peers/released_hash_ref.py through the CLI, batch and decode.
TEST(Cli, HashPresetsMatchTheModelCodeReference) {
  const std::string dir = work_dir();
  for (const auto& [file, preset, flags] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"deepseek_v41.json", "deepseek-v4.1", " --compressed --pad 2"}, {"qwen4exp.json", "qwen4exp", ""}}) {
    const Json want = load_json_file(std::string(ENGRAM_SOURCE_DIR) + "/tests/data/presets/" + file);
    write_file_atomic(dir + "/ids.json", want.at("ids").dump());
    for (const char* mode : {"", " --decode"}) {
      Json got = engram_json("hash --preset " + preset + " --ids " + quote(dir + "/ids.json") + flags + mode + " --json");
      ASSERT_EQ(got.at("layers").size(), want.at("layers").size()) << preset;
      for (size_t l = 0; l < want["layers"].size(); ++l) {
        EXPECT_EQ(got["layers"][l].at("layer_id"), want["layers"][l].at("layer_id"));
        EXPECT_EQ(got["layers"][l].at("row_ids"), want["layers"][l].at("row_ids")) << preset << mode;
      }
    }
  }
}

TEST(Cli, HashPresetErrors) {
  const std::string dir = work_dir();
  write_file_atomic(dir + "/big.json", "[[1, 2, 248320]]");
  CliRun r = engram("hash --preset qwen4exp --ids " + quote(dir + "/big.json") + " --json");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("id 248320 at [0][2]"), std::string::npos) << r.err;
  write_file_atomic(dir + "/neg.json", "[[1, -2]]");
  r = engram("hash --preset deepseek-v4.1 --compressed --ids " + quote(dir + "/neg.json"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("id -2 at [0][1]"), std::string::npos) << r.err;
  write_file_atomic(dir + "/c.json", "[[1, 99092]]");
  r = engram("hash --preset deepseek-v4.1 --compressed --ids " + quote(dir + "/c.json"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("compressed vocabulary [0, 99092)"), std::string::npos) << r.err;
  // DeepSeek-V3's tokenizer compresses to 98,627 ids, not V4.1's 99,092: refused, since the
  // multipliers would silently change.
  write_file_atomic(dir + "/raw.json", "[[1, 2, 3]]");
  r = engram("hash --preset deepseek-v4.1 --ids " + quote(dir + "/raw.json"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("98627"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("99092"), std::string::npos) << r.err;
  r = engram("hash --preset qwen4exp --pad 3 --ids " + quote(dir + "/raw.json"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("--pad does not apply"), std::string::npos) << r.err;
  r = engram("hash --preset demo --config x.json --ids " + quote(dir + "/raw.json"));
  EXPECT_EQ(r.code, 1);
  // The demo preset hashes what --config with the demo's fields hashes (its compressed ids).
  write_file_atomic(dir + "/demo.json", HashConfig::demo_default().to_json_text());
  Json a = engram_json("hash --preset demo --ids " + quote(dir + "/raw.json") + " --json");
  Json b = engram_json("hash --config " + quote(dir + "/demo.json") + " --ids " + quote(dir + "/raw.json") + " --json");
  const Json& local = b.at("hash_ids").at("1")[0][2];
  const Json& global = a.at("layers")[0].at("row_ids")[0][2];
  ASSERT_EQ(local.size(), global.size());
  const auto primes = HashConfig::demo_default().table_sizes()[0];
  int64_t off = 0;
  for (size_t c = 0; c < local.size(); ++c) {
    EXPECT_EQ(global[c].get<int64_t>(), off + local[c].get<int64_t>());
    off += primes[c];
  }
}

TEST(Cli, LayerForwardFastReferenceAndInProcessAgree) {
  const std::string dir = work_dir();
  const std::string cfg = dir + "/layer.json";
  write_file_atomic(cfg, std::string(kSmallHash) + R"(, "layer_id": 1, "hidden_size": 16, "hc_mult": 2})");
  LayerFileConfig lc = LayerFileConfig::from_json(load_json_file(cfg), cfg);
  NgramHasher sizes_only(lc.hash, 1, 0);
  const auto ts = sizes_only.table_sizes(0);
  const LayerDims dims = lc.dims(std::vector<int64_t>(ts.begin(), ts.end()));
  std::mt19937_64 rng(5);
  std::normal_distribution<float> nd(0.0f, 0.5f);
  auto randn = [&](size_t n) {
    std::vector<float> v(n);
    for (float& x : v) x = nd(rng);
    return v;
  };
  LayerParams<float> p;
  p.resize_zero(dims);
  for (auto* v : {&p.value_w, &p.value_b, &p.key_w, &p.key_b, &p.norm1, &p.norm2, &p.conv_norm, &p.conv_w})
    *v = randn(v->size());
  std::vector<float> table = randn(dims.total_rows() * dims.head_dim);
  SafeTensorsWriter w;
  add_layer_weights(w, dims, p, TableView{table.data(), DType::kF32, dims.total_rows(), dims.head_dim});
  w.write(dir + "/w.safetensors");

  const std::vector<int32_t> tok = deepseek().encode(kText);
  const int64_t B = 1, T = static_cast<int64_t>(tok.size()), M = lc.hc_mult, d = lc.hidden_size;
  const std::vector<int64_t> ids(tok.begin(), tok.end());
  const std::vector<float> hidden = randn(B * T * M * d);
  SafeTensorsWriter in;
  in.add_i64("input_ids", {B, T}, ids);
  in.add_f32("hidden_states", {B, T, M, d}, hidden);
  in.write(dir + "/in.safetensors");

  const std::string common = " --config " + quote(cfg) + " --weights " + quote(dir + "/w.safetensors");
  Json jf = engram_json("layer forward" + common + " --inputs " + quote(dir + "/in.safetensors") + " --out " +
                        quote(dir + "/fast.safetensors") + " --threads 1 --json");
  expect_keys(jf, {"batch", "seq", "hc_mult", "hidden", "impl", "forward_ms", "out"});
  EXPECT_EQ(jf.at("seq").get<int64_t>(), T);
  EXPECT_EQ(jf.at("impl").get<std::string>(), "fast");
  // The reference implementation, on row ids given explicitly (the hash command's).
  Json h = engram_json("hash --config " + quote(cfg) + " --text " + quote(kText) + " --json");
  std::vector<int64_t> hash_ids;
  for (const Json& t : h.at("hash_ids").at("1")[0])
    for (const Json& r : t) hash_ids.push_back(r.get<int64_t>());
  ASSERT_EQ(static_cast<int64_t>(hash_ids.size()), T * dims.n_cols);
  SafeTensorsWriter in2;
  in2.add_i64("input_ids", {B, T}, ids);
  in2.add_f32("hidden_states", {B, T, M, d}, hidden);
  in2.add_i64("hash_ids", {B, T, dims.n_cols}, hash_ids);
  in2.write(dir + "/in_hashed.safetensors");
  CliRun rr = engram("layer forward" + common + " --inputs " + quote(dir + "/in_hashed.safetensors") + " --out " +
                  quote(dir + "/ref.safetensors") + " --impl reference");
  ASSERT_EQ(rr.code, 0) << rr.err;
  EXPECT_NE(rr.out.find("reference"), std::string::npos) << rr.out;

  SafeTensors fast = SafeTensors::load(dir + "/fast.safetensors"), ref = SafeTensors::load(dir + "/ref.safetensors");
  const std::vector<int64_t> yshape = {B, T, M, d}, gshape = {B, T, M};
  const std::vector<float> yf = fast.read_f32("output", yshape), yr = ref.read_f32("output", yshape);
  const std::vector<float> gf = fast.read_f32("gates", gshape), gr = ref.read_f32("gates", gshape);
  // In process: the reference layer on the same weights and rows gives the reference file.
  ref::LayerActs<float> a;
  const std::vector<int64_t> rows = hash_ids_to_rows(dims, hash_ids.data(), B, T);
  ref::layer_forward(a, p, TableView{table.data(), DType::kF32, dims.total_rows(), dims.head_dim}, hidden.data(),
                     rows.data(), B, T, dims);
  EXPECT_EQ(yr, a.y);
  EXPECT_EQ(gr, a.gate);
  ASSERT_EQ(yf.size(), yr.size());
  for (size_t i = 0; i < yf.size(); ++i) ASSERT_NEAR(yf[i], yr[i], 1e-4 * (1 + std::fabs(yr[i]))) << i;
  for (size_t i = 0; i < gf.size(); ++i) ASSERT_NEAR(gf[i], gr[i], 1e-5) << i;
}

TEST(Cli, TableCreateInspectVerify) {
  const std::string dir = work_dir();
  const std::string cfg = small_hash_config(dir), t = dir + "/t.engt";
  CliRun c = engram("table create --out " + quote(t) + " --layer-id 1 --config " + quote(cfg) + " --dtype bf16 --seed 3");
  ASSERT_EQ(c.code, 0) << c.err;
  Json info = engram_json("table inspect " + quote(t) + " --json");
  expect_keys(info, {"dtype", "dim", "n_rows", "head_rows", "layer_id", "n_blocks", "config_fingerprint"});
  EXPECT_EQ(info.at("dtype").get<std::string>(), "bf16");
  EXPECT_EQ(info.at("layer_id").get<int64_t>(), 1);
  EXPECT_EQ(info.at("dim").get<int64_t>(), 8);  // 16 values per n-gram over 2 heads
  HashConfig hc = hash_config_from_json(parse_json(std::string(kSmallHash) + "}", "hash"), "hash");
  const NgramHasher hasher(hc, 1, 0);
  const auto primes = hasher.table_sizes(0);
  EXPECT_EQ(info.at("head_rows").get<std::vector<int64_t>>(), std::vector<int64_t>(primes.begin(), primes.end()));
  int64_t rows = 0;
  for (int64_t r : primes) rows += r;
  EXPECT_EQ(info.at("n_rows").get<int64_t>(), rows);
  Json v = engram_json("table verify " + quote(t) + " --json");
  EXPECT_TRUE(v.at("ok").get<bool>());
  EXPECT_EQ(v.at("blocks_checked").get<int64_t>(), info.at("n_blocks").get<int64_t>());
  // One flipped row byte: verify names the block and fails.
  std::string bytes = read_file(t);
  bytes[info.at("data_offset").get<size_t>() + 10] ^= 1;
  write_file_atomic(dir + "/bad.engt", bytes);
  CliRun bad = engram("table verify " + quote(dir + "/bad.engt") + " --json");
  EXPECT_EQ(bad.code, 1);
  Json bj = parse_json(bad.out, "verify bad");
  EXPECT_FALSE(bj.at("ok").get<bool>());
  EXPECT_EQ(bj.at("bad_blocks"), Json::array({0}));
  EXPECT_NE(bad.err.find("checksum"), std::string::npos) << bad.err;
  CliRun plain = engram("table inspect " + quote(t));
  EXPECT_EQ(plain.code, 0);
  EXPECT_NE(plain.out.find("bf16"), std::string::npos) << plain.out;
}

TEST(Cli, Params) {
  const std::string configs = std::string(ENGRAM_SOURCE_DIR) + "/configs/";
  Json e = engram_json("params " + quote(configs + "kjv_engram_moe.json") + " --vocab-size 11795 --json");
  Json m = engram_json("params " + quote(configs + "kjv_moe.json") + " --vocab-size 11795 --json");
  expect_keys(e, {"total_params", "activated_params_per_token", "sparse_params", "breakdown"});
  EXPECT_EQ(e.at("total_params").get<int64_t>(), 11'157'632);  // docs/RESULTS.md
  EXPECT_EQ(e.at("activated_params_per_token").get<int64_t>(), 6'437'376);
  EXPECT_EQ(m.at("total_params").get<int64_t>(), 11'156'480);
  EXPECT_EQ(m.at("activated_params_per_token").get<int64_t>(), 6'437'888);
  EXPECT_EQ(e.at("sparse_params").get<int64_t>(),
            e.at("total_params").get<int64_t>() - e.at("activated_params_per_token").get<int64_t>());
  EXPECT_NE(engram("params " + quote(configs + "kjv_moe.json")).code, 0) << "no vocabulary size: an error";
}

TEST(Cli, ModelCheck) {
  const std::string dir = work_dir();
  write_file_atomic(dir + "/lm.json", R"({"d_model": 16, "n_layers": 2, "n_heads": 2, "max_seq_len": 16,
    "ffn": {"type": "moe", "hidden": 16, "n_experts": 4, "top_k": 2, "shared_hidden": 8},
    "engram": {"layer_ids": [1], "max_ngram_size": 3, "n_embed_per_ngram": 8, "n_head_per_ngram": 2,
               "engram_vocab_size": [211, 211], "pad_id": 2, "seed": 0, "kernel_size": 4}})");
  CliRun r = engram("model-check --config " + quote(dir + "/lm.json") + " --out " + quote(dir + "/mc.safetensors") +
                 " --vocab-size 40 --batch 1 --seq 4");
  ASSERT_EQ(r.code, 0) << r.err;
  SafeTensors st = SafeTensors::load(dir + "/mc.safetensors");
  const std::vector<int64_t> logits_shape = {1, 4, 40};
  std::vector<float> logits = st.read_f32("output/logits", logits_shape);
  for (float x : logits) ASSERT_TRUE(std::isfinite(x));
  const TensorInfo& loss_t = st.get("output/loss");
  ASSERT_EQ(loss_t.numel(), 1);
  const float loss = st.read_f32("output/loss", loss_t.shape)[0];
  EXPECT_NEAR(loss, std::log(40.0), 0.5) << "a freshly initialised model is near uniform over 40 ids";
  EXPECT_NE(r.out.find("loss"), std::string::npos) << r.out;
  for (const char* name : {"input/ids", "input/targets", "grad/layers.1.engram.multi_head_embedding.embedding.weight"})
    EXPECT_NE(st.find(name), nullptr) << name;
  EXPECT_EQ(parse_json(st.metadata().at("config"), "config").at("vocab_size").get<int64_t>(), 40);
}

TEST(Cli, BenchHash) {
  Json j = engram_json("bench hash --seq 64 --reps 1 --warmup 0 --decode-tokens 64 --json");
  expect_keys(j, {"tokens_per_s", "ns_per_token", "decode_ns_per_token", "kernel", "seq"});
  EXPECT_EQ(j.at("seq").get<int64_t>(), 64);
  EXPECT_GT(j.at("tokens_per_s").get<double>(), 0);
  EXPECT_GT(j.at("decode_ns_per_token").get<double>(), 0);
}

TEST(Cli, BenchTokenize) {
  const std::string dir = work_dir();
  write_file_atomic(dir + "/c.txt", std::string(kText) + "\n" + kText + "\n");
  Json j = engram_json("bench tokenize --file " + quote(dir + "/c.txt") + " --reps 1 --json");
  expect_keys(j, {"mb_per_s", "tokens", "bytes"});
  EXPECT_EQ(j.at("bytes").get<int64_t>(), static_cast<int64_t>(2 * std::string(kText).size() + 2));
  EXPECT_EQ(j.at("tokens").get<int64_t>(),
            static_cast<int64_t>(deepseek().encode(std::string(kText) + "\n" + kText + "\n").size()));
  EXPECT_GT(j.at("mb_per_s").get<double>(), 0);
}

TEST(Cli, BenchLayer) {
  Json j = engram_json("bench layer --seq 16 --reps 1 --warmup 0 --rows-per-head 101 --hidden 64 --hc-mult 2 "
                       "--threads 1 --json");
  expect_keys(j, {"forward_ms", "forward_backward_ms", "gemm_ms", "table_rows", "seq"});
  EXPECT_EQ(j.at("seq").get<int64_t>(), 16);
  EXPECT_EQ(j.at("table_rows").get<int64_t>(), 101 * 16);  // 16 columns of the demo config
  EXPECT_GT(j.at("forward_ms").get<double>(), 0);
  // Not forward_backward >= forward: two single-rep timings on a shared machine can come either way.
  EXPECT_GT(j.at("forward_backward_ms").get<double>(), 0);
  EXPECT_GT(j.at("gemm_ms").get<double>(), 0);
}

TEST(Cli, BenchMemory) {
  const std::string dir = work_dir();
  write_file_atomic(dir + "/corpus.txt", read_file(cache_dir() + "/corpora/kjv.txt").substr(0, 20000));
  Json j = engram_json("bench memory --json --dir " + quote(dir + "/tables") +
                       " --keep-tables 0 --reps 1 --ram-rows 2000 --gathers 2000 --gather-batch 256"
                       " --ssd-table-gb 0.002 --ssd-rows 500 --ssd-batch 64 --corpus " +
                       quote(dir + "/corpus.txt") +
                       " --batch 2 --steps 4 --warm-steps 2 --warmup-steps 1 --rounds 1 --hidden 32 --ffn 64"
                       " --cache-mb 0.1 --sweep-mb ''");
  expect_keys(j, {"ram", "ram_gather_rows_per_s", "ssd_rows_per_s", "ssd_raw_reads_per_s", "overlap_throughput_ratio"});
  EXPECT_GT(j.at("ram_gather_rows_per_s").get<double>(), 0);
  EXPECT_GT(j.at("ssd_rows_per_s").get<double>(), 0);
  EXPECT_GT(j.at("overlap_throughput_ratio").get<double>(), 0);
}

// One tiny model trained for 3 steps, then every command that reads a checkpoint.
// experiments/tiny.json as shipped: --dry-run lists the grid and the counts, --stop-after
// interrupts it, a second invocation resumes and finishes it.
TEST(Cli, ExperimentDryRunStopAndResume) {
  const std::string dir = work_dir();
  write_file_atomic(dir + "/kjv.txt", read_file(cache_dir() + "/corpora/kjv.txt").substr(0, 120000));
  const std::string args = quote(std::string(ENGRAM_SOURCE_DIR) + "/experiments/tiny.json") + " --out " +
                           quote(dir + "/exp") + " --corpus kjv=" + quote(dir + "/kjv.txt") + " --json";
  Json d = engram_json("experiment " + args + " --dry-run");
  expect_keys(d, {"runs", "finished", "skipped", "resumed", "trained", "stopped", "grid", "params"});
  EXPECT_EQ(d.at("runs"), 4);
  ASSERT_EQ(d.at("params").size(), 2u);
  EXPECT_EQ(d.at("params")[0].at("arm"), "moe");
  EXPECT_EQ(d.at("params")[1].at("arm"), "engram");
  EXPECT_GT(d.at("params")[1].at("breakdown").at("engram_tables").get<int64_t>(), 0);
  EXPECT_EQ(d.at("grid")[0], "moe.kjv.20.s1: new");
  EXPECT_FALSE(file_exists(dir + "/exp/results.jsonl"));

  Json a = engram_json("experiment " + args + " --stop-after 30");
  EXPECT_TRUE(a.at("stopped").get<bool>());
  EXPECT_EQ(a.at("finished"), 1);
  Json b = engram_json("experiment " + args);
  EXPECT_FALSE(b.at("stopped").get<bool>());
  EXPECT_EQ(b.at("finished"), 4);
  EXPECT_EQ(b.at("skipped"), 1);
  EXPECT_EQ(b.at("resumed"), 1);
  EXPECT_EQ(b.at("trained"), 2);
  const std::string results = read_file(b.at("results").get<std::string>());
  EXPECT_EQ(std::count(results.begin(), results.end(), '\n'), 4);
  EXPECT_NE(read_file(b.at("report").get<std::string>()).find("Against `moe`"), std::string::npos);

  CliRun bad = engram("experiment " + args + " --corpus wiki=/tmp/nothing");
  EXPECT_NE(bad.code, 0);
  EXPECT_NE(bad.err.find("has no corpus 'wiki'"), std::string::npos) << bad.err;
}

TEST(Cli, TrainThenEvalGenerateGatesPlotAndBenchGenerate) {
  const std::string dir = work_dir();
  write_file_atomic(dir + "/corpus.txt", read_file(cache_dir() + "/corpora/kjv.txt").substr(0, 60000));
  write_file_atomic(dir + "/lm.json", R"({"d_model": 32, "n_layers": 2, "n_heads": 2, "max_seq_len": 32,
    "ffn": {"type": "moe", "hidden": 32, "n_experts": 4, "top_k": 2, "shared_hidden": 16},
    "engram": {"layer_ids": [0, 1], "max_ngram_size": 3, "n_embed_per_ngram": 16, "n_head_per_ngram": 2,
               "engram_vocab_size": [3001, 3001], "pad_id": 2, "seed": 0, "kernel_size": 4}})");
  const std::string corpus = quote(dir + "/corpus.txt"), run = dir + "/run";
  Json t = engram_json("train " + quote(dir + "/lm.json") + " --data " + corpus + " --out " + quote(run) +
                       " --steps 3 --batch 2 --eval-every 3 --eval-batches 1 --threads 1 --json");
  expect_keys(t, {"checkpoint", "train_loss", "eval_loss", "steps", "metrics"});
  EXPECT_EQ(t.at("steps").get<int64_t>(), 3);
  EXPECT_TRUE(std::isfinite(t.at("train_loss").get<double>()));
  const std::string ck = run + "/checkpoint.safetensors";
  ASSERT_TRUE(file_exists(ck));

  Json e = engram_json("eval " + quote(ck) + " --data " + corpus + " --batch 2 --max-batches 1 --threads 1 --json");
  EXPECT_NEAR(e.at("eval_loss").get<double>(), t.at("eval_loss").get<double>(), 1e-9) << "the same held-out batch";

  Json g = engram_json("generate --checkpoint " + quote(ck) + " --prompt 'And God said' --max-tokens 4 --greedy --json");
  expect_keys(g, {"texts", "generated_tokens", "prompt_tokens"});
  EXPECT_EQ(g.at("generated_tokens").get<int64_t>(), 4);
  ASSERT_EQ(g.at("texts").size(), 1u);
  EXPECT_FALSE(g.at("texts")[0].get<std::string>().empty());
  // The ssd tier gives the same greedy text.
  Json gs = engram_json("generate --checkpoint " + quote(ck) +
                        " --prompt 'And God said' --max-tokens 4 --greedy --tables ssd --cache-mb 0.05 --json");
  EXPECT_EQ(gs.at("texts"), g.at("texts"));

  // gates --json prints the JSON on its first line, then where it wrote the heatmap.
  CliRun gr = engram("gates --checkpoint " + quote(ck) + " --text 'And God said' --out " + quote(dir + "/gates") +
                     " --json");
  ASSERT_EQ(gr.code, 0) << gr.err;
  Json gates = parse_json(gr.out.substr(0, gr.out.find('\n')), "gates --json");
  EXPECT_NE(gr.out.find("gates.html"), std::string::npos) << gr.out;
  EXPECT_EQ(gates.at("layer_ids"), Json::array({0, 1}));
  ASSERT_EQ(gates.at("gates").size(), 2u);
  EXPECT_EQ(gates.at("gates")[0].size(), gates.at("tokens").size());
  for (const Json& layer : gates.at("gates"))
    for (const Json& v : layer) EXPECT_TRUE(v.get<double>() > 0 && v.get<double>() < 1) << v;
  EXPECT_TRUE(file_exists(dir + "/gates/gates.html"));
  EXPECT_TRUE(file_exists(dir + "/gates/gates.svg"));

  // gates --data: the held-out split's gates by n-gram training count.
  Json gq = engram_json("gates --checkpoint " + quote(ck) + " --data " + corpus + " --json");
  expect_keys(gq, {"layer_ids", "ngram", "train_tokens", "distinct_train_ngrams", "heldout_positions", "buckets"});
  ASSERT_EQ(gq.at("buckets").size(), 3u);
  int64_t positions = 0;
  for (const Json& b : gq.at("buckets")) {
    positions += b.at("positions").get<int64_t>();
    ASSERT_EQ(b.at("mean_gate").size(), 2u);  // layers 0 and 1
  }
  EXPECT_EQ(positions, gq.at("heldout_positions").get<int64_t>());
  EXPECT_GT(positions, 0);
  EXPECT_EQ(gq.at("buckets")[0].at("name"), "never");
  CliRun both = engram("gates --checkpoint " + quote(ck) + " --data " + corpus + " --text hi");
  EXPECT_NE(both.code, 0);

  CliRun p = engram("plot tiny=" + quote(run + "/metrics.jsonl") + " --out " + quote(dir + "/loss.svg"));
  ASSERT_EQ(p.code, 0) << p.err;
  EXPECT_EQ(read_file(dir + "/loss.svg").rfind("<svg", 0), 0u);

  Json b = engram_json("bench generate --checkpoint " + quote(ck) +
                       " --prompt 'And God said' --batch 1 --max-tokens 2 --rounds 1 --cache-mb 0.05 --json");
  expect_keys(b, {"ram", "ssd_cache_prefetch", "ssd_cache_no_prefetch", "decode_throughput_ratio"});
  EXPECT_EQ(b.at("generated_tokens").get<int64_t>(), 2);
  EXPECT_GT(b.at("ram").at("decode_tokens_per_s").get<double>(), 0);
}

}  // namespace
}  // namespace engram
