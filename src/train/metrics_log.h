// metrics.jsonl, the training log: one JSON object per line, each with an integer "step"
// and a "loss" (plus lr, grad_norm, eval_loss, expert loads, ...). Read back on resume.
#pragma once

#include <string>
#include <vector>

#include "core/json_util.h"

namespace engram::train {

// Parses the log's text; empty lines are skipped. Throws Error naming `where`:line for a
// line that is not JSON or not a metrics object.
std::vector<Json> parse_metrics_log(const std::string& text, const std::string& where);

}  // namespace engram::train
