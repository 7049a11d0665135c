// NgramHasher: multipliers and primes at construction, then batch and per-token row ids.
#include "hashing/ngram_hash.h"

#include <algorithm>
#include <cstring>

#include "core/error.h"
#include "hashing/multipliers.h"
#include "hashing/ngram_hash_ref.h"
#include "hashing/numpy_rng.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace engram {

using hash_detail::RowsFn;

const char* hash_kernel_name(HashKernel k) {
  switch (k) {
    case HashKernel::kAuto: return "auto";
    case HashKernel::kReference: return "reference";
    case HashKernel::kScalar: return "scalar";
    case HashKernel::kAvx512: return "avx512";
  }
  return "?";
}

HashKernel parse_hash_kernel(const std::string& name) {
  for (HashKernel k : {HashKernel::kAuto, HashKernel::kReference, HashKernel::kScalar, HashKernel::kAvx512})
    if (name == hash_kernel_name(k)) return k;
  throw Error("unknown hash kernel '" + name + "' (expected auto, reference, scalar or avx512)");
}

bool hash_kernel_available(HashKernel k) {
  return k != HashKernel::kAvx512 || hash_detail::avx512_available();
}

NgramHasher::NgramHasher(HashConfig cfg, int64_t compressed_vocab_size, int64_t compressed_pad_id)
    : cfg_(std::move(cfg)), vocab_(compressed_vocab_size), pad_(compressed_pad_id) {
  cfg_.validate("hash config");
  if (vocab_ < 1)
    throw Error("hash: compressed vocabulary size " + std::to_string(vocab_) + " must be at least 1");
  if (pad_ < 0 || pad_ >= vocab_)
    throw Error("hash: compressed pad id " + std::to_string(pad_) + " is outside the compressed vocabulary [0, " +
                std::to_string(vocab_) + ")");
  half_bound_ = demo_half_bound(vocab_);
  for (size_t l = 0; l < cfg_.layer_ids.size(); ++l) mult_.push_back(layer_multipliers(cfg_, l, half_bound_));
  sizes_ = cfg_.table_sizes();
  for (int l = 0; l < n_layers(); ++l) {
    plans_.emplace_back(mult_[l], sizes_[l], cfg_.n_head_per_ngram);
    fast_.push_back(rows_fn(HashKernel::kAuto, l));
  }
}

int NgramHasher::layer_index(int layer_id) const {
  for (int i = 0; i < n_layers(); ++i)
    if (cfg_.layer_ids[i] == layer_id) return i;
  std::string have;
  for (int id : cfg_.layer_ids) have += (have.empty() ? "" : ", ") + std::to_string(id);
  throw Error("hash: layer " + std::to_string(layer_id) + " is not an Engram layer (configured: " + have + ")");
}

int NgramHasher::layer_id(int layer_index) const {
  if (layer_index < 0 || layer_index >= n_layers())
    throw Error("hash: layer index " + std::to_string(layer_index) + " is outside [0, " +
                std::to_string(n_layers()) + ")");
  return cfg_.layer_ids[layer_index];
}

std::span<const int64_t> NgramHasher::multipliers(int layer_index) const {
  layer_id(layer_index);  // range check
  return mult_[layer_index];
}

std::span<const int64_t> NgramHasher::table_sizes(int layer_index) const {
  layer_id(layer_index);
  return sizes_[layer_index];
}

HashKernel NgramHasher::kernel() const {
  return hash_kernel_available(HashKernel::kAvx512) ? HashKernel::kAvx512 : HashKernel::kScalar;
}

RowsFn NgramHasher::rows_fn(HashKernel kernel, int layer_index) const {
  if (kernel == HashKernel::kAuto) kernel = this->kernel();
  if (!hash_kernel_available(kernel))
    throw Error(std::string("hash kernel '") + hash_kernel_name(kernel) + "' is not available on this CPU/build");
  if (kernel == HashKernel::kAvx512) return hash_detail::avx512_rows_fn(plans_[layer_index]);
  return &hash_detail::rows_scalar;
}

void NgramHasher::check_shape(size_t n_ids, int64_t B, int64_t T, size_t n_out, int64_t layers) const {
  if (B < 0 || T < 0)
    throw Error("hash: negative shape [" + std::to_string(B) + ", " + std::to_string(T) + "]");
  int64_t positions, cells;
  if (__builtin_mul_overflow(B, T, &positions) ||
      __builtin_mul_overflow(positions, static_cast<int64_t>(columns()) * layers, &cells))
    throw Error("hash: shape [" + std::to_string(B) + ", " + std::to_string(T) + "] is too large");
  if (static_cast<int64_t>(n_ids) != positions)
    throw Error("hash: " + std::to_string(n_ids) + " ids given for shape [" + std::to_string(B) + ", " +
                std::to_string(T) + "]");
  if (static_cast<int64_t>(n_out) != cells)
    throw Error("hash: output has " + std::to_string(n_out) + " cells, expected " + std::to_string(cells));
}

void NgramHasher::boundary_window(const int64_t* xt, int64_t back, int64_t* win) const {
  const int N = cfg_.max_ngram_size;
  const int64_t dead = HashConfig::kDeadId;
  // win[N-1-k] = what lookback k reads; reading x[-k] is allowed for k <= back.
  if (cfg_.boundary == HashConfig::BoundaryRule::kDeadBlocks) {
    bool blocked = false;
    for (int k = 0; k < N; ++k) {
      blocked = blocked || k > back || xt[-k] == dead;
      win[N - 1 - k] = blocked ? pad_ : xt[-k];
    }
    return;
  }
  // kEosResets: lookback k >= 2 crosses an EOS exactly when lookback k-1 already reads EOS
  // (x[t-k+1] is one, or an earlier crossing); the current token being EOS blocks nothing.
  for (int k = 0; k < N; ++k) {
    const bool crossed = k >= 2 && win[N - k] == pad_;
    win[N - 1 - k] = (crossed || k > back || xt[-k] == dead) ? pad_ : xt[-k];
  }
}

bool NgramHasher::has_boundary(const int64_t* ids, int64_t begin, int64_t end) const {
  if (cfg_.boundary == HashConfig::BoundaryRule::kPad) return false;
  const bool eos = cfg_.boundary == HashConfig::BoundaryRule::kEosResets;
  for (int64_t i = std::max<int64_t>(0, begin - (cfg_.max_ngram_size - 1)); i < end; ++i)
    if (ids[i] == HashConfig::kDeadId || (eos && ids[i] == pad_)) return true;
  return false;
}

// Positions [begin, end) of one sequence ids[0..T) of one layer -> out (row `begin` first).
// The first N-1 positions read a padded copy so that the kernels never branch on t.
void NgramHasher::hash_plain(RowsFn fn, int l, const int64_t* ids, int64_t T, int64_t begin, int64_t end,
                             int64_t* out) const {
  const int64_t N = cfg_.max_ngram_size, C = columns();
  const int64_t head_end = std::min<int64_t>(end, N - 1);
  if (begin < head_end) {
    int64_t buf[2 * HashConfig::kMaxNgram];
    for (int64_t i = 0; i < N - 1; ++i) buf[i] = pad_;
    for (int64_t i = 0; i < std::min<int64_t>(T, N - 1); ++i) buf[N - 1 + i] = ids[i];
    fn(plans_[l], buf + N - 1 + begin, head_end - begin, out);
    out += (head_end - begin) * C;
    begin = head_end;
  }
  if (begin < end) fn(plans_[l], ids + begin, end - begin, out);
}

// hash_plain, except that under a variant boundary rule the positions within N-1 after a
// DEAD id or an EOS build their own windows (boundary_window); the runs between them keep
// the fast kernel, so a boundary costs N-1 slow positions, not its whole row.
void NgramHasher::hash_range(RowsFn fn, int l, const int64_t* ids, int64_t T, int64_t begin, int64_t end,
                             int64_t* out) const {
  if (cfg_.boundary == HashConfig::BoundaryRule::kPad) {
    hash_plain(fn, l, ids, T, begin, end, out);
    return;
  }
  const int64_t N = cfg_.max_ngram_size, C = columns();
  const int64_t dead = HashConfig::kDeadId, eos = cfg_.boundary == HashConfig::BoundaryRule::kEosResets ? pad_ : dead;
  auto is_boundary = [&](int64_t i) { return ids[i] == dead || ids[i] == eos; };
  // The first boundary in [i, stop), or stop: eight ids per test with one branch, so clean
  // stretches cost little to scan.
  auto next_boundary = [&](int64_t i, int64_t stop) {
    for (; i + 8 <= stop; i += 8) {
      bool any = false;
      for (int k = 0; k < 8; ++k) any |= (ids[i + k] == dead) | (ids[i + k] == eos);
      if (any) break;
    }
    for (; i < stop; ++i)
      if (is_boundary(i)) return i;
    return stop;
  };
  int64_t last = -2 * HashConfig::kMaxNgram;  // the latest boundary at or before the position
  for (int64_t i = std::max<int64_t>(0, begin - (N - 1)); i < begin; ++i)
    if (is_boundary(i)) last = i;
  int64_t win[HashConfig::kMaxNgram];
  for (int64_t t = begin; t < end;) {
    if (is_boundary(t)) last = t;
    if (t - last < N) {  // within N-1 after a boundary: this position's own window
      boundary_window(ids + t, t, win);
      fn(plans_[l], win + N - 1, 1, out);
      out += C;
      ++t;
      continue;
    }
    const int64_t stop = next_boundary(t, end);  // clean up to the next boundary
    hash_plain(fn, l, ids, T, t, stop, out);
    out += (stop - t) * C;
    t = stop;
  }
}

void NgramHasher::hash(std::span<const int64_t> ids, int64_t B, int64_t T, int layer_index,
                       std::span<int64_t> out) const {
  layer_id(layer_index);
  check_shape(ids.size(), B, T, out.size(), 1);
  for (int64_t b = 0; b < B; ++b)
    hash_range(fast_[layer_index], layer_index, ids.data() + b * T, T, 0, T, out.data() + b * T * columns());
}

void NgramHasher::hash_all(std::span<const int64_t> ids, int64_t B, int64_t T, std::span<int64_t> out,
                           int threads) const {
  hash_all_with(HashKernel::kAuto, ids, B, T, out, threads);
}

void NgramHasher::hash_with(HashKernel kernel, std::span<const int64_t> ids, int64_t B, int64_t T,
                            int layer_index, std::span<int64_t> out) const {
  layer_id(layer_index);
  check_shape(ids.size(), B, T, out.size(), 1);
  if (kernel == HashKernel::kReference) {
    reference_ngram_hash(ids, B, T, mult_[layer_index], sizes_[layer_index], cfg_.n_head_per_ngram, pad_,
                         cfg_.boundary, out);
    return;
  }
  RowsFn fn = rows_fn(kernel, layer_index);
  for (int64_t b = 0; b < B; ++b)
    hash_range(fn, layer_index, ids.data() + b * T, T, 0, T, out.data() + b * T * columns());
}

void NgramHasher::hash_all_with(HashKernel kernel, std::span<const int64_t> ids, int64_t B, int64_t T,
                                std::span<int64_t> out, int threads) const {
  const int L = n_layers();
  check_shape(ids.size(), B, T, out.size(), L);
  if (threads < 1) throw Error("hash: threads " + std::to_string(threads) + " must be at least 1");
  const int64_t positions = B * T, C = columns();
  const int64_t layer_cells = positions * C;
  if (kernel == HashKernel::kReference) {
    for (int l = 0; l < L; ++l)
      reference_ngram_hash(ids, B, T, mult_[l], sizes_[l], cfg_.n_head_per_ngram, pad_, cfg_.boundary,
                           out.subspan(static_cast<size_t>(l * layer_cells), static_cast<size_t>(layer_cells)));
    return;
  }
  std::vector<RowsFn> fns(L);
  for (int l = 0; l < L; ++l) fns[l] = rows_fn(kernel, l);
  // Flattened positions split into equal contiguous parts; a part may span sequences.
  auto run_part = [&](int64_t p0, int64_t p1) {
    for (int l = 0; l < L; ++l) {
      int64_t* out_l = out.data() + l * layer_cells;
      for (int64_t p = p0; p < p1;) {
        int64_t b = p / T, t = p % T;
        int64_t t_end = std::min<int64_t>(T, t + (p1 - p));
        hash_range(fns[l], l, ids.data() + b * T, T, t, t_end, out_l + p * C);
        p += t_end - t;
      }
    }
  };
  // A thread gets at least kMinPositionsPerThread positions (~10 us of work): below that, waking
  // the team costs more than it saves.
  constexpr int64_t kMinPositionsPerThread = 1024;
  int64_t parts = std::min<int64_t>(threads, (positions + kMinPositionsPerThread - 1) / kMinPositionsPerThread);
  if (parts <= 1) {
    if (positions > 0) run_part(0, positions);
    return;
  }
#ifdef _OPENMP
#pragma omp parallel for num_threads(static_cast<int>(parts)) schedule(static, 1)
  for (int64_t i = 0; i < parts; ++i) run_part(positions * i / parts, positions * (i + 1) / parts);
#else
  for (int64_t i = 0; i < parts; ++i) run_part(positions * i / parts, positions * (i + 1) / parts);
#endif
}

IncrementalHasher::IncrementalHasher(const NgramHasher& h) : h_(&h) { reset(); }

void IncrementalHasher::reset() {
  // Before the start reads as pad under every rule; DEAD marks it for kDeadBlocks, whose
  // blocking then also covers every longer lookback, as the batch path's does.
  const bool dead = h_->config().boundary == HashConfig::BoundaryRule::kDeadBlocks;
  hist_.fill(dead ? HashConfig::kDeadId : h_->compressed_pad_id());
  pos_ = 0;
}

void IncrementalHasher::append(int64_t compressed_id, std::span<int64_t> out) {
  const int N = h_->max_ngram_size(), C = h_->columns(), L = h_->n_layers();
  if (out.size() != static_cast<size_t>(L) * C)
    throw Error("hash: incremental output has " + std::to_string(out.size()) + " cells, expected " +
                std::to_string(static_cast<int64_t>(L) * C));
  // Slide the window: N-1 moves of 8 bytes; cheaper than a ring buffer's index math per read.
  std::memmove(hist_.data(), hist_.data() + 1, sizeof(int64_t) * (N - 1));
  hist_[N - 1] = compressed_id;
  const int64_t* xt = hist_.data() + N - 1;
  std::array<int64_t, HashConfig::kMaxNgram> win;
  if (h_->has_boundary(hist_.data(), N - 1, N)) {
    h_->boundary_window(xt, N - 1, win.data());
    xt = win.data() + N - 1;
  }
  for (int l = 0; l < L; ++l) h_->hash_window(l, xt, out.data() + static_cast<size_t>(l) * C);
  ++pos_;
}

}  // namespace engram
