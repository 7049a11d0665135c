#include "model/moe.h"

#include "grad_check.h"

namespace engram::model {

namespace {
struct MoeFixture {
  MoeShape s{8, 6, 3, 2, 4};
  std::vector<float> router, w1, w3, w2, sw1, sw3, sw2;
  std::vector<float> grouter, gw1, gw3, gw2, gsw1, gsw3, gsw2;
  MoeFixture() {
    router = test::randn(s.n_experts * s.d, 1);
    w1 = test::randn(s.n_experts * s.hidden * s.d, 2, 0.5f);
    w3 = test::randn(s.n_experts * s.hidden * s.d, 3, 0.5f);
    w2 = test::randn(s.n_experts * s.d * s.hidden, 4, 0.5f);
    sw1 = test::randn(s.shared_hidden * s.d, 5, 0.5f);
    sw3 = test::randn(s.shared_hidden * s.d, 6, 0.5f);
    sw2 = test::randn(s.d * s.shared_hidden, 7, 0.5f);
    for (auto* v : {&grouter, &gw1, &gw3, &gw2, &gsw1, &gsw3, &gsw2}) v->clear();
    grouter.assign(router.size(), 0);
    gw1.assign(w1.size(), 0);
    gw3.assign(w3.size(), 0);
    gw2.assign(w2.size(), 0);
    gsw1.assign(sw1.size(), 0);
    gsw3.assign(sw3.size(), 0);
    gsw2.assign(sw2.size(), 0);
  }
  MoeParams p() { return {router.data(), w1.data(), w3.data(), w2.data(), sw1.data(), sw3.data(), sw2.data()}; }
  MoeParams g() { return {grouter.data(), gw1.data(), gw3.data(), gw2.data(), gsw1.data(), gsw3.data(), gsw2.data()}; }
};
}  // namespace

TEST(Moe, GradientsMatchFiniteDifferences) {
  MoeFixture f;
  const int N = 7;
  auto x = test::randn(N * f.s.d, 11), r = test::randn(N * f.s.d, 12);
  MoeLayer layer(f.s);
  std::vector<float> y(N * f.s.d);
  layer.forward(y.data(), x.data(), N, f.p());
  std::vector<float> dx(x.size(), 0.0f);
  layer.backward(dx.data(), r.data(), f.p(), f.g());
  // Routing is piecewise constant: freeze the choice so probes stay on one piece.
  layer.freeze_routing(true);
  auto loss = [&] {
    std::vector<float> yy(N * f.s.d);
    layer.forward(yy.data(), x.data(), N, f.p());
    return test::dot_loss(yy, r);
  };
  test::expect_grad_close("dx", loss, x.data(), x.size(), dx.data(), 1e-3);
  test::expect_grad_close("router", loss, f.router.data(), f.router.size(), f.grouter.data(), 1e-3);
  test::expect_grad_close("w1", loss, f.w1.data(), f.w1.size(), f.gw1.data(), 1e-3);
  test::expect_grad_close("w3", loss, f.w3.data(), f.w3.size(), f.gw3.data(), 1e-3);
  test::expect_grad_close("w2", loss, f.w2.data(), f.w2.size(), f.gw2.data(), 1e-3);
  test::expect_grad_close("shared_w1", loss, f.sw1.data(), f.sw1.size(), f.gsw1.data(), 1e-3);
  test::expect_grad_close("shared_w3", loss, f.sw3.data(), f.sw3.size(), f.gsw3.data(), 1e-3);
  test::expect_grad_close("shared_w2", loss, f.sw2.data(), f.sw2.size(), f.gsw2.data(), 1e-3);
}

TEST(Moe, EachTokenUsesTopKAndBiasSteersLoad) {
  MoeFixture f;
  const int N = 64;
  auto x = test::randn(N * f.s.d, 21);
  MoeLayer layer(f.s);
  std::vector<float> y(N * f.s.d);
  layer.forward(y.data(), x.data(), N, f.p());
  int64_t total = 0;
  for (auto l : layer.load()) total += l;
  EXPECT_EQ(total, N * f.s.top_k);
  // Repeated balancing steps shrink the spread of loads on a fixed input.
  auto spread = [&] {
    auto ld = layer.load();
    return *std::max_element(ld.begin(), ld.end()) - *std::min_element(ld.begin(), ld.end());
  };
  const int64_t before = spread();
  for (int it = 0; it < 200; ++it) {
    layer.update_bias(0.01f);
    layer.forward(y.data(), x.data(), N, f.p());
  }
  EXPECT_LT(spread(), before);
}

}  // namespace engram::model
