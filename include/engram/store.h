// Engram tables on disk (docs/FORMAT.md) and the memory tiers that serve their rows.
//
// A table file holds one Engram layer's stacked table: every hash column's rows, encoded
// as f32, bf16, fp8 (e4m3 + ue8m0 scales) or int8, in checksummed blocks. Table::open
// validates the header and serves rows through one of the stores:
//   ram    the whole table read into memory (checksums verified while loading)
//   mmap   the file mapped; the page cache holds what is hot
//   pread  one positioned read per block touched
//   ssd    io_uring with O_DIRECT (bypasses the page cache), optionally behind a hot-row
//          cache (cache_mb > 0: TinyLFU admission)
// Every read block is checked against its CRC-32C; a mismatch throws kCorruption naming
// the file, the block and its offset.
//
// Thread safety: gather() may be called from many threads at once; close/flush must not
// overlap other calls. Failure: engram::Error with the file named (kNotFound, kCorruption,
// kIo, kUnsupported for ssd on a machine without io_uring, kInvalidArgument for a bad id).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "engram/hash_config.h"

namespace engram {

class RowStore;

struct StoreOptions {
  std::string kind = "mmap";  // ram | mmap | pread | ssd
  double cache_mb = 0;        // hot-row cache before a file store, MiB (0: none; not for ram)
  unsigned queue_depth = 32;  // in-flight reads of the ssd store
  bool writable = false;      // open read-write (rows may be rewritten: training)
};

// The accepted kinds, as a flag's help text lists them: "ram, mmap, pread, ssd".
const char* store_kinds();
// Throws engram::Error naming the field: an unknown kind, a negative or non-finite cache,
// a cache before ram, a queue depth outside [1, 4096], ssd without io_uring (kUnsupported).
void validate(const StoreOptions& opt);

class Table {
 public:
  // Opens and validates a table file and the store that serves it.
  static Table open(const std::string& path, const StoreOptions& opt = {});
  Table(Table&&) noexcept;
  Table& operator=(Table&&) noexcept;
  ~Table();

  uint64_t rows() const;
  uint32_t dim() const;         // values per row
  std::string dtype() const;    // f32 | bf16 | fp8 | int8
  std::string kind() const;     // the store: "mmap", "cached(ssd)", ...
  int64_t layer_id() const;     // the Engram layer the table belongs to
  uint64_t fingerprint() const; // of the hashing config it was built for
  // Rows `ids` (global row ids, < rows()) decoded to float32: out [ids.size(), dim()].
  void gather(std::span<const uint64_t> ids, float* out) const;
  // Rewrites rows (writable tables only): rows [ids.size(), dim()] encoded to the dtype.
  void scatter(std::span<const uint64_t> ids, const float* rows);
  // Makes rewritten rows and their checksums durable.
  void flush();

  RowStore& store();  // the store behind it (library internals, benches)

 private:
  explicit Table(std::shared_ptr<RowStore> s);
  std::shared_ptr<RowStore> store_;
};

// Writes the table of Engram layer `layer_id` for `cfg` (its layout: one column per n-gram
// order and head, prime rows each), atomically (temp file, fsync, rename). `rows` is the
// stacked table [total_rows, n_embed_per_ngram / n_head_per_ngram] in float32, or null for
// the deterministic random init of `seed` (unit variance). dtype: f32 | bf16 | fp8 | int8.
void create_table(const std::string& path, const HashConfig& cfg, int layer_id, const std::string& dtype,
                  const float* rows = nullptr, uint64_t seed = 0);

}  // namespace engram
