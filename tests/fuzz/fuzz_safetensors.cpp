// libFuzzer target: the safetensors reader on arbitrary bytes must either parse (and then
// every tensor's bytes lie inside the input) or throw engram::Error; never crash or hang.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.h"
#include "io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    engram::SafeTensors st =
        engram::SafeTensors::parse(std::string(reinterpret_cast<const char*>(data), size), "fuzz");
    uint64_t total = 0;
    for (const auto& t : st.tensors()) {
      total += t.nbytes;
      // Touch the first and last byte of each tensor so ASan sees any out-of-range view.
      if (t.nbytes) {
        volatile std::byte a = st.data(t)[0];
        volatile std::byte b = st.data(t)[t.nbytes - 1];
        (void)a;
        (void)b;
      }
    }
    if (total > size) __builtin_trap();
  } catch (const engram::Error&) {
  }
  return 0;
}
