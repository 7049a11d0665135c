// One Engram layer (ENGRAM.md section 5) as the demo's module computes it: gather the rows
// of every hash column, project to a value and one key per branch, gate each branch by
// the normalised key-query product, add the value through a short causal convolution.
// Loaded from the demo's config fields and state_dict names (docs/FORMAT.md); runs the
// fast CPU path (one SGEMM for every projection, fused passes, OpenMP).
//
// Thread safety: immutable after load; forward() may run concurrently.
// Failure: engram::Error naming the file and the tensor (missing, wrong shape or dtype),
// or the position and column of a row id outside its table.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engram/hash_config.h"

namespace engram {

class Layer {
 public:
  // config: the demo's Engram fields plus layer_id, hidden_size, hc_mult (kernel_size
  // optional); weights: safetensors under the demo module's state_dict names. threads <= 0:
  // every core.
  static Layer load(const std::string& config_path, const std::string& weights_path, int threads = 0);
  Layer(Layer&&) noexcept;
  Layer& operator=(Layer&&) noexcept;
  ~Layer();

  const HashConfig& hash_config() const;
  int layer_id() const;
  int64_t hidden_size() const;
  int64_t hc_mult() const;
  int columns() const;

  struct Output {
    std::vector<float> y;      // [B, T, hc_mult, hidden_size]
    std::vector<float> gates;  // [B, T, hc_mult]
  };
  // hidden [B, T, hc_mult, hidden_size]; rows [B, T, columns] head-local row ids of this
  // layer (Addressing::rows()[layer_index(layer_id())]).
  Output forward(std::span<const float> hidden, std::span<const int64_t> rows, int64_t B, int64_t T) const;

 private:
  struct Impl;
  explicit Layer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace engram
