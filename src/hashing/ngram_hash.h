// Multi-head n-gram hashing (ENGRAM.md section 4): compressed token ids -> one row id per
// (n-gram order, head) column for every Engram layer, bit-exact with the demo's numpy path.
//
// NgramHasher: built once from a HashConfig and the compressed vocabulary; immutable and
// thread-safe (every method is const). Construction draws the numpy multipliers and searches
// the prime table sizes; bad arguments throw engram::Error naming the field.
// IncrementalHasher: per-sequence decode state (the last N-1 ids), cheap to copy; borrows
// the NgramHasher, which must outlive it.
//
// Ids are hashed as int64 values as the demo does (no range check here: a negative id is
// hashed like numpy would, the callers' Compression rejects ids outside the vocabulary),
// except -1 under the kDeadBlocks and kEosResets boundary rules, which marks a DEAD (masked)
// position. Under kEosResets the compressed pad id is the EOS id.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "hashing/hash_config.h"
#include "hashing/hash_kernels.h"

namespace engram {

// Which implementation computes the row ids. kAuto picks the fastest available one.
enum class HashKernel { kAuto, kReference, kScalar, kAvx512 };
const char* hash_kernel_name(HashKernel k);
HashKernel parse_hash_kernel(const std::string& name);  // "auto", "reference", "scalar", "avx512"
bool hash_kernel_available(HashKernel k);

class NgramHasher {
 public:
  // compressed_vocab_size >= 1 (V', gives half_bound); compressed_pad_id in [0, V').
  NgramHasher(HashConfig cfg, int64_t compressed_vocab_size, int64_t compressed_pad_id);

  const HashConfig& config() const { return cfg_; }
  int n_layers() const { return static_cast<int>(cfg_.layer_ids.size()); }
  int columns() const { return cfg_.columns(); }  // (N-1) * K
  int max_ngram_size() const { return cfg_.max_ngram_size; }
  int layer_index(int layer_id) const;  // throws Error if the layer is not configured
  int layer_id(int layer_index) const;
  std::span<const int64_t> multipliers(int layer_index) const;  // N values
  std::span<const int64_t> table_sizes(int layer_index) const;  // `columns` primes, n-major then head
  int64_t half_bound() const { return half_bound_; }
  int64_t compressed_vocab_size() const { return vocab_; }
  int64_t compressed_pad_id() const { return pad_; }
  HashKernel kernel() const;  // what kAuto resolves to on this machine

  // Compressed ids [B, T] -> row ids [B, T, columns] (row within its head's table, in [0, prime)).
  void hash(std::span<const int64_t> ids, int64_t B, int64_t T, int layer_index,
            std::span<int64_t> out) const;
  // All layers at once: out [n_layers][B][T][columns]; `threads` > 1 splits the B*T positions
  // over OpenMP threads (at most one thread per 1024 positions).
  void hash_all(std::span<const int64_t> ids, int64_t B, int64_t T, std::span<int64_t> out,
                int threads = 1) const;
  // The same with an explicit kernel (tests, benches); throws if it is not available.
  void hash_with(HashKernel kernel, std::span<const int64_t> ids, int64_t B, int64_t T,
                 int layer_index, std::span<int64_t> out) const;
  void hash_all_with(HashKernel kernel, std::span<const int64_t> ids, int64_t B, int64_t T,
                     std::span<int64_t> out, int threads = 1) const;

  // Row ids of one position of layer `layer_index` from its window: xt[0] the token,
  // xt[-k] the one k back (k < N). out [columns]. Used by IncrementalHasher.
  void hash_window(int layer_index, const int64_t* xt, int64_t* out) const {
    fast_[layer_index](plans_[layer_index], xt, 1, out);
  }
  // Variant boundaries (HashConfig::BoundaryRule): whether positions [begin, end) of a sequence
  // see a DEAD id or an EOS within their windows (never under kPad), and the window of the
  // position at xt as the rule reads it: win[N-1-k] = lookback k, x[-k] readable for k <= back.
  bool has_boundary(const int64_t* ids, int64_t begin, int64_t end) const;
  void boundary_window(const int64_t* xt, int64_t back, int64_t* win) const;

 private:
  hash_detail::RowsFn rows_fn(HashKernel kernel, int layer_index) const;
  void check_shape(size_t n_ids, int64_t B, int64_t T, size_t n_out, int64_t layers) const;
  void hash_plain(hash_detail::RowsFn fn, int layer_index, const int64_t* ids, int64_t T, int64_t begin,
                  int64_t end, int64_t* out) const;
  void hash_range(hash_detail::RowsFn fn, int layer_index, const int64_t* ids, int64_t T,
                  int64_t begin, int64_t end, int64_t* out) const;

  HashConfig cfg_;
  int64_t vocab_ = 0, pad_ = 0, half_bound_ = 0;
  std::vector<std::vector<int64_t>> mult_, sizes_;
  std::vector<hash_detail::LayerPlan> plans_;
  std::vector<hash_detail::RowsFn> fast_;  // the kAuto kernel per layer
};

class IncrementalHasher {
 public:
  explicit IncrementalHasher(const NgramHasher& h);
  // Starts a new sequence: the window holds only pad ids again.
  void reset();
  // Appends one compressed id; writes its row ids for every layer: out [n_layers][columns].
  void append(int64_t compressed_id, std::span<int64_t> out);
  int64_t position() const { return pos_; }  // tokens appended since reset

 private:
  const NgramHasher* h_;
  // hist_[N-1] is the newest id, hist_[N-1-k] the one k back.
  std::array<int64_t, HashConfig::kMaxNgram> hist_{};
  int64_t pos_ = 0;
};

}  // namespace engram
