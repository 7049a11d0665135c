// The Engram layer, fast CPU implementation (float32 compute, float32 or bfloat16 tables).
//
// Same math as ref::layer_forward/backward (layer_ref.h), restructured for speed:
//   - fused gather: all n_cols rows of a position copied (bf16 widened) into e [R, E], with
//     software prefetch of the rows a few positions ahead;
//   - ONE SGEMM for all projections: e [R, E] x W_kv^T, W_kv = [value_proj.weight;
//     key_projs.0.weight; ...] packed as [(M+1)*d, E], so kv [R, (M+1)*d] holds v then the
//     M keys (or, opt-in, the same product in the AVX-512 BF16 GEMM: ProjDtype below);
//   - one fused pass per row for norm1/norm2/gate/scale/conv-norm;
//   - one fused pass for conv + SiLU + residual.
// Backward mirrors it: fused conv/SiLU backward, one fused per-row pass back to d(kv) and
// d(hidden), three SGEMM families (dW, db, de), then a sorted, deterministic scatter of de
// into the sparse table gradient.
//
// Threading (deliberate choice, see BASELINES.md on OpenMP vs OpenBLAS threads): one layer,
// OpenMP. Every SGEMM goes through ops/gemm.h with this layer's thread count: split by rows
// across our OpenMP threads, each calling OpenBLAS single-threaded (a process-wide
// setting, made once). So OpenBLAS's pthreads never spin against OpenMP's. OMP_WAIT_POLICY=PASSIVE is
// still advisable when other OpenMP code shares the process.
//
// Thread safety: a FastLayer is immutable after construction; forward/backward may run
// concurrently on distinct FastActs. Failure: bad shapes throw engram::Error.
#pragma once

#include <cstdint>
#include <vector>

#include "layer/layer_config.h"
#include "layer/layer_params.h"
#include "ops/gemm_bf16.h"

namespace engram {

// Buffers of one forward pass kept for backward. R = B*T, C = M*d, N = (M+1)*d.
struct FastActs {
  int64_t B = 0, T = 0;
  std::vector<int64_t> rows;  // [R, n_cols] global table rows
  std::vector<float> e;       // [R, E]
  std::vector<float> kv;      // [R, N]  v = kv[:, :d], key m = kv[:, (1+m)*d : (2+m)*d]
  std::vector<float> rstd_k, rstd_q, s, gate, rstd_c;  // [R, M]
  std::vector<float> u;       // [R, C]  gate * v (the demo's `value`)
  std::vector<float> xn;      // [R, C]  short-conv norm output
  std::vector<float> pre;     // [R, C]  conv output before SiLU
  std::vector<float> y;       // [R, C]  output
};

// Precision of the forward's projection GEMM. kBF16 rounds e and W_kv to bfloat16 and sums
// in float32 (ops/gemm_bf16.h): ~2x the GEMM rate, outputs off by ~1e-3 relative (measured
// in tests/layer and docs/RESULTS.md). Backward always uses the float32 weights.
enum class ProjDtype { kF32, kBF16 };

class FastLayer {
 public:
  // Packs the weights; `threads` <= 0 means omp_get_max_threads(). kBF16 on a CPU without
  // AVX-512 BF16 throws (no silent float32 fallback).
  FastLayer(const LayerDims& dims, const LayerParams<float>& p, int threads = 0, ProjDtype proj = ProjDtype::kF32);

  const LayerDims& dims() const { return dims_; }
  int threads() const { return threads_; }
  ProjDtype proj_dtype() const { return proj_; }

  // hidden [B, T, M, d]; rows [B, T, n_cols] global rows (hash_ids_to_rows). Output in a.y.
  void forward(FastActs& a, const TableView& table, const float* hidden, const int64_t* rows, int64_t B,
               int64_t T) const;
  // Incremental decoding, one new position per sequence: hidden [B, M, d]; rows [B, n_cols]
  // global rows; rings [B][history_len(), C] hold each sequence's earlier short-conv inputs
  // (slot p % history_len() is position p, as the last T positions of a forward's a.xn);
  // pos [B] the position of each new token. Output in a.y [B, C]; updates the rings.
  // Equals forward() at that position (tests/layer/layer_fast_test.cpp).
  void decode(FastActs& a, const TableView& table, const float* hidden, const int64_t* rows, int64_t B, float* rings,
              const int64_t* pos) const;
  int64_t history_len() const;  // (kernel - 1) * dilation, at least 1
  // grads are zeroed and filled (same layout as the reference's).
  void backward(LayerGrads<float>& g, const float* dy, const FastActs& a, const float* hidden) const;

  // Only the forward's projection SGEMM (kv = e W_kv^T + b) on a.e, for timing the GEMM floor.
  void project(FastActs& a) const;

 private:
  void gather(FastActs& a, const TableView& table) const;
  // Everything before the short conv, per row: gather, projections, norms, gate, conv norm.
  void rows_pass(FastActs& a, const TableView& table, const float* hidden, const int64_t* rows, int64_t R) const;
  LayerDims dims_;
  int threads_;
  ProjDtype proj_;
  std::vector<float> w_kv_;     // [N, E] value_proj.weight then key_projs.{m}.weight
  ops::PackedBf16 w_kv_bf16_;   // the same, packed for the bf16 kernel (kBF16 only)
  std::vector<float> b_kv_;     // [N]
  std::vector<float> norm1_, norm2_, conv_norm_;  // [M, d]
  std::vector<float> conv_wt_;  // [K, C] conv weight transposed so channels are contiguous
};

}  // namespace engram
