// report.md of an experiment: the parameter counts, per (corpus, budget) the held-out loss
// of every arm over its seeds (mean +- std) and the paired difference against the baseline
// with its 95% t interval, at equal steps (iso-parameter when the spec checks it) and at
// equal training wall clock (iso-time); plots (SVG) of held-out against tokens and wall
// clock, and against rho or table size when the spec names one.
#pragma once

#include <string>
#include <vector>

#include "core/json_util.h"
#include "experiment/spec.h"

namespace engram::experiment {

// Writes <out>/report.md and <out>/plots/*.svg (atomically) from results.jsonl's lines.
void write_report(const ExperimentSpec& spec, const std::vector<Json>& results, size_t grid_runs,
                  const std::string& out_dir);

// Held-out loss of a run at `wall_s` seconds of training, linear between its evaluations
// (its "evals": step, wall_s, heldout_loss); NaN before the first or after the last one.
double heldout_at_wall(const Json& run, double wall_s);

}  // namespace engram::experiment
