// The Engram layer, reference implementation: composes the ops of ops_ref.h exactly as the
// demo's Engram.forward does (ENGRAM.md section 5), keeping every intermediate by name
// for the backward pass and for oracle comparisons. Slow and obvious on purpose; the fast
// path (layer_fast.h) is tested against it.
#pragma once

#include <cstdint>
#include <vector>

#include "layer/layer_config.h"
#include "layer/layer_params.h"

namespace engram::ref {

// Every intermediate of one forward pass. R = B*T.
template <typename T>
struct LayerActs {
  int64_t B = 0, T_ = 0;
  std::vector<int64_t> rows;  // [R, n_cols] global table rows
  std::vector<T> e;           // [R, E]      embeddings (gathered rows, concatenated)
  std::vector<T> v;           // [R, d]      value_proj(e)
  std::vector<T> k;           // [R, M, d]   key_projs[m](e)
  std::vector<T> nk, rstd_k;  // [R, M, d], [R, M]  norm1
  std::vector<T> nq, rstd_q;  // [R, M, d], [R, M]  norm2(hidden)
  std::vector<T> s, gate;     // [R, M]      gate pre-activation, gate
  std::vector<T> u;           // [R, M, d]   gate * v  (the demo's `value`)
  std::vector<T> xn, rstd_c;  // [R, M, d], [R, M]  short_conv norms
  std::vector<T> pre;         // [R, M, d]   conv output before SiLU
  std::vector<T> conv;        // [R, M, d]   SiLU(conv)  (short_conv_out)
  std::vector<T> y;           // [R, M, d]   output = u + conv
};

// hidden [B, T, M, d]; rows [B, T, n_cols] global row ids (see hash_ids_to_rows).
template <typename T>
void layer_forward(LayerActs<T>& acts, const LayerParams<T>& p, const TableView& table, const T* hidden,
                   const int64_t* rows, int64_t B, int64_t Tn, const LayerDims& dims);

// Given dY [B, T, M, d], fills grads (zeroed first) from the saved acts.
template <typename T>
void layer_backward(LayerGrads<T>& grads, const T* dy, const LayerActs<T>& acts, const LayerParams<T>& p,
                    const T* hidden, const LayerDims& dims);

}  // namespace engram::ref
