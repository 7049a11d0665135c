// libFuzzer target: bytes -> JSON -> model::ModelConfig::from_json. Parsing must either
// throw engram::Error or give a config that validates, survives to_json -> from_json
// unchanged, and whose parameter count (model/param_count.h) can be taken.
// Seeds: tests/fuzz/corpus/fuzz_model_config/ (the configs in configs/ and variants).
//
// validate() bounds every size, so count_params never overflows (corpus huge_values.json
// is refused by validate(): it once overflowed count_params).
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.h"
#include "core/json_util.h"
#include "model/config.h"
#include "model/param_count.h"

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
    (void)model::count_params(c);
  } catch (const Error&) {
  }
  return 0;
}
