#include "train/batcher.h"

#include <algorithm>

#include "core/error.h"
#include "core/mix.h"

namespace engram::train {

Batcher::Batcher(std::span<const uint32_t> tokens, const VocabMap& vocab, const Addressing* addressing, int64_t B,
                 int64_t T, double heldout_fraction, uint64_t seed)
    : tokens_(tokens), vocab_(vocab), addr_(addressing), B_(B), T_(T), seed_(seed) {
  const int64_t n = static_cast<int64_t>(tokens.size());
  train_end_ = n - static_cast<int64_t>(static_cast<double>(n) * heldout_fraction);
  if (train_end_ < T + 1)
    throw Error("corpus too short: " + std::to_string(train_end_) + " training tokens, one window needs " +
                std::to_string(T + 1) + "\n---> HINT: use a longer corpus or a smaller max_seq_len / --seq");
  if (heldout_fraction > 0 && n - train_end_ < T + 1)
    throw Error("corpus too short for one held-out window: " + std::to_string(n - train_end_) +
                " held-out tokens, need " + std::to_string(T + 1));
}

Batch Batcher::train_batch(int64_t step) const {
  std::vector<int64_t> starts(B_);
  const uint64_t span = static_cast<uint64_t>(train_end_ - T_);  // starts in [0, train_end - T - 1]
  for (int64_t b = 0; b < B_; ++b)
    starts[b] = static_cast<int64_t>(mix64(seed_ * kGoldenGamma ^ mix64(step * 1024 + b + 1)) % span);
  return make(starts);
}

int64_t Batcher::heldout_windows() const { return heldout_tokens() / (T_ + 1); }

int64_t Batcher::heldout_batches() const { return (heldout_windows() + B_ - 1) / B_; }

Batch Batcher::heldout_batch(int64_t i) const {
  if (i < 0 || i >= heldout_batches())
    throw Error("held-out batch " + std::to_string(i) + " outside [0, " + std::to_string(heldout_batches()) + ")");
  const int64_t nb = std::min(B_, heldout_windows() - i * B_);
  std::vector<int64_t> starts(nb);
  for (int64_t b = 0; b < nb; ++b) starts[b] = train_end_ + (i * B_ + b) * (T_ + 1);
  return make(starts);
}

Batch Batcher::make(const std::vector<int64_t>& starts) const {
  const int64_t B = static_cast<int64_t>(starts.size());  // a last held-out batch may be short
  Batch bt;
  bt.B = B;
  bt.T = T_;
  bt.tok_ids.resize(B * T_);
  bt.ids.resize(B * T_);
  bt.targets.resize(B * T_);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < T_; ++t) {
      const int64_t pos = starts[b] + t;
      bt.tok_ids[b * T_ + t] = tokens_[pos];
      bt.ids[b * T_ + t] = vocab_.to_model(tokens_[pos], pos);
      bt.targets[b * T_ + t] = vocab_.to_model(tokens_[pos + 1], pos + 1);
    }
  if (addr_) bt.rows.rows = addr_->rows(bt.tok_ids, B, T_);
  return bt;
}

}  // namespace engram::train
