// Reading the model out of a checkpoint written by `engram train` (the format is described in
// train/checkpoint.h, which writes it): its config, its parameters and routing biases, its
// vocabulary map, and where the Engram tables live when they were trained in a memory tier
// (table files in a directory beside the checkpoint). Serving needs only this; training
// adds the optimiser moments, read through the same reader.
// A reader maps the file read-only and is safe to read from several threads. Every error is
// engram::Error naming the checkpoint path and the tensor or metadata field.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/json_util.h"
#include "io/safetensors.h"
#include "model/config.h"
#include "model/params.h"
#include "model/transformer.h"
#include "model/vocab_map.h"

namespace engram::model {

// The three parts a parameter is stored as: values and the two Adam moments, as tensor
// name prefixes ("param/<name>", "adam_m/<name>", ...) or as table-file keys.
inline constexpr std::array<const char*, 3> kCheckpointParts = {"value", "adam_m", "adam_v"};

class CheckpointReader {
 public:
  // Opens the file and checks its "format" metadata.
  explicit CheckpointReader(const std::string& path);

  const std::string& path() const { return path_; }
  ModelConfig config() const;
  // Throws unless the stored config is `c` (a model built from another config cannot load it).
  void check_config(const ModelConfig& c) const;
  int64_t step() const;
  std::string metadata(const char* key) const;  // throws when absent

  // Whether `p` is stored as table files (metadata "tables") rather than as tensors, and
  // their paths (value, adam_m, adam_v), each checked to be a plain relative name.
  bool in_table_files(const Param& p) const;
  std::array<std::string, 3> table_files(const Param& p) const;
  // Part 0 (values), 1 or 2 (moments) of `p`, from its tensor or its table file; `cfg` is
  // the model's config (the table layout of a table file).
  std::vector<float> read(const Param& p, size_t part, const ModelConfig& cfg) const;
  void read_router_biases(Transformer& m) const;
  VocabMap vocab(int64_t vocab_size) const;

 private:
  std::string path_;
  SafeTensors st_;
  Json tables_ = Json::object();
};

// Reads the config stored in a checkpoint (to build the model before loading it).
ModelConfig checkpoint_config(const std::string& path);

// Loads the weights and routing biases (no optimiser state) into a model built from the
// checkpoint's config, with every table in RAM; fills `vocab` when given.
void load_model(const std::string& path, Transformer& m, VocabMap* vocab);

// "layers.<L>.engram..." -> L.
int64_t layer_of_table(const std::string& param_name);

}  // namespace engram::model
