// The reference random-gather kernel the RAM tier is measured against: a plain memcpy of
// each row from the same addresses with the same software-prefetch distance, no decoding,
// no id checks. It is the "measured random-gather ceiling" of the issue: whatever our
// gathers achieve is quoted as a fraction of this loop, timed in the same run.
// Pure function; thread-safe.
#pragma once

#include <cstdint>
#include <span>

#include "memory/table_format.h"

namespace engram {

// out: [ids.size(), row_bytes]; base: the data region (blocks as on disk).
void ceiling_gather(const uint8_t* base, const TableInfo& info, std::span<const uint64_t> ids, uint8_t* out,
                    size_t prefetch_ahead = 16);

}  // namespace engram
