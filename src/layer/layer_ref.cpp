// Reference Engram layer forward/backward (see layer_ref.h).
#include "layer/layer_ref.h"

#include "core/error.h"
#include "layer/ops_ref.h"

namespace engram::ref {

template <typename T>
void layer_forward(LayerActs<T>& a, const LayerParams<T>& p, const TableView& table, const T* hidden,
                   const int64_t* rows, int64_t B, int64_t Tn, const LayerDims& dims) {
  dims.validate();
  p.check(dims);
  ENGRAM_CHECK(table.dim == dims.head_dim);
  const int64_t R = B * Tn, E = dims.E(), d = dims.hidden, M = dims.hc, C = dims.C();
  const size_t RMd = static_cast<size_t>(R * C), RM = static_cast<size_t>(R * M);
  a.B = B;
  a.T_ = Tn;
  a.rows.assign(rows, rows + R * dims.n_cols);
  a.e.assign(static_cast<size_t>(R * E), T(0));
  gather_forward(a.e.data(), rows, table, R, dims.n_cols);

  // 2. value projection, shared by the branches.
  a.v.assign(static_cast<size_t>(R * d), T(0));
  linear_forward(a.v.data(), a.e.data(), p.value_w.data(), p.value_b.data(), R, E, d);

  // 3. per-branch keys (each written into its [R, m, :] slice), the two norms, the gate.
  a.k.assign(RMd, T(0));
  std::vector<T> km(static_cast<size_t>(R * d));
  for (int64_t m = 0; m < M; ++m) {
    linear_forward(km.data(), a.e.data(), p.key_w.data() + m * d * E, p.key_b.data() + m * d, R, E, d);
    for (int64_t r = 0; r < R; ++r)
      for (int64_t j = 0; j < d; ++j) a.k[(r * M + m) * d + j] = km[r * d + j];
  }
  a.nk.assign(RMd, T(0));
  a.rstd_k.assign(RM, T(0));
  rmsnorm_forward(a.nk.data(), a.rstd_k.data(), a.k.data(), p.norm1.data(), dims.norm_eps, R, d, M);
  a.nq.assign(RMd, T(0));
  a.rstd_q.assign(RM, T(0));
  rmsnorm_forward(a.nq.data(), a.rstd_q.data(), hidden, p.norm2.data(), dims.norm_eps, R, d, M);
  a.s.assign(RM, T(0));
  a.gate.assign(RM, T(0));
  gate_forward(a.gate.data(), a.s.data(), a.nk.data(), a.nq.data(), R, M, d);

  // 4. u = gate * v.
  a.u.assign(RMd, T(0));
  scale_forward(a.u.data(), a.gate.data(), a.v.data(), R, M, d);

  // 5. short conv: per-branch norm, depthwise causal dilated conv over C = M*d channels
  // (the [R, M, d] layout already puts channel m*d + j at that offset), SiLU.
  a.xn.assign(RMd, T(0));
  a.rstd_c.assign(RM, T(0));
  rmsnorm_forward(a.xn.data(), a.rstd_c.data(), a.u.data(), p.conv_norm.data(), dims.conv_norm_eps, R, d, M);
  a.pre.assign(RMd, T(0));
  conv_forward(a.pre.data(), a.xn.data(), p.conv_w.data(), B, Tn, C, dims.kernel, dims.dilation);
  a.conv.assign(RMd, T(0));
  silu_forward(a.conv.data(), a.pre.data(), R * C);

  // 6. Y = u + conv(u).
  a.y.assign(RMd, T(0));
  for (size_t i = 0; i < RMd; ++i) a.y[i] = a.u[i] + a.conv[i];
}

template <typename T>
void layer_backward(LayerGrads<T>& g, const T* dy, const LayerActs<T>& a, const LayerParams<T>& p, const T* hidden,
                    const LayerDims& dims) {
  const int64_t B = a.B, Tn = a.T_, R = B * Tn, E = dims.E(), d = dims.hidden, M = dims.hc, C = dims.C();
  const size_t RMd = static_cast<size_t>(R * C), RM = static_cast<size_t>(R * M);
  g.params.resize_zero(dims);
  g.hidden.assign(RMd, T(0));

  // Y = u + silu(conv(norm(u))): du starts as dY (the residual), the conv path adds to it.
  std::vector<T> du(dy, dy + RMd);
  std::vector<T> dpre(RMd, T(0)), dxn(RMd, T(0));
  silu_backward(dpre.data(), dy, a.pre.data(), R * C);
  conv_backward(dxn.data(), g.params.conv_w.data(), dpre.data(), a.xn.data(), p.conv_w.data(), B, Tn, C, dims.kernel,
                dims.dilation);
  rmsnorm_backward(du.data(), g.params.conv_norm.data(), dxn.data(), a.u.data(), p.conv_norm.data(), a.rstd_c.data(),
                   R, d, M);

  // u = gate * v.
  std::vector<T> dgate(RM, T(0)), dv(static_cast<size_t>(R * d), T(0));
  scale_backward(dgate.data(), dv.data(), du.data(), a.gate.data(), a.v.data(), R, M, d);

  // gate -> normed key / normed query -> key / hidden.
  std::vector<T> dnk(RMd, T(0)), dnq(RMd, T(0)), dk(RMd, T(0));
  gate_backward(dnk.data(), dnq.data(), dgate.data(), a.gate.data(), a.s.data(), a.nk.data(), a.nq.data(), R, M, d);
  rmsnorm_backward(dk.data(), g.params.norm1.data(), dnk.data(), a.k.data(), p.norm1.data(), a.rstd_k.data(), R, d, M);
  rmsnorm_backward(g.hidden.data(), g.params.norm2.data(), dnq.data(), hidden, p.norm2.data(), a.rstd_q.data(), R, d,
                   M);

  // Projections back to the embeddings.
  std::vector<T> de(static_cast<size_t>(R * E), T(0));
  linear_backward(de.data(), g.params.value_w.data(), g.params.value_b.data(), dv.data(), a.e.data(),
                  p.value_w.data(), R, E, d);
  std::vector<T> dkm(static_cast<size_t>(R * d));
  for (int64_t m = 0; m < M; ++m) {
    for (int64_t r = 0; r < R; ++r)
      for (int64_t j = 0; j < d; ++j) dkm[r * d + j] = dk[(r * M + m) * d + j];
    linear_backward(de.data(), g.params.key_w.data() + m * d * E, g.params.key_b.data() + m * d, dkm.data(),
                    a.e.data(), p.key_w.data() + m * d * E, R, E, d);
  }

  // Sparse table gradient.
  gather_backward(g.table_rows, g.table_grads, de.data(), a.rows.data(), R, dims.n_cols, dims.head_dim);
}

template void layer_forward<float>(LayerActs<float>&, const LayerParams<float>&, const TableView&, const float*,
                                   const int64_t*, int64_t, int64_t, const LayerDims&);
template void layer_forward<double>(LayerActs<double>&, const LayerParams<double>&, const TableView&, const double*,
                                    const int64_t*, int64_t, int64_t, const LayerDims&);
template void layer_backward<float>(LayerGrads<float>&, const float*, const LayerActs<float>&,
                                    const LayerParams<float>&, const float*, const LayerDims&);
template void layer_backward<double>(LayerGrads<double>&, const double*, const LayerActs<double>&,
                                     const LayerParams<double>&, const double*, const LayerDims&);

}  // namespace engram::ref
