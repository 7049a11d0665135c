#include "train/checkpoint.h"

#include "core/error.h"
#include "core/json_util.h"
#include "io/safetensors.h"

namespace engram::train {

void save_checkpoint(const std::string& path, model::Transformer& m, const Optimizer* opt, const VocabMap& vocab,
                     const CheckpointInfo& info) {
  SafeTensorsWriter w;
  w.set_metadata("format", "engram-checkpoint-1");
  w.set_metadata("config", m.config().to_json().dump());
  w.set_metadata("step", std::to_string(info.step));
  w.set_metadata("tokenizer_hash", info.tokenizer_hash);
  w.set_metadata("extra", info.extra_json);
  auto& params = m.params();
  for (size_t i = 0; i < params.size(); ++i) {
    const auto& p = params[i];
    w.add_f32("param/" + p.name, p.shape, p.data);
    if (opt) {
      w.add_f32("adam_m/" + p.name, p.shape, const_cast<Optimizer*>(opt)->m()[i]);
      w.add_f32("adam_v/" + p.name, p.shape, const_cast<Optimizer*>(opt)->v()[i]);
    }
  }
  auto biases = m.router_biases();
  for (size_t i = 0; i < biases.size(); ++i)
    w.add_f32("router_bias/" + std::to_string(i), {static_cast<int64_t>(biases[i]->size())}, *biases[i]);
  std::vector<int64_t> m2t(vocab.model_to_tok.begin(), vocab.model_to_tok.end());
  w.add_i64("vocab/model_to_tok", {static_cast<int64_t>(m2t.size())}, m2t);
  w.write(path);
}

model::ModelConfig checkpoint_config(const std::string& path) {
  SafeTensors st = SafeTensors::load(path);
  auto it = st.metadata().find("config");
  if (it == st.metadata().end()) throw Error(path + ": not an engram checkpoint (no 'config' in __metadata__)");
  return model::ModelConfig::from_json(parse_json(it->second, path + ": config"), path + ": config");
}

CheckpointInfo load_checkpoint(const std::string& path, model::Transformer& m, Optimizer* opt, VocabMap* vocab) {
  SafeTensors st = SafeTensors::load(path);
  const auto& md = st.metadata();
  auto get = [&](const char* k) -> std::string {
    auto it = md.find(k);
    if (it == md.end()) throw Error(path + ": checkpoint metadata lacks '" + std::string(k) + "'");
    return it->second;
  };
  if (get("format") != "engram-checkpoint-1") throw Error(path + ": unknown checkpoint format '" + get("format") + "'");
  const Json stored = parse_json(get("config"), path + ": config");
  if (stored != m.config().to_json())
    throw Error(path + ": the checkpoint was written for another model config\n---> HINT: stored config is " +
                stored.dump());
  auto& params = m.params();
  for (size_t i = 0; i < params.size(); ++i) {
    auto& p = params[i];
    p.data = st.read_f32("param/" + p.name, p.shape);
    if (opt) {
      opt->m()[i] = st.read_f32("adam_m/" + p.name, p.shape);
      opt->v()[i] = st.read_f32("adam_v/" + p.name, p.shape);
    }
  }
  auto biases = m.router_biases();
  for (size_t i = 0; i < biases.size(); ++i)
  {
    const std::vector<int64_t> shape{static_cast<int64_t>(biases[i]->size())};
    *biases[i] = st.read_f32("router_bias/" + std::to_string(i), shape);
  }
  if (vocab) {
    const TensorInfo& t = st.get("vocab/model_to_tok");
    if (t.shape.size() != 1 || t.shape[0] != m.config().vocab_size)
      throw Error(path + ": tensor 'vocab/model_to_tok' has shape " + shape_str(t.shape) + ", expected [" +
                  std::to_string(m.config().vocab_size) + "]");
    auto ids = st.read_i64("vocab/model_to_tok", t.shape);
    std::vector<int32_t> m2t;
    for (int64_t v : ids) {
      if (v < 0 || v > INT32_MAX) throw Error(path + ": vocab/model_to_tok holds an invalid token id " + std::to_string(v));
      m2t.push_back(static_cast<int32_t>(v));
    }
    *vocab = VocabMap::from_list(std::move(m2t));
  }
  CheckpointInfo info;
  try {
    info.step = std::stoll(get("step"));
  } catch (const std::logic_error&) {
    throw Error(path + ": metadata 'step' is not an integer");
  }
  info.tokenizer_hash = get("tokenizer_hash");
  info.extra_json = get("extra");
  return info;
}

}  // namespace engram::train
