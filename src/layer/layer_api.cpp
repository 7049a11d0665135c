// The public Layer (include/engram/layer.h): config + weights -> FastLayer.
#include "engram/layer.h"

#include "core/error.h"
#include "core/json_util.h"
#include "hashing/ngram_hash.h"
#include "layer/layer_fast.h"
#include "layer/layer_io.h"

namespace engram {

struct Layer::Impl {
  LayerFileConfig cfg;
  LayerDims dims;
  LayerWeights w;
  FastLayer fast;
  Impl(LayerFileConfig c, LayerDims d, LayerWeights weights, int threads)
      : cfg(std::move(c)), dims(std::move(d)), w(std::move(weights)), fast(dims, w.params, threads) {}
};

Layer Layer::load(const std::string& config_path, const std::string& weights_path, int threads) {
  LayerFileConfig cfg = LayerFileConfig::from_json(load_json_file(config_path), config_path);
  // The table sizes (primes) depend only on the config, not on the vocabulary.
  NgramHasher hasher(cfg.hash, 1, 0);
  LayerDims dims = cfg.dims(hasher.table_sizes(hasher.layer_index(static_cast<int>(cfg.layer_id))));
  LayerWeights w = load_layer_weights(weights_path, dims);
  return Layer(std::make_unique<Impl>(std::move(cfg), std::move(dims), std::move(w), threads));
}

Layer::Layer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Layer::Layer(Layer&&) noexcept = default;
Layer& Layer::operator=(Layer&&) noexcept = default;
Layer::~Layer() = default;

const HashConfig& Layer::hash_config() const { return impl_->cfg.hash; }
int Layer::layer_id() const { return static_cast<int>(impl_->cfg.layer_id); }
int64_t Layer::hidden_size() const { return impl_->cfg.hidden_size; }
int64_t Layer::hc_mult() const { return impl_->cfg.hc_mult; }
int Layer::columns() const { return static_cast<int>(impl_->dims.n_cols); }

Layer::Output Layer::forward(std::span<const float> hidden, std::span<const int64_t> rows, int64_t B, int64_t T) const {
  const Impl& I = *impl_;
  const uint64_t R = static_cast<uint64_t>(B) * static_cast<uint64_t>(T);
  if (B < 1 || T < 1) throw Error("layer forward: B and T must be >= 1, got " + std::to_string(B) + ", " + std::to_string(T));
  if (hidden.size() != R * static_cast<uint64_t>(I.dims.C()))
    throw Error("layer forward: hidden has " + std::to_string(hidden.size()) + " values, expected B*T*hc_mult*hidden = " +
                std::to_string(R * static_cast<uint64_t>(I.dims.C())));
  if (rows.size() != R * static_cast<uint64_t>(I.dims.n_cols))
    throw Error("layer forward: rows has " + std::to_string(rows.size()) + " ids, expected B*T*columns = " +
                std::to_string(R * static_cast<uint64_t>(I.dims.n_cols)));
  const std::vector<int64_t> global = hash_ids_to_rows(I.dims, rows.data(), B, T, "rows");
  FastActs a;
  I.fast.forward(a, I.w.table, hidden.data(), global.data(), B, T);
  return Output{std::move(a.y), std::move(a.gate)};
}

}  // namespace engram
