// Engram tables trained in a memory tier: each table's values and its two Adam moments are
// three table files (docs/FORMAT.md, f32, the hashing config's layout) read and written
// through a RowStore of the memory issue: RAM (write-back), mmap, pread, or O_DIRECT
// io_uring ("ssd"), optionally behind a hot-row cache. A step reads only the rows it hits
// (forward) and rewrites only those rows (lazy Adam), so a table costs per step what its
// hit rows cost, wherever it lives. The value file is a servable table as it stands.
//
// Checkpoints hold copies of the three files (each written atomically, in a directory that
// is renamed into place before the checkpoint that names it), so training resumes from
// the copies exactly; the working files themselves are scratch and are rewritten from
// the checkpoint on resume.
//
// Not thread-safe: one trainer drives a table.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "engram/train.h"
#include "hashing/hash_config.h"
#include "memory/row_store.h"
#include "memory/table_format.h"
#include "model/checkpoint_reader.h"
#include "model/params.h"
#include "model/transformer.h"
#include "train/optimizer.h"

namespace engram::train {

class StoreTable : public TrainableTable {
 public:
  static constexpr std::array<const char*, 3> kParts = model::kCheckpointParts;

  // Writes the working files <dir>/<stem>.{value,adam_m,adam_v}.engt, the values streamed
  // from `values` (row-major, never held whole in RAM) and the moments zero, and opens them
  // through the store.
  static std::shared_ptr<StoreTable> create(const TableStoreOptions& o, const std::string& stem, const TableSpec& spec,
                                            const model::ValueSource& values);
  ~StoreTable() override;

  std::string describe() const override;
  void read(std::span<const int64_t> rows, float* out) override;
  void read_state(std::span<const int64_t> rows, float* w, float* m, float* v) override;
  void write_state(std::span<const int64_t> rows, const float* w, const float* m, const float* v) override;

  const std::string& stem() const { return stem_; }
  // Writes everything back and makes the working files durable.
  void flush();
  // Flushes, then copies the three files into `dir` (each atomically); returns their names.
  std::array<std::string, 3> snapshot(const std::string& dir);
  // Replaces the working files by copies of `files` (checked block by block against their
  // CRCs and against this table's layout first) and reopens the stores.
  void restore(const std::array<std::string, 3>& files);
  // Rewrites the working files from dense arrays (a checkpoint whose table is a tensor).
  void rewrite(const float* values, const float* m, const float* v);
  // Hit rate of the value file's cache; -1 without a cache.
  double hit_rate() const;

 private:
  StoreTable() = default;
  std::string working(size_t part) const;
  void write_files(const std::array<model::ValueSource, 3>& sources);
  void open_stores();
  TableStoreOptions opt_;
  std::string stem_;
  TableSpec spec_;
  std::array<std::shared_ptr<RowStore>, 3> stores_;
  std::vector<uint64_t> ids_;
};

// A TableFactory for model construction: each Engram table is initialised straight into a
// StoreTable (so a table larger than RAM never is in RAM); `made` collects the tables.
model::TableFactory table_store_factory(const HashConfig& hc, const TableStoreOptions& o,
                                        std::vector<std::shared_ptr<StoreTable>>& made);

// Moves every Engram table of an already built `m` into a StoreTable (values as they are,
// zero moments) and frees its Param::data. Does nothing for kind "model".
std::vector<std::shared_ptr<StoreTable>> attach_table_stores(model::Transformer& m, const TableStoreOptions& o);

}  // namespace engram::train
