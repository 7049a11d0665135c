// Table format: CRC32C, row encodings, header layout, writer/reader round trips.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <random>

#include "core/error.h"
#include "core/file.h"
#include "memory/crc32c.h"
#include "memory/dtype.h"
#include "memory/table_file.h"
#include "memory/table_format.h"
#include "memory/table_writer.h"
#include "memory_test_util.h"

namespace engram {
namespace {

TEST(Crc32c, KnownVectors) {
  // The CRC32C check value of "123456789" (RFC 3720 appendix / the Castagnoli catalogue).
  EXPECT_EQ(crc32c::value("123456789", 9), 0xE3069283u);
  std::vector<uint8_t> zeros(32, 0);
  EXPECT_EQ(crc32c::value(zeros.data(), 32), 0x8A9136AAu);  // RFC 3720 B.4: 32 bytes of zeros
  std::vector<uint8_t> ff(32, 0xff);
  EXPECT_EQ(crc32c::value(ff.data(), 32), 0x62A8AB43u);
}

TEST(Crc32c, HardwareMatchesTableAtEveryLengthAndAlignment) {
  std::mt19937 rng(7);
  std::vector<uint8_t> buf(300);
  for (auto& b : buf) b = static_cast<uint8_t>(rng());
  for (size_t mis : {0, 1, 3, 7})
    for (size_t n = 0; n + mis <= buf.size(); n += 7) {
      EXPECT_EQ(crc32c::extend(0, buf.data() + mis, n), crc32c::extend_portable(0, buf.data() + mis, n)) << n;
      // Extending in two pieces equals one pass.
      size_t h = n / 2;
      EXPECT_EQ(crc32c::extend(crc32c::value(buf.data() + mis, h), buf.data() + mis + h, n - h),
                crc32c::value(buf.data() + mis, n));
    }
  EXPECT_EQ(crc32c::unmask(crc32c::mask(0x12345678u)), 0x12345678u);
}

TEST(Dtype, Fp8E4m3DecodeKnownCodesAndRoundTripEveryCode) {
  EXPECT_EQ(fp8_e4m3_to_float(0x00), 0.0f);
  EXPECT_EQ(fp8_e4m3_to_float(0x38), 1.0f);          // exponent 7 = bias
  EXPECT_EQ(fp8_e4m3_to_float(0x7E), 448.0f);        // largest finite
  EXPECT_EQ(fp8_e4m3_to_float(0x01), std::ldexp(1.0f, -9));  // smallest subnormal
  EXPECT_EQ(fp8_e4m3_to_float(0xB8), -1.0f);
  EXPECT_TRUE(std::isnan(fp8_e4m3_to_float(0x7F)));
  for (int c = 0; c < 256; ++c) {
    if ((c & 0x7f) == 0x7f) continue;
    float v = fp8_e4m3_to_float(static_cast<uint8_t>(c));
    uint8_t back = float_to_fp8_e4m3(v);
    if (c == 0x80) EXPECT_EQ(back, 0x80);  // -0 keeps its sign
    else EXPECT_EQ(back, c) << "code " << c << " value " << v;
  }
  EXPECT_EQ(float_to_fp8_e4m3(1000.0f), 0x7E);   // saturates
  EXPECT_EQ(float_to_fp8_e4m3(-1000.0f), 0xFE);
  EXPECT_EQ(float_to_fp8_e4m3(1.0625f), 0x38);   // tie between 1 and 1.125 -> even mantissa
  EXPECT_EQ(float_to_fp8_e4m3(1.1875f), 0x3A);   // tie between 1.125 and 1.25 -> even (1.25)
}

TEST(Dtype, Fp8RowDecodeMatchesScalarForEveryCodeAndScale) {
  // decode_row has a bit-placement fast path; it must equal code value * 2^(s-127) for all
  // codes (subnormals, negatives) and scales, falling back where the fast path cannot apply.
  const uint32_t dim = 256;
  std::vector<uint8_t> row(dim + dim / 32);
  for (int c = 0; c < 256; ++c) row[c] = static_cast<uint8_t>(c);
  for (int s : {0, 1, 7, 8, 9, 100, 127, 200, 254}) {
    for (int g = 0; g < 8; ++g) row[dim + g] = static_cast<uint8_t>(s);
    std::vector<float> out(dim);
    decode_row(RowDtype::kFp8E4m3, dim, row.data(), out.data());
    for (int c = 0; c < 256; ++c) {
      // The same float product the table path computes (so the comparison holds under
      // flush-to-zero too).
      volatile float scale = s == 0 ? std::ldexp(1.0f, -127) : std::ldexp(1.0f, s - 127);
      float want = fp8_e4m3_to_float(static_cast<uint8_t>(c)) * scale;
      if (std::isnan(want)) EXPECT_TRUE(std::isnan(out[c])) << c;
      else EXPECT_EQ(out[c], want) << "code " << c << " scale " << s;
    }
  }
}

TEST(Dtype, RowRoundTripErrorsAreBounded) {
  std::mt19937 rng(3);
  std::normal_distribution<float> nd(0.0f, 2.0f);
  for (RowDtype dt : {RowDtype::kF32, RowDtype::kBf16, RowDtype::kFp8E4m3, RowDtype::kInt8}) {
    const uint32_t dim = 256;
    std::vector<float> in(dim), out(dim);
    for (auto& x : in) x = nd(rng);
    in[5] = 0.0f;
    std::vector<uint8_t> raw(dtype_row_bytes(dt, dim));
    encode_row(dt, in.data(), dim, raw.data());
    decode_row(dt, dim, raw.data(), out.data());
    float amax = 0;
    for (float x : in) amax = std::max(amax, std::fabs(x));
    for (uint32_t i = 0; i < dim; ++i) {
      float err = std::fabs(out[i] - in[i]);
      switch (dt) {
        case RowDtype::kF32: EXPECT_EQ(out[i], in[i]); break;
        case RowDtype::kBf16: EXPECT_LE(err, std::fabs(in[i]) * (1.0f / 256)); break;
        // e4m3 keeps 3 mantissa bits: relative error <= 2^-4 for normals; values far
        // below the group's max fall into subnormals, bounded by the group's step.
        case RowDtype::kFp8E4m3: EXPECT_LE(err, std::max(std::fabs(in[i]) / 16, amax * std::ldexp(1.0f, -9) * 2)); break;
        case RowDtype::kInt8: EXPECT_LE(err, amax / 127 / 2 * 1.0001f); break;
      }
    }
    EXPECT_EQ(out[5], 0.0f);
  }
  EXPECT_EQ(dtype_row_bytes(RowDtype::kFp8E4m3, 256), 264u);  // DeepSeek-V4.1's rows
  EXPECT_EQ(dtype_row_bytes(RowDtype::kF32, 64), 256u);
  EXPECT_THROW(dtype_row_bytes(RowDtype::kFp8E4m3, 48), Error);
  float bad[32] = {};
  bad[3] = NAN;
  uint8_t out[64];
  EXPECT_THROW(encode_row(RowDtype::kF32, bad, 32, out), Error);
}

TEST(TableFormat, PlanLayout) {
  TableSpec s = test::small_spec(RowDtype::kFp8E4m3, 256, {100, 200});
  TableInfo t = plan_table(s);
  EXPECT_EQ(t.row_bytes, 264u);
  EXPECT_EQ(t.rows_per_block, 15u);
  EXPECT_EQ(t.block_bytes, 4096u);
  EXPECT_EQ(t.n_rows, 300u);
  EXPECT_EQ(t.n_blocks, 20u);
  EXPECT_EQ(t.data_offset, 4096u);
  EXPECT_EQ(t.crc_offset, 4096u + 20 * 4096);
  EXPECT_EQ(t.file_bytes, t.crc_offset + 4096);
  EXPECT_EQ(t.head_offsets, (std::vector<uint64_t>{0, 100}));
  // Row 17 is row 2 of block 1.
  EXPECT_EQ(t.row_data_offset(17), 4096u + 2 * 264);
  s.dim = 2100;  // 8400-byte rows: one row per block, padded to 12 KiB
  s.dtype = RowDtype::kF32;
  t = plan_table(s);
  EXPECT_EQ(t.rows_per_block, 1u);
  EXPECT_EQ(t.block_bytes, 12288u);
}

TEST(TableFormat, CanonicalConfigAndFingerprint) {
  Json cfg = parse_json(R"({"seed":0,"pad_id":2,"layer_ids":[1,15],"max_ngram_size":3,
      "n_embed_per_ngram":512,"n_head_per_ngram":8,"engram_vocab_size":[646400,646400],"extra":"ignored"})", "cfg");
  std::string c = canonical_hash_config(cfg, "cfg");
  EXPECT_EQ(c, R"({"engram_vocab_size":[646400,646400],"layer_ids":[1,15],"max_ngram_size":3,"n_embed_per_ngram":512,"n_head_per_ngram":8,"pad_id":2,"seed":0})");
  EXPECT_EQ(config_fingerprint(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(config_fingerprint("a"), 0xaf63dc4c8601ec8cull);  // FNV-1a 64 test vector
  Json cfg2 = cfg;
  cfg2["seed"] = 1;
  EXPECT_NE(config_fingerprint(canonical_hash_config(cfg2, "cfg")), config_fingerprint(c));
  Json missing = cfg;
  missing.erase("pad_id");
  try {
    canonical_hash_config(missing, "my.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("my.json"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("pad_id"), std::string::npos);
  }
  // A spec whose heads/dim disagree with the config is refused.
  TableSpec s = test::small_spec(RowDtype::kF32, 64, std::vector<uint64_t>(16, 7));
  s.config_json = c;
  EXPECT_NO_THROW(plan_table(s));
  s.dim = 32;
  EXPECT_THROW(plan_table(s), Error);
  s.dim = 64;
  s.layer_id = 2;
  EXPECT_THROW(plan_table(s), Error);
  s.layer_id = 15;
  s.head_rows.pop_back();
  EXPECT_THROW(plan_table(s), Error);
}

class RoundTrip : public ::testing::TestWithParam<RowDtype> {};

TEST_P(RoundTrip, WriteThenOpenAndReadEveryRow) {
  const uint32_t dim = GetParam() == RowDtype::kFp8E4m3 ? 64 : 24;
  TableSpec spec = test::small_spec(GetParam(), dim, {37, 41, 43});
  std::string p = test::make_table("roundtrip", spec, 11);
  auto tf = TableFile::open(p);
  const TableInfo& t = tf->info();
  EXPECT_EQ(t.n_rows, 121u);
  EXPECT_EQ(t.dtype, GetParam());
  EXPECT_EQ(t.file_bytes, std::filesystem::file_size(p));
  auto rep = tf->verify_all();
  EXPECT_EQ(rep.blocks_checked, t.n_blocks);
  EXPECT_TRUE(rep.bad_blocks.empty());
  std::vector<uint8_t> block(t.block_bytes);
  for (uint64_t r = 0; r < t.n_rows; ++r) {
    uint64_t b = t.block_of(r);
    tf->file().read(t.block_file_offset(b), t.block_bytes, block.data());
    auto want = test::expected_raw_row(spec, 11, r);
    ASSERT_EQ(0, std::memcmp(block.data() + (r % t.rows_per_block) * t.row_bytes, want.data(), t.row_bytes)) << r;
  }
}

INSTANTIATE_TEST_SUITE_P(AllDtypes, RoundTrip,
                         ::testing::Values(RowDtype::kF32, RowDtype::kBf16, RowDtype::kFp8E4m3, RowDtype::kInt8),
                         [](const auto& info) { return row_dtype_name(info.param); });

TEST(TableWriter, ImportMatrixAndRefuseShortWrites) {
  TableSpec spec = test::small_spec(RowDtype::kF32, 8, {5, 6});
  std::vector<float> m(11 * 8);
  for (size_t i = 0; i < m.size(); ++i) m[i] = static_cast<float>(i) * 0.5f;
  std::string p = test::scratch_table_path("matrix");
  write_table_from_matrix(p, spec, m.data());
  auto tf = TableFile::open(p);
  std::vector<float> row(8);
  tf->file().read(tf->info().data_offset + tf->info().row_data_offset(10), 32, row.data());
  EXPECT_EQ(row[0], 40.0f);
  EXPECT_EQ(row[7], 43.5f);
  std::string q = test::scratch_table_path("short");
  {
    TableWriter w(q, spec);
    w.append_rows(m.data(), 3);
    EXPECT_THROW(w.finish(), Error);
    EXPECT_THROW(w.append_rows(m.data(), 9), Error);  // past n_rows
  }  // unfinished writer: no file appears, the temp file is removed
  EXPECT_FALSE(file_exists(q));
  std::string stem = "." + std::filesystem::path(q).filename().string() + ".tmp";
  for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(q).parent_path()))
    EXPECT_NE(e.path().filename().string().rfind(stem, 0), 0u) << "left a temp file: " << e.path();
}

}  // namespace
}  // namespace engram

// The table layout derived from a HashConfig must agree with the hasher's own prime sizes
// (ENGRAM.md section 4 worked example), and the fingerprint must track the config.
#include "hashing/ngram_hash.h"
#include "memory/table_config.h"

namespace engram {
namespace {

TEST(TableConfig, HeadRowsAreTheHashersPrimes) {
  HashConfig cfg = HashConfig::demo_default();
  NgramHasher hasher(cfg, 98627, 2);
  for (int li = 0; li < hasher.n_layers(); ++li) {
    TableSpec s = table_spec_for(cfg, hasher.layer_id(li), RowDtype::kFp8E4m3);
    auto primes = hasher.table_sizes(li);
    ASSERT_EQ(s.head_rows.size(), primes.size());
    for (size_t h = 0; h < primes.size(); ++h) EXPECT_EQ(s.head_rows[h], static_cast<uint64_t>(primes[h]));
    EXPECT_EQ(s.dim, 64u);
  }
  EXPECT_EQ(table_spec_for(cfg, 1, RowDtype::kF32).head_rows[0], 646403u);
  EXPECT_EQ(table_spec_for(cfg, 15, RowDtype::kF32).head_rows.back(), 646879u);
  EXPECT_THROW(table_spec_for(cfg, 2, RowDtype::kF32), Error);
  HashConfig other = cfg;
  other.seed = 1;
  EXPECT_NE(table_config_fingerprint(cfg), table_config_fingerprint(other));
  EXPECT_EQ(table_open_options_for(cfg, 15).expected_fingerprint, table_config_fingerprint(cfg));
}

}  // namespace
}  // namespace engram
