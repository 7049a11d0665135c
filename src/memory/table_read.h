// Reading a whole table file back as a dense matrix, after checking that its layout is the
// one a model's table needs (the counterpart of write_table_from_matrix in table_writer.h).
// For loading a checkpoint's table into RAM; the stores serve tables that stay on disk.
// Thread-safe (no shared state). Failure: engram::Error naming the path and the field.
#pragma once

#include <string>
#include <vector>

#include "memory/table_format.h"

namespace engram {

// Throws unless `t` has the dtype, dim, layer, head sizes and hashing config of `spec`.
void check_table_layout(const TableInfo& t, const TableSpec& spec, const std::string& path);

// Reads the table at `path` into a row-major [n_rows, dim] f32 array (decoding its dtype).
std::vector<float> read_table_matrix(const std::string& path, const TableSpec& spec);

}  // namespace engram
