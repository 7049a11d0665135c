#include "train/checkpoint.h"

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "core/error.h"
#include "core/file.h"
#include "core/json_util.h"
#include "io/safetensors.h"
#include "model/checkpoint_reader.h"
#include "train/store_table.h"

namespace engram::train {

namespace fs = std::filesystem;

namespace {

StoreTable& store_table_of(const model::Param& p) {
  auto* st = dynamic_cast<StoreTable*>(p.backend.get());
  ENGRAM_CHECK_MSG(st, "a table backend that is not a StoreTable cannot be checkpointed");
  return *st;
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
                      {"layer", model::layer_of_table(p.name)},
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

CheckpointInfo load_checkpoint(const std::string& path, model::Transformer& m, Optimizer* opt, VocabMap* vocab) {
  const model::CheckpointReader r(path);
  const model::ModelConfig& cfg = m.config();
  r.check_config(cfg);
  auto& params = m.params();
  for (size_t i = 0; i < params.size(); ++i) {
    auto& p = params[i];
    if (p.backend && r.in_table_files(p)) {
      store_table_of(p).restore(r.table_files(p));
      continue;
    }
    p.data = r.read(p, 0, cfg);
    if (opt) {
      opt->m()[i] = r.read(p, 1, cfg);
      opt->v()[i] = r.read(p, 2, cfg);
    }
    if (p.backend) {
      // A checkpoint whose table is a tensor (or a file), trained on with the table in a store.
      store_table_of(p).rewrite(p.data.data(), opt ? opt->m()[i].data() : nullptr, opt ? opt->v()[i].data() : nullptr);
      std::vector<float>().swap(p.data);
      if (opt) {
        std::vector<float>().swap(opt->m()[i]);
        std::vector<float>().swap(opt->v()[i]);
      }
    }
  }
  r.read_router_biases(m);
  if (vocab) *vocab = r.vocab(cfg.vocab_size);
  CheckpointInfo info;
  info.step = r.step();
  info.tokenizer_hash = r.metadata("tokenizer_hash");
  info.extra_json = r.metadata("extra");
  return info;
}

}  // namespace engram::train
