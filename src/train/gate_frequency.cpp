#include "train/gate_frequency.h"

#include <cmath>
#include <unordered_map>

#include "core/error.h"
#include "core/mix.h"
#include "model/transformer.h"
#include "train/batcher.h"
#include "train/checkpoint.h"
#include "train/data_context.h"

namespace engram::train {

namespace {

// One key per n-gram of ids: FNV-1a over the ids' bytes (2^-64 collisions, none expected
// among a corpus's few million n-grams).
uint64_t ngram_key(const uint32_t* ids, int n) { return fnv1a64(ids, sizeof(uint32_t) * static_cast<size_t>(n)); }

}  // namespace

GateFrequency gate_frequency(const std::string& checkpoint, const std::string& data_path,
                             const std::string& tokenizer_path, double heldout_fraction, int64_t rare_max) {
  if (!(heldout_fraction > 0 && heldout_fraction < 1))
    throw Error("gate_frequency: heldout fraction must be in (0, 1), got " + std::to_string(heldout_fraction));
  if (rare_max < 1) throw Error("gate_frequency: rare_max must be >= 1, got " + std::to_string(rare_max));
  const model::ModelConfig cfg = checkpoint_config(checkpoint);
  if (!cfg.engram) throw Error(checkpoint + ": this model has no Engram layer, so it has no gates");
  DataContext dc = open_data(data_path, tokenizer_path, &cfg);
  model::Transformer m(cfg, 0);
  VocabMap vocab;
  load_checkpoint(checkpoint, m, nullptr, &vocab);
  const int64_t T = cfg.max_seq_len;
  Batcher b(dc.tokens->tokens(), vocab, dc.addr.get(), 8, T, heldout_fraction, 0);

  GateFrequency r;
  r.layer_ids = cfg.engram->hash.layer_ids;
  r.ngram = cfg.engram->hash.max_ngram_size;
  const int n = r.ngram;
  const std::span<const uint32_t> all = dc.tokens->tokens();
  r.train_tokens = static_cast<int64_t>(all.size()) - b.heldout_tokens();
  std::unordered_map<uint64_t, int64_t> counts;
  for (int64_t i = n - 1; i < r.train_tokens; ++i) ++counts[ngram_key(all.data() + i - n + 1, n)];
  r.distinct_train_ngrams = static_cast<int64_t>(counts.size());

  r.buckets = {{"never", 0, 0, 0, {}}, {"rare", 1, rare_max, 0, {}}, {"often", rare_max + 1, -1, 0, {}}};
  const size_t L = r.layer_ids.size();
  std::vector<std::vector<double>> sums(r.buckets.size(), std::vector<double>(L, 0.0));
  std::vector<uint32_t> window(static_cast<size_t>(T));
  for (int64_t bi = 0; bi < b.heldout_batches(); ++bi) {
    const Batch bt = b.heldout_batch(bi);
    m.step(bt.ids, bt.targets, bt.rows, bt.B, bt.T, false);
    const std::vector<std::vector<float>> gates = m.last_engram_gates();  // [L][B*T]
    for (int64_t w = 0; w < bt.B; ++w) {
      for (int64_t t = 0; t < T; ++t) window[t] = static_cast<uint32_t>(bt.tok_ids[w * T + t]);
      for (int64_t t = n - 1; t < T; ++t) {
        const auto it = counts.find(ngram_key(window.data() + t - n + 1, n));
        const int64_t c = it == counts.end() ? 0 : it->second;
        const size_t k = c == 0 ? 0 : c <= rare_max ? 1 : 2;
        ++r.buckets[k].positions;
        for (size_t l = 0; l < L; ++l) sums[k][l] += gates[l][static_cast<size_t>(w * T + t)];
        ++r.heldout_positions;
      }
    }
  }
  for (size_t k = 0; k < r.buckets.size(); ++k)
    for (size_t l = 0; l < L; ++l)
      r.buckets[k].mean_gate.push_back(r.buckets[k].positions ? sums[k][l] / static_cast<double>(r.buckets[k].positions)
                                                              : NAN);
  return r;
}

}  // namespace engram::train
