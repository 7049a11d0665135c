// libFuzzer target: bytes -> JSON -> model::ModelConfig::from_json. Parsing must either
// throw engram::Error or give a config that validates, survives to_json -> from_json
// unchanged, and whose parameter count (model/param_count.h) can be taken.
// Seeds: tests/fuzz/corpus/fuzz_model_config/ (the configs in configs/ and variants).
//
// KNOWN FINDING, not fixed here (src/model is another change's): validate() bounds no size,
// so a config such as corpus/fuzz_model_config/huge_values.json (d_model 2^62) is accepted
// and count_params() then overflows int64 (signed overflow, UB; UBSan aborts). Until
// validate() bounds the sizes, the count is only taken for configs whose factors cannot
// overflow it (sizes_fit below); drop that guard with the fix.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.h"
#include "core/json_util.h"
#include "model/config.h"
#include "model/param_count.h"

namespace {

// Bounds under which no sum or product in count_params reaches 2^63 (the largest term,
// the routed experts, stays below 2^47). A stand-in for the bounds validate() should have.
bool sizes_fit(const engram::model::ModelConfig& c) {
  auto le = [](int64_t v, int bits) { return v <= (int64_t{1} << bits); };
  if (!le(c.vocab_size, 20) || !le(c.d_model, 12) || !le(c.n_layers, 8)) return false;
  if (!le(c.ffn.hidden, 16) || !le(c.ffn.n_experts, 8) || !le(c.ffn.shared_hidden, 16) || !le(c.ffn.dense_hidden, 16))
    return false;
  if (c.engram) {
    const auto& h = c.engram->hash;
    if (!le(h.n_embed_per_ngram, 12) || !le(c.engram->kernel_size, 12) || !le(h.layer_ids.size(), 8)) return false;
    for (int64_t v : h.engram_vocab_size)
      if (!le(v, 24)) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace engram;
  try {
    Json j = parse_json(std::string(reinterpret_cast<const char*>(data), size), "fuzz.json");
    model::ModelConfig c = model::ModelConfig::from_json(j, "fuzz.json");
    c.validate("fuzz.json");
    const Json out = c.to_json();
    model::ModelConfig again = model::ModelConfig::from_json(out, "round trip");
    if (again.to_json() != out) __builtin_trap();
    if (c.vocab_size == 0) c.vocab_size = 1000;  // a corpus-sized vocabulary, as training sets it
    if (sizes_fit(c)) (void)model::count_params(c);
  } catch (const Error&) {
  }
  return 0;
}
