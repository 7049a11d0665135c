// BF16 GEMM (see gemm_bf16.h). Blocking, per thread:
//   for each block of kMc rows: round A's rows to bf16 once into a thread buffer [kMc][Kp]
//     for each 64-column panel of W (its whole K: 128 KiB at K = 1024, stays in L2)
//       for each 6-row strip: the 6x64 micro-kernel, 24 zmm accumulators over all of K.
// Whole K in one pass means every C element is written once (no K blocking, no partial
// sums in memory). Compiled with function-level target attributes and chosen at run time,
// so the library still runs on CPUs without AVX-512 BF16 (available() says false).
#include "ops/gemm_bf16.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/bf16.h"
#include "core/error.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define ENGRAM_HAVE_BF16_KERNEL 1
#include <immintrin.h>
#endif

namespace engram::ops {

PackedBf16::PackedBf16(const float* W, int64_t N, int64_t K) : n_(N), k_(K) {
  if (N <= 0 || K <= 0) throw Error("PackedBf16: shape [" + std::to_string(N) + ", " + std::to_string(K) + "] is empty");
  const int64_t kp = k_pairs();
  data_.assign(static_cast<size_t>(panels() * kp * kPanel * 2), 0);
  for (int64_t n = 0; n < N; ++n) {
    uint16_t* p = data_.data() + (n / kPanel) * kp * kPanel * 2 + (n % kPanel) * 2;
    for (int64_t k = 0; k < K; ++k) p[(k / 2) * kPanel * 2 + (k & 1)] = f32_to_bf16(W[n * K + k]);
  }
}

uint16_t PackedBf16::at(int64_t n, int64_t k) const {
  return data_[static_cast<size_t>((n / kPanel) * k_pairs() * kPanel * 2 + (k / 2) * kPanel * 2 + (n % kPanel) * 2 +
                                   (k & 1))];
}

namespace bf16 {

void gemm_nt_ref(float* C, int64_t ldc, const float* A, int64_t lda, const PackedBf16& W, int64_t M, float beta) {
  const int64_t N = W.rows(), K = W.cols();
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      double s = 0;
      for (int64_t k = 0; k < K; ++k) s += double(bf16_to_f32(f32_to_bf16(A[i * lda + k]))) * bf16_to_f32(W.at(j, k));
      float& c = C[i * ldc + j];
      c = beta == 0.0f ? static_cast<float>(s) : static_cast<float>(s + double(beta) * c);
    }
}

#ifdef ENGRAM_HAVE_BF16_KERNEL

bool available() {
  static const bool ok = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                         __builtin_cpu_supports("avx512bf16");
  return ok;
}

namespace {

#define ENGRAM_BF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

constexpr int kMr = 6;        // rows per micro-kernel
constexpr int64_t kMc = 192;  // rows per A block (bf16 copy: 384 KiB at K = 1024)
constexpr int64_t kNr = PackedBf16::kPanel;

// C[MR, 64] (width nw <= 64 valid) = a[MR][Kp] . panel + beta C. a: bf16 pairs as uint32.
template <int MR>
ENGRAM_BF16 void micro(const uint32_t* a, int64_t lda2, const uint16_t* panel, int64_t kp, float* C, int64_t ldc,
                       int nw, float beta) {
  __m512 acc[MR][4];
  for (int r = 0; r < MR; ++r)
    for (int c = 0; c < 4; ++c) acc[r][c] = _mm512_setzero_ps();
  const __m512i* b = reinterpret_cast<const __m512i*>(panel);
  for (int64_t p = 0; p < kp; ++p, b += 4) {
    const __m512bh b0 = (__m512bh)_mm512_loadu_si512(b + 0), b1 = (__m512bh)_mm512_loadu_si512(b + 1);
    const __m512bh b2 = (__m512bh)_mm512_loadu_si512(b + 2), b3 = (__m512bh)_mm512_loadu_si512(b + 3);
    for (int r = 0; r < MR; ++r) {
      const __m512bh x = (__m512bh)_mm512_set1_epi32(static_cast<int>(a[r * lda2 + p]));
      acc[r][0] = _mm512_dpbf16_ps(acc[r][0], b0, x);
      acc[r][1] = _mm512_dpbf16_ps(acc[r][1], b1, x);
      acc[r][2] = _mm512_dpbf16_ps(acc[r][2], b2, x);
      acc[r][3] = _mm512_dpbf16_ps(acc[r][3], b3, x);
    }
  }
  const __m512 vb = _mm512_set1_ps(beta);
  for (int r = 0; r < MR; ++r) {
    float* c = C + r * ldc;
    for (int q = 0; q < 4; ++q) {
      const int left = nw - q * 16;
      if (left <= 0) break;
      const __mmask16 m = left >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << left) - 1);
      __m512 v = acc[r][q];
      if (beta != 0.0f) v = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m, c + q * 16), v);
      _mm512_mask_storeu_ps(c + q * 16, m, v);
    }
  }
}

using MicroFn = void (*)(const uint32_t*, int64_t, const uint16_t*, int64_t, float*, int64_t, int, float);
constexpr MicroFn kMicro[kMr + 1] = {nullptr, micro<1>, micro<2>, micro<3>, micro<4>, micro<5>, micro<6>};

// Rounds rows [0, m) of A (K values each) to bf16 pairs in dst [m][kp] (odd K padded with 0).
ENGRAM_BF16 void convert_rows(uint32_t* dst, const float* A, int64_t lda, int64_t m, int64_t K, int64_t kp) {
  for (int64_t i = 0; i < m; ++i) {
    const float* src = A + i * lda;
    uint16_t* d = reinterpret_cast<uint16_t*>(dst + i * kp);
    int64_t k = 0;
    for (; k + 32 <= K; k += 32) {
      // cvtne2ps(hi, lo): lanes 0-15 from lo, 16-31 from hi, round to nearest even.
      const __m512bh v = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(src + k + 16), _mm512_loadu_ps(src + k));
      _mm512_storeu_si512(d + k, (__m512i)v);
    }
    for (; k < K; ++k) d[k] = f32_to_bf16(src[k]);
    if (K & 1) d[K] = 0;
  }
}

// Rows [r0, r1) x panels [p0, p1) of C, on the calling thread.
void run_block(float* C, int64_t ldc, const float* A, int64_t lda, const PackedBf16& W, int64_t r0, int64_t r1,
               int64_t p0, int64_t p1, float beta, std::vector<uint32_t>& abuf) {
  const int64_t K = W.cols(), kp = W.k_pairs(), N = W.rows();
  abuf.resize(static_cast<size_t>(std::min(kMc, r1 - r0) * kp));
  for (int64_t mb = r0; mb < r1; mb += kMc) {
    const int64_t mc = std::min(kMc, r1 - mb);
    convert_rows(abuf.data(), A + mb * lda, lda, mc, K, kp);
    for (int64_t p = p0; p < p1; ++p) {
      const int nw = static_cast<int>(std::min(kNr, N - p * kNr));
      for (int64_t i = 0; i < mc; i += kMr) {
        const int mr = static_cast<int>(std::min<int64_t>(kMr, mc - i));
        kMicro[mr](abuf.data() + i * kp, kp, W.panel(p), kp, C + (mb + i) * ldc + p * kNr, ldc, nw, beta);
      }
    }
  }
}

}  // namespace

void gemm_nt(float* C, int64_t ldc, const float* A, int64_t lda, const PackedBf16& W, int64_t M, float beta,
             int threads) {
  if (!available()) throw Error("bf16 GEMM: this CPU has no AVX-512 BF16 (use the float32 path)");
  if (M <= 0) return;
  if (lda < W.cols() || ldc < W.rows())
    throw Error("bf16 GEMM: leading dimensions lda " + std::to_string(lda) + ", ldc " + std::to_string(ldc) +
                " below K " + std::to_string(W.cols()) + ", N " + std::to_string(W.rows()));
  int nt = threads > 0 ? threads : omp_get_max_threads();
  if (omp_in_parallel() || 2.0 * M * W.rows() * W.cols() < 2e6) nt = 1;
  const int64_t P = W.panels();
  // Enough rows: split rows (each thread streams every panel once per row block). Few rows
  // (decoding): split panels, so each thread reads only its share of W.
  const bool by_rows = M >= int64_t{kMr} * 8 * nt;
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
    thread_local std::vector<uint32_t> abuf;
    const int t = omp_get_thread_num(), n = omp_get_num_threads();
    if (by_rows) {
      // Row ranges in multiples of the micro-kernel height.
      const int64_t strips = (M + kMr - 1) / kMr;
      const int64_t b = strips * t / n * kMr, e = std::min(M, strips * (t + 1) / n * kMr);
      if (e > b) run_block(C, ldc, A, lda, W, b, e, 0, P, beta, abuf);
    } else {
      const int64_t b = P * t / n, e = P * (t + 1) / n;
      if (e > b) run_block(C, ldc, A, lda, W, 0, M, b, e, beta, abuf);
    }
  }
}

#else

bool available() { return false; }

void gemm_nt(float*, int64_t, const float*, int64_t, const PackedBf16&, int64_t, float, int) {
  throw Error("bf16 GEMM: not compiled for this architecture (use the float32 path)");
}

#endif

}  // namespace bf16

}  // namespace engram::ops
