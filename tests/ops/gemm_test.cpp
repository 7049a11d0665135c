#include "ops/gemm.h"

#include "grad_check.h"

namespace engram::ops {

// Each wrapper against a triple loop, over shapes that split unevenly across threads.
TEST(Gemm, MatchesLoops) {
  for (auto [M, N, K] : {std::tuple<int, int, int>{1, 1, 1}, {17, 9, 5}, {300, 70, 33}, {129, 257, 64}}) {
    auto A = test::randn(M * K, 1), B = test::randn(N * K, 2), C0 = test::randn(M * N, 3);
    std::vector<float> C = C0, R(M * N);
    sgemm_nt(C.data(), A.data(), B.data(), M, N, K, 0.5f);
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < N; ++j) {
        double s = 0.5 * C0[i * N + j];
        for (int k = 0; k < K; ++k) s += double(A[i * K + k]) * B[j * K + k];
        R[i * N + j] = float(s);
      }
    test::expect_all_close("nt", C.data(), R.data(), C.size(), 1e-4, 1e-4);

    auto Bk = test::randn(K * N, 4);  // [K, N]
    C = C0;
    sgemm_nn_acc(C.data(), A.data(), Bk.data(), M, N, K);
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < N; ++j) {
        double s = C0[i * N + j];
        for (int k = 0; k < K; ++k) s += double(A[i * K + k]) * Bk[k * N + j];
        R[i * N + j] = float(s);
      }
    test::expect_all_close("nn", C.data(), R.data(), C.size(), 1e-4, 1e-4);

    auto At = test::randn(K * (M + 3), 5);  // [K, M] viewed with lda = M + 3
    C = C0;
    sgemm_tn_acc(C.data(), At.data(), M + 3, Bk.data(), M, N, K);
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < N; ++j) {
        double s = C0[i * N + j];
        for (int k = 0; k < K; ++k) s += double(At[k * (M + 3) + i]) * Bk[k * N + j];
        R[i * N + j] = float(s);
      }
    test::expect_all_close("tn", C.data(), R.data(), C.size(), 1e-4, 1e-4);
  }
}

}  // namespace engram::ops
