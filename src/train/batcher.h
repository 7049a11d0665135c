// Training batches from a token file: the model-vocabulary subset, train / held-out split
// by contiguous blocks, random windows, and the Engram row ids of each window.
//
// Windows are drawn statelessly from (seed, step, b), so a resumed run sees exactly the
// batches an uninterrupted run would have seen. Held-out windows are fixed and sequential.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "engram/addressing.h"
#include "model/transformer.h"
#include "model/vocab_map.h"

namespace engram::train {

using model::VocabMap;

struct Batch {
  int64_t B = 0, T = 0;
  std::vector<int64_t> tok_ids;   // [B, T] tokenizer ids (for addressing)
  std::vector<int32_t> ids;       // [B, T] model ids
  std::vector<int32_t> targets;   // [B, T] model ids
  model::EngramRows rows;
};

class Batcher {
 public:
  // heldout_fraction of the tokens at the end form the held-out split.
  Batcher(std::span<const uint32_t> tokens, const VocabMap& vocab, const Addressing* addressing, int64_t B, int64_t T,
          double heldout_fraction, uint64_t seed);
  Batch train_batch(int64_t step) const;
  // The held-out split as consecutive windows of T+1 tokens (every one of them), in
  // batches of B; the last batch holds the remainder (B may be smaller there).
  int64_t heldout_windows() const;
  int64_t heldout_batches() const;
  Batch heldout_batch(int64_t i) const;
  int64_t train_tokens() const { return train_end_; }
  int64_t heldout_tokens() const { return static_cast<int64_t>(tokens_.size()) - train_end_; }

 private:
  Batch make(const std::vector<int64_t>& starts) const;
  std::span<const uint32_t> tokens_;
  const VocabMap& vocab_;
  const Addressing* addr_;
  int64_t B_, T_, train_end_;
  uint64_t seed_;
};

}  // namespace engram::train
