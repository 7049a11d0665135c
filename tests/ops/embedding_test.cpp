#include "ops/embedding.h"

#include "grad_check.h"

namespace engram::ops {

TEST(Embedding, RepeatedIdsAccumulate) {
  const int V = 5, C = 3;
  auto table = test::randn(V * C, 1);
  std::vector<int32_t> ids{4, 0, 4};
  std::vector<float> out(ids.size() * C);
  embedding_forward(out.data(), ids.data(), table.data(), 3, C);
  for (int c = 0; c < C; ++c) EXPECT_EQ(out[c], table[4 * C + c]);
  auto r = test::randn(out.size(), 2);
  std::vector<float> dt(V * C);
  embedding_backward(dt.data(), r.data(), ids.data(), 3, C);
  auto loss = [&] {
    embedding_forward(out.data(), ids.data(), table.data(), 3, C);
    return test::dot_loss(out, r);
  };
  test::expect_grad_close("dtable", loss, table.data(), table.size(), dt.data(), 1e-3);
  for (int c = 0; c < C; ++c) EXPECT_EQ(dt[1 * C + c], 0.0f);
}

}  // namespace engram::ops
