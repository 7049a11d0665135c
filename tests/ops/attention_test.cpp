#include "ops/attention.h"

#include "grad_check.h"

namespace engram::ops {

TEST(Attention, FastMatchesReference) {
  for (auto [B, T, H, hd] : {std::tuple<int, int, int, int>{1, 1, 1, 1}, {2, 7, 3, 5}, {1, 33, 2, 16}}) {
    size_t n = size_t(B) * T * H * hd;
    auto q = test::randn(n, 1), k = test::randn(n, 2), v = test::randn(n, 3), dout = test::randn(n, 4);
    std::vector<float> o(n), orf(n), p(size_t(B) * H * T * T), pr(p.size());
    attention_forward(o.data(), p.data(), q.data(), k.data(), v.data(), B, T, H, hd);
    attention_forward_ref(orf.data(), pr.data(), q.data(), k.data(), v.data(), B, T, H, hd);
    test::expect_all_close("out", o.data(), orf.data(), n, 1e-4, 1e-5);
    test::expect_all_close("probs", p.data(), pr.data(), p.size(), 1e-4, 1e-6);
    std::vector<float> dq(n), dk(n), dv(n), dqr(n), dkr(n), dvr(n);
    attention_backward(dq.data(), dk.data(), dv.data(), dout.data(), p.data(), q.data(), k.data(), v.data(), B, T, H, hd);
    attention_backward_ref(dqr.data(), dkr.data(), dvr.data(), dout.data(), pr.data(), q.data(), k.data(), v.data(), B,
                           T, H, hd);
    test::expect_all_close("dq", dq.data(), dqr.data(), n, 1e-3, 1e-5);
    test::expect_all_close("dk", dk.data(), dkr.data(), n, 1e-3, 1e-5);
    test::expect_all_close("dv", dv.data(), dvr.data(), n, 1e-3, 1e-5);
  }
}

TEST(Attention, IsCausal) {
  const int T = 6, hd = 4;
  auto q = test::randn(T * hd, 1), k = test::randn(T * hd, 2), v = test::randn(T * hd, 3);
  std::vector<float> o(T * hd), o2(T * hd), p(T * T);
  attention_forward(o.data(), p.data(), q.data(), k.data(), v.data(), 1, T, 1, hd);
  for (int i = 0; i < hd; ++i) v[(T - 1) * hd + i] += 5.0f;  // change only the last value
  attention_forward(o2.data(), p.data(), q.data(), k.data(), v.data(), 1, T, 1, hd);
  for (int i = 0; i < (T - 1) * hd; ++i) EXPECT_EQ(o[i], o2[i]);
}

TEST(Attention, GradientsMatchFiniteDifferences) {
  const int B = 2, T = 5, H = 2, hd = 4;
  size_t n = size_t(B) * T * H * hd;
  auto q = test::randn(n, 1), k = test::randn(n, 2), v = test::randn(n, 3), r = test::randn(n, 4);
  std::vector<float> o(n), p(size_t(B) * H * T * T);
  auto loss = [&] {
    attention_forward(o.data(), p.data(), q.data(), k.data(), v.data(), B, T, H, hd);
    return test::dot_loss(o, r);
  };
  loss();
  std::vector<float> dq(n), dk(n), dv(n);
  attention_backward(dq.data(), dk.data(), dv.data(), r.data(), p.data(), q.data(), k.data(), v.data(), B, T, H, hd);
  test::expect_grad_close("dq", loss, q.data(), n, dq.data(), 1e-3);
  test::expect_grad_close("dk", loss, k.data(), n, dk.data(), 1e-3);
  test::expect_grad_close("dv", loss, v.data(), n, dv.data(), 1e-3);
}

}  // namespace engram::ops
