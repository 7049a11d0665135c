// LayerParams sizing and validation.
#include "layer/layer_params.h"

#include "core/error.h"

namespace engram {

namespace {
template <typename T>
void check_size(const std::vector<T>& v, int64_t want, const char* name) {
  if (static_cast<int64_t>(v.size()) != want) {
    throw Error(std::string("layer parameter ") + name + " has " + std::to_string(v.size()) + " values, expected " +
                std::to_string(want));
  }
}
}  // namespace

template <typename T>
void LayerParams<T>::resize_zero(const LayerDims& d) {
  value_w.assign(static_cast<size_t>(d.hidden * d.E()), T(0));
  value_b.assign(static_cast<size_t>(d.hidden), T(0));
  key_w.assign(static_cast<size_t>(d.hc * d.hidden * d.E()), T(0));
  key_b.assign(static_cast<size_t>(d.hc * d.hidden), T(0));
  norm1.assign(static_cast<size_t>(d.hc * d.hidden), T(0));
  norm2.assign(static_cast<size_t>(d.hc * d.hidden), T(0));
  conv_norm.assign(static_cast<size_t>(d.hc * d.hidden), T(0));
  conv_w.assign(static_cast<size_t>(d.C() * d.kernel), T(0));
}

template <typename T>
void LayerParams<T>::check(const LayerDims& d) const {
  check_size(value_w, d.hidden * d.E(), "value_proj.weight");
  check_size(value_b, d.hidden, "value_proj.bias");
  check_size(key_w, d.hc * d.hidden * d.E(), "key_projs.*.weight");
  check_size(key_b, d.hc * d.hidden, "key_projs.*.bias");
  check_size(norm1, d.hc * d.hidden, "norm1.*.weight");
  check_size(norm2, d.hc * d.hidden, "norm2.*.weight");
  check_size(conv_norm, d.hc * d.hidden, "short_conv.norms.*.weight");
  check_size(conv_w, d.C() * d.kernel, "short_conv.conv.weight");
}

template struct LayerParams<float>;
template struct LayerParams<double>;

}  // namespace engram
