// Text generation from a checkpoint written by `engram train`: tokenizer -> the model's
// vocabulary -> KV-cache prefill -> batched decode loop, sampled greedily or with
// temperature, top-k and top-p. The Engram row ids of each new token are known the moment
// the token is sampled, before the forward that needs them, so a memory tier (TierOptions)
// fetches the rows while the layers below the first Engram layer run.
//
// Not thread-safe: one Generator per thread. Failure: engram::Error naming the checkpoint,
// the prompt and the token (a prompt token outside the model's vocabulary is refused with
// a hint, never mapped to another id).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engram/store.h"

namespace engram::serve {

struct SampleOptions {
  bool greedy = false;
  float temperature = 0.8f;
  int top_k = 40;       // 0: no top-k cut
  float top_p = 0.95f;  // 1: no nucleus cut
  uint64_t seed = 0;
};

// Engram tables served from a memory tier during inference: each Engram layer's table is
// exported from the checkpoint into a table file beside it (re-exported when older than
// the checkpoint) and read through a store (engram/store.h) with prefetch.
struct TierOptions {
  std::string kind = "model";  // model (the checkpoint's own tensor) | ram | mmap | pread | ssd
  double cache_mb = 256;       // hot-row cache in front of the ssd store, MiB (0: none)
  bool prefetch = true;        // false: gather synchronously when the layer is reached
  size_t prefetch_mb = 64;     // staging memory of in-flight gathers
};

// The store of a tier other than "model" (memory/open_store.h). The cache goes in front of
// the ssd store only: the page cache already serves hot rows of mmap and pread.
inline StoreOptions store_options(const TierOptions& o) {
  StoreOptions s;
  s.kind = o.kind;
  s.cache_mb = o.kind == "ssd" ? o.cache_mb : 0;
  return s;
}

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
  // The model: its vocabulary size (ids it can emit) and its Engram layers (none: empty).
  int64_t vocab_size() const;
  std::vector<int> engram_layer_ids() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace engram::serve
