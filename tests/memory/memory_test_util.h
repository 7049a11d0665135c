// Helpers for the memory-tier tests: small random tables on disk and the rows they must
// return (computed independently of any store, from the writer's value function).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "memory/table_format.h"

namespace engram::test {

// A fresh path under the scratch dir, unique per call.
std::string scratch_table_path(const std::string& stem);

TableSpec small_spec(RowDtype dt, uint32_t dim, std::vector<uint64_t> head_rows = {37, 41, 43});

// Writes a random-init table and returns its path.
std::string make_table(const std::string& stem, const TableSpec& spec, uint64_t seed);

// The float32 row `row` a correct store returns for a table written by make_table:
// random_row_values then encode_row/decode_row of the dtype.
std::vector<float> expected_row(const TableSpec& spec, uint64_t seed, uint64_t row);
// The raw stored bytes of that row.
std::vector<uint8_t> expected_raw_row(const TableSpec& spec, uint64_t seed, uint64_t row);

// Flips one byte of a file in place.
void flip_byte(const std::string& path, uint64_t offset);
// Truncates a file to `size` bytes.
void truncate_file(const std::string& path, uint64_t size);

}  // namespace engram::test
