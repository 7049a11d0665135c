// Small integer hashes used across the engine, written once: the splitmix64 finaliser and
// generator (Steele, Lea, Flood 2014; counter-based, so parallel fills and stateless batch
// draws are reproducible) and 64-bit FNV-1a (fingerprints and checksums of file contents).
// Their outputs are part of file formats and of reproducible runs (initial weights, random
// tables, batch windows): never change them.
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace engram {

inline constexpr uint64_t kGoldenGamma = 0x9E3779B97F4A7C15ull;

// The splitmix64 output function: a bijective 64-bit mix.
constexpr uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// splitmix64 as a counter-based function: the value the generator yields from state x.
constexpr uint64_t splitmix64(uint64_t x) { return mix64(x + kGoldenGamma); }

// The stateful splitmix64 generator.
class SplitMix64 {
 public:
  explicit constexpr SplitMix64(uint64_t state) : state_(state) {}
  constexpr uint64_t next() { return mix64(state_ += kGoldenGamma); }
  // Uniform in [0, 1) with 53 random bits.
  double unit() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }

 private:
  uint64_t state_;
};

inline constexpr uint64_t kFnv1aOffset = 0xcbf29ce484222325ull;
inline constexpr uint64_t kFnv1aPrime = 0x100000001b3ull;

// 64-bit FNV-1a of n bytes.
constexpr uint64_t fnv1a64(const unsigned char* p, size_t n, uint64_t h = kFnv1aOffset) {
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * kFnv1aPrime;
  return h;
}
inline uint64_t fnv1a64(const void* data, size_t n) { return fnv1a64(static_cast<const unsigned char*>(data), n); }
inline uint64_t fnv1a64(std::string_view s) { return fnv1a64(s.data(), s.size()); }

// A 64-bit hash as 16 lowercase hex digits (how checkpoints and specs record fingerprints).
inline std::string hex64(uint64_t v) {
  char b[17];
  std::snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(v));
  return b;
}

}  // namespace engram
