#include "train/metrics_log.h"

#include <sstream>

#include "core/error.h"

namespace engram::train {

std::vector<Json> parse_metrics_log(const std::string& text, const std::string& where) {
  std::vector<Json> lines;
  std::istringstream in(text);
  int64_t n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    if (line.empty()) continue;
    const std::string at = where + ":" + std::to_string(n);
    Json j = parse_json(line, at);
    const Json* st = j.is_object() ? json_field_opt(j, "step") : nullptr;
    if (!st || !st->is_number_integer() || !j.contains("loss"))
      throw Error(at + ": not a metrics line (a JSON object with an integer \"step\" and a \"loss\")");
    lines.push_back(std::move(j));
  }
  return lines;
}

}  // namespace engram::train
