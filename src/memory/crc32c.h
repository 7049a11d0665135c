// CRC32C (Castagnoli), used for the per-block and header checksums of the table format
// (docs/FORMAT.md). SSE4.2's crc32 instruction when the build targets it, else a table.
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>

namespace engram::crc32c {

// Extends `crc` (a finished CRC32C of earlier bytes, 0 for none) with `n` more bytes.
uint32_t extend(uint32_t crc, const void* data, size_t n);
inline uint32_t value(const void* data, size_t n) { return extend(0, data, n); }

// The portable table version; `extend` must agree with it (tested).
uint32_t extend_portable(uint32_t crc, const void* data, size_t n);

// Masking as in the format spec: a CRC stored in data that is itself checksummed would
// otherwise make CRC-of-CRC patterns trivially predictable.
inline uint32_t mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }
inline uint32_t unmask(uint32_t m) {
  uint32_t rot = m - 0xa282ead8u;
  return (rot >> 17) | (rot << 15);
}

}  // namespace engram::crc32c
