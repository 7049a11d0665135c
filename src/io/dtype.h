// Element types of tensors stored in safetensors files, their byte sizes and their names in
// the safetensors header ("F32", "BF16", ...), plus the bfloat16 <-> float conversions used
// by tables stored in bfloat16.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

namespace engram {

enum class DType : uint8_t {
  kF64,
  kF32,
  kF16,
  kBF16,
  kI64,
  kI32,
  kI16,
  kI8,
  kU8,
  kBool,
};

// Bytes per element.
size_t dtype_size(DType t);
// The safetensors header spelling ("F32").
const char* dtype_name(DType t);
// Parses a safetensors dtype name; throws Error naming `where` for an unknown one.
DType dtype_from_name(const std::string& name, const std::string& where);

// bfloat16 is the upper half of an IEEE float32. Rounding to nearest even, NaN kept quiet.
inline float bf16_to_f32(uint16_t h) {
  uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}
inline uint16_t f32_to_bf16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  if ((bits & 0x7f800000u) == 0x7f800000u && (bits & 0x007fffffu) != 0) {
    return static_cast<uint16_t>((bits >> 16) | 0x0040u);  // quiet NaN
  }
  uint32_t rounding = 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>((bits + rounding) >> 16);
}

}  // namespace engram
