// The Engram gate against how often the n-gram it looks up was seen in training: over
// every window of a corpus's held-out split, each position's gate (per Engram layer, mean
// over branches) is put in a bucket by the training-split count of the n-gram of tokenizer
// ids ending there (n = the model's max_ngram_size; positions without n tokens of their
// window before them are left out). The paper's reading: the gate opens on n-grams the
// tables have memorised and stays low on novel ones.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace engram::train {

struct GateBucket {
  std::string name;            // never | rare | often
  int64_t min_count = 0, max_count = 0;  // training-split occurrences, inclusive (-1: no upper bound)
  int64_t positions = 0;
  std::vector<double> mean_gate;  // per Engram layer; NaN when the bucket is empty
};

struct GateFrequency {
  std::vector<int> layer_ids;
  int ngram = 0;                 // n of the n-grams counted
  int64_t train_tokens = 0, heldout_positions = 0, distinct_train_ngrams = 0;
  std::vector<GateBucket> buckets;  // never (0), rare (1..rare_max), often (> rare_max)
};

// Throws Error naming the checkpoint when its model has no Engram layer.
GateFrequency gate_frequency(const std::string& checkpoint, const std::string& data_path,
                             const std::string& tokenizer_path, double heldout_fraction, int64_t rare_max = 9);

}  // namespace engram::train
