// SeedSequence -> PCG64 -> bounded int64 draws, step for step as numpy does them.
#include "hashing/numpy_rng.h"

#include <algorithm>
#include <limits>
#include <string>

#include "core/error.h"

namespace engram {

namespace {
// SeedSequence hashing constants (numpy bit_generator.pyx, after O'Neill's seed_seq_fe).
constexpr uint32_t kInitA = 0x43b0d7e5u, kMultA = 0x931e8875u;
constexpr uint32_t kInitB = 0x8b51f9ddu, kMultB = 0x58f38dedu;
constexpr uint32_t kMixMultL = 0xca01f9ddu, kMixMultR = 0x4973f715u;
constexpr int kXShift = 16;
constexpr size_t kPoolSize = 4;

// The running hash used while absorbing entropy: the multiplier state advances per call.
struct Hashmix {
  uint32_t c = kInitA;
  uint32_t operator()(uint32_t v) {
    v ^= c;
    c *= kMultA;
    v *= c;
    return v ^ (v >> kXShift);
  }
};

uint32_t mix(uint32_t x, uint32_t y) {
  uint32_t r = kMixMultL * x - kMixMultR * y;  // wraps mod 2^32 as numpy's uint32 math does
  return r ^ (r >> kXShift);
}
}  // namespace

SeedSequence::SeedSequence(uint64_t entropy) {
  // _coerce_to_uint32_array: little-endian 32-bit words, at least one word (0 -> [0]).
  std::vector<uint32_t> words;
  do {
    words.push_back(static_cast<uint32_t>(entropy));
    entropy >>= 32;
  } while (entropy != 0);
  Hashmix h;
  for (size_t i = 0; i < kPoolSize; ++i) pool_[i] = h(i < words.size() ? words[i] : 0u);
  for (size_t src = 0; src < kPoolSize; ++src)
    for (size_t dst = 0; dst < kPoolSize; ++dst)
      if (src != dst) pool_[dst] = mix(pool_[dst], h(pool_[src]));
  for (size_t src = kPoolSize; src < words.size(); ++src)
    for (size_t dst = 0; dst < kPoolSize; ++dst) pool_[dst] = mix(pool_[dst], h(words[src]));
}

std::vector<uint32_t> SeedSequence::generate_state_u32(size_t n_words) const {
  std::vector<uint32_t> out(n_words);
  uint32_t c = kInitB;
  for (size_t i = 0; i < n_words; ++i) {
    uint32_t v = pool_[i % kPoolSize];
    v ^= c;
    c *= kMultB;
    v *= c;
    out[i] = v ^ (v >> kXShift);
  }
  return out;
}

std::vector<uint64_t> SeedSequence::generate_state_u64(size_t n_words) const {
  std::vector<uint32_t> w = generate_state_u32(2 * n_words);
  std::vector<uint64_t> out(n_words);
  for (size_t i = 0; i < n_words; ++i) out[i] = uint64_t{w[2 * i]} | (uint64_t{w[2 * i + 1]} << 32);
  return out;
}

namespace {
// PCG's default 128-bit LCG multiplier.
constexpr unsigned __int128 kPcgMult =
    (static_cast<unsigned __int128>(2549297995355413924ULL) << 64) | 4865540595714422341ULL;
}  // namespace

Pcg64::Pcg64(const SeedSequence& seq) {
  // numpy: val = generate_state(4, uint64); initstate = val[0]:val[1], initseq = val[2]:val[3]
  // (high word first), then pcg_setseq_128_srandom_r.
  std::vector<uint64_t> v = seq.generate_state_u64(4);
  unsigned __int128 initstate = (static_cast<unsigned __int128>(v[0]) << 64) | v[1];
  unsigned __int128 initseq = (static_cast<unsigned __int128>(v[2]) << 64) | v[3];
  state_ = 0;
  inc_ = (initseq << 1) | 1u;
  step();
  state_ += initstate;
  step();
}

void Pcg64::step() { state_ = state_ * kPcgMult + inc_; }

uint64_t Pcg64::next_u64() {
  // Step first, then output from the new state: XOR the halves, rotate by the top 6 bits.
  step();
  uint64_t x = static_cast<uint64_t>(state_ >> 64) ^ static_cast<uint64_t>(state_);
  unsigned rot = static_cast<unsigned>(state_ >> 122);
  return (x >> rot) | (x << ((64u - rot) & 63u));
}

uint32_t Pcg64::next_u32() {
  if (has_u32_) {
    has_u32_ = false;
    return u32_;
  }
  uint64_t v = next_u64();
  has_u32_ = true;
  u32_ = static_cast<uint32_t>(v >> 32);
  return static_cast<uint32_t>(v);
}

namespace {
// Lemire's bounded draw in [0, rng] for rng < 2^64 - 1, 64-bit words.
uint64_t bounded_lemire_u64(Pcg64& g, uint64_t rng) {
  const uint64_t excl = rng + 1;
  unsigned __int128 m = static_cast<unsigned __int128>(g.next_u64()) * excl;
  uint64_t low = static_cast<uint64_t>(m);
  if (low < excl) {
    const uint64_t threshold = (std::numeric_limits<uint64_t>::max() - rng) % excl;
    while (low < threshold) {
      m = static_cast<unsigned __int128>(g.next_u64()) * excl;
      low = static_cast<uint64_t>(m);
    }
  }
  return static_cast<uint64_t>(m >> 64);
}

// The 32-bit variant numpy uses when the range fits in 32 bits (rng < 2^32 - 1; the full
// 32-bit range takes next_u32 directly, as numpy >= 1.2x does: older sources let excl wrap to 0).
uint32_t bounded_lemire_u32(Pcg64& g, uint32_t rng) {
  const uint32_t excl = rng + 1u;
  uint64_t m = uint64_t{g.next_u32()} * excl;
  uint32_t low = static_cast<uint32_t>(m);
  if (low < excl) {
    const uint32_t threshold = (std::numeric_limits<uint32_t>::max() - rng) % excl;
    while (low < threshold) {
      m = uint64_t{g.next_u32()} * excl;
      low = static_cast<uint32_t>(m);
    }
  }
  return static_cast<uint32_t>(m >> 32);
}
}  // namespace

std::vector<int64_t> numpy_integers_i64(Pcg64& g, int64_t low, int64_t high, size_t n) {
  if (low >= high)
    throw Error("integers: low " + std::to_string(low) + " must be below high " + std::to_string(high));
  // Closed interval [low, high - 1]; rng is its width as an unsigned number.
  const uint64_t rng = static_cast<uint64_t>(high - 1) - static_cast<uint64_t>(low);
  const uint64_t off = static_cast<uint64_t>(low);
  std::vector<int64_t> out(n);
  for (size_t i = 0; i < n; ++i) {
    uint64_t v;
    if (rng == 0) {
      v = 0;  // no draw is consumed
    } else if (rng == 0xFFFFFFFFull) {
      v = g.next_u32();
    } else if (rng < 0xFFFFFFFFull) {
      v = bounded_lemire_u32(g, static_cast<uint32_t>(rng));
    } else if (rng == std::numeric_limits<uint64_t>::max()) {
      v = g.next_u64();
    } else {
      v = bounded_lemire_u64(g, rng);
    }
    out[i] = static_cast<int64_t>(off + v);  // wraps as numpy's uint64 addition does
  }
  return out;
}

int64_t demo_half_bound(int64_t compressed_vocab) {
  if (compressed_vocab < 1)
    throw Error("compressed vocabulary size " + std::to_string(compressed_vocab) + " must be >= 1");
  int64_t m_max = std::numeric_limits<int64_t>::max() / compressed_vocab;
  return std::max<int64_t>(1, m_max / 2);
}

std::vector<int64_t> demo_multipliers(uint64_t rng_seed, int64_t half_bound, size_t n) {
  Pcg64 g(rng_seed);
  std::vector<int64_t> r = numpy_integers_i64(g, 0, half_bound, n);
  for (int64_t& v : r) v = v * 2 + 1;  // r < half_bound <= INT64_MAX / 2: no overflow
  return r;
}

}  // namespace engram
