// The softmax router with its auxiliary load-balancing loss: gradients (through the gates
// and the auxiliary term) against finite differences, the loss's value by hand, and that
// the term pushes the router towards balance.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "grad_check.h"
#include "model/moe.h"

namespace engram::model {

namespace {
struct Weights {
  MoeShape s;
  std::vector<float> router, w1, w3, w2, sw1, sw3, sw2;
  std::vector<float> g_router, g_w1, g_w3, g_w2, g_sw1, g_sw3, g_sw2;
  explicit Weights(MoeShape shape) : s(shape) {
    router = test::randn(s.n_experts * s.d, 31);
    w1 = test::randn(s.n_experts * s.hidden * s.d, 32, 0.5f);
    w3 = test::randn(s.n_experts * s.hidden * s.d, 33, 0.5f);
    w2 = test::randn(s.n_experts * s.d * s.hidden, 34, 0.5f);
    sw1 = test::randn(s.shared_hidden * s.d, 35, 0.5f);
    sw3 = test::randn(s.shared_hidden * s.d, 36, 0.5f);
    sw2 = test::randn(s.d * s.shared_hidden, 37, 0.5f);
    for (auto [g, w] : {std::pair{&g_router, &router}, {&g_w1, &w1}, {&g_w3, &w3}, {&g_w2, &w2}, {&g_sw1, &sw1},
                        {&g_sw3, &sw3}, {&g_sw2, &sw2}})
      g->assign(w->size(), 0.0f);
  }
  MoeParams p() { return {router.data(), w1.data(), w3.data(), w2.data(), sw1.data(), sw3.data(), sw2.data()}; }
  MoeParams g() {
    return {g_router.data(), g_w1.data(), g_w3.data(), g_w2.data(), g_sw1.data(), g_sw3.data(), g_sw2.data()};
  }
};
}  // namespace

TEST(MoeSoftmaxRouter, GradientsIncludingAuxLossMatchFiniteDifferences) {
  // A large coefficient so the auxiliary term's share of the router gradient is visible.
  Weights w(MoeShape{8, 6, 4, 2, 4, true, 0.5f});
  const int N = 9;
  auto x = test::randn(N * w.s.d, 41), r = test::randn(N * w.s.d, 42);
  MoeLayer layer(w.s);
  std::vector<float> y(N * w.s.d), dx(x.size(), 0.0f);
  layer.forward(y.data(), x.data(), N, w.p());
  ASSERT_GT(layer.aux_loss(), 0.0);
  layer.backward(dx.data(), r.data(), w.p(), w.g());
  layer.freeze_routing(true);  // routed shares f_e are constants of the objective
  auto loss = [&] {
    std::vector<float> yy(N * w.s.d);
    layer.forward(yy.data(), x.data(), N, w.p());
    return test::dot_loss(yy, r) + layer.aux_loss();
  };
  test::expect_grad_close("dx", loss, x.data(), x.size(), dx.data(), 1e-3);
  test::expect_grad_close("router", loss, w.router.data(), w.router.size(), w.g_router.data(), 1e-3);
  test::expect_grad_close("w1", loss, w.w1.data(), w.w1.size(), w.g_w1.data(), 1e-3);
  test::expect_grad_close("w3", loss, w.w3.data(), w.w3.size(), w.g_w3.data(), 1e-3);
  test::expect_grad_close("w2", loss, w.w2.data(), w.w2.size(), w.g_w2.data(), 1e-3);
  test::expect_grad_close("shared_w1", loss, w.sw1.data(), w.sw1.size(), w.g_sw1.data(), 1e-3);
  test::expect_grad_close("shared_w3", loss, w.sw3.data(), w.sw3.size(), w.g_sw3.data(), 1e-3);
  test::expect_grad_close("shared_w2", loss, w.sw2.data(), w.sw2.size(), w.g_sw2.data(), 1e-3);
}

TEST(MoeSoftmaxRouter, AuxLossIsCoefTimesESumOfShareTimesMeanProb) {
  Weights w(MoeShape{8, 6, 4, 2, 0, true, 0.01f});
  const int N = 16;
  auto x = test::randn(N * w.s.d, 43);
  MoeLayer layer(w.s);
  std::vector<float> y(N * w.s.d);
  layer.forward(y.data(), x.data(), N, w.p());
  // Softmax probabilities and the top-2 choice computed here, independently.
  const int64_t E = w.s.n_experts, d = w.s.d;
  std::vector<double> P(E, 0.0), f(E, 0.0);
  for (int n = 0; n < N; ++n) {
    std::vector<double> z(E);
    for (int64_t e = 0; e < E; ++e) {
      double s = 0;
      for (int64_t c = 0; c < d; ++c) s += static_cast<double>(x[n * d + c]) * w.router[e * d + c];
      z[e] = s;
    }
    const double mx = *std::max_element(z.begin(), z.end());
    double sum = 0;
    for (auto& v : z) sum += (v = std::exp(v - mx));
    std::vector<int> order(E);
    for (int e = 0; e < E; ++e) order[e] = e;
    std::sort(order.begin(), order.end(), [&](int a, int b) { return z[a] > z[b] || (z[a] == z[b] && a < b); });
    for (int64_t e = 0; e < E; ++e) P[e] += z[e] / sum / N;
    f[order[0]] += 1.0 / (2 * N);
    f[order[1]] += 1.0 / (2 * N);
  }
  double want = 0;
  for (int64_t e = 0; e < E; ++e) want += 0.01 * E * f[e] * P[e];
  EXPECT_NEAR(layer.aux_loss(), want, 1e-6);
  // Routed shares sum to one over the N*k slots.
  int64_t slots = 0;
  for (const auto& t : layer.routed()) slots += static_cast<int64_t>(t.size());
  EXPECT_EQ(slots, N * 2);
}

TEST(MoeSoftmaxRouter, AuxGradientDescentBalancesLoads) {
  // Only the auxiliary term drives the router here (zero output gradient): descending it
  // must narrow the spread of the routed loads.
  Weights w(MoeShape{8, 6, 4, 1, 0, true, 1.0f});
  for (int64_t c = 0; c < w.s.d; ++c) w.router[c] += 2.0f;  // expert 0 starts popular
  const int N = 64;
  auto x = test::randn(N * w.s.d, 44);
  for (int i = 0; i < N; ++i) x[i * w.s.d] = std::fabs(x[i * w.s.d]) + 0.5f;
  MoeLayer layer(w.s);
  std::vector<float> y(N * w.s.d), dx(x.size()), zero(N * w.s.d, 0.0f);
  auto spread = [&] {
    size_t lo = SIZE_MAX, hi = 0;
    for (const auto& t : layer.routed()) lo = std::min(lo, t.size()), hi = std::max(hi, t.size());
    return static_cast<int64_t>(hi - lo);
  };
  layer.forward(y.data(), x.data(), N, w.p());
  const int64_t before = spread();
  const double aux0 = layer.aux_loss();
  for (int it = 0; it < 300; ++it) {
    std::fill(w.g_router.begin(), w.g_router.end(), 0.0f);
    layer.backward(dx.data(), zero.data(), w.p(), w.g());
    for (size_t i = 0; i < w.router.size(); ++i) w.router[i] -= 2.0f * w.g_router[i];
    layer.forward(y.data(), x.data(), N, w.p());
  }
  EXPECT_LT(spread(), before);
  EXPECT_LT(layer.aux_loss(), aux0);
}

TEST(MoeSoftmaxRouter, BiasIsNeitherUsedNorMoved) {
  Weights w(MoeShape{8, 6, 4, 2, 0, true, 0.01f});
  const int N = 32;
  auto x = test::randn(N * w.s.d, 45);
  MoeLayer a(w.s), b(w.s);
  std::vector<float> ya(N * w.s.d), yb(N * w.s.d);
  a.forward(ya.data(), x.data(), N, w.p());
  a.update_bias(0.5f);
  for (float v : a.bias()) EXPECT_EQ(v, 0.0f);
  b.bias()[0] = 100.0f;  // would capture every token if selection used it
  b.forward(yb.data(), x.data(), N, w.p());
  EXPECT_EQ(ya, yb);
}

}  // namespace engram::model
