// Layer weights under the demo's state_dict names: write -> load round trip (F32 and BF16
// tables), the oracle module through a safetensors file, and named errors for missing,
// mis-shaped, mistyped or inconsistent tensors.
#include <gtest/gtest.h>

#include <functional>

#include "core/error.h"
#include "layer/layer_fast.h"
#include "layer/layer_io.h"
#include "oracle_module.h"
#include "test_util.h"

namespace engram {
namespace {

std::string write_oracle_weights(const test::OracleModule& m, const std::string& name) {
  SafeTensorsWriter w;
  TableView tab{m.table.data(), DType::kF32, m.dims.total_rows(), m.dims.head_dim};
  add_layer_weights(w, m.dims, m.params, tab);
  std::string path = test::scratch_dir() + "/" + name;
  w.write(path);
  return path;
}

void expect_error_mentions(const std::function<void()>& f, const std::string& needle) {
  try {
    f();
    FAIL() << "expected an error mentioning " << needle;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(LayerIo, OracleWeightsRoundTripAndForward) {
  test::OracleModule m = test::load_oracle_module();
  std::string path = write_oracle_weights(m, "oracle_layer.safetensors");
  LayerWeights w = load_layer_weights(path, m.dims);
  EXPECT_EQ(w.params.value_w, m.params.value_w);
  EXPECT_EQ(w.params.value_b, m.params.value_b);
  EXPECT_EQ(w.params.key_w, m.params.key_w);
  EXPECT_EQ(w.params.key_b, m.params.key_b);
  EXPECT_EQ(w.params.norm1, m.params.norm1);
  EXPECT_EQ(w.params.norm2, m.params.norm2);
  EXPECT_EQ(w.params.conv_norm, m.params.conv_norm);
  EXPECT_EQ(w.params.conv_w, m.params.conv_w);
  ASSERT_EQ(w.table.dtype, DType::kF32);
  const float* t = static_cast<const float*>(w.table.data);
  EXPECT_TRUE(std::equal(m.table.begin(), m.table.end(), t));
  // And the loaded weights reproduce the oracle output.
  const std::string cs = m.cases[0];
  std::vector<int64_t> hs = test::oracle_shape(m, cs, "hidden_states");
  std::vector<int64_t> ids = test::oracle_i64(m, cs, "hash_ids");
  std::vector<int64_t> rows = hash_ids_to_rows(m.dims, ids.data(), hs[0], hs[1]);
  std::vector<float> hidden = test::oracle_f32(m, cs, "hidden_states");
  FastLayer fl(m.dims, w.params, 1);
  FastActs a;
  fl.forward(a, w.table, hidden.data(), rows.data(), hs[0], hs[1]);
  std::vector<float> want = test::oracle_f32(m, cs, "output");
  for (size_t i = 0; i < want.size(); ++i) ASSERT_NEAR(a.y[i], want[i], 1e-5 + 1e-4 * std::fabs(want[i]));
}

TEST(LayerIo, Bf16TableLoadsAsBf16) {
  test::OracleModule m = test::load_oracle_module();
  std::vector<uint16_t> tb;
  for (float x : m.table) tb.push_back(f32_to_bf16(x));
  SafeTensorsWriter w;
  add_layer_weights(w, m.dims, m.params, TableView{tb.data(), DType::kBF16, m.dims.total_rows(), m.dims.head_dim});
  std::string path = test::scratch_dir() + "/bf16_layer.safetensors";
  w.write(path);
  LayerWeights lw = load_layer_weights(path, m.dims);
  ASSERT_EQ(lw.table.dtype, DType::kBF16);
  ASSERT_EQ(lw.table.rows * lw.table.dim, static_cast<int64_t>(tb.size()));
  const uint16_t* t = static_cast<const uint16_t*>(lw.table.data);
  EXPECT_TRUE(std::equal(tb.begin(), tb.end(), t));
  EXPECT_EQ(lw.params.value_b, m.params.value_b);
  EXPECT_EQ(lw.params.conv_w, m.params.conv_w);
}

TEST(LayerIo, NamedErrors) {
  test::OracleModule m = test::load_oracle_module();
  std::string path = write_oracle_weights(m, "for_errors.safetensors");
  SafeTensors good = SafeTensors::load(path);
  // Rewrites the file without `drop` and/or with `replace` swapped in.
  auto variant = [&](const std::string& drop, const std::string& add_name, std::vector<int64_t> add_shape,
                     DType add_dtype) {
    SafeTensorsWriter w;
    for (const TensorInfo& t : good.tensors()) {
      if (t.name == drop) continue;
      w.add(t.name, t.dtype, t.shape, good.data(t), t.nbytes);
    }
    if (!add_name.empty()) {
      int64_t n = 1;
      for (int64_t s : add_shape) n *= s;
      std::vector<char> zeros(static_cast<size_t>(n) * dtype_size(add_dtype), 0);
      w.add(add_name, add_dtype, add_shape, zeros.data(), zeros.size());
    }
    std::string p = test::scratch_dir() + "/variant.safetensors";
    w.write(p);
    return p;
  };
  expect_error_mentions([&] { load_layer_weights(variant("key_projs.2.bias", "", {}, DType::kF32), m.dims); },
                        "'key_projs.2.bias' is missing");
  expect_error_mentions(
      [&] { load_layer_weights(variant("norm1.1.weight", "norm1.1.weight", {65}, DType::kF32), m.dims); },
      "'norm1.1.weight' has shape [65], expected [64]");
  expect_error_mentions(
      [&] { load_layer_weights(variant("value_proj.bias", "value_proj.bias", {64}, DType::kI32), m.dims); },
      "'value_proj.bias' has dtype I32");
  expect_error_mentions(
      [&] {
        load_layer_weights(variant("multi_head_embedding.offsets", "multi_head_embedding.offsets", {8}, DType::kI64),
                           m.dims);
      },
      "'multi_head_embedding.offsets' does not match");
  expect_error_mentions([&] { load_layer_weights(variant("", "key_projs.4.weight", {64, 64}, DType::kF32), m.dims); },
                        "'key_projs.4.weight' exists but hc_mult is 4");
  expect_error_mentions(
      [&] {
        load_layer_weights(variant("multi_head_embedding.embedding.weight", "multi_head_embedding.embedding.weight",
                                   {8612, 8}, DType::kF64),
                           m.dims);
      },
      "expected F32 or BF16");
}

TEST(LayerIo, ConfigFromJson) {
  Json j = Json::parse(R"({"engram_vocab_size":[1000,1000],"max_ngram_size":3,"n_embed_per_ngram":32,
    "n_head_per_ngram":4,"layer_ids":[1,15],"pad_id":2,"seed":0,"kernel_size":4,
    "layer_id":15,"hidden_size":64,"hc_mult":4})");
  LayerFileConfig c = LayerFileConfig::from_json(j, "cfg.json");
  std::vector<int64_t> sizes = {1051, 1061, 1063, 1069, 1087, 1091, 1093, 1097};
  LayerDims d = c.dims(sizes);
  EXPECT_EQ(d.head_dim, 8);
  EXPECT_EQ(d.E(), 64);
  EXPECT_EQ(d.dilation, 3);
  Json bad = j;
  bad["layer_id"] = 7;
  expect_error_mentions([&] { LayerFileConfig::from_json(bad, "cfg.json"); }, "layer_id 7 is not in layer_ids");
  bad = j;
  bad.erase("hidden_size");
  expect_error_mentions([&] { LayerFileConfig::from_json(bad, "cfg.json"); }, "missing field 'hidden_size'");
}

}  // namespace
}  // namespace engram
