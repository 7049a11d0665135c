// Loads the oracle's small_hc4 module case (weights, dims, inputs) for layer tests.
#pragma once

#include <string>
#include <vector>

#include "core/json_util.h"
#include "layer/layer_config.h"
#include "layer/layer_params.h"

namespace engram::test {

struct OracleModule {
  std::string dir;
  Json manifest;
  LayerDims dims;
  LayerParams<float> params;
  std::vector<float> table;  // [total_rows, D]
  std::vector<int64_t> offsets;
  std::vector<std::string> cases;
};

OracleModule load_oracle_module(const std::string& name = "small_hc4");
// One array of an input case, by manifest key ("hidden_states", "gates", ...).
std::vector<float> oracle_f32(const OracleModule& m, const std::string& cs, const std::string& key);
std::vector<double> oracle_f64(const OracleModule& m, const std::string& cs, const std::string& key);
std::vector<int64_t> oracle_i64(const OracleModule& m, const std::string& cs, const std::string& key);
std::vector<int64_t> oracle_shape(const OracleModule& m, const std::string& cs, const std::string& key);

}  // namespace engram::test
