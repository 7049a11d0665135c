#include "model/checkpoint_reader.h"

#include <climits>
#include <filesystem>

#include "core/error.h"
#include "memory/table_config.h"
#include "memory/table_read.h"

namespace engram::model {

namespace fs = std::filesystem;

namespace {
const char* kTensorPrefix[3] = {"param/", "adam_m/", "adam_v/"};
}

int64_t layer_of_table(const std::string& name) {
  ENGRAM_CHECK(name.rfind("layers.", 0) == 0);
  return std::stoll(name.substr(7, name.find('.', 7) - 7));
}

CheckpointReader::CheckpointReader(const std::string& path) : path_(path), st_(SafeTensors::load(path)) {
  if (st_.metadata().find("format") == st_.metadata().end())
    throw Error(ErrorCode::kCorruption, path + ": not an engram checkpoint (its metadata lacks 'format')");
  if (metadata("format") != "engram-checkpoint-1")
    throw Error(ErrorCode::kUnsupported, path + ": unknown checkpoint format '" + metadata("format") + "'");
  if (auto it = st_.metadata().find("tables"); it != st_.metadata().end())
    tables_ = parse_json(it->second, path + ": tables");
}

std::string CheckpointReader::metadata(const char* key) const {
  auto it = st_.metadata().find(key);
  if (it == st_.metadata().end())
    throw Error(ErrorCode::kCorruption, path_ + ": checkpoint metadata lacks '" + std::string(key) + "'");
  return it->second;
}

ModelConfig CheckpointReader::config() const {
  return ModelConfig::from_json(parse_json(metadata("config"), path_ + ": config"), path_ + ": config");
}

void CheckpointReader::check_config(const ModelConfig& c) const {
  const Json stored = parse_json(metadata("config"), path_ + ": config");
  if (stored != c.to_json())
    throw Error(path_ + ": the checkpoint was written for another model config\n---> HINT: stored config is " +
                stored.dump());
}

int64_t CheckpointReader::step() const {
  try {
    return std::stoll(metadata("step"));
  } catch (const std::logic_error&) {
    throw Error(ErrorCode::kCorruption, path_ + ": metadata 'step' is not an integer");
  }
}

bool CheckpointReader::in_table_files(const Param& p) const { return tables_.is_object() && tables_.contains(p.name); }

std::array<std::string, 3> CheckpointReader::table_files(const Param& p) const {
  const Json& e = tables_.at(p.name);
  const std::string where = path_ + ": tables: " + p.name;
  auto rel = [&](const char* key) {
    const std::string v = json_string(json_field(e, key, where), where + "." + key);
    if (v.empty() || v[0] == '/' || v.find("..") != std::string::npos)
      throw Error(where + "." + key + ": '" + v + "' is not a plain relative name");
    return v;
  };
  std::array<std::string, 3> files;
  for (size_t part = 0; part < 3; ++part)
    files[part] = (fs::path(path_).parent_path() / rel("dir") / rel(kCheckpointParts[part])).string();
  return files;
}

std::vector<float> CheckpointReader::read(const Param& p, size_t part, const ModelConfig& cfg) const {
  ENGRAM_CHECK(part < 3);
  if (!in_table_files(p)) return st_.read_f32(kTensorPrefix[part] + p.name, p.shape);
  if (!cfg.engram) throw Error(path_ + ": tables metadata names '" + p.name + "' but the model has no Engram");
  const TableSpec spec = table_spec_for(cfg.engram->hash, layer_of_table(p.name), RowDtype::kF32);
  return read_table_matrix(table_files(p)[part], spec);
}

void CheckpointReader::read_router_biases(Transformer& m) const {
  auto biases = m.router_biases();
  for (size_t i = 0; i < biases.size(); ++i) {
    const std::vector<int64_t> shape{static_cast<int64_t>(biases[i]->size())};
    *biases[i] = st_.read_f32("router_bias/" + std::to_string(i), shape);
  }
}

VocabMap CheckpointReader::vocab(int64_t vocab_size) const {
  const TensorInfo& t = st_.get("vocab/model_to_tok");
  if (t.shape.size() != 1 || t.shape[0] != vocab_size)
    throw Error(ErrorCode::kCorruption, path_ + ": tensor 'vocab/model_to_tok' has shape " + shape_str(t.shape) +
                                            ", expected [" + std::to_string(vocab_size) + "]");
  auto ids = st_.read_i64("vocab/model_to_tok", t.shape);
  std::vector<int32_t> m2t;
  m2t.reserve(ids.size());
  for (int64_t v : ids) {
    if (v < 0 || v > INT32_MAX)
      throw Error(ErrorCode::kCorruption, path_ + ": vocab/model_to_tok holds an invalid token id " + std::to_string(v));
    m2t.push_back(static_cast<int32_t>(v));
  }
  try {
    return VocabMap::from_list(std::move(m2t));
  } catch (const Error& e) {
    throw Error(e.code(), path_ + ": vocab/model_to_tok: " + e.what());
  }
}

ModelConfig checkpoint_config(const std::string& path) { return CheckpointReader(path).config(); }

void load_model(const std::string& path, Transformer& m, VocabMap* vocab) {
  const CheckpointReader r(path);
  r.check_config(m.config());
  for (auto& p : m.params()) {
    ENGRAM_CHECK_MSG(!p.backend, "load_model reads tables into RAM; a model with store-backed tables loads through "
                                 "train::load_checkpoint");
    p.data = r.read(p, 0, m.config());
  }
  r.read_router_biases(m);
  if (vocab) *vocab = r.vocab(m.config().vocab_size);
}

}  // namespace engram::model
