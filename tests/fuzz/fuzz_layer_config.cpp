// libFuzzer target: bytes -> JSON -> LayerFileConfig::from_json (the `engram layer` config
// file). Parsing must either throw engram::Error or give a config whose layer dims can be
// built from its hasher's table sizes (LayerDims::validate), with offsets that add up to the
// total row count. Nothing is allocated per row, so huge tables cost nothing here.
// Seeds: tests/fuzz/corpus/fuzz_layer_config/.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/json_util.h"
#include "hashing/ngram_hash.h"
#include "layer/layer_io.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace engram;
  try {
    Json j = parse_json(std::string(reinterpret_cast<const char*>(data), size), "fuzz.json");
    LayerFileConfig c = LayerFileConfig::from_json(j, "fuzz.json");
    const int64_t vocab = 1000;
    NgramHasher h(c.hash, vocab, c.hash.pad_id % vocab);
    const int l = h.layer_index(static_cast<int>(c.layer_id));
    if (l < 0) __builtin_trap();  // from_json checked that layer_id is in layer_ids
    auto sizes = h.table_sizes(l);
    LayerDims d = c.dims(sizes);
    if (d.n_cols != static_cast<int64_t>(sizes.size())) __builtin_trap();
    std::vector<int64_t> off = d.offsets();
    if (off.size() != sizes.size()) __builtin_trap();
    int64_t sum = 0;
    for (size_t i = 0; i < sizes.size(); ++i) {
      if (off[i] != sum) __builtin_trap();
      sum += sizes[i];
    }
    if (d.total_rows() != sum) __builtin_trap();
  } catch (const Error&) {
  }
  return 0;
}
