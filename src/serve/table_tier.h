// Engram tables served from a memory tier during inference: each Engram layer's table is
// exported from the checkpoint into a table file (FORMAT.md) beside it, then read through
// a RowStore (RAM, mmap, or io_uring direct reads behind a hot-row cache). Gathers are
// submitted to a Prefetcher as soon as a step's row ids are known (the token was sampled)
// and awaited only when the forward reaches the Engram layer.
// Not thread-safe: one tier per generator.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engram/generate.h"
#include "model/transformer.h"

namespace engram::serve {

class TableTier {
 public:
  // Exports the tables (re-exported when older than the checkpoint) and opens the stores.
  TableTier(model::Transformer& m, const std::string& checkpoint, const TierOptions& opt);
  ~TableTier();
  bool active() const;  // false for kind "model"

  // Issues the gathers of one forward: rows per Engram layer [n, columns] head-local.
  void submit(const model::EngramRows& er, int64_t n);
  // Waits for layer i's rows ([n, columns, D]); valid until the next submit.
  const float* fetch(size_t i);

  std::string describe() const;
  double hit_rate() const;      // of the hot-row caches, -1 when there is none
  double wait_seconds() const;  // time spent waiting in fetch

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace engram::serve
