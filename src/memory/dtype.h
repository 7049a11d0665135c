// Row encodings of the table format (docs/FORMAT.md "Row encodings"): f32, bf16,
// fp8 e4m3 with one ue8m0 scale byte per 32 values, int8 with a per-row f32 scale.
// Encoding (writer) and decoding (every store) of whole rows. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace engram {

enum class RowDtype : uint32_t {
  kF32 = 1,
  kBf16 = 2,
  kFp8E4m3 = 3,  // D e4m3 bytes + D/32 ue8m0 scale bytes
  kInt8 = 4,     // D int8 + f32 scale
};

// "f32", "bf16", "fp8", "int8" (the safetensors spellings "F32", ...: io/dtype.h).
std::string row_dtype_name(RowDtype dt);
// Parses a --dtype value; throws engram::Error listing the accepted names.
RowDtype parse_dtype(const std::string& name);
// True for the four known codes.
bool dtype_known(uint32_t code);
// Bytes of one stored row of `dim` values; throws engram::Error when `dim` does not suit
// the dtype (fp8 needs a multiple of 32) or is zero.
size_t dtype_row_bytes(RowDtype dt, uint32_t dim);

// Encodes one row of `dim` floats into `out` (dtype_row_bytes bytes), rounding to nearest
// even and saturating (fp8 to +-448 after scaling). Non-finite inputs throw engram::Error.
void encode_row(RowDtype dt, const float* in, uint32_t dim, uint8_t* out);

// Decodes `n` rows: row i at raw + i * raw_stride, written to out + i * dim.
void decode_rows(RowDtype dt, uint32_t dim, const uint8_t* raw, size_t raw_stride, size_t n,
                 float* out);
// One row (used in gathers that fuse address computation and decoding).
void decode_row(RowDtype dt, uint32_t dim, const uint8_t* raw, float* out);

// Scalar helpers, exposed for tests (bfloat16: core/bf16.h).
float fp8_e4m3_to_float(uint8_t v);
uint8_t float_to_fp8_e4m3(float x);  // |x| saturates at 448; NaN -> 0x7F

}  // namespace engram
