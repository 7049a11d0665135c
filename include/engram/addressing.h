// Addressing: tokenizer ids -> Engram row ids, the whole path in one object (ENGRAM.md
// sections 3-4): tokenizer compression, then the multi-head n-gram hash of every Engram
// layer, then (optionally) the stacked-table layout that turns a head's row into a global
// row id. Built once from a HashConfig and a tokenizer (or its compression); training,
// serving and the benches all address rows through it.
//
// Thread safety: immutable after construction; every const method may run concurrently.
// A Stream is per-sequence decoding state: cheap, not shared between threads, and it
// borrows the Addressing, which must outlive it.
// Failure: engram::Error naming the field (bad config), the token id and its position
// (an id outside the tokenizer's vocabulary: never clamped), or the layer.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "engram/compression.h"
#include "engram/hash_config.h"

namespace engram {

class IncrementalHasher;
class NgramHasher;
class Tokenizer;

class Addressing {
 public:
  Addressing(const Tokenizer& tok, const HashConfig& cfg);
  Addressing(Compression comp, const HashConfig& cfg);
  Addressing(Addressing&&) noexcept;
  Addressing& operator=(Addressing&&) noexcept;
  ~Addressing();

  const HashConfig& config() const;
  const Compression& compression() const;
  const NgramHasher& hasher() const;  // the hash stage alone (kernel choice, multipliers)

  int n_layers() const;
  int columns() const;  // (N-1) * heads: row ids per position and layer
  int layer_id(int layer_index) const;
  int layer_index(int layer_id) const;  // throws if the layer is not configured
  // Rows of each column's table (the primes), [columns], n-gram major then head.
  std::span<const int64_t> table_sizes(int layer_index) const;
  // First global row of each column in the stacked table (cumulative table sizes), [columns].
  std::span<const int64_t> offsets(int layer_index) const;
  int64_t total_rows(int layer_index) const;

  // Tokenizer ids [B, T] -> head-local row ids per layer: result[l] is [B, T, columns],
  // each value in [0, table_sizes(l)[c]). `threads` > 1 splits positions over OpenMP.
  // Under a variant boundary rule (HashConfig::BoundaryRule other than kPad) an id of -1
  // marks a DEAD (masked) position, as the released models' code does.
  std::vector<std::vector<int64_t>> rows(std::span<const int64_t> tok_ids, int64_t B, int64_t T,
                                         int threads = 1) const;
  // rows() into one caller buffer, out [n_layers, B, T, columns] (layer-major): no output
  // allocation, for callers that reuse their buffer (bindings, streaming pipelines).
  void rows_into(std::span<const int64_t> tok_ids, int64_t B, int64_t T, std::span<int64_t> out,
                 int threads = 1) const;
  // One layer's rows only, out [B, T, columns]: what a module that owns one layer's table
  // needs, at 1 / n_layers of rows_into's hashing.
  void layer_rows_into(int layer_index, std::span<const int64_t> tok_ids, int64_t B, int64_t T,
                       std::span<int64_t> out) const;
  // Head-local rows [n, columns] of layer `layer_index` -> global rows (offset + row),
  // checked: a value outside its column's table throws naming the position and column.
  std::vector<int64_t> global_rows(int layer_index, std::span<const int64_t> local) const;

  // Incremental addressing for decoding: one token at a time, same ids as rows().
  class Stream {
   public:
    explicit Stream(const Addressing& a);
    Stream(Stream&&) noexcept;
    Stream& operator=(Stream&&) noexcept;
    ~Stream();
    void reset();  // a new sequence: the window holds only the pad id again
    // Appends one tokenizer id; out [n_layers][columns] receives its head-local rows.
    void append(int64_t tok_id, std::span<int64_t> out);
    int64_t position() const;

   private:
    const Addressing* a_;
    std::unique_ptr<IncrementalHasher> inc_;
  };

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace engram
