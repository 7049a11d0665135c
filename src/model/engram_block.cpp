#include "model/engram_block.h"

#include <algorithm>
#include <map>

#include "core/error.h"
#include "core/progress.h"
#include "layer/layer_config.h"
#include "layer/layer_fast.h"
#include "layer/layer_params.h"
#include "layer/ops_ref.h"

namespace engram::model {

struct EngramBlock::Impl {
  LayerDims dims;
  int layer_id = 0;
  Param* table = nullptr;
  std::map<std::string, Param*> dense;  // by demo name
  LayerParams<float> lp;                // the layer's view of the dense params
  std::unique_ptr<FastLayer> fast;  // rebuilt per forward: it packs the current weights
  FastActs acts;
  LayerGrads<float> grads;
  const float* x = nullptr;
  double seconds = 0;
  bool from_store = false;  // last forward read rows given by the caller
  // Table in a TableBackend: the last forward's distinct global rows, ascending; the layer
  // saw them as a subset table indexed by rank.
  std::vector<int64_t> subset_rows;
  std::vector<float> subset_values;

  // Copies the bound Params into the layer's layout (M = 1: per-branch tensors are [d, ...]).
  void load_params() {
    lp.value_w = dense["value_proj.weight"]->data;
    lp.value_b = dense["value_proj.bias"]->data;
    lp.key_w = dense["key_projs.0.weight"]->data;
    lp.key_b = dense["key_projs.0.bias"]->data;
    lp.norm1 = dense["norm1.0.weight"]->data;
    lp.norm2 = dense["norm2.0.weight"]->data;
    lp.conv_norm = dense["short_conv.norms.0.weight"]->data;
    lp.conv_w = dense["short_conv.conv.weight"]->data;
  }
};

EngramBlock::EngramBlock(const EngramConfig& cfg, int layer_id, int64_t d_model) : impl_(std::make_unique<Impl>()) {
  const HashConfig& h = cfg.hash;
  table_sizes_ = h.table_sizes()[h.layer_index(layer_id)];
  impl_->layer_id = layer_id;
  LayerDims& d = impl_->dims;
  d.n_cols = static_cast<int64_t>(table_sizes_.size());
  d.head_dim = h.head_dim();
  d.hidden = d_model;
  d.hc = 1;
  d.kernel = cfg.kernel_size;
  d.dilation = h.max_ngram_size;
  d.table_sizes = table_sizes_;
  d.validate();
}

EngramBlock::~EngramBlock() = default;

std::vector<ParamSpec> EngramBlock::param_specs() const {
  const LayerDims& d = impl_->dims;
  const int64_t E = d.E(), h = d.hidden;
  return {
      {"multi_head_embedding.embedding.weight", {d.total_rows(), d.head_dim}, ParamKind::kTable},
      {"value_proj.weight", {h, E}, ParamKind::kWeight},
      {"value_proj.bias", {h}, ParamKind::kNoDecay},
      {"key_projs.0.weight", {h, E}, ParamKind::kWeight},
      {"key_projs.0.bias", {h}, ParamKind::kNoDecay},
      {"norm1.0.weight", {h}, ParamKind::kNoDecay},
      {"norm2.0.weight", {h}, ParamKind::kNoDecay},
      {"short_conv.conv.weight", {h, 1, d.kernel}, ParamKind::kWeight},
      {"short_conv.norms.0.weight", {h}, ParamKind::kNoDecay},
  };
}

void EngramBlock::bind(const std::string& name, Param& p) {
  if (name == "multi_head_embedding.embedding.weight") impl_->table = &p;
  else impl_->dense[name] = &p;
}

void EngramBlock::init_params(Initializer& init, const TableFactory& tables) {
  if (tables) {
    // The values init.normal would write, drawn in the same order from the same stream.
    const double s = init.default_std();
    ValueSource next = [&](float* out, size_t n) {
      for (size_t i = 0; i < n; ++i) out[i] = static_cast<float>(init.gaussian() * s);
    };
    impl_->table->backend = tables(*impl_->table, impl_->layer_id, next);
    ENGRAM_CHECK_MSG(impl_->table->backend, "the table factory returned no backend");
  } else {
    init.normal(*impl_->table);
  }
  for (auto& [name, p] : impl_->dense) {
    if (name.find("norm") != std::string::npos) init.ones(*p);
    else if (name.find(".bias") != std::string::npos || name == "short_conv.conv.weight") init.zeros(*p);
    else init.normal(*p);
  }
}

namespace {
// Rows already gathered by a memory tier: a view whose row r is the r-th gathered row, and
// identity row ids, so the layer reads them in order.
TableView gathered_view(const float* g, int64_t n, int64_t D, std::vector<int64_t>& ids) {
  ids.resize(n);
  for (int64_t i = 0; i < n; ++i) ids[i] = i;
  return TableView{g, DType::kF32, n, D, true};
}
}  // namespace

void EngramBlock::forward(float* y, const float* x, const int64_t* rows, int64_t B, int64_t T, const float* gathered) {
  const double t0 = now_seconds();
  Impl& I = *impl_;
  I.load_params();
  std::vector<int64_t> global = hash_ids_to_rows(I.dims, rows, B, T, "engram row ids");
  TableView tab{I.table->data.data(), DType::kF32, I.dims.total_rows(), I.dims.head_dim};
  I.subset_rows.clear();
  if (gathered) {
    tab = gathered_view(gathered, B * T * I.dims.n_cols, I.dims.head_dim, global);
  } else if (I.table->backend) {
    // Only the rows hit read from the tier. Ranks keep the global order, so the backward's
    // sorted sparse rows map back by a lookup and the arithmetic is that of the whole table.
    auto& u = I.subset_rows;
    u = global;
    std::sort(u.begin(), u.end());
    u.erase(std::unique(u.begin(), u.end()), u.end());
    I.subset_values.resize(u.size() * I.dims.head_dim);
    I.table->backend->read(u, I.subset_values.data());
    for (auto& g : global) g = std::lower_bound(u.begin(), u.end(), g) - u.begin();
    tab = TableView{I.subset_values.data(), DType::kF32, static_cast<int64_t>(u.size()), I.dims.head_dim, true};
  }
  I.from_store = gathered != nullptr;
  // Packed from the weights as they are now (an optimiser step may have changed them);
  // decode() reuses it, so a generation decodes on the weights of its prefill.
  I.fast = std::make_unique<FastLayer>(I.dims, I.lp);
  I.fast->forward(I.acts, tab, x, global.data(), B, T);
  std::copy(I.acts.y.begin(), I.acts.y.end(), y);
  I.x = x;
  I.seconds += now_seconds() - t0;
}

void EngramBlock::backward(float* dx, const float* dy) {
  const double t0 = now_seconds();
  Impl& I = *impl_;
  ENGRAM_CHECK_MSG(!I.from_store, "backward after a forward on rows from a memory tier");
  I.fast->backward(I.grads, dy, I.acts, I.x);
  if (I.table->backend)
    for (auto& r : I.grads.table_rows) r = I.subset_rows[r];
  for (size_t i = 0; i < I.grads.hidden.size(); ++i) dx[i] += I.grads.hidden[i];
  auto acc = [](Param* p, const std::vector<float>& g) {
    for (size_t i = 0; i < g.size(); ++i) p->grad[i] += g[i];
  };
  acc(I.dense["value_proj.weight"], I.grads.params.value_w);
  acc(I.dense["value_proj.bias"], I.grads.params.value_b);
  acc(I.dense["key_projs.0.weight"], I.grads.params.key_w);
  acc(I.dense["key_projs.0.bias"], I.grads.params.key_b);
  acc(I.dense["norm1.0.weight"], I.grads.params.norm1);
  acc(I.dense["norm2.0.weight"], I.grads.params.norm2);
  acc(I.dense["short_conv.norms.0.weight"], I.grads.params.conv_norm);
  acc(I.dense["short_conv.conv.weight"], I.grads.params.conv_w);
  // Merge this backward's sparse rows into the table's (both sorted, unique).
  SparseRows& sp = I.table->sparse;
  const int64_t D = I.dims.head_dim;
  if (sp.rows.empty()) {
    sp.rows = I.grads.table_rows;
    sp.grad = I.grads.table_grads;
  } else {
    SparseRows merged;
    size_t a = 0, b = 0;
    const auto& rb = I.grads.table_rows;
    while (a < sp.rows.size() || b < rb.size()) {
      const bool take_a = b == rb.size() || (a < sp.rows.size() && sp.rows[a] <= rb[b]);
      const bool take_b = a == sp.rows.size() || (b < rb.size() && rb[b] <= sp.rows[a]);
      merged.rows.push_back(take_a ? sp.rows[a] : rb[b]);
      const size_t at = merged.grad.size();
      merged.grad.resize(at + D, 0.0f);
      if (take_a) {
        for (int64_t j = 0; j < D; ++j) merged.grad[at + j] += sp.grad[a * D + j];
        ++a;
      }
      if (take_b) {
        for (int64_t j = 0; j < D; ++j) merged.grad[at + j] += I.grads.table_grads[b * D + j];
        ++b;
      }
    }
    sp = std::move(merged);
  }
  I.seconds += now_seconds() - t0;
}

std::vector<float> EngramBlock::last_gates() const { return impl_->acts.gate; }

int64_t EngramBlock::history_len() const {
  const LayerDims& d = impl_->dims;
  return std::max<int64_t>(1, (d.kernel - 1) * d.dilation);
}

void EngramBlock::capture_history(float* ring, int64_t T) const {
  const int64_t S = history_len(), d = impl_->dims.hidden;
  const auto& xn = impl_->acts.xn;
  ENGRAM_CHECK(static_cast<int64_t>(xn.size()) == T * d);
  for (int64_t p = std::max<int64_t>(0, T - S); p < T; ++p)
    std::copy(xn.begin() + p * d, xn.begin() + (p + 1) * d, ring + (p % S) * d);
}

void EngramBlock::decode(float* y, const float* x, const int64_t* rows, int64_t B, float* rings, const int64_t* pos,
                         const float* gathered) {
  const double t0 = now_seconds();
  Impl& I = *impl_;
  const LayerDims& dm = I.dims;
  std::vector<int64_t> global = hash_ids_to_rows(dm, rows, B, 1, "engram row ids");
  TableView tab{I.table->data.data(), DType::kF32, dm.total_rows(), dm.head_dim};
  std::vector<float> from_backend;
  if (!gathered && I.table->backend) {
    from_backend.resize(global.size() * dm.head_dim);
    I.table->backend->read(global, from_backend.data());
    gathered = from_backend.data();
  }
  if (gathered) tab = gathered_view(gathered, B * dm.n_cols, dm.head_dim, global);
  if (!I.fast) {  // no forward yet (a cache filled elsewhere): pack the current weights
    I.load_params();
    I.fast = std::make_unique<FastLayer>(I.dims, I.lp);
  }
  I.fast->decode(I.acts, tab, x, global.data(), B, rings, pos);
  std::copy(I.acts.y.begin(), I.acts.y.end(), y);
  I.seconds += now_seconds() - t0;
}

}  // namespace engram::model
