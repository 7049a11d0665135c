// Text generation from a checkpoint: tokenizer -> model vocabulary -> KV-cache prefill ->
// decode loop. Engram row ids of each new token come from the incremental hasher the
// moment the token is sampled (before the forward that needs them), so a table store can
// fetch them while the layers below the Engram layer run.
// Not thread-safe; one Generator per thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "model/transformer.h"
#include "serve/sampler.h"
#include "serve/table_tier.h"

namespace engram::serve {

struct GenerateStats {
  int64_t sequences = 0, prompt_tokens = 0, generated_tokens = 0;
  double prefill_seconds = 0, decode_seconds = 0;
  double table_wait_seconds = 0;  // time the forward waited for table rows
  double table_hit_rate = -1;     // hot-row cache hit rate (-1: no cache)
  std::string tables;             // where the rows came from
  double decode_tokens_per_s() const { return decode_seconds > 0 ? generated_tokens / decode_seconds : 0; }
};

// Per-token Engram gate values of a text (mean over branches; hc_mult is 1 in the LM).
struct GateTrace {
  std::vector<std::string> tokens;           // decoded text of each token
  std::vector<int> layer_ids;                // Engram layers
  std::vector<std::vector<float>> gates;     // [layer][token]
};

class Generator {
 public:
  Generator(const std::string& checkpoint, const std::string& tokenizer_path, const TierOptions& tier = {});
  ~Generator();

  // Generates up to max_tokens for each prompt (batched decoding); `on_text(i, piece)`
  // receives sequence i's text as it is produced (whole UTF-8 characters only).
  GenerateStats generate(const std::vector<std::string>& prompts, int64_t max_tokens, const SampleOptions& opt,
                         const std::function<void(size_t, const std::string&)>& on_text);
  GateTrace gates(const std::string& text);
  const model::ModelConfig& config() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace engram::serve
