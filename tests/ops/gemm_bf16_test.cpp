#include "ops/gemm_bf16.h"

#include <cmath>
#include <limits>

#include "core/bf16.h"
#include "core/error.h"
#include "grad_check.h"

namespace engram::ops {

TEST(Bf16, PackingKeepsEveryValue) {
  const int64_t N = 70, K = 9;
  auto W = test::randn(N * K, 1);
  PackedBf16 p(W.data(), N, K);
  EXPECT_EQ(p.panels(), 2);
  EXPECT_EQ(p.k_pairs(), 5);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t k = 0; k < K; ++k) ASSERT_EQ(p.at(n, k), f32_to_bf16(W[n * K + k])) << n << "," << k;
  EXPECT_THROW(PackedBf16(W.data(), 0, K), Error);
}

// The AVX-512 BF16 kernel against the plain reference with the same input rounding, over
// shapes with ragged edges: M not a multiple of 6, N not of 64, odd K, lda/ldc padding,
// both the row split (many rows) and the panel split (few rows), beta 0, 1 and 0.5.
TEST(Bf16, KernelMatchesReference) {
  if (!bf16::available()) GTEST_SKIP() << "no AVX-512 BF16 on this CPU";
  struct Shape {
    int64_t M, N, K, pad;
  };
  for (Shape s : {Shape{1, 1, 1, 0}, {5, 64, 2, 0}, {7, 65, 33, 3}, {13, 200, 64, 1}, {100, 130, 257, 0},
                  {385, 96, 1024, 5}, {2, 640, 1023, 0}}) {
    for (float beta : {0.0f, 1.0f, 0.5f}) {
      for (int threads : {1, 2}) {
        const int64_t lda = s.K + s.pad, ldc = s.N + s.pad;
        auto A = test::randn(s.M * lda, 2), W = test::randn(s.N * s.K, 3), C0 = test::randn(s.M * ldc, 4);
        PackedBf16 P(W.data(), s.N, s.K);
        std::vector<float> C = C0, R = C0;
        bf16::gemm_nt(C.data(), ldc, A.data(), lda, P, s.M, beta, threads);
        bf16::gemm_nt_ref(R.data(), ldc, A.data(), lda, P, s.M, beta);
        for (int64_t i = 0; i < s.M; ++i)
          for (int64_t j = 0; j < ldc; ++j) {
            const size_t at = static_cast<size_t>(i * ldc + j);
            if (j >= s.N) {  // padding columns untouched
              ASSERT_EQ(C[at], C0[at]) << "pad " << i << "," << j;
              continue;
            }
            double mag = std::fabs(beta * C0[at]);
            for (int64_t k = 0; k < s.K; ++k) mag += std::fabs(double(A[i * lda + k]) * W[j * s.K + k]);
            ASSERT_NEAR(C[at], R[at], 2e-5 * mag + 1e-6)
                << "M" << s.M << " N" << s.N << " K" << s.K << " beta " << beta << " t" << threads << " at " << i
                << "," << j;
          }
      }
    }
  }
}

// The rounding is the price: against float32 the error is about 2^-9 relative per input.
TEST(Bf16, ErrorAgainstFloat32IsBf16Sized) {
  if (!bf16::available()) GTEST_SKIP() << "no AVX-512 BF16 on this CPU";
  const int64_t M = 64, N = 128, K = 512;
  auto A = test::randn(M * K, 5), W = test::randn(N * K, 6);
  PackedBf16 P(W.data(), N, K);
  std::vector<float> C(M * N);
  bf16::gemm_nt(C.data(), N, A.data(), K, P, M, 0.0f, 1);
  double err2 = 0, ref2 = 0;
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      double s = 0;
      for (int64_t k = 0; k < K; ++k) s += double(A[i * K + k]) * W[j * K + k];
      err2 += (C[i * N + j] - s) * (C[i * N + j] - s);
      ref2 += s * s;
    }
  const double rel = std::sqrt(err2 / ref2);
  EXPECT_GT(rel, 1e-4);  // really rounded (not a float32 path in disguise)
  EXPECT_LT(rel, 8e-3);  // and no worse than bf16 inputs explain (~2^-9 * sqrt(2))
}

}  // namespace engram::ops
