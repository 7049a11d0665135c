// Checkpoints: one safetensors file holding the model config (metadata "config"), every
// parameter ("param/<name>"), the optimiser moments ("adam_m/<name>", "adam_v/<name>"), MoE
// routing biases ("router_bias/<i>"), the vocabulary subset ("vocab/model_to_tok") and the
// step. Written atomically (temp file, fsync, rename): a crash mid-write leaves the previous
// checkpoint intact. Engram tables that live in a memory-tier store (train/store_table.h)
// are not tensors: their value and moment files are copied into
// "<checkpoint>.tables/step-<N>-<nonce>/", renamed into place before the checkpoint that
// names them (metadata "tables") is written; older such directories are removed after it.
#pragma once

#include <cstdint>
#include <string>

#include "model/checkpoint_reader.h"
#include "model/transformer.h"
#include "train/batcher.h"
#include "train/optimizer.h"

namespace engram::train {

struct CheckpointInfo {
  int64_t step = 0;               // steps completed
  std::string tokenizer_hash;     // hex FNV-1a of the tokenizer.json
  std::string extra_json = "{}";  // free-form (optimiser config, data path)
};

void save_checkpoint(const std::string& path, model::Transformer& m, const Optimizer* opt, const VocabMap& vocab,
                     const CheckpointInfo& info);

// Reading the config, the weights alone and the vocabulary: model/checkpoint_reader.h.
using model::checkpoint_config;
// Loads weights (and moments when `opt` is given) into a model built from the same config,
// tables in stores restored from their files; errors name the tensor that is missing or of
// the wrong shape.
CheckpointInfo load_checkpoint(const std::string& path, model::Transformer& m, Optimizer* opt, VocabMap* vocab);

}  // namespace engram::train
