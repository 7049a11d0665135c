// libFuzzer target: bytes -> an experiment spec file -> experiment::load_spec and
// expand_grid. Loading must either throw engram::Error or give a spec whose grid has one
// run per (budget, corpus, seed, arm), with distinct ids. The corpus "c.txt" exists beside
// the spec; the cache folder is an empty one of this process (no real corpus is read).
// Seeds: tests/fuzz/corpus/fuzz_experiment_spec/ (experiments/tiny.json's shape and variants).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>

#include "core/error.h"
#include "core/file.h"
#include "experiment/spec.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace engram;
  static const bool ready = [] {
    const std::string dir = fuzz::scratch_dir();
    write_file_atomic(dir + "/c.txt", "In the beginning God created the heaven and the earth.\n");
    ::setenv("ENGRAM_CACHE", (dir + "/cache").c_str(), 1);
    return true;
  }();
  (void)ready;
  fuzz::TempInput in(data, size, "spec.json");
  try {
    const experiment::ExperimentSpec s = experiment::load_spec(in.path());
    const std::vector<experiment::RunSpec> grid = experiment::expand_grid(s);
    if (grid.size() != s.steps.size() * s.corpora.size() * s.seeds.size() * s.arms.size()) __builtin_trap();
    std::set<std::string> ids;
    for (const auto& r : grid)
      if (!ids.insert(r.id).second) __builtin_trap();
  } catch (const Error&) {
  }
  return 0;
}
