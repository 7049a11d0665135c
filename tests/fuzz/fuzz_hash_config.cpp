// libFuzzer target: bytes -> JSON -> hash_config_from_json (with the variant rules) and
// preset_from_hf_config (a model's config.json) -> (if valid) an NgramHasher over a small
// vocabulary hashing a few ids taken from the input, -1 (DEAD) and the pad/EOS id among them. Only engram::Error may escape to
// the catch. Beyond "no crash", it checks what it can: every row id lies inside its table,
// the fast kernels equal the reference, and the incremental hasher equals the batch one.
// Config validation bounds the work (at most 16384 tables of at most 2^40 rows), so no input
// makes the prime search run for long.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/json_util.h"
#include "hashing/hash_config.h"
#include "hashing/ngram_hash.h"
#include "hashing/presets.h"

namespace {

void check_config(const engram::HashConfig& cfg, const uint8_t* data, size_t size) {
  using namespace engram;
  {
    const int64_t vocab = 1000;
    NgramHasher h(cfg, vocab, cfg.pad_id % vocab);
    // A few ids from the input bytes, some negative, as a [2, T] batch.
    const int64_t T = static_cast<int64_t>(size % 7), B = 2;
    std::vector<int64_t> ids(B * T);
    for (int64_t i = 0; i < B * T; ++i) {
      ids[i] = static_cast<int64_t>(data[i % size]) * 37 - 900 + (i & 1 ? 0 : 4000000000000LL * data[0]);
      if (data[i % size] % 5 == 0) ids[i] = HashConfig::kDeadId;
      if (data[i % size] % 7 == 0) ids[i] = h.compressed_pad_id();
    }
    const int L = h.n_layers(), C = h.columns();
    std::vector<int64_t> fast(static_cast<size_t>(L) * B * T * C), ref(fast.size());
    h.hash_all(ids, B, T, fast, 2);
    h.hash_all_with(HashKernel::kReference, ids, B, T, ref);
    if (fast != ref) __builtin_trap();
    for (int l = 0; l < L; ++l) {
      auto primes = h.table_sizes(l);
      for (int64_t i = 0; i < B * T; ++i)
        for (int c = 0; c < C; ++c) {
          int64_t r = fast[(static_cast<size_t>(l) * B * T + i) * C + c];
          if (r < 0 || r >= primes[c]) __builtin_trap();
        }
    }
    IncrementalHasher inc(h);
    std::vector<int64_t> step(static_cast<size_t>(L) * C);
    for (int64_t t = 0; t < T; ++t) {
      inc.append(ids[t], step);
      for (int l = 0; l < L; ++l)
        for (int c = 0; c < C; ++c)
          if (step[l * C + c] != fast[(static_cast<size_t>(l) * B * T + t) * C + c]) __builtin_trap();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace engram;
  Json j;
  try {
    j = parse_json(std::string(reinterpret_cast<const char*>(data), size), "fuzz");
  } catch (const Error&) {
    return 0;
  }
  try {
    check_config(hash_config_from_json(j, "fuzz"), data, size);
  } catch (const Error&) {
  }
  try {
    check_config(preset_from_hf_config(j, "fuzz").hash, data, size);
  } catch (const Error&) {
  }
  return 0;
}
