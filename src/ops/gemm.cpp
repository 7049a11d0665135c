#include "ops/gemm.h"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <mutex>

namespace engram::ops {

namespace {

// Rows [b, e) of n for thread tid of nt, in multiples of 8 so SIMD panels stay whole, unless
// a thread's share is below 8 rows (a decode step's few rows still split evenly).
void split(int64_t n, int nt, int tid, int64_t& b, int64_t& e) {
  int64_t per = (n + nt - 1) / nt;
  if (per >= 8) per = (per + 7) / 8 * 8;
  b = std::min(n, per * tid);
  e = std::min(n, b + per);
}

int threads_for(int64_t M, int64_t N, int64_t K, int threads) {
  if (omp_in_parallel()) return 1;
  if (threads > 0) return threads;
  // Below ~2 MFLOP the fork/join costs more than it saves.
  if (2.0 * M * N * K < 2e6 || M < 16) return 1;
  return omp_get_max_threads();
}

}  // namespace

void blas_single_threaded() {
  static std::once_flag once;
  std::call_once(once, [] { openblas_set_num_threads(1); });
}

void sgemm_nt(float* C, const float* A, const float* B, int64_t M, int64_t N, int64_t K, float beta, int threads) {
  if (M == 0 || N == 0) return;
  blas_single_threaded();
  const int nt = threads_for(M, N, K, threads);
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
    int64_t b, e;
    split(M, omp_get_num_threads(), omp_get_thread_num(), b, e);
    if (e > b)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(e - b), static_cast<int>(N),
                  static_cast<int>(K), 1.0f, A + b * K, static_cast<int>(K), B, static_cast<int>(K), beta, C + b * N,
                  static_cast<int>(N));
  }
}

void sgemm_nn_acc(float* C, const float* A, const float* B, int64_t M, int64_t N, int64_t K, int threads) {
  if (M == 0 || N == 0) return;
  blas_single_threaded();
  const int nt = threads_for(M, N, K, threads);
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
    int64_t b, e;
    split(M, omp_get_num_threads(), omp_get_thread_num(), b, e);
    if (e > b)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(e - b), static_cast<int>(N),
                  static_cast<int>(K), 1.0f, A + b * K, static_cast<int>(K), B, static_cast<int>(N), 1.0f, C + b * N,
                  static_cast<int>(N));
  }
}

void sgemm_tn_acc(float* C, const float* A, int64_t lda, const float* B, int64_t M, int64_t N, int64_t K,
                  int threads) {
  if (M == 0 || N == 0 || K == 0) return;
  blas_single_threaded();
  const int nt = threads_for(M, N, K, threads);
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
    int64_t b, e;
    split(M, omp_get_num_threads(), omp_get_thread_num(), b, e);
    if (e > b)
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, static_cast<int>(e - b), static_cast<int>(N),
                  static_cast<int>(K), 1.0f, A + b, static_cast<int>(lda), B, static_cast<int>(N), 1.0f, C + b * N,
                  static_cast<int>(N));
  }
}

}  // namespace engram::ops
