// Row encodings: scalar conversions and whole-row encode/decode loops.
#include "memory/dtype.h"

#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

// GCC 12 reports the AVX-512 intrinsics' own "undefined" operands as maybe-uninitialized
// once inlined at -O3 (a false positive in avx512fintrin.h, not in this file).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "core/bf16.h"
#include "core/error.h"

namespace engram {

std::string row_dtype_name(RowDtype dt) {
  switch (dt) {
    case RowDtype::kF32: return "f32";
    case RowDtype::kBf16: return "bf16";
    case RowDtype::kFp8E4m3: return "fp8";
    case RowDtype::kInt8: return "int8";
  }
  return "unknown(" + std::to_string(static_cast<uint32_t>(dt)) + ")";
}

RowDtype parse_dtype(const std::string& name) {
  if (name == "f32" || name == "float32") return RowDtype::kF32;
  if (name == "bf16" || name == "bfloat16") return RowDtype::kBf16;
  if (name == "fp8" || name == "fp8_e4m3") return RowDtype::kFp8E4m3;
  if (name == "int8") return RowDtype::kInt8;
  throw Error("unknown dtype '" + name + "' (expected f32, bf16, fp8 or int8)");
}

bool dtype_known(uint32_t code) { return code >= 1 && code <= 4; }

size_t dtype_row_bytes(RowDtype dt, uint32_t dim) {
  if (dim == 0) throw Error("row dim must be >= 1");
  switch (dt) {
    case RowDtype::kF32: return size_t{4} * dim;
    case RowDtype::kBf16: return size_t{2} * dim;
    case RowDtype::kFp8E4m3:
      if (dim % 32 != 0)
        throw Error("fp8 rows need dim to be a multiple of 32 (one ue8m0 scale per 32 values), got " +
                    std::to_string(dim));
      return size_t{dim} + dim / 32;
    case RowDtype::kInt8: return size_t{dim} + 4;
  }
  throw Error("unknown dtype code " + std::to_string(static_cast<uint32_t>(dt)));
}

// ---- scalar conversions ----


namespace {

std::array<float, 256> make_fp8_table() {
  std::array<float, 256> t{};
  for (int v = 0; v < 256; ++v) {
    int sign = v >> 7, e = (v >> 3) & 15, m = v & 7;
    float mag;
    if (e == 15 && m == 7) mag = std::numeric_limits<float>::quiet_NaN();
    else if (e == 0) mag = std::ldexp(static_cast<float>(m), -9);
    else mag = std::ldexp(1.0f + m / 8.0f, e - 7);
    t[v] = sign ? -mag : mag;
  }
  return t;
}
const std::array<float, 256> kFp8Table = make_fp8_table();

#if defined(__AVX512VBMI__) && defined(__AVX512BW__)
// bf16 bits of the value of every magnitude code 0..127 (exact: e4m3 values, subnormals
// included, are bf16 values; 0x7F -> a quiet NaN), split into high and low byte tables for
// the vpermi2b lookups of the row decoder.
struct Fp8Bf16Bytes {
  alignas(64) uint8_t hi[128];
  alignas(64) uint8_t lo[128];
};
Fp8Bf16Bytes make_fp8_bf16_bytes() {
  Fp8Bf16Bytes t{};
  for (int c = 0; c < 128; ++c) {
    const uint32_t bits = std::bit_cast<uint32_t>(kFp8Table[c]);
    t.hi[c] = static_cast<uint8_t>(bits >> 24);
    t.lo[c] = static_cast<uint8_t>(bits >> 16);
  }
  return t;
}
const Fp8Bf16Bytes kFp8Bf16 = make_fp8_bf16_bytes();
#endif

// 2^(s-127) for a ue8m0 byte; s = 0 is the subnormal 2^-127, 255 is NaN.
inline float ue8m0_to_float(uint8_t s) {
  if (s == 0) return std::bit_cast<float>(0x00400000u);
  if (s == 255) return std::numeric_limits<float>::quiet_NaN();
  return std::bit_cast<float>(static_cast<uint32_t>(s) << 23);
}

}  // namespace

float fp8_e4m3_to_float(uint8_t v) { return kFp8Table[v]; }

uint8_t float_to_fp8_e4m3(float x) {
  if (std::isnan(x)) return 0x7F;
  uint8_t sign = std::signbit(x) ? 0x80 : 0;
  float a = std::fabs(x);
  if (a >= 448.0f) return sign | 0x7E;  // saturate (no infinities in e4m3fn)
  int e;
  std::frexp(a, &e);  // a = f * 2^e, f in [0.5, 1): floor(log2 a) = e - 1
  int exp2 = e - 1;
  if (a == 0.0f || exp2 < -6) {
    // Subnormal range: step 2^-9, code = q (q = 8 is the smallest normal, code 0x08).
    float q = std::nearbyint(std::ldexp(a, 9));
    return sign | static_cast<uint8_t>(q);
  }
  float q = std::nearbyint(std::ldexp(a, 3 - exp2));  // in [8, 16]
  int qi = static_cast<int>(q);
  if (qi == 16) {
    qi = 8;
    ++exp2;
  }
  if (exp2 > 8 || (exp2 == 8 && qi > 14)) return sign | 0x7E;
  return sign | static_cast<uint8_t>(((exp2 + 7) << 3) | (qi - 8));
}

// ---- rows ----

void encode_row(RowDtype dt, const float* in, uint32_t dim, uint8_t* out) {
  for (uint32_t i = 0; i < dim; ++i)
    if (!std::isfinite(in[i]))
      throw Error("cannot encode a non-finite value at column " + std::to_string(i));
  switch (dt) {
    case RowDtype::kF32: std::memcpy(out, in, size_t{4} * dim); return;
    case RowDtype::kBf16:
      for (uint32_t i = 0; i < dim; ++i) {
        uint16_t v = f32_to_bf16(in[i]);
        std::memcpy(out + 2 * i, &v, 2);
      }
      return;
    case RowDtype::kFp8E4m3: {
      uint8_t* scales = out + dim;
      for (uint32_t g = 0; g < dim / 32; ++g) {
        float amax = 0;
        for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(in[g * 32 + j]));
        // Smallest power of two s with amax / 2^s <= 448.
        int s = -127;
        if (amax > 0) {
          s = static_cast<int>(std::ceil(std::log2(amax / 448.0f)));
          while (std::ldexp(448.0f, s) < amax) ++s;
          while (s > -127 && std::ldexp(448.0f, s - 1) >= amax) --s;
        }
        if (s < -127) s = -127;
        if (s > 127) s = 127;
        scales[g] = static_cast<uint8_t>(s + 127);
        float inv = std::ldexp(1.0f, -s);  // 2^127 at most: finite in f32
        for (int j = 0; j < 32; ++j) out[g * 32 + j] = float_to_fp8_e4m3(in[g * 32 + j] * inv);
      }
      return;
    }
    case RowDtype::kInt8: {
      float amax = 0;
      for (uint32_t i = 0; i < dim; ++i) amax = std::max(amax, std::fabs(in[i]));
      float scale = amax / 127.0f;
      float inv = scale > 0 ? 1.0f / scale : 0.0f;
      for (uint32_t i = 0; i < dim; ++i) {
        float q = std::nearbyint(in[i] * inv);
        q = std::min(127.0f, std::max(-127.0f, q));
        out[i] = static_cast<uint8_t>(static_cast<int8_t>(q));
      }
      std::memcpy(out + dim, &scale, 4);
      return;
    }
  }
  throw Error("unknown dtype code " + std::to_string(static_cast<uint32_t>(dt)));
}

void decode_row(RowDtype dt, uint32_t dim, const uint8_t* __restrict raw, float* __restrict out) {
  switch (dt) {
    case RowDtype::kF32: std::memcpy(out, raw, size_t{4} * dim); return;
    case RowDtype::kBf16: {
      uint32_t i = 0;
#if defined(__AVX512F__)
      // 16 values per step: widen u16 -> u32 and shift into the f32's upper half.
      for (; i + 16 <= dim; i += 16) {
        __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(raw + 2 * i));
        __m512i w = _mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16);
        _mm512_storeu_ps(out + i, _mm512_castsi512_ps(w));
      }
#endif
      for (; i < dim; ++i) {
        uint32_t v = (static_cast<uint32_t>(raw[2 * i]) << 16) | (static_cast<uint32_t>(raw[2 * i + 1]) << 24);
        std::memcpy(out + i, &v, 4);
      }
      return;
    }
    case RowDtype::kFp8E4m3: {
      const uint8_t* scales = raw + dim;
#if defined(__AVX512VBMI__) && defined(__AVX512BW__)
      {
        // Table decode, 64 codes per step: two vpermi2b give the high and low bytes of the
        // bf16 value of each magnitude, the sign is OR-ed into the high byte, and one
        // zero-masking vpermt2b per 16 outputs places (lo, hi) in the top half of each
        // f32 lane. Then times the group's scale: bitwise the table path's product.
        const __m512i hi0 = _mm512_load_si512(kFp8Bf16.hi), hi1 = _mm512_load_si512(kFp8Bf16.hi + 64);
        const __m512i lo0 = _mm512_load_si512(kFp8Bf16.lo), lo1 = _mm512_load_si512(kFp8Bf16.lo + 64);
        const __m512i m7f = _mm512_set1_epi8(0x7f), m80 = _mm512_set1_epi8(static_cast<char>(0x80));
        alignas(64) uint8_t idx_bytes[4][64];
        for (int k = 0; k < 4; ++k)
          for (int p = 0; p < 64; ++p)
            idx_bytes[k][p] = static_cast<uint8_t>((p & 3) == 3 ? 64 + 16 * k + p / 4 : 16 * k + p / 4);
        const __mmask64 top_half = 0xCCCCCCCCCCCCCCCCull;  // bytes 2 and 3 of every lane
        const uint32_t groups = dim / 32;
        for (uint32_t g = 0; g < groups; g += 2) {
          const bool pair = g + 1 < groups;
          const __mmask64 in_mask = pair ? ~0ull : 0xFFFFFFFFull;
          const __m512i q = _mm512_maskz_loadu_epi8(in_mask, raw + g * 32);
          const __m512i mag = _mm512_and_si512(q, m7f);
          const __m512i hi = _mm512_or_si512(_mm512_permutex2var_epi8(hi0, mag, hi1), _mm512_and_si512(q, m80));
          const __m512i lo = _mm512_permutex2var_epi8(lo0, mag, lo1);
          const int parts = pair ? 4 : 2;
          for (int k = 0; k < parts; ++k) {
            const __m512i v = _mm512_maskz_permutex2var_epi8(top_half, lo, _mm512_load_si512(idx_bytes[k]), hi);
            const __m512 sc = _mm512_set1_ps(ue8m0_to_float(scales[g + k / 2]));
            _mm512_storeu_ps(out + g * 32 + 16 * k, _mm512_mul_ps(_mm512_castsi512_ps(v), sc));
          }
        }
        return;
      }
#endif
      for (uint32_t g = 0; g < dim / 32; ++g) {
        const uint8_t* q = raw + g * 32;
        float* o = out + g * 32;
        const uint8_t s = scales[g];
        // Fast path, equal to the table lookup: for a normal code (E > 0) placing its
        // exponent and mantissa bits in f32's fields and adding 120 to the exponent (the
        // bias difference 127 - 7) gives the value exactly; a subnormal code (E = 0) is
        // M * 2^-9. Both stay clear of f32 denormals, so flush-to-zero modes (which some
        // BLAS libraries switch on) cannot change them. NaN codes take the table path.
        const float sc = ue8m0_to_float(s);
#if defined(__AVX512BW__) && defined(__AVX512VL__)
        {
          const __m256i q32 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q));
          const __m256i m7f = _mm256_set1_epi8(0x7f);
          if (_mm256_cmpeq_epi8_mask(_mm256_and_si256(q32, m7f), m7f) == 0) {
            const __m512 vsc = _mm512_set1_ps(sc);
            for (int half = 0; half < 2; ++half) {
              __m512i b = _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q + 16 * half)));
              __m512i mag = _mm512_and_si512(b, _mm512_set1_epi32(0x7f));
              __m512i sign = _mm512_slli_epi32(_mm512_and_si512(b, _mm512_set1_epi32(0x80)), 24);
              __m512i normal = _mm512_or_si512(sign, _mm512_add_epi32(_mm512_slli_epi32(mag, 20), _mm512_set1_epi32(120 << 23)));
              __m512 subf = _mm512_mul_ps(_mm512_cvtepi32_ps(mag), _mm512_set1_ps(1.0f / 512.0f));
              __m512i sub = _mm512_or_si512(_mm512_castps_si512(subf), sign);
              __mmask16 is_normal = _mm512_cmpge_epu32_mask(mag, _mm512_set1_epi32(8));
              __m512i v = _mm512_mask_blend_epi32(is_normal, sub, normal);
              _mm512_storeu_ps(o + 16 * half, _mm512_mul_ps(_mm512_castsi512_ps(v), vsc));
            }
            continue;
          }
        }
#endif
        uint32_t nan_codes = 0;
        for (int j = 0; j < 32; ++j) nan_codes += (q[j] & 0x7f) == 0x7f;
        if (nan_codes == 0) {
          for (int j = 0; j < 32; ++j) {
            uint32_t b = q[j];
            uint32_t mag = b & 0x7fu;
            float normal = std::bit_cast<float>(((b & 0x80u) << 24) | ((mag << 20) + (120u << 23)));
            float sub = static_cast<float>(mag) * (1.0f / 512.0f);
            sub = (b & 0x80u) ? -sub : sub;
            o[j] = (mag >= 8 ? normal : sub) * sc;
          }
        } else {
          for (int j = 0; j < 32; ++j) o[j] = kFp8Table[q[j]] * sc;
        }
      }
      return;
    }
    case RowDtype::kInt8: {
      float scale;
      std::memcpy(&scale, raw + dim, 4);
      for (uint32_t i = 0; i < dim; ++i) out[i] = static_cast<int8_t>(raw[i]) * scale;
      return;
    }
  }
  ENGRAM_CHECK_MSG(false, "decode_row: unknown dtype");
}

void decode_rows(RowDtype dt, uint32_t dim, const uint8_t* raw, size_t raw_stride, size_t n,
                 float* out) {
  for (size_t i = 0; i < n; ++i) decode_row(dt, dim, raw + i * raw_stride, out + i * dim);
}

}  // namespace engram
