// Element types of tensors stored in safetensors files, their byte sizes and their names in
// the safetensors header ("F32", "BF16", ...).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

#include "core/bf16.h"  // bf16_to_f32 / f32_to_bf16 for BF16 tensors

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

}  // namespace engram
