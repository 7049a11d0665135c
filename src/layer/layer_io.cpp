// Layer config parsing and weight loading under the demo's state_dict names.
#include "layer/layer_io.h"

#include <cstring>

#include "core/error.h"

namespace engram {

LayerFileConfig LayerFileConfig::from_json(const Json& j, const std::string& where) {
  LayerFileConfig c;
  c.hash = hash_config_from_json(j, where);
  c.layer_id = json_int(json_field(j, "layer_id", where), where + ": layer_id");
  c.hidden_size = json_int(json_field(j, "hidden_size", where), where + ": hidden_size");
  c.hc_mult = json_int(json_field(j, "hc_mult", where), where + ": hc_mult");
  if (const Json* v = json_field_opt(j, "kernel_size")) c.kernel_size = json_int(*v, where + ": kernel_size");
  auto in_range = [&](int64_t v, int64_t hi, const char* name) {
    if (v < 1 || v > hi) {
      throw Error(where + ": " + name + " = " + std::to_string(v) + " is outside [1, " + std::to_string(hi) + "]");
    }
  };
  in_range(c.hidden_size, 1 << 20, "hidden_size");
  in_range(c.hc_mult, 1024, "hc_mult");
  in_range(c.kernel_size, 1024, "kernel_size");
  if (c.hash.n_embed_per_ngram % c.hash.n_head_per_ngram != 0) {
    throw Error(where + ": n_embed_per_ngram " + std::to_string(c.hash.n_embed_per_ngram) +
                " is not a multiple of n_head_per_ngram " + std::to_string(c.hash.n_head_per_ngram));
  }
  bool listed = false;
  for (int id : c.hash.layer_ids) listed |= id == c.layer_id;
  if (!listed) throw Error(where + ": layer_id " + std::to_string(c.layer_id) + " is not in layer_ids");
  return c;
}

LayerDims LayerFileConfig::dims(std::span<const int64_t> table_sizes) const {
  LayerDims d;
  d.n_cols = hash.columns();
  d.head_dim = hash.n_embed_per_ngram / hash.n_head_per_ngram;
  d.hidden = hidden_size;
  d.hc = hc_mult;
  d.kernel = kernel_size;
  d.dilation = hash.max_ngram_size;  // the demo's ShortConv(dilation=max_ngram_size)
  d.table_sizes.assign(table_sizes.begin(), table_sizes.end());
  d.validate();
  return d;
}

LayerWeights load_layer_weights(const std::string& path, const LayerDims& dims) {
  LayerWeights w{SafeTensors::load(path), {}, {}, {}};
  const SafeTensors& st = w.file;
  const int64_t d = dims.hidden, E = dims.E(), M = dims.hc, C = dims.C();
  LayerParams<float>& p = w.params;
  using Shape = std::vector<int64_t>;
  p.value_w = st.read_as_f32("value_proj.weight", Shape{d, E});
  p.value_b = st.read_as_f32("value_proj.bias", Shape{d});
  p.key_w.clear();
  for (int64_t m = 0; m < M; ++m) {
    const std::string pre = "key_projs." + std::to_string(m);
    std::vector<float> kw = st.read_as_f32(pre + ".weight", Shape{d, E});
    std::vector<float> kb = st.read_as_f32(pre + ".bias", Shape{d});
    p.key_w.insert(p.key_w.end(), kw.begin(), kw.end());
    p.key_b.insert(p.key_b.end(), kb.begin(), kb.end());
    for (auto [name, dst] : {std::pair{"norm1.", &p.norm1}, {"norm2.", &p.norm2}, {"short_conv.norms.", &p.conv_norm}}) {
      std::vector<float> v = st.read_as_f32(name + std::to_string(m) + ".weight", Shape{d});
      dst->insert(dst->end(), v.begin(), v.end());
    }
  }
  // A weight for a branch the config does not have means config and weights disagree.
  if (st.find("key_projs." + std::to_string(M) + ".weight") != nullptr) {
    throw Error(path + ": tensor 'key_projs." + std::to_string(M) + ".weight' exists but hc_mult is " +
                std::to_string(M));
  }
  p.conv_w = st.read_as_f32("short_conv.conv.weight", Shape{C, 1, dims.kernel});

  if (const TensorInfo* off = st.find("multi_head_embedding.offsets")) {
    std::vector<int64_t> got = st.read_i64(off->name, Shape{dims.n_cols});
    if (got != dims.offsets()) {
      throw Error(path + ": tensor 'multi_head_embedding.offsets' does not match the config's table sizes "
                  "(cumulative primes of layer's hash heads)");
    }
  }
  const std::string tname = "multi_head_embedding.embedding.weight";
  const TensorInfo& t = st.get(tname);
  if (t.dtype != DType::kF32 && t.dtype != DType::kBF16) {
    throw Error(path + ": tensor '" + tname + "' has dtype " + dtype_name(t.dtype) + ", expected F32 or BF16");
  }
  st.expect(tname, t.dtype, Shape{dims.total_rows(), dims.head_dim});
  const std::byte* data = st.data(t);
  if (reinterpret_cast<uintptr_t>(data) % dtype_size(t.dtype) != 0) {
    w.table_copy.assign(data, data + t.nbytes);
    data = w.table_copy.data();
  }
  w.table = TableView{data, t.dtype, dims.total_rows(), dims.head_dim};
  return w;
}

void add_layer_weights(SafeTensorsWriter& w, const LayerDims& dims, const LayerParams<float>& p,
                       const TableView& table) {
  p.check(dims);
  const int64_t d = dims.hidden, E = dims.E();
  std::vector<int64_t> off = dims.offsets();
  w.add(
      "multi_head_embedding.embedding.weight", table.dtype, {table.rows, table.dim}, table.data,
      static_cast<size_t>(table.rows * table.dim) * dtype_size(table.dtype));
  w.add_i64("multi_head_embedding.offsets", {dims.n_cols}, off);
  w.add_f32("value_proj.weight", {d, E}, p.value_w);
  w.add_f32("value_proj.bias", {d}, p.value_b);
  for (int64_t m = 0; m < dims.hc; ++m) {
    const std::string s = std::to_string(m);
    w.add_f32("key_projs." + s + ".weight", {d, E}, std::span(p.key_w).subspan(m * d * E, d * E));
    w.add_f32("key_projs." + s + ".bias", {d}, std::span(p.key_b).subspan(m * d, d));
    w.add_f32("norm1." + s + ".weight", {d}, std::span(p.norm1).subspan(m * d, d));
    w.add_f32("norm2." + s + ".weight", {d}, std::span(p.norm2).subspan(m * d, d));
    w.add_f32("short_conv.norms." + s + ".weight", {d}, std::span(p.conv_norm).subspan(m * d, d));
  }
  w.add_f32("short_conv.conv.weight", {dims.C(), 1, dims.kernel}, p.conv_w);
}

}  // namespace engram
