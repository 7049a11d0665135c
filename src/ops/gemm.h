// SGEMM with one threading layer: our OpenMP threads split the output rows and each calls
// OpenBLAS single-threaded (set once, process-wide). Mixing OpenBLAS's own pthreads with
// OpenMP loops on the same cores made both spin against each other (BASELINES.md), so
// every GEMM in engram goes through here (the model's ops and the Engram layer's). `threads`
// is the caller's thread count; 0 picks one from the product's size (small products, below
// ~2 MFLOP, run on the calling thread) out of omp_get_max_threads(). Inside an OpenMP
// parallel region a call always runs on the calling thread only.
// All matrices are row-major; leading dimensions are explicit where views are strided.
#pragma once

#include <cstdint>

namespace engram::ops {

// C[M, N] = A[M, K] B[N, K]^T + beta C.
void sgemm_nt(float* C, const float* A, const float* B, int64_t M, int64_t N, int64_t K, float beta, int threads = 0);
// C[M, N] += A[M, K] B[K, N].
void sgemm_nn_acc(float* C, const float* A, const float* B, int64_t M, int64_t N, int64_t K, int threads = 0);
// C[M, N] += A[K, M]^T B[K, N] (A with leading dimension lda >= M): weight gradients.
void sgemm_tn_acc(float* C, const float* A, int64_t lda, const float* B, int64_t M, int64_t N, int64_t K,
                  int threads = 0);

// Makes OpenBLAS single-threaded (idempotent); called by the functions above.
void blas_single_threaded();

}  // namespace engram::ops
