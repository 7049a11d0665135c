// dtype names and sizes as the safetensors format spells them.
#include "io/dtype.h"

#include "core/error.h"

namespace engram {

namespace {
struct DTypeInfo {
  DType type;
  const char* name;
  size_t size;
};
constexpr DTypeInfo kDTypes[] = {
    {DType::kF64, "F64", 8}, {DType::kF32, "F32", 4}, {DType::kF16, "F16", 2},
    {DType::kBF16, "BF16", 2}, {DType::kI64, "I64", 8}, {DType::kI32, "I32", 4},
    {DType::kI16, "I16", 2}, {DType::kI8, "I8", 1},    {DType::kU8, "U8", 1},
    {DType::kBool, "BOOL", 1},
};
}  // namespace

size_t dtype_size(DType t) {
  for (const auto& d : kDTypes)
    if (d.type == t) return d.size;
  ENGRAM_CHECK(false);
  return 0;
}

const char* dtype_name(DType t) {
  for (const auto& d : kDTypes)
    if (d.type == t) return d.name;
  ENGRAM_CHECK(false);
  return "";
}

DType dtype_from_name(const std::string& name, const std::string& where) {
  for (const auto& d : kDTypes)
    if (name == d.name) return d.type;
  throw Error(where + ": unsupported dtype '" + name +
              "' (supported: F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL)");
}

}  // namespace engram
