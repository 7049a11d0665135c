// Finite-difference gradient checks, in double precision, of every reference op's backward
// (gather, linear, RMSNorm, gate, scale, conv, SiLU) and of the whole layer's backward
// (hidden states, every dense parameter, the sparse table gradient).
//
// Method: loss = sum(out * w) with fixed random w, so dloss/dout = w; each input element is
// perturbed by +-h and the central difference compared with the analytic gradient.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>

#include "compare.h"
#include "layer/layer_ref.h"
#include "layer/ops_ref.h"

namespace engram {
namespace {

using Vec = std::vector<double>;

Vec randn(size_t n, std::mt19937_64& rng, double scale = 1.0) {
  std::normal_distribution<double> nd(0.0, scale);
  Vec v(n);
  for (double& x : v) x = nd(rng);
  return v;
}

double dot(const Vec& a, const Vec& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

// Compares analytic `grad` of `x` with central differences of `loss()` (which reads x).
void check_grad(Vec& x, const Vec& grad, const std::function<double()>& loss, const std::string& what,
                double h = 1e-6, double tol = 1e-6) {
  ASSERT_EQ(x.size(), grad.size()) << what;
  double worst = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double keep = x[i];
    x[i] = keep + h;
    const double lp = loss();
    x[i] = keep - h;
    const double lm = loss();
    x[i] = keep;
    const double fd = (lp - lm) / (2 * h);
    const double err = test::abs_err(fd, grad[i]) / std::max(1.0, std::fabs(fd));
    worst = test::worst_of(worst, err);
    EXPECT_TRUE(test::within(err, tol)) << what << "[" << i << "]: analytic " << grad[i] << " vs finite difference "
                                        << fd << " (relative error " << err << " > " << tol << ")";
  }
  ::testing::Test::RecordProperty(what, std::to_string(worst));
}

// A linear layer with loss sum(out * wl): its inputs and the analytic gradients.
struct LinearCase {
  int64_t R, I, O;
  Vec in, w, b, wl, out, din, dw, db;
  LinearCase(uint64_t seed, int64_t r, int64_t i, int64_t o) : R(r), I(i), O(o) {
    std::mt19937_64 rng(seed);
    in = randn(R * I, rng);
    w = randn(O * I, rng);
    b = randn(O, rng);
    wl = randn(R * O, rng);
    out.resize(R * O);
    din.assign(R * I, 0.0);
    dw.assign(O * I, 0.0);
    db.assign(O, 0.0);
    ref::linear_backward(din.data(), dw.data(), db.data(), wl.data(), in.data(), w.data(), R, I, O);
  }
  double loss() {
    ref::linear_forward(out.data(), in.data(), w.data(), b.data(), R, I, O);
    return dot(out, wl);
  }
};

// The check can fail: a linear backward whose gradient holds a NaN, or one element off by
// 1e-3, is caught at that element (failures intercepted here and counted).
TEST(GradCheck, ABrokenGradientFailsTheCheck) {
  LinearCase c(21, 3, 4, 2);
  auto loss = [&] { return c.loss(); };
  EXPECT_TRUE(test::failures_of([&] { check_grad(c.w, c.dw, loss, "linear.w"); }).empty());
  Vec nan_dw = c.dw, off_dw = c.dw;
  nan_dw[5] = std::nan("");
  off_dw[2] += 1e-3;
  std::vector<std::string> f = test::failures_of([&] { check_grad(c.w, nan_dw, loss, "linear.w"); });
  ASSERT_EQ(f.size(), 1u) << "a NaN gradient passed the finite-difference check";
  EXPECT_NE(f[0].find("linear.w[5]"), std::string::npos) << f[0];
  f = test::failures_of([&] { check_grad(c.w, off_dw, loss, "linear.w"); });
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].find("linear.w[2]"), std::string::npos) << f[0];
  // A NaN loss (finite differences NaN) fails too, at every coordinate.
  auto nan_loss = [&] { return c.loss() * std::nan(""); };
  EXPECT_EQ(test::failures_of([&] { check_grad(c.b, c.db, nan_loss, "linear.b"); }).size(), c.b.size());
}

TEST(GradCheck, Linear) {
  LinearCase c(1, 5, 7, 3);
  auto loss = [&] { return c.loss(); };
  check_grad(c.in, c.din, loss, "linear.in");
  check_grad(c.w, c.dw, loss, "linear.w");
  check_grad(c.b, c.db, loss, "linear.b");
}

TEST(GradCheck, RmsNorm) {
  std::mt19937_64 rng(2);
  const int64_t R = 4, G = 3, C = 6;
  Vec x = randn(R * G * C, rng), w = randn(G * C, rng), wl = randn(R * G * C, rng), out(R * G * C), rstd(R * G);
  for (double eps : {1e-5, 1.1920928955078125e-07}) {
    auto loss = [&] {
      ref::rmsnorm_forward(out.data(), rstd.data(), x.data(), w.data(), eps, R, C, G);
      return dot(out, wl);
    };
    loss();
    Vec dx(x.size(), 0.0), dw(w.size(), 0.0);
    ref::rmsnorm_backward(dx.data(), dw.data(), wl.data(), x.data(), w.data(), rstd.data(), R, C, G);
    check_grad(x, dx, loss, "rmsnorm.x");
    check_grad(w, dw, loss, "rmsnorm.w");
  }
}

TEST(GradCheck, Gate) {
  std::mt19937_64 rng(3);
  const int64_t R = 6, G = 2, C = 5;
  Vec a = randn(R * G * C, rng), b = randn(R * G * C, rng), wl = randn(R * G, rng), g(R * G), s(R * G);
  auto loss = [&] {
    ref::gate_forward(g.data(), s.data(), a.data(), b.data(), R, G, C);
    return dot(g, wl);
  };
  loss();
  // Keep every |s| well away from the 1e-6 clamp, where the function has a kink.
  for (double sv : s) ASSERT_GT(std::fabs(sv), 1e-3);
  Vec da(a.size(), 0.0), db(b.size(), 0.0);
  ref::gate_backward(da.data(), db.data(), wl.data(), g.data(), s.data(), a.data(), b.data(), R, G, C);
  check_grad(a, da, loss, "gate.a");
  check_grad(b, db, loss, "gate.b");
}

TEST(GradCheck, GateClampRegionHasZeroGradient) {
  // |s| < 1e-6: the demo's clamp_min makes the gate constant sigmoid(+-1e-3) locally.
  Vec a = {1e-7, 0.0}, b = {1.0, 0.0}, g(1), s(1), dg = {1.0}, da(2, 0.0), db(2, 0.0);
  ref::gate_forward(g.data(), s.data(), a.data(), b.data(), 1, 1, 2);
  EXPECT_NEAR(g[0], 1.0 / (1.0 + std::exp(-1e-3)), 1e-15);
  ref::gate_backward(da.data(), db.data(), dg.data(), g.data(), s.data(), a.data(), b.data(), 1, 1, 2);
  EXPECT_EQ(da[0], 0.0);
  EXPECT_EQ(db[0], 0.0);
}

TEST(GradCheck, Scale) {
  std::mt19937_64 rng(4);
  const int64_t R = 3, G = 4, C = 5;
  Vec gate = randn(R * G, rng), v = randn(R * C, rng), wl = randn(R * G * C, rng), u(R * G * C);
  auto loss = [&] {
    ref::scale_forward(u.data(), gate.data(), v.data(), R, G, C);
    return dot(u, wl);
  };
  Vec dg(gate.size(), 0.0), dv(v.size(), 0.0);
  ref::scale_backward(dg.data(), dv.data(), wl.data(), gate.data(), v.data(), R, G, C);
  check_grad(gate, dg, loss, "scale.gate");
  check_grad(v, dv, loss, "scale.v");
}

TEST(GradCheck, ConvCausalDilated) {
  std::mt19937_64 rng(5);
  for (auto [B, T, K, dil] : {std::tuple<int64_t, int64_t, int64_t, int64_t>{2, 11, 4, 3}, {1, 2, 4, 3}, {2, 7, 3, 1},
                              {1, 5, 1, 2}}) {
    const int64_t Ch = 5;
    Vec x = randn(B * T * Ch, rng), w = randn(Ch * K, rng), wl = randn(B * T * Ch, rng), out(B * T * Ch);
    auto loss = [&] {
      ref::conv_forward(out.data(), x.data(), w.data(), B, T, Ch, K, dil);
      return dot(out, wl);
    };
    Vec dx(x.size(), 0.0), dw(w.size(), 0.0);
    ref::conv_backward(dx.data(), dw.data(), wl.data(), x.data(), w.data(), B, T, Ch, K, dil);
    check_grad(x, dx, loss, "conv.x");
    check_grad(w, dw, loss, "conv.w");
  }
}

TEST(GradCheck, ConvIsCausal) {
  // Output at t must not change when x at t' > t changes.
  std::mt19937_64 rng(6);
  const int64_t T = 9, Ch = 2, K = 4, dil = 3;
  Vec x = randn(T * Ch, rng), w = randn(Ch * K, rng), o1(T * Ch), o2(T * Ch);
  ref::conv_forward(o1.data(), x.data(), w.data(), 1, T, Ch, K, dil);
  x[(T - 1) * Ch] += 1.0;
  ref::conv_forward(o2.data(), x.data(), w.data(), 1, T, Ch, K, dil);
  for (int64_t i = 0; i < (T - 1) * Ch; ++i) EXPECT_EQ(o1[i], o2[i]);
  EXPECT_NE(o1[(T - 1) * Ch], o2[(T - 1) * Ch]);
}

TEST(GradCheck, Silu) {
  std::mt19937_64 rng(7);
  Vec x = randn(20, rng, 3.0), wl = randn(20, rng), out(20);
  auto loss = [&] {
    ref::silu_forward(out.data(), x.data(), 20);
    return dot(out, wl);
  };
  Vec dx(20, 0.0);
  ref::silu_backward(dx.data(), wl.data(), x.data(), 20);
  check_grad(x, dx, loss, "silu.x");
}

TEST(GradCheck, GatherSparseRows) {
  std::mt19937_64 rng(8);
  const int64_t R = 6, nc = 3, D = 4, rows_total = 10;
  Vec table = randn(rows_total * D, rng);
  // Repeated rows on purpose: their gradients must accumulate.
  std::vector<int64_t> rows = {0, 5, 9, 0, 5, 8, 1, 5, 9, 2, 6, 9, 0, 4, 7, 3, 5, 9};
  Vec wl = randn(R * nc * D, rng), e(R * nc * D);
  TableView tab{table.data(), DType::kF64, rows_total, D};
  auto loss = [&] {
    ref::gather_forward(e.data(), rows.data(), tab, R, nc);
    return dot(e, wl);
  };
  std::vector<int64_t> uniq;
  Vec grads;
  ref::gather_backward(uniq, grads, wl.data(), rows.data(), R, nc, D);
  EXPECT_EQ(uniq, (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  Vec dense(table.size(), 0.0);
  for (size_t u = 0; u < uniq.size(); ++u)
    for (int64_t j = 0; j < D; ++j) dense[uniq[u] * D + j] = grads[u * D + j];
  check_grad(table, dense, loss, "gather.table");
}

// The whole layer: every gradient of ref::layer_backward against finite differences.
void whole_layer_check(int64_t B, int64_t T, int64_t M, int64_t d, int64_t kernel, int64_t dil, uint64_t seed) {
  std::mt19937_64 rng(seed);
  LayerDims dims;
  dims.n_cols = 4;
  dims.head_dim = 3;
  dims.hidden = d;
  dims.hc = M;
  dims.kernel = kernel;
  dims.dilation = dil;
  dims.table_sizes = {5, 7, 3, 4};
  const int64_t E = dims.E(), R = B * T, C = dims.C();
  LayerParams<double> p;
  p.value_w = randn(d * E, rng, 0.5);
  p.value_b = randn(d, rng, 0.5);
  p.key_w = randn(M * d * E, rng, 0.5);
  p.key_b = randn(M * d, rng, 0.5);
  p.norm1 = randn(M * d, rng);
  p.norm2 = randn(M * d, rng);
  p.conv_norm = randn(M * d, rng);
  p.conv_w = randn(C * kernel, rng, 0.5);
  Vec table = randn(dims.total_rows() * dims.head_dim, rng);
  TableView tab{table.data(), DType::kF64, dims.total_rows(), dims.head_dim};
  std::vector<int64_t> ids(R * dims.n_cols);
  for (int64_t r = 0; r < R; ++r)
    for (int64_t c = 0; c < dims.n_cols; ++c) ids[r * dims.n_cols + c] = static_cast<int64_t>(rng() % dims.table_sizes[c]);
  std::vector<int64_t> rows = hash_ids_to_rows(dims, ids.data(), B, T);
  Vec hidden = randn(R * C, rng), wl = randn(R * C, rng);
  ref::LayerActs<double> a;
  auto loss = [&] {
    ref::layer_forward(a, p, tab, hidden.data(), rows.data(), B, T, dims);
    return dot(a.y, wl);
  };
  loss();
  for (double s : a.s) ASSERT_GT(std::fabs(s), 1e-4) << "a gate sits on its clamp kink; change the seed";
  LayerGrads<double> g;
  ref::layer_backward(g, wl.data(), a, p, hidden.data(), dims);
  check_grad(hidden, g.hidden, loss, "layer.hidden", 1e-6, 2e-6);
  check_grad(p.value_w, g.params.value_w, loss, "layer.value_proj.weight", 1e-6, 2e-6);
  check_grad(p.value_b, g.params.value_b, loss, "layer.value_proj.bias", 1e-6, 2e-6);
  check_grad(p.key_w, g.params.key_w, loss, "layer.key_projs.weight", 1e-6, 2e-6);
  check_grad(p.key_b, g.params.key_b, loss, "layer.key_projs.bias", 1e-6, 2e-6);
  check_grad(p.norm1, g.params.norm1, loss, "layer.norm1", 1e-6, 2e-6);
  check_grad(p.norm2, g.params.norm2, loss, "layer.norm2", 1e-6, 2e-6);
  check_grad(p.conv_norm, g.params.conv_norm, loss, "layer.short_conv.norms", 1e-6, 2e-6);
  check_grad(p.conv_w, g.params.conv_w, loss, "layer.short_conv.conv.weight", 1e-6, 2e-6);
  Vec dense(table.size(), 0.0);
  for (size_t u = 0; u < g.table_rows.size(); ++u)
    for (int64_t j = 0; j < dims.head_dim; ++j) dense[g.table_rows[u] * dims.head_dim + j] = g.table_grads[u * dims.head_dim + j];
  check_grad(table, dense, loss, "layer.table", 1e-6, 2e-6);
}

TEST(GradCheck, WholeLayerHc3) { whole_layer_check(2, 7, 3, 5, 4, 3, 11); }
TEST(GradCheck, WholeLayerHc1ShortT) { whole_layer_check(1, 2, 1, 4, 4, 3, 12); }
TEST(GradCheck, WholeLayerKernel2Dil1) { whole_layer_check(2, 5, 2, 3, 2, 1, 13); }

}  // namespace
}  // namespace engram
