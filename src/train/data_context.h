// A corpus opened for one model: its token file (tokenized once, <data>.engtok) and, for a
// model with Engram layers, the addressing that turns its windows into table rows. Shared
// by training, held-out evaluation and the gate statistics.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "engram/addressing.h"
#include "model/config.h"
#include "train/token_file.h"

namespace engram::train {

struct DataContext {
  std::string tokenizer_path;
  uint64_t tokenizer_hash = 0;
  std::unique_ptr<TokenFile> tokens;
  std::unique_ptr<Addressing> addr;  // null without cfg or without Engram layers
};

// tok_flag "" is the default cache path; throws Error naming the corpus or the tokenizer.
DataContext open_data(const std::string& data_path, const std::string& tok_flag, const model::ModelConfig* cfg);

}  // namespace engram::train
