#include "train/checkpoint.h"

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "core/error.h"
#include "core/file.h"
#include "core/json_util.h"
#include "io/safetensors.h"
#include "memory/table_config.h"
#include "train/store_table.h"

namespace engram::train {

namespace fs = std::filesystem;

namespace {

StoreTable& store_table_of(const model::Param& p) {
  auto* st = dynamic_cast<StoreTable*>(p.backend.get());
  ENGRAM_CHECK_MSG(st, "a table backend that is not a StoreTable cannot be checkpointed");
  return *st;
}

int64_t layer_of_table(const std::string& name) {
  // "layers.<L>.engram.multi_head_embedding.embedding.weight"
  return std::stoll(name.substr(7, name.find('.', 7) - 7));
}

// Copies the tables that live in stores into a fresh directory beside the checkpoint,
// renamed into place only once every file is whole, and returns their index for the
// checkpoint's metadata. The checkpoint written after it is what makes it current.
Json snapshot_tables(const std::string& path, model::Transformer& m, int64_t step, std::string& dir_name) {
  Json tables = Json::object();
  const fs::path base = path + ".tables";
  char leaf[64];
  const auto ns = std::chrono::steady_clock::now().time_since_epoch().count();
  std::snprintf(leaf, sizeof leaf, "step-%lld-%llx", static_cast<long long>(step), static_cast<unsigned long long>(ns));
  dir_name = leaf;
  const fs::path staging = base / (dir_name + ".tmp");
  fs::create_directories(staging);
  for (auto& p : m.params()) {
    if (!p.backend) continue;
    auto names = store_table_of(p).snapshot(staging.string());
    tables[p.name] = {{"dir", fs::path(path).filename().string() + ".tables/" + dir_name},
                      {"layer", layer_of_table(p.name)},
                      {"value", names[0]},
                      {"adam_m", names[1]},
                      {"adam_v", names[2]}};
  }
  fsync_dir(staging.string());
  fs::rename(staging, base / dir_name);
  fsync_dir(base.string());
  return tables;
}

// Removes table directories no checkpoint names any more (older steps, or a snapshot a
// crash left half-made).
void remove_stale_tables(const std::string& path, const std::string& keep) {
  const fs::path base = path + ".tables";
  std::error_code ec;
  if (!fs::is_directory(base, ec)) return;
  for (const auto& e : fs::directory_iterator(base, ec))
    if (e.path().filename().string() != keep && e.path().filename().string().rfind("step-", 0) == 0)
      fs::remove_all(e.path(), ec);
}

}  // namespace

void save_checkpoint(const std::string& path, model::Transformer& m, const Optimizer* opt, const VocabMap& vocab,
                     const CheckpointInfo& info) {
  SafeTensorsWriter w;
  w.set_metadata("format", "engram-checkpoint-1");
  w.set_metadata("config", m.config().to_json().dump());
  w.set_metadata("step", std::to_string(info.step));
  w.set_metadata("tokenizer_hash", info.tokenizer_hash);
  w.set_metadata("extra", info.extra_json);
  std::string tables_dir;
  bool in_stores = false;
  for (const auto& p : m.params()) in_stores = in_stores || p.backend != nullptr;
  if (in_stores) w.set_metadata("tables", snapshot_tables(path, m, info.step, tables_dir).dump());
  auto& params = m.params();
  for (size_t i = 0; i < params.size(); ++i) {
    const auto& p = params[i];
    if (p.backend) continue;  // in the table files of the "tables" metadata
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
  remove_stale_tables(path, tables_dir);
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
  Json tables = Json::object();
  if (auto it = md.find("tables"); it != md.end()) tables = parse_json(it->second, path + ": tables");
  auto& params = m.params();
  for (size_t i = 0; i < params.size(); ++i) {
    auto& p = params[i];
    if (tables.contains(p.name)) {
      // The table (and its moments) are files in a directory beside the checkpoint.
      const Json& e = tables[p.name];
      const std::string where = path + ": tables: " + p.name;
      auto rel = [&](const char* key) {
        const std::string v = json_string(json_field(e, key, where), where + "." + key);
        if (v.empty() || v[0] == '/' || v.find("..") != std::string::npos)
          throw Error(where + "." + key + ": '" + v + "' is not a plain relative name");
        return v;
      };
      std::array<std::string, 3> files;
      for (size_t part = 0; part < 3; ++part)
        files[part] = (fs::path(path).parent_path() / rel("dir") / rel(StoreTable::kParts[part])).string();
      if (!m.config().engram) throw Error(path + ": tables metadata names '" + p.name + "' but the model has no Engram");
      const TableSpec spec = table_spec_for(m.config().engram->hash, layer_of_table(p.name), RowDtype::kF32);
      if (p.backend) {
        store_table_of(p).restore(files);
      } else {
        p.data = read_table_file(files[0], spec);
        if (opt) {
          opt->m()[i] = read_table_file(files[1], spec);
          opt->v()[i] = read_table_file(files[2], spec);
        }
      }
      continue;
    }
    p.data = st.read_f32("param/" + p.name, p.shape);
    if (opt) {
      opt->m()[i] = st.read_f32("adam_m/" + p.name, p.shape);
      opt->v()[i] = st.read_f32("adam_v/" + p.name, p.shape);
    }
    if (p.backend) {
      // A checkpoint whose table is a tensor, trained on with the table in a store.
      store_table_of(p).rewrite(p.data.data(), opt ? opt->m()[i].data() : nullptr, opt ? opt->v()[i].data() : nullptr);
      std::vector<float>().swap(p.data);
      if (opt) {
        std::vector<float>().swap(opt->m()[i]);
        std::vector<float>().swap(opt->v()[i]);
      }
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
    try {
      *vocab = VocabMap::from_list(std::move(m2t));
    } catch (const Error& e) {
      throw Error(e.code(), path + ": vocab/model_to_tok: " + e.what());
    }
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
