// The reference layer against the oracle's small_hc4 module vectors: every intermediate the
// oracle records (embeddings, gates, value, short_conv_out, output) for every input case,
// in float32 (rtol 1e-4, atol 1e-5) and in float64 against the *_f64 arrays.
#include <gtest/gtest.h>

#include <cmath>

#include "compare.h"
#include "layer/layer_ref.h"
#include "oracle_module.h"

namespace engram {
namespace {

template <typename A, typename B>
void expect_close(const std::vector<A>& got, const std::vector<B>& want, double rtol, double atol,
                  const std::string& what) {
  EXPECT_TRUE(test::all_close(got, want, rtol, atol)) << what;
}

TEST(LayerOracle, ReferenceMatchesSmallHc4Float32) {
  test::OracleModule m = test::load_oracle_module();
  ASSERT_EQ(m.offsets, m.dims.offsets());
  TableView tab{m.table.data(), DType::kF32, m.dims.total_rows(), m.dims.head_dim};
  ASSERT_EQ(static_cast<int64_t>(m.table.size()), tab.rows * tab.dim);
  ASSERT_GE(m.cases.size(), 2u);
  for (const std::string& cs : m.cases) {
    std::vector<int64_t> hs = test::oracle_shape(m, cs, "hidden_states");
    const int64_t B = hs[0], T = hs[1];
    std::vector<int64_t> ids = test::oracle_i64(m, cs, "hash_ids");
    std::vector<int64_t> rows = hash_ids_to_rows(m.dims, ids.data(), B, T);
    std::vector<float> hidden = test::oracle_f32(m, cs, "hidden_states");
    ref::LayerActs<float> a;
    ref::layer_forward(a, m.params, tab, hidden.data(), rows.data(), B, T, m.dims);
    expect_close(a.e, test::oracle_f32(m, cs, "embeddings"), 1e-4, 1e-5, cs + " embeddings");
    expect_close(a.gate, test::oracle_f32(m, cs, "gates"), 1e-4, 1e-5, cs + " gates");
    expect_close(a.u, test::oracle_f32(m, cs, "value"), 1e-4, 1e-5, cs + " value");
    expect_close(a.conv, test::oracle_f32(m, cs, "short_conv_out"), 1e-4, 1e-5, cs + " short_conv_out");
    expect_close(a.y, test::oracle_f32(m, cs, "output"), 1e-4, 1e-5, cs + " output");
  }
}

TEST(LayerOracle, ReferenceMatchesSmallHc4Float64) {
  test::OracleModule m = test::load_oracle_module();
  auto to_d = [](const std::vector<float>& v) { return std::vector<double>(v.begin(), v.end()); };
  LayerParams<double> p;
  p.value_w = to_d(m.params.value_w);
  p.value_b = to_d(m.params.value_b);
  p.key_w = to_d(m.params.key_w);
  p.key_b = to_d(m.params.key_b);
  p.norm1 = to_d(m.params.norm1);
  p.norm2 = to_d(m.params.norm2);
  p.conv_norm = to_d(m.params.conv_norm);
  p.conv_w = to_d(m.params.conv_w);
  std::vector<double> table = to_d(m.table);
  TableView tab{table.data(), DType::kF64, m.dims.total_rows(), m.dims.head_dim};
  for (const std::string& cs : m.cases) {
    std::vector<int64_t> hs = test::oracle_shape(m, cs, "hidden_states");
    const int64_t B = hs[0], T = hs[1];
    std::vector<int64_t> ids = test::oracle_i64(m, cs, "hash_ids");
    std::vector<int64_t> rows = hash_ids_to_rows(m.dims, ids.data(), B, T);
    std::vector<double> hidden = to_d(test::oracle_f32(m, cs, "hidden_states"));
    ref::LayerActs<double> a;
    ref::layer_forward(a, p, tab, hidden.data(), rows.data(), B, T, m.dims);
    // Same arithmetic in double on both sides: much tighter than the float32 tolerance.
    expect_close(a.gate, test::oracle_f64(m, cs, "gates_f64"), 1e-9, 1e-10, cs + " gates_f64");
    expect_close(a.y, test::oracle_f64(m, cs, "output_f64"), 1e-9, 1e-10, cs + " output_f64");
  }
}

}  // namespace
}  // namespace engram
