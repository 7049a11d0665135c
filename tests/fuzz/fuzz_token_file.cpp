// libFuzzer target: arbitrary bytes as a token file (train/token_file.h). TokenFile::open
// must either throw engram::Error or map a file whose every token lies inside it (ASan
// watches the reads). Most mutations break the data checksum or the tokenizer hash, so each
// input is also tried with the hash the file names and with its checksum recomputed, to
// reach the checks behind them and the successful open.
// Seeds: tests/fuzz/corpus/fuzz_token_file/.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "core/error.h"
#include "core/mix.h"
#include "fuzz_util.h"
#include "train/token_file.h"

namespace {

void try_open(const std::string& bytes, uint64_t tokenizer_hash, bool must_open) {
  using namespace engram;
  fuzz::TempInput in(bytes.data(), bytes.size(), "corpus.engtok");
  try {
    train::TokenFile f = train::TokenFile::open(in.path(), tokenizer_hash);
    auto toks = f.tokens();
    if (32 + toks.size() * 4 != bytes.size()) __builtin_trap();
    uint64_t sum = 0;
    for (uint32_t t : toks) sum += t;
    if (!toks.empty() && toks.back() != fuzz::read_le<uint32_t>(reinterpret_cast<const uint8_t*>(bytes.data()),
                                                                bytes.size(), bytes.size() - 4))
      __builtin_trap();
    (void)sum;
    train::TokenFile moved = std::move(f);  // the move leaves one owner of the mapping
    if (moved.tokens().size() != toks.size()) __builtin_trap();
  } catch (const Error&) {
    if (must_open) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace engram;
  std::string bytes(reinterpret_cast<const char*>(data), size);
  try_open(bytes, 0x1234, false);
  if (size < 32) return 0;
  const uint64_t named = fuzz::read_le<uint64_t>(data, size, 16);
  try_open(bytes, named, false);
  // With the data checksum the header should have, a file of the right size and magic opens.
  const uint64_t h = fnv1a64(bytes.data() + 32, size - 32);
  std::memcpy(bytes.data() + 24, &h, 8);
  const uint64_t n = fuzz::read_le<uint64_t>(data, size, 8);
  const bool well_formed = std::memcmp(bytes.data(), "ENGTOK01", 8) == 0 && (size - 32) % 4 == 0 && n == (size - 32) / 4;
  try_open(bytes, named, well_formed);
  return 0;
}
