// bfloat16 <-> float32, written once for the whole engine (safetensors tensors, bf16 table
// rows, the bf16 GEMM's operands). bfloat16 is the upper half of an IEEE float32; encoding
// rounds to nearest, ties to even, and keeps a NaN a (quiet) NaN instead of letting the
// rounding carry turn it into an infinity. Pure functions; thread-safe.
#pragma once

#include <bit>
#include <cstdint>

namespace engram {

inline float bf16_to_f32(uint16_t h) { return std::bit_cast<float>(static_cast<uint32_t>(h) << 16); }

inline uint16_t f32_to_bf16(float f) {
  const uint32_t bits = std::bit_cast<uint32_t>(f);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((bits >> 16) | 0x0040u);  // quiet NaN
  return static_cast<uint16_t>((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
}

}  // namespace engram
