// libFuzzer target: arbitrary bytes as the metrics.jsonl a resumed run reads back
// (train/metrics_log.h). Parsing must either throw engram::Error or give objects that each
// carry an integer step and a loss, one per non-empty line.
// Seeds: tests/fuzz/corpus/fuzz_metrics_log/.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.h"
#include "train/metrics_log.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace engram;
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const auto lines = train::parse_metrics_log(text, "metrics.jsonl");
    size_t non_empty = 0, start = 0;
    while (start <= text.size()) {
      const size_t end = text.find('\n', start);
      const size_t stop = end == std::string::npos ? text.size() : end;
      if (stop > start) ++non_empty;
      if (end == std::string::npos) break;
      start = end + 1;
    }
    if (lines.size() != non_empty) __builtin_trap();
    for (const auto& j : lines)
      if (!j.is_object() || !j["step"].is_number_integer() || !j.contains("loss")) __builtin_trap();
  } catch (const Error&) {
  }
  return 0;
}
