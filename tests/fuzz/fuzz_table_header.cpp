// libFuzzer target: arbitrary bytes as a table file. Opening must either throw
// engram::Error or yield a table whose every block can be checked and whose rows can be
// gathered without reading out of bounds (ASan watches).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <cstring>

#include "core/error.h"
#include "memory/crc32c.h"
#include "memory/file_stores.h"
#include "memory/io_file.h"
#include "memory/table_file.h"

static void try_open(const std::string& bytes) {
  using namespace engram;
  try {
    auto t = TableFile::open(std::make_unique<MemFile>("fuzz.engt", bytes));
    const TableInfo& i = t->info();
    if (i.n_blocks > (1u << 16)) return;  // keep iterations fast
    t->verify_all();
    auto s = PreadStore::open(t);
    std::vector<uint64_t> ids = {0, i.n_rows - 1, i.n_rows / 2};
    std::vector<float> out(ids.size() * i.dim);
    s->gather(ids, out.data());
  } catch (const Error&) {
  }
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  try_open(bytes);
  // Most mutations break the header CRC; also try with the CRC recomputed (as FORMAT.md
  // defines it) so the fuzzer reaches the field checks behind it.
  if (size >= 128) {
    uint32_t n_heads, cfg_bytes;
    std::memcpy(&n_heads, bytes.data() + 80, 4);
    std::memcpy(&cfg_bytes, bytes.data() + 84, 4);
    uint64_t used = 128 + uint64_t{16} * n_heads + cfg_bytes;
    if (used <= size) {
      std::memset(bytes.data() + 108, 0, 4);
      uint32_t crc = engram::crc32c::mask(engram::crc32c::value(bytes.data(), used));
      std::memcpy(bytes.data() + 108, &crc, 4);
      try_open(bytes);
    }
  }
  return 0;
}
