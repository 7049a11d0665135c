#include "memory/table_read.h"

#include <algorithm>

#include "core/error.h"
#include "memory/dtype.h"
#include "memory/file_stores.h"
#include "memory/table_file.h"

namespace engram {

void check_table_layout(const TableInfo& t, const TableSpec& spec, const std::string& path) {
  const TableInfo want = plan_table(spec);
  auto bad = [&](const std::string& what, const std::string& got, const std::string& exp) {
    throw Error(ErrorCode::kInvalidArgument, path + ": " + what + " is " + got + ", the model's table needs " + exp);
  };
  if (t.dtype != want.dtype) bad("dtype", row_dtype_name(t.dtype), row_dtype_name(want.dtype));
  if (t.dim != want.dim) bad("dim", std::to_string(t.dim), std::to_string(want.dim));
  if (t.layer_id != want.layer_id) bad("layer_id", std::to_string(t.layer_id), std::to_string(want.layer_id));
  if (t.head_rows != want.head_rows) bad("the head table", "different", "the hashing config's prime sizes");
  if (t.config_json != want.config_json) bad("the hashing config", "'" + t.config_json + "'", "'" + want.config_json + "'");
}

std::vector<float> read_table_matrix(const std::string& path, const TableSpec& spec) {
  auto t = TableFile::open(path);
  check_table_layout(t->info(), spec, path);
  auto store = PreadStore::open(t);
  const TableInfo& info = t->info();
  std::vector<float> out(info.n_rows * info.dim);
  std::vector<uint64_t> ids;
  const uint64_t chunk = 65536;
  for (uint64_t r = 0; r < info.n_rows; r += chunk) {
    const uint64_t n = std::min(chunk, info.n_rows - r);
    ids.resize(n);
    for (uint64_t i = 0; i < n; ++i) ids[i] = r + i;
    store->gather(ids, out.data() + r * info.dim);
  }
  return out;
}

}  // namespace engram
