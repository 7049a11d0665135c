// The model's vocabulary: the sorted set of tokenizer ids that occur in the training corpus,
// with the map back. Stored in every checkpoint, so training, evaluation and serving agree
// on which token is which row of the embedding and the LM head.
// Immutable after construction; thread-safe to read. Errors are engram::Error.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace engram::model {

struct VocabMap {
  std::vector<int32_t> model_to_tok;  // [model vocab]
  std::vector<int32_t> tok_to_model;  // [max tok id + 1], -1 where absent
  static VocabMap from_tokens(std::span<const uint32_t> toks);
  static VocabMap from_list(std::vector<int32_t> model_to_tok);
  int64_t size() const { return static_cast<int64_t>(model_to_tok.size()); }
  // Throws Error naming the token id (and position) when it is not in the subset.
  int32_t to_model(int64_t tok, int64_t position) const;
};

}  // namespace engram::model
