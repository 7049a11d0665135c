// Floor modulo of an int64 by a fixed positive divisor without a division instruction:
// Barrett reduction on the unsigned bit pattern, then a sign fix, so that the result equals
// numpy's `mix % p` (in [0, p) even when mix is negative).
// Thread safety: immutable after construction.
#pragma once

#include <cstdint>

namespace engram {

struct FloorMod {
  uint64_t p = 1;
  uint64_t barrett = 0;  // floor((2^64 - 1) / p)
  uint64_t wrap = 0;     // 2^64 mod p

  FloorMod() = default;
  explicit FloorMod(uint64_t divisor)
      : p(divisor), barrett(~uint64_t{0} / divisor), wrap((~uint64_t{0} % divisor + 1) % divisor) {}

  // For u < 2^64: q = mulhi(u, barrett) is floor(u / p) or one less (barrett undershoots
  // 2^64 / p by at most 1, so u * barrett / 2^64 > u / p - 1), so one subtraction fixes r.
  // A negative mix is u - 2^64, so its residue is (u mod p) - (2^64 mod p), then + p if < 0.
  // Residue of the unsigned bit pattern u, in [0, p).
  inline uint64_t umod(uint64_t u) const {
    const uint64_t q = static_cast<uint64_t>((static_cast<unsigned __int128>(u) * barrett) >> 64);
    const uint64_t r = u - q * p;
    return r >= p ? r - p : r;
  }
  inline int64_t operator()(int64_t mix) const {
    const uint64_t r = umod(static_cast<uint64_t>(mix));
    // Non-negative ids give non-negative mixes (ENGRAM.md: the products cannot overflow), so
    // this branch is practically never taken on real data and predicts perfectly.
    if (__builtin_expect(mix < 0, 0)) return r >= wrap ? static_cast<int64_t>(r - wrap) : static_cast<int64_t>(r + p - wrap);
    return static_cast<int64_t>(r);
  }
};

}  // namespace engram
