// Fast layer (OpenBLAS + fused passes + OpenMP) against the reference layer over many
// shapes: T shorter than the conv span, M = 1, odd sizes, B > 1, 1 and 2 threads, float32
// and bfloat16 tables; forward intermediates and every gradient. Also the fast path
// against the oracle module vectors directly, and determinism of the table gradient.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "compare.h"
#include "core/error.h"
#include "layer/layer_fast.h"
#include "layer/simd_math.h"
#include "layer/layer_ref.h"
#include "oracle_module.h"

namespace engram {
namespace {

using Vec = std::vector<float>;

Vec randn(size_t n, std::mt19937_64& rng, float scale = 1.0f) {
  std::normal_distribution<float> nd(0.0f, scale);
  Vec v(n);
  for (float& x : v) x = nd(rng);
  return v;
}

// max |got - want| relative to max(1, max |want|) (compare.h, NaN fails): summation order
// differs between the two paths, so the error scales with the magnitude of the whole
// tensor, not of each element.
void expect_near_all(const Vec& got, const Vec& want, double tol, const std::string& what) {
  EXPECT_TRUE(test::max_error_close(got, want, tol)) << what;
}

struct Shape {
  int64_t B, T, M, d, kernel, dil, n_cols, D;
};

struct Case {
  LayerDims dims;
  LayerParams<float> p;
  Vec table;                   // f32 [rows, D]
  std::vector<uint16_t> tbf;   // bf16 copy
  std::vector<int64_t> rows;
  Vec hidden, dy;
};

Case make_case(const Shape& s, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Case c;
  c.dims.n_cols = s.n_cols;
  c.dims.head_dim = s.D;
  c.dims.hidden = s.d;
  c.dims.hc = s.M;
  c.dims.kernel = s.kernel;
  c.dims.dilation = s.dil;
  for (int64_t i = 0; i < s.n_cols; ++i) c.dims.table_sizes.push_back(7 + 3 * i);
  const int64_t E = c.dims.E(), C = c.dims.C(), R = s.B * s.T;
  const float ws = 1.0f / std::sqrt(static_cast<float>(E));
  c.p.value_w = randn(s.d * E, rng, ws);
  c.p.value_b = randn(s.d, rng, 0.1f);
  c.p.key_w = randn(s.M * s.d * E, rng, ws);
  c.p.key_b = randn(s.M * s.d, rng, 0.1f);
  c.p.norm1 = randn(s.M * s.d, rng);
  c.p.norm2 = randn(s.M * s.d, rng);
  c.p.conv_norm = randn(s.M * s.d, rng);
  c.p.conv_w = randn(C * s.kernel, rng, 0.5f);
  c.table = randn(c.dims.total_rows() * s.D, rng);
  for (float& x : c.table) x = bf16_to_f32(f32_to_bf16(x));  // exactly representable in bf16
  for (float x : c.table) c.tbf.push_back(f32_to_bf16(x));
  std::vector<int64_t> ids(R * s.n_cols);
  for (int64_t r = 0; r < R; ++r)
    for (int64_t k = 0; k < s.n_cols; ++k) ids[r * s.n_cols + k] = static_cast<int64_t>(rng() % c.dims.table_sizes[k]);
  c.rows = hash_ids_to_rows(c.dims, ids.data(), s.B, s.T);
  c.hidden = randn(R * C, rng);
  c.dy = randn(R * C, rng);
  return c;
}

void compare(const Shape& s, int threads, bool bf16, uint64_t seed) {
  Case c = make_case(s, seed);
  const std::string tag = "B" + std::to_string(s.B) + " T" + std::to_string(s.T) + " M" + std::to_string(s.M) + " d" +
                          std::to_string(s.d) + " K" + std::to_string(s.kernel) + " dil" + std::to_string(s.dil) +
                          " cols" + std::to_string(s.n_cols) + " D" + std::to_string(s.D) + " thr" +
                          std::to_string(threads) + (bf16 ? " bf16" : " f32");
  SCOPED_TRACE(tag);
  TableView tf{c.table.data(), DType::kF32, c.dims.total_rows(), s.D};
  TableView tb{c.tbf.data(), DType::kBF16, c.dims.total_rows(), s.D};
  ref::LayerActs<float> ra;
  ref::layer_forward(ra, c.p, tf, c.hidden.data(), c.rows.data(), s.B, s.T, c.dims);
  FastLayer fl(c.dims, c.p, threads);
  FastActs fa;
  fl.forward(fa, bf16 ? tb : tf, c.hidden.data(), c.rows.data(), s.B, s.T);
  EXPECT_EQ(fa.e, ra.e) << "gather must be exact";
  expect_near_all(fa.gate, ra.gate, 1e-5, "gate");
  expect_near_all(fa.u, ra.u, 1e-5, "u");
  expect_near_all(fa.pre, ra.pre, 1e-5, "conv pre-activation");
  expect_near_all(fa.y, ra.y, 1e-5, "y");

  LayerGrads<float> rg, fg;
  ref::layer_backward(rg, c.dy.data(), ra, c.p, c.hidden.data(), c.dims);
  fl.backward(fg, c.dy.data(), fa, c.hidden.data());
  const double tol = 2e-4;
  expect_near_all(fg.hidden, rg.hidden, tol, "d hidden");
  expect_near_all(fg.params.value_w, rg.params.value_w, tol, "d value_proj.weight");
  expect_near_all(fg.params.value_b, rg.params.value_b, tol, "d value_proj.bias");
  expect_near_all(fg.params.key_w, rg.params.key_w, tol, "d key_projs.weight");
  expect_near_all(fg.params.key_b, rg.params.key_b, tol, "d key_projs.bias");
  expect_near_all(fg.params.norm1, rg.params.norm1, tol, "d norm1");
  expect_near_all(fg.params.norm2, rg.params.norm2, tol, "d norm2");
  expect_near_all(fg.params.conv_norm, rg.params.conv_norm, tol, "d short_conv.norms");
  expect_near_all(fg.params.conv_w, rg.params.conv_w, tol, "d short_conv.conv.weight");
  EXPECT_EQ(fg.table_rows, rg.table_rows);
  expect_near_all(fg.table_grads, rg.table_grads, tol, "d table rows");
}

TEST(LayerFast, MatchesReferenceOverShapes) {
  const Shape shapes[] = {
      {1, 4, 4, 64, 4, 3, 8, 8},    // oracle-like
      {2, 37, 4, 16, 4, 3, 8, 8},   // B > 1
      {1, 2, 4, 16, 4, 3, 8, 8},    // T shorter than the conv span
      {3, 1, 2, 8, 4, 3, 4, 4},     // T = 1
      {2, 9, 1, 24, 4, 3, 6, 16},   // M = 1 (plain residual)
      {2, 11, 3, 13, 3, 2, 5, 7},   // odd sizes everywhere
      {1, 17, 2, 33, 1, 1, 3, 5},   // kernel 1
      {4, 50, 2, 48, 5, 4, 9, 3},   // more rows than threads x chunks
  };
  uint64_t seed = 100;
  for (const Shape& s : shapes)
    for (int threads : {1, 2})
      for (bool bf16 : {false, true}) compare(s, threads, bf16, seed++);
}

// The comparisons above can fail: a fast layer built with one NaN weight (its outputs and
// gradients turn NaN), or a fast output with one element perturbed past the tolerance, is
// caught (the failures are intercepted here and counted).
TEST(LayerFast, ABrokenFastLayerFailsTheComparison) {
  const Shape s{2, 9, 2, 16, 4, 3, 6, 8};
  Case c = make_case(s, 77);
  TableView tf{c.table.data(), DType::kF32, c.dims.total_rows(), s.D};
  ref::LayerActs<float> ra;
  ref::layer_forward(ra, c.p, tf, c.hidden.data(), c.rows.data(), s.B, s.T, c.dims);
  LayerGrads<float> rg;
  ref::layer_backward(rg, c.dy.data(), ra, c.p, c.hidden.data(), c.dims);
  auto fast = [&](const LayerParams<float>& p, FastActs& fa, LayerGrads<float>& fg) {
    FastLayer fl(c.dims, p, 1);
    fl.forward(fa, tf, c.hidden.data(), c.rows.data(), s.B, s.T);
    fl.backward(fg, c.dy.data(), fa, c.hidden.data());
  };
  FastActs good;
  LayerGrads<float> good_g;
  fast(c.p, good, good_g);
  EXPECT_TRUE(test::failures_of([&] { expect_near_all(good.y, ra.y, 1e-5, "y"); }).empty());
  EXPECT_TRUE(test::failures_of([&] { expect_near_all(good_g.hidden, rg.hidden, 2e-4, "d hidden"); }).empty());

  LayerParams<float> nan_w = c.p;
  nan_w.value_w[3] = std::nanf("");  // every row's value channel 0
  FastActs bad;
  LayerGrads<float> bad_g;
  fast(nan_w, bad, bad_g);
  std::vector<std::string> f = test::failures_of([&] { expect_near_all(bad.y, ra.y, 1e-5, "y"); });
  ASSERT_EQ(f.size(), 1u) << "a NaN fast output passed the comparison";
  EXPECT_NE(f[0].find("nan"), std::string::npos) << f[0];
  EXPECT_EQ(test::failures_of([&] { expect_near_all(bad_g.hidden, rg.hidden, 2e-4, "d hidden"); }).size(), 1u)
      << "a NaN fast gradient passed the comparison";
  EXPECT_EQ(test::failures_of([&] { expect_near_all(bad_g.params.value_w, rg.params.value_w, 2e-4, "d value_w"); }).size(),
            1u);

  for (size_t at : {size_t{0}, good.y.size() / 2, good.y.size() - 1}) {
    Vec one_nan = good.y, off = good.y;
    one_nan[at] = std::nanf("");
    off[at] += 1e-3f * std::max(1.0f, std::fabs(off[at]));
    EXPECT_EQ(test::failures_of([&] { expect_near_all(one_nan, ra.y, 1e-5, "y"); }).size(), 1u) << at;
    EXPECT_EQ(test::failures_of([&] { expect_near_all(off, ra.y, 1e-5, "y"); }).size(), 1u) << at;
  }
}

TEST(LayerFast, MatchesOracleSmallHc4) {
  test::OracleModule m = test::load_oracle_module();
  TableView tab{m.table.data(), DType::kF32, m.dims.total_rows(), m.dims.head_dim};
  FastLayer fl(m.dims, m.params, 2);
  for (const std::string& cs : m.cases) {
    std::vector<int64_t> hs = test::oracle_shape(m, cs, "hidden_states");
    std::vector<int64_t> ids = test::oracle_i64(m, cs, "hash_ids");
    std::vector<int64_t> rows = hash_ids_to_rows(m.dims, ids.data(), hs[0], hs[1]);
    Vec hidden = test::oracle_f32(m, cs, "hidden_states");
    FastActs a;
    fl.forward(a, tab, hidden.data(), rows.data(), hs[0], hs[1]);
    Vec want = test::oracle_f32(m, cs, "output"), gates = test::oracle_f32(m, cs, "gates");
    for (size_t i = 0; i < want.size(); ++i) ASSERT_NEAR(a.y[i], want[i], 1e-5 + 1e-4 * std::fabs(want[i])) << cs << " " << i;
    for (size_t i = 0; i < gates.size(); ++i) ASSERT_NEAR(a.gate[i], gates[i], 1e-5 + 1e-4 * std::fabs(gates[i])) << cs;
  }
}

TEST(LayerFast, BackwardIsDeterministic) {
  Case c = make_case({2, 40, 2, 16, 4, 3, 6, 8}, 7);
  TableView tf{c.table.data(), DType::kF32, c.dims.total_rows(), 8};
  auto run = [&](int threads) {
    FastLayer fl(c.dims, c.p, threads);
    FastActs a;
    fl.forward(a, tf, c.hidden.data(), c.rows.data(), 2, 40);
    LayerGrads<float> g;
    fl.backward(g, c.dy.data(), a, c.hidden.data());
    return g;
  };
  // Same thread count: bitwise identical, every gradient (partials are reduced in thread
  // order, table rows summed in slot order).
  LayerGrads<float> a = run(2), b = run(2);
  EXPECT_EQ(a.table_rows, b.table_rows);
  EXPECT_EQ(a.table_grads, b.table_grads);
  EXPECT_EQ(a.hidden, b.hidden);
  EXPECT_EQ(a.params.conv_w, b.params.conv_w);
  EXPECT_EQ(a.params.norm1, b.params.norm1);
  EXPECT_EQ(a.params.key_w, b.params.key_w);
  // Other thread counts give the same row ids (values agree to rounding, checked above).
  EXPECT_EQ(run(1).table_rows, a.table_rows);
  EXPECT_EQ(run(3).table_rows, a.table_rows);
}

// A table living in a memory tier is handed over as the subset of rows a batch hits, ids
// re-indexed by rank: forward and backward are bitwise those of the whole table, and the
// sparse gradient's rows map back in order.
TEST(LayerFast, SubsetTableIsBitwiseTheWholeTable) {
  Case c = make_case({2, 40, 2, 16, 4, 3, 6, 8}, 11);
  TableView whole{c.table.data(), DType::kF32, c.dims.total_rows(), 8};
  FastLayer fl(c.dims, c.p, 2);
  FastActs a;
  fl.forward(a, whole, c.hidden.data(), c.rows.data(), 2, 40);
  LayerGrads<float> ga;
  fl.backward(ga, c.dy.data(), a, c.hidden.data());

  std::vector<int64_t> uniq = c.rows;
  std::sort(uniq.begin(), uniq.end());
  uniq.erase(std::unique(uniq.begin(), uniq.end()), uniq.end());
  std::vector<float> sub(uniq.size() * 8);
  for (size_t u = 0; u < uniq.size(); ++u) std::copy_n(c.table.begin() + uniq[u] * 8, 8, sub.begin() + u * 8);
  std::vector<int64_t> ranks(c.rows.size());
  for (size_t i = 0; i < ranks.size(); ++i) ranks[i] = std::lower_bound(uniq.begin(), uniq.end(), c.rows[i]) - uniq.begin();
  TableView part{sub.data(), DType::kF32, static_cast<int64_t>(uniq.size()), 8, true};
  FastActs b;
  fl.forward(b, part, c.hidden.data(), ranks.data(), 2, 40);
  LayerGrads<float> gb;
  fl.backward(gb, c.dy.data(), b, c.hidden.data());
  EXPECT_EQ(a.y, b.y);
  EXPECT_EQ(ga.hidden, gb.hidden);
  EXPECT_EQ(ga.params.key_w, gb.params.key_w);
  ASSERT_EQ(ga.table_rows.size(), gb.table_rows.size());
  for (size_t u = 0; u < gb.table_rows.size(); ++u) EXPECT_EQ(uniq[gb.table_rows[u]], ga.table_rows[u]);
  EXPECT_EQ(ga.table_grads, gb.table_grads);

  ranks[17] = static_cast<int64_t>(uniq.size());  // one past the gathered rows
  try {
    fl.forward(b, part, c.hidden.data(), ranks.data(), 2, 40);
    FAIL() << "an id outside the subset was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("slot 17"), std::string::npos) << e.what();
  }
}

// bf16 projections are float32 math on bf16-rounded inputs: with a bf16-exact table, the
// reference layer fed the rounded projection weights must agree to float32 rounding.
// Incremental decoding (one position per sequence, the short conv reading a ring of earlier
// inputs) reproduces the full forward at every position, for hc 1 and 2, a kernel whose
// span exceeds the ring's first positions, and rows served as a gathered subset (the
// memory-tier path). Only the projection GEMM's blocking differs (B rows against B*T).
TEST(LayerFast, DecodeEqualsForwardAtEveryPosition) {
  for (const Shape& s : {Shape{3, 9, 1, 8, 4, 2, 4, 4}, Shape{2, 7, 2, 6, 3, 3, 2, 5}}) {
    SCOPED_TRACE("M" + std::to_string(s.M) + " K" + std::to_string(s.kernel) + " dil" + std::to_string(s.dil));
    Case c = make_case(s, 41);
    TableView tf{c.table.data(), DType::kF32, c.dims.total_rows(), s.D};
    FastLayer fl(c.dims, c.p, 2);
    FastActs full;
    fl.forward(full, tf, c.hidden.data(), c.rows.data(), s.B, s.T);
    const int64_t C = c.dims.C(), nc = s.n_cols, S = fl.history_len();
    ASSERT_EQ(S, (s.kernel - 1) * s.dil);
    for (bool subset : {false, true}) {
      SCOPED_TRACE(subset ? "gathered subset" : "whole table");
      std::vector<float> rings(s.B * S * C, 0.0f);
      FastActs a;
      for (int64_t t = 0; t < s.T; ++t) {
        Vec h(s.B * C);
        std::vector<int64_t> rows(s.B * nc), pos(s.B, t);
        for (int64_t b = 0; b < s.B; ++b) {
          std::copy_n(c.hidden.data() + (b * s.T + t) * C, C, h.data() + b * C);
          std::copy_n(c.rows.data() + (b * s.T + t) * nc, nc, rows.data() + b * nc);
        }
        Vec gathered;
        TableView tab = tf;
        if (subset) {  // the rows a tier would hand over, in slot order, indexed 0..n-1
          for (int64_t i = 0; i < s.B * nc; ++i) {
            gathered.insert(gathered.end(), c.table.begin() + rows[i] * s.D, c.table.begin() + (rows[i] + 1) * s.D);
            rows[i] = i;
          }
          tab = TableView{gathered.data(), DType::kF32, s.B * nc, s.D, true};
        }
        fl.decode(a, tab, h.data(), rows.data(), s.B, rings.data(), pos.data());
        ASSERT_EQ(a.y.size(), static_cast<size_t>(s.B * C));
        for (int64_t b = 0; b < s.B; ++b) {
          const Vec want(full.y.begin() + (b * s.T + t) * C, full.y.begin() + (b * s.T + t + 1) * C);
          const Vec got(a.y.begin() + b * C, a.y.begin() + (b + 1) * C);
          expect_near_all(got, want, 1e-5, "y at b " + std::to_string(b) + " t " + std::to_string(t));
        }
      }
    }
  }
}

TEST(LayerFast, Bf16ProjectionsAreTheLayerOnRoundedWeights) {
  if (!ops::bf16::available()) GTEST_SKIP() << "no AVX-512 BF16 on this CPU";
  const Shape shapes[] = {{1, 4, 4, 64, 4, 3, 8, 8}, {2, 37, 4, 16, 4, 3, 8, 8}, {2, 11, 3, 13, 3, 2, 5, 7},
                          {4, 50, 2, 48, 5, 4, 9, 3}, {2, 9, 1, 24, 4, 3, 6, 16}};
  uint64_t seed = 300;
  for (const Shape& s : shapes) {
    for (int threads : {1, 2}) {
      Case c = make_case(s, seed++);
      SCOPED_TRACE("shape d" + std::to_string(s.d) + " M" + std::to_string(s.M) + " thr" + std::to_string(threads));
      LayerParams<float> pr = c.p;
      for (float& x : pr.value_w) x = bf16_to_f32(f32_to_bf16(x));
      for (float& x : pr.key_w) x = bf16_to_f32(f32_to_bf16(x));
      TableView tf{c.table.data(), DType::kF32, c.dims.total_rows(), s.D};
      ref::LayerActs<float> ra;
      ref::layer_forward(ra, pr, tf, c.hidden.data(), c.rows.data(), s.B, s.T, c.dims);
      FastLayer fl(c.dims, c.p, threads, ProjDtype::kBF16);
      EXPECT_EQ(fl.proj_dtype(), ProjDtype::kBF16);
      FastActs fa;
      fl.forward(fa, tf, c.hidden.data(), c.rows.data(), s.B, s.T);
      expect_near_all(fa.gate, ra.gate, 1e-5, "gate");
      expect_near_all(fa.u, ra.u, 1e-5, "u");
      expect_near_all(fa.y, ra.y, 1e-5, "y");
    }
  }
}

// Against the oracle module (float32 table and weights, so both e and W are rounded): the
// error is reported, and bounded by what bf16 inputs explain; it is above the float32
// tolerance, which is why bf16 projections are opt-in.
TEST(LayerFast, Bf16ProjectionsErrorAgainstOracle) {
  if (!ops::bf16::available()) GTEST_SKIP() << "no AVX-512 BF16 on this CPU";
  test::OracleModule m = test::load_oracle_module();
  TableView tab{m.table.data(), DType::kF32, m.dims.total_rows(), m.dims.head_dim};
  FastLayer fl(m.dims, m.params, 2, ProjDtype::kBF16);
  double worst_y = 0, scale_y = 0, worst_g = 0;
  for (const std::string& cs : m.cases) {
    std::vector<int64_t> hs = test::oracle_shape(m, cs, "hidden_states");
    std::vector<int64_t> ids = test::oracle_i64(m, cs, "hash_ids");
    std::vector<int64_t> rows = hash_ids_to_rows(m.dims, ids.data(), hs[0], hs[1]);
    Vec hidden = test::oracle_f32(m, cs, "hidden_states");
    FastActs a;
    fl.forward(a, tab, hidden.data(), rows.data(), hs[0], hs[1]);
    Vec want = test::oracle_f32(m, cs, "output"), gates = test::oracle_f32(m, cs, "gates");
    for (size_t i = 0; i < want.size(); ++i) {
      worst_y = test::worst_of(worst_y, std::fabs(a.y[i] - want[i]));
      scale_y = test::worst_of(scale_y, std::fabs(want[i]));
    }
    for (size_t i = 0; i < gates.size(); ++i)
      worst_g = test::worst_of(worst_g, std::fabs(a.gate[i] - gates[i]));
  }
  std::printf("bf16 projections vs oracle small_hc4: output max |err| %.3e (max |y| %.3f, relative %.3e), "
              "gate max |err| %.3e\n",
              worst_y, scale_y, worst_y / scale_y, worst_g);
  EXPECT_GT(worst_y, 0.0);  // the rounding is real
  EXPECT_TRUE(test::within(worst_y / scale_y, 2e-2)) << worst_y / scale_y;
  EXPECT_TRUE(test::within(worst_g, 2e-2)) << worst_g;
}

TEST(LayerFast, BadShapesThrowNamedErrors) {
  Case c = make_case({1, 3, 2, 8, 4, 3, 4, 4}, 9);
  FastLayer fl(c.dims, c.p, 1);
  FastActs a;
  TableView wrong_dim{c.table.data(), DType::kF32, c.dims.total_rows(), 5};
  EXPECT_THROW(fl.forward(a, wrong_dim, c.hidden.data(), c.rows.data(), 1, 3), Error);
  TableView wrong_rows{c.table.data(), DType::kF32, c.dims.total_rows() - 1, 4};
  EXPECT_THROW(fl.forward(a, wrong_rows, c.hidden.data(), c.rows.data(), 1, 3), Error);
  LayerParams<float> bad = c.p;
  bad.key_b.pop_back();
  try {
    FastLayer x(c.dims, bad, 1);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("key_projs"), std::string::npos) << e.what();
  }
  std::vector<int64_t> ids = {0, 0, 0, 100};  // column 3 has 16 rows
  try {
    hash_ids_to_rows(c.dims, ids.data(), 1, 1);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("hash_ids[0, 0, 3] = 100 is outside head 3's table [0, 16)"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace engram

namespace engram {
namespace {

TEST(SimdMath, SiluMatchesScalarAcrossRange) {
  // Inputs from -100 to 100 (beyond the +-88 clamp), every lane position and the scalar tail.
  const int64_t n = 4001;
  std::vector<float> pre(n), u(n), dy(n), y(n), dp(n);
  for (int64_t i = 0; i < n; ++i) {
    pre[i] = -100.0f + 0.05f * static_cast<float>(i);
    u[i] = 0.25f * static_cast<float>(i % 7);
    dy[i] = 1.0f - 0.1f * static_cast<float>(i % 5);
  }
  simd::residual_silu(y.data(), u.data(), pre.data(), n);
  simd::silu_backward(dp.data(), dy.data(), pre.data(), n);
  for (int64_t i = 0; i < n; ++i) {
    const double p = pre[i], s = 1.0 / (1.0 + std::exp(-p));
    const double want_y = u[i] + p * s, want_d = dy[i] * (s + p * s * (1.0 - s));
    ASSERT_NEAR(y[i], want_y, 1e-6 * std::max(1.0, std::fabs(want_y))) << "pre " << p;
    ASSERT_NEAR(dp[i], want_d, 1e-6 * std::max(1.0, std::fabs(want_d))) << "pre " << p;
  }
}

}  // namespace
}  // namespace engram
