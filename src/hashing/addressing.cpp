// Addressing: Compression + NgramHasher + the stacked-table layout, built once.
#include "engram/addressing.h"

#include <string>

#include "core/error.h"
#include "engram/tokenizer.h"
#include "hashing/ngram_hash.h"
#include "hashing/row_layout.h"

namespace engram {

struct Addressing::Impl {
  Compression comp;
  NgramHasher hasher;
  std::vector<std::vector<int64_t>> offsets;  // per layer, [columns]
  std::vector<int64_t> total;                 // per layer

  Impl(Compression c, const HashConfig& cfg)
      : comp(std::move(c)), hasher(cfg, comp.compressed_size(), compressed_pad(comp, cfg)) {
    for (int l = 0; l < hasher.n_layers(); ++l) {
      auto sizes = hasher.table_sizes(l);
      std::vector<int64_t> off(sizes.size());
      int64_t acc = 0;
      for (size_t c = 0; c < sizes.size(); ++c) {
        off[c] = acc;
        acc += sizes[c];
      }
      offsets.push_back(std::move(off));
      total.push_back(acc);
    }
  }

  static int64_t compressed_pad(const Compression& comp, const HashConfig& cfg) {
    if (cfg.pad_id < 0 || cfg.pad_id >= comp.vocab_size())
      throw Error("hash config: pad_id " + std::to_string(cfg.pad_id) + " is outside the tokenizer vocabulary [0, " +
                  std::to_string(comp.vocab_size()) + ")");
    return comp.map(cfg.pad_id);
  }
};

Addressing::Addressing(const Tokenizer& tok, const HashConfig& cfg) : Addressing(Compression::build(tok), cfg) {}
Addressing::Addressing(Compression comp, const HashConfig& cfg) : impl_(std::make_unique<Impl>(std::move(comp), cfg)) {}
Addressing::Addressing(Addressing&&) noexcept = default;
Addressing& Addressing::operator=(Addressing&&) noexcept = default;
Addressing::~Addressing() = default;

const HashConfig& Addressing::config() const { return impl_->hasher.config(); }
const Compression& Addressing::compression() const { return impl_->comp; }
const NgramHasher& Addressing::hasher() const { return impl_->hasher; }
int Addressing::n_layers() const { return impl_->hasher.n_layers(); }
int Addressing::columns() const { return impl_->hasher.columns(); }
int Addressing::layer_id(int layer_index) const { return impl_->hasher.layer_id(layer_index); }
int Addressing::layer_index(int layer_id) const { return impl_->hasher.layer_index(layer_id); }
std::span<const int64_t> Addressing::table_sizes(int layer_index) const { return impl_->hasher.table_sizes(layer_index); }
std::span<const int64_t> Addressing::offsets(int layer_index) const { return impl_->offsets.at(layer_index); }
int64_t Addressing::total_rows(int layer_index) const { return impl_->total.at(layer_index); }

// Tokenizer ids -> compressed ids, checked (never clamped); -1 passes through under the
// variant boundary rules, where it marks a DEAD position.
static std::vector<int64_t> compress_ids(const Compression& comp, const HashConfig& cfg,
                                         std::span<const int64_t> tok_ids) {
  std::vector<int64_t> cids(tok_ids.size());
  const bool dead = cfg.boundary != HashConfig::BoundaryRule::kPad;
  comp.map(tok_ids, cids, dead ? std::optional<int64_t>(HashConfig::kDeadId) : std::nullopt);
  return cids;
}

static void check_batch(size_t n_ids, int64_t B, int64_t T, size_t n_out, size_t want, const char* what) {
  if (B < 0 || T < 0 || static_cast<uint64_t>(B) * static_cast<uint64_t>(T) != n_ids)
    throw Error("addressing: " + std::to_string(n_ids) + " token ids do not form a [B=" + std::to_string(B) +
                ", T=" + std::to_string(T) + "] batch");
  if (n_out != want)
    throw Error("addressing: the output holds " + std::to_string(n_out) + " values, expected " + what + " = " +
                std::to_string(want));
}

void Addressing::rows_into(std::span<const int64_t> tok_ids, int64_t B, int64_t T, std::span<int64_t> out,
                           int threads) const {
  check_batch(tok_ids.size(), B, T, out.size(),
              tok_ids.size() * static_cast<size_t>(columns()) * static_cast<size_t>(n_layers()),
              "n_layers * B * T * columns");
  const std::vector<int64_t> cids = compress_ids(impl_->comp, config(), tok_ids);
  impl_->hasher.hash_all(cids, B, T, out, threads);
}

void Addressing::layer_rows_into(int layer_index, std::span<const int64_t> tok_ids, int64_t B, int64_t T,
                                 std::span<int64_t> out) const {
  layer_id(layer_index);  // range check
  check_batch(tok_ids.size(), B, T, out.size(), tok_ids.size() * static_cast<size_t>(columns()), "B * T * columns");
  const std::vector<int64_t> cids = compress_ids(impl_->comp, config(), tok_ids);
  impl_->hasher.hash(cids, B, T, layer_index, out);
}

std::vector<std::vector<int64_t>> Addressing::rows(std::span<const int64_t> tok_ids, int64_t B, int64_t T,
                                                   int threads) const {
  const int L = n_layers();
  const size_t per_layer = tok_ids.size() * static_cast<size_t>(columns());
  std::vector<int64_t> all(per_layer * static_cast<size_t>(L));
  rows_into(tok_ids, B, T, all, threads);
  std::vector<std::vector<int64_t>> out(L);
  for (int l = 0; l < L; ++l) out[l].assign(all.begin() + l * per_layer, all.begin() + (l + 1) * per_layer);
  return out;
}

std::vector<int64_t> Addressing::global_rows(int layer_index, std::span<const int64_t> local) const {
  const auto sizes = table_sizes(layer_index);
  const auto off = offsets(layer_index);
  const size_t C = sizes.size();
  if (local.size() % C != 0)
    throw Error("addressing: " + std::to_string(local.size()) + " row ids are not a multiple of the " +
                std::to_string(C) + " columns");
  std::vector<int64_t> out(local.size());
  to_global_rows(local, sizes, off, out.data(), [&](size_t pos, size_t c, int64_t v) {
    throw Error("addressing: layer " + std::to_string(layer_id(layer_index)) + " position " + std::to_string(pos) +
                " column " + std::to_string(c) + ": row " + std::to_string(v) + " is outside [0, " +
                std::to_string(sizes[c]) + ")");
  });
  return out;
}

Addressing::Stream::Stream(const Addressing& a) : a_(&a), inc_(std::make_unique<IncrementalHasher>(a.hasher())) {}
Addressing::Stream::Stream(Stream&&) noexcept = default;
Addressing::Stream& Addressing::Stream::operator=(Stream&&) noexcept = default;
Addressing::Stream::~Stream() = default;
void Addressing::Stream::reset() { inc_->reset(); }
void Addressing::Stream::append(int64_t tok_id, std::span<int64_t> out) {
  const size_t need = static_cast<size_t>(a_->n_layers()) * static_cast<size_t>(a_->columns());
  if (out.size() != need)
    throw Error("addressing stream: output has " + std::to_string(out.size()) + " slots, expected " +
                std::to_string(need) + " (n_layers x columns)");
  const bool dead = tok_id == HashConfig::kDeadId && a_->config().boundary != HashConfig::BoundaryRule::kPad;
  inc_->append(dead ? tok_id : a_->compression().map(tok_id), out);  // the one-id map has no marker
}
int64_t Addressing::Stream::position() const { return inc_->position(); }

}  // namespace engram
