// Oracle module loader (see oracle_module.h).
#include "oracle_module.h"

#include "test_util.h"

namespace engram::test {

namespace {
std::vector<float> wf(const OracleModule& m, const char* key) {
  const Json& e = m.manifest["weights"][key];
  return load_f32(m.dir + "/" + e["file"].get<std::string>(), shape_count(e));
}
}  // namespace

OracleModule load_oracle_module(const std::string& name) {
  OracleModule m;
  m.dir = oracle_dir() + "/module/" + name;
  m.manifest = load_json_file(m.dir + "/manifest.json");
  const Json& cfg = m.manifest["config"];
  const Json& der = m.manifest["derived"];
  const int64_t N = cfg["max_ngram_size"], K = cfg["n_head_per_ngram"];
  m.dims.n_cols = (N - 1) * K;
  m.dims.head_dim = der["embed_dim_per_head"];
  m.dims.hidden = cfg["hidden_size"];
  m.dims.hc = cfg["hc_mult"];
  m.dims.kernel = cfg["kernel_size"];
  m.dims.dilation = der["conv_dilation"];
  m.dims.table_sizes = der["head_table_sizes_for_layer"].get<std::vector<int64_t>>();
  m.dims.norm_eps = der["rmsnorm_eps_norm1_norm2"];
  m.dims.conv_norm_eps = der["rmsnorm_eps_short_conv"];
  m.params.value_w = wf(m, "value_proj.weight");
  m.params.value_b = wf(m, "value_proj.bias");
  m.params.key_w = wf(m, "key_projs.weight");
  m.params.key_b = wf(m, "key_projs.bias");
  m.params.norm1 = wf(m, "norm1.weight");
  m.params.norm2 = wf(m, "norm2.weight");
  m.params.conv_norm = wf(m, "short_conv.norms.weight");
  m.params.conv_w = wf(m, "short_conv.conv.weight");
  m.table = wf(m, "embedding.weight");
  const Json& oe = m.manifest["weights"]["offsets"];
  m.offsets = load_i64(m.dir + "/" + oe["file"].get<std::string>(), shape_count(oe));
  for (auto it = m.manifest["inputs"].begin(); it != m.manifest["inputs"].end(); ++it) m.cases.push_back(it.key());
  return m;
}

std::vector<float> oracle_f32(const OracleModule& m, const std::string& cs, const std::string& key) {
  const Json& e = m.manifest["inputs"][cs][key];
  return load_f32(m.dir + "/" + e["file"].get<std::string>(), shape_count(e));
}
std::vector<double> oracle_f64(const OracleModule& m, const std::string& cs, const std::string& key) {
  const Json& e = m.manifest["inputs"][cs][key];
  return load_f64(m.dir + "/" + e["file"].get<std::string>(), shape_count(e));
}
std::vector<int64_t> oracle_i64(const OracleModule& m, const std::string& cs, const std::string& key) {
  const Json& e = m.manifest["inputs"][cs][key];
  return load_i64(m.dir + "/" + e["file"].get<std::string>(), shape_count(e));
}
std::vector<int64_t> oracle_shape(const OracleModule& m, const std::string& cs, const std::string& key) {
  return m.manifest["inputs"][cs][key]["shape"].get<std::vector<int64_t>>();
}

}  // namespace engram::test
