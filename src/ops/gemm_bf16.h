// BF16 GEMM for inference projections: C[M, N] = bf16(A)[M, K] bf16(W)[N, K]^T + beta C,
// products exact, sums in float32 (AVX-512 BF16 vdpbf16ps: two products per lane per
// instruction, twice the FP32 FMA rate on this CPU; OpenBLAS here has no sbgemm).
// Inputs are rounded to bfloat16 round-to-nearest-even (W once at packing, A per call), so
// the result differs from float32 by about 2^-9 relative per input: an opt-in for speed,
// never a silent substitute for the float32 path.
//
// Threading: one OpenMP layer (like gemm.h); the output rows are split across threads when
// there are enough of them, else the 64-column panels are. Inside a parallel region a call
// runs on the calling thread. Without AVX-512 BF16 at run time, available() is false and
// gemm_nt throws (callers choose the float32 path themselves).
#pragma once

#include <cstdint>
#include <vector>

namespace engram::ops {

// W [N, K] float32 packed as bf16 for the kernel: panels of 64 output columns; within a
// panel, for each pair of k, the 64 columns' two values side by side ([K/2][64][2]). K is
// padded to even and N to a multiple of 64 with zeros.
class PackedBf16 {
 public:
  static constexpr int64_t kPanel = 64;
  PackedBf16() = default;
  PackedBf16(const float* W, int64_t N, int64_t K);

  int64_t rows() const { return n_; }  // N
  int64_t cols() const { return k_; }  // K
  int64_t k_pairs() const { return (k_ + 1) / 2; }
  int64_t panels() const { return (n_ + kPanel - 1) / kPanel; }
  const uint16_t* panel(int64_t p) const { return data_.data() + p * k_pairs() * kPanel * 2; }
  // The bf16 value standing for W[n][k] (for references and tests).
  uint16_t at(int64_t n, int64_t k) const;

 private:
  int64_t n_ = 0, k_ = 0;
  std::vector<uint16_t> data_;
};

namespace bf16 {

// True when this CPU runs the AVX-512 BF16 kernel.
bool available();

// C[M, N] = bf16(A)[M, K] W^T + beta C; A row-major with leading dimension lda >= K,
// C with ldc >= N. threads <= 0: omp_get_max_threads().
void gemm_nt(float* C, int64_t ldc, const float* A, int64_t lda, const PackedBf16& W, int64_t M, float beta,
             int threads = 0);

// Plain reference with the same input rounding, sums in double: what the kernel is tested against.
void gemm_nt_ref(float* C, int64_t ldc, const float* A, int64_t lda, const PackedBf16& W, int64_t M, float beta);

}  // namespace bf16

}  // namespace engram::ops
