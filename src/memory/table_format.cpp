// Table header: layout planning, encoding and strict decoding (docs/FORMAT.md).
#include "memory/table_format.h"

#include <algorithm>
#include <cstring>

#include "core/error.h"
#include "core/mix.h"
#include "memory/crc32c.h"

namespace engram {

namespace {

// Overflow-checked arithmetic for sizes computed from untrusted header fields.
bool mul_ok(uint64_t a, uint64_t b, uint64_t* out) { return !__builtin_mul_overflow(a, b, out); }
bool add_ok(uint64_t a, uint64_t b, uint64_t* out) { return !__builtin_add_overflow(a, b, out); }
bool round_up_ok(uint64_t a, uint64_t m, uint64_t* out) {
  uint64_t t;
  if (!add_ok(a, m - 1, &t)) return false;
  *out = t / m * m;
  return true;
}

template <typename T>
void put(std::string& s, size_t off, T v) {
  std::memcpy(s.data() + off, &v, sizeof(T));
}
template <typename T>
T get(std::string_view s, size_t off) {
  T v;
  std::memcpy(&v, s.data() + off, sizeof(T));
  return v;
}

// Byte offsets of the fixed header fields (FORMAT.md table).
enum : size_t {
  kOffMagic = 0,
  kOffVersion = 8,
  kOffHeaderBytes = 12,
  kOffDtype = 16,
  kOffDim = 20,
  kOffRowBytes = 24,
  kOffRowsPerBlock = 28,
  kOffLayerId = 32,
  kOffNRows = 40,
  kOffNBlocks = 48,
  kOffDataOffset = 56,
  kOffBlockBytes = 64,
  kOffFingerprint = 72,
  kOffNHeads = 80,
  kOffConfigBytes = 84,
  kOffCrcOffset = 88,
  kOffCrcBytes = 96,
  kOffFlags = 104,
  kOffHeaderCrc = 108,
};

[[noreturn]] void bad(const std::string& path, const char* field, size_t off, const std::string& why) {
  throw Error(ErrorCode::kCorruption, path + ": bad table header: field '" + field + "' at byte offset " + std::to_string(off) +
              ": " + why);
}

uint32_t header_crc(std::string_view used) {
  std::string copy(used);
  std::memset(copy.data() + kOffHeaderCrc, 0, 4);
  return crc32c::mask(crc32c::value(copy.data(), copy.size()));
}

}  // namespace

uint64_t TableInfo::rows_in_block(uint64_t block) const {
  uint64_t first = block * rows_per_block;
  return std::min<uint64_t>(rows_per_block, n_rows - first);
}

Json TableInfo::to_json() const {
  Json j;
  j["path"] = path;
  j["format_version"] = kTableVersion;
  j["layer_id"] = layer_id;
  j["dtype"] = row_dtype_name(dtype);
  j["dim"] = dim;
  j["row_bytes"] = row_bytes;
  j["rows_per_block"] = rows_per_block;
  j["n_rows"] = n_rows;
  j["n_blocks"] = n_blocks;
  j["n_heads"] = head_rows.size();
  j["head_rows"] = head_rows;
  j["head_offsets"] = head_offsets;
  j["header_bytes"] = header_bytes;
  j["data_offset"] = data_offset;
  j["block_bytes"] = block_bytes;
  j["crc_offset"] = crc_offset;
  j["file_bytes"] = file_bytes;
  char fp[32];
  std::snprintf(fp, sizeof fp, "%016llx", static_cast<unsigned long long>(config_fingerprint));
  j["config_fingerprint"] = fp;
  j["config"] = config_json.empty() ? Json() : parse_json(config_json, path + ": config");
  return j;
}

uint64_t config_fingerprint(std::string_view text) {
  return fnv1a64(text);
}

std::string canonical_hash_config(const Json& cfg, const std::string& where) {
  if (!cfg.is_object()) throw Error(where + ": hashing config must be a JSON object");
  Json out = Json::object();
  out["engram_vocab_size"] = json_int_array(json_field(cfg, "engram_vocab_size", where), where + ": engram_vocab_size");
  out["layer_ids"] = json_int_array(json_field(cfg, "layer_ids", where), where + ": layer_ids");
  for (const char* k : {"max_ngram_size", "n_embed_per_ngram", "n_head_per_ngram", "pad_id", "seed"})
    out[k] = json_int(json_field(cfg, k, where), where + ": " + k);
  return out.dump();  // nlohmann objects keep keys sorted; dump() has no spaces
}

uint32_t block_checksum(const uint8_t* block, uint64_t block_bytes, uint64_t block_index) {
  uint32_t c = crc32c::value(block, block_bytes);
  uint8_t idx[8];
  std::memcpy(idx, &block_index, 8);
  return crc32c::mask(crc32c::extend(c, idx, 8));
}

// Checks the config text against the layout; shared by the planner and the decoder.
static void check_config(const TableInfo& t, const std::string& where) {
  if (t.config_json.empty()) return;
  Json cfg = parse_json(t.config_json, where + ": config");
  std::string canon = canonical_hash_config(cfg, where + ": config");
  if (canon != t.config_json) throw Error(where + ": config JSON is not in canonical form");
  auto layers = cfg["layer_ids"].get<std::vector<int64_t>>();
  if (std::find(layers.begin(), layers.end(), t.layer_id) == layers.end())
    throw Error(where + ": layer_id " + std::to_string(t.layer_id) + " is not in the config's layer_ids " +
                cfg["layer_ids"].dump());
  int64_t n = cfg["max_ngram_size"].get<int64_t>(), k = cfg["n_head_per_ngram"].get<int64_t>();
  int64_t e = cfg["n_embed_per_ngram"].get<int64_t>();
  if (n < 2 || k < 1 || e < 1 || e % k != 0)
    throw Error(where + ": config has max_ngram_size " + std::to_string(n) + ", n_head_per_ngram " +
                std::to_string(k) + ", n_embed_per_ngram " + std::to_string(e) + " (need N >= 2, K >= 1, K | E)");
  if (static_cast<int64_t>(t.head_rows.size()) != (n - 1) * k)
    throw Error(where + ": table has " + std::to_string(t.head_rows.size()) + " heads but the config implies " +
                std::to_string((n - 1) * k) + " ((max_ngram_size - 1) * n_head_per_ngram)");
  if (static_cast<int64_t>(t.dim) != e / k)
    throw Error(where + ": table rows have dim " + std::to_string(t.dim) + " but the config implies " +
                std::to_string(e / k) + " (n_embed_per_ngram / n_head_per_ngram)");
}

TableInfo plan_table(const TableSpec& spec) {
  const std::string where = "table spec";
  TableInfo t;
  t.layer_id = spec.layer_id;
  t.dtype = spec.dtype;
  t.dim = spec.dim;
  size_t rb = dtype_row_bytes(spec.dtype, spec.dim);
  if (rb > (1u << 30)) throw Error(where + ": rows of " + std::to_string(rb) + " bytes are too large");
  t.row_bytes = static_cast<uint32_t>(rb);
  t.rows_per_block = spec.rows_per_block ? spec.rows_per_block
                                         : static_cast<uint32_t>(std::max<uint64_t>(1, kTablePage / rb));
  if (spec.head_rows.empty()) throw Error(where + ": a table needs at least one head");
  if (spec.head_rows.size() > 4096) throw Error(where + ": too many heads (" + std::to_string(spec.head_rows.size()) + ")");
  uint64_t total = 0;
  for (size_t h = 0; h < spec.head_rows.size(); ++h) {
    if (spec.head_rows[h] == 0) throw Error(where + ": head " + std::to_string(h) + " has 0 rows");
    t.head_offsets.push_back(total);
    if (!add_ok(total, spec.head_rows[h], &total)) throw Error(where + ": row count overflows");
  }
  t.head_rows = spec.head_rows;
  t.n_rows = total;
  t.n_blocks = (total + t.rows_per_block - 1) / t.rows_per_block;
  uint64_t used;
  if (!mul_ok(uint64_t{t.rows_per_block}, rb, &used) || !round_up_ok(used, kTablePage, &t.block_bytes))
    throw Error(where + ": block size overflows");
  t.config_json = spec.config_json;
  t.config_fingerprint = spec.config_json.empty() ? 0 : config_fingerprint(spec.config_json);
  check_config(t, where);
  uint64_t hdr_used = kTableFixedHeader + 16 * t.head_rows.size() + t.config_json.size();
  round_up_ok(hdr_used, kTablePage, &t.header_bytes);
  t.data_offset = t.header_bytes;
  uint64_t data_bytes, crc_raw;
  if (!mul_ok(t.n_blocks, t.block_bytes, &data_bytes) || !add_ok(t.data_offset, data_bytes, &t.crc_offset) ||
      !mul_ok(t.n_blocks, 4, &crc_raw) || !round_up_ok(crc_raw, kTablePage, &t.crc_bytes) ||
      !add_ok(t.crc_offset, t.crc_bytes, &t.file_bytes))
    throw Error(where + ": table size overflows");
  return t;
}

std::string encode_table_header(const TableInfo& t) {
  std::string s(t.header_bytes, '\0');
  std::memcpy(s.data(), kTableMagic, 8);
  put<uint32_t>(s, kOffVersion, kTableVersion);
  put<uint32_t>(s, kOffHeaderBytes, static_cast<uint32_t>(t.header_bytes));
  put<uint32_t>(s, kOffDtype, static_cast<uint32_t>(t.dtype));
  put<uint32_t>(s, kOffDim, t.dim);
  put<uint32_t>(s, kOffRowBytes, t.row_bytes);
  put<uint32_t>(s, kOffRowsPerBlock, t.rows_per_block);
  put<int64_t>(s, kOffLayerId, t.layer_id);
  put<uint64_t>(s, kOffNRows, t.n_rows);
  put<uint64_t>(s, kOffNBlocks, t.n_blocks);
  put<uint64_t>(s, kOffDataOffset, t.data_offset);
  put<uint64_t>(s, kOffBlockBytes, t.block_bytes);
  put<uint64_t>(s, kOffFingerprint, t.config_fingerprint);
  put<uint32_t>(s, kOffNHeads, static_cast<uint32_t>(t.head_rows.size()));
  put<uint32_t>(s, kOffConfigBytes, static_cast<uint32_t>(t.config_json.size()));
  put<uint64_t>(s, kOffCrcOffset, t.crc_offset);
  put<uint64_t>(s, kOffCrcBytes, t.crc_bytes);
  put<uint32_t>(s, kOffFlags, 0);
  size_t off = kTableFixedHeader;
  for (size_t h = 0; h < t.head_rows.size(); ++h, off += 16) {
    put<uint64_t>(s, off, t.head_rows[h]);
    put<uint64_t>(s, off + 8, t.head_offsets[h]);
  }
  std::memcpy(s.data() + off, t.config_json.data(), t.config_json.size());
  off += t.config_json.size();
  put<uint32_t>(s, kOffHeaderCrc, header_crc(std::string_view(s).substr(0, off)));
  return s;
}

uint64_t header_bytes_needed(std::string_view b, const std::string& path) {
  if (b.size() < kTableFixedHeader) bad(path, "magic", 0, "file is shorter than the 128-byte fixed header");
  if (std::memcmp(b.data(), kTableMagic, 8) != 0) bad(path, "magic", kOffMagic, "not an engram table (expected 'ENGRAMT\\0')");
  uint32_t version = get<uint32_t>(b, kOffVersion);
  if (version != kTableVersion)
    bad(path, "version", kOffVersion, "version " + std::to_string(version) + " is not supported (this reader knows " +
                                          std::to_string(kTableVersion) + ")");
  uint32_t hb = get<uint32_t>(b, kOffHeaderBytes);
  if (hb < kTablePage || hb % kTablePage != 0 || hb > (64u << 20))
    bad(path, "header_bytes", kOffHeaderBytes, std::to_string(hb) + " is not a multiple of 4096 in [4096, 64 MiB]");
  return hb;
}

TableInfo decode_table_header(std::string_view b, uint64_t file_bytes, const std::string& path) {
  uint64_t hb = header_bytes_needed(b, path);
  if (file_bytes < hb) bad(path, "header_bytes", kOffHeaderBytes, "header of " + std::to_string(hb) + " bytes but the file has " + std::to_string(file_bytes) + " (truncated)");
  if (b.size() < hb) bad(path, "header_bytes", kOffHeaderBytes, "caller passed too few header bytes");
  TableInfo t;
  t.path = path;
  t.file_bytes = file_bytes;
  t.header_bytes = hb;
  uint32_t flags = get<uint32_t>(b, kOffFlags);
  if (flags != 0) bad(path, "flags", kOffFlags, "unknown flag bits " + std::to_string(flags));
  uint32_t n_heads = get<uint32_t>(b, kOffNHeads);
  uint32_t cfg_bytes = get<uint32_t>(b, kOffConfigBytes);
  uint64_t used = kTableFixedHeader + uint64_t{16} * n_heads + cfg_bytes;
  if (n_heads == 0 || used > hb)
    bad(path, "n_heads", kOffNHeads, std::to_string(n_heads) + " heads and " + std::to_string(cfg_bytes) +
                                         " config bytes do not fit a header of " + std::to_string(hb) + " bytes");
  uint32_t stored_crc = get<uint32_t>(b, kOffHeaderCrc);
  uint32_t actual_crc = header_crc(b.substr(0, used));
  if (stored_crc != actual_crc) bad(path, "header_crc", kOffHeaderCrc, "header checksum mismatch (the header is corrupt)");
  uint32_t dt = get<uint32_t>(b, kOffDtype);
  if (!dtype_known(dt)) bad(path, "dtype", kOffDtype, "unknown dtype code " + std::to_string(dt));
  t.dtype = static_cast<RowDtype>(dt);
  t.dim = get<uint32_t>(b, kOffDim);
  size_t rb;
  try {
    rb = dtype_row_bytes(t.dtype, t.dim);
  } catch (const Error& e) {
    bad(path, "dim", kOffDim, e.what());
  }
  t.row_bytes = get<uint32_t>(b, kOffRowBytes);
  if (t.row_bytes != rb) bad(path, "row_bytes", kOffRowBytes, std::to_string(t.row_bytes) + " but " + row_dtype_name(t.dtype) + " rows of dim " + std::to_string(t.dim) + " take " + std::to_string(rb));
  t.rows_per_block = get<uint32_t>(b, kOffRowsPerBlock);
  if (t.rows_per_block == 0) bad(path, "rows_per_block", kOffRowsPerBlock, "must be >= 1");
  t.layer_id = get<int64_t>(b, kOffLayerId);
  t.n_rows = get<uint64_t>(b, kOffNRows);
  t.n_blocks = get<uint64_t>(b, kOffNBlocks);
  t.data_offset = get<uint64_t>(b, kOffDataOffset);
  t.block_bytes = get<uint64_t>(b, kOffBlockBytes);
  t.config_fingerprint = get<uint64_t>(b, kOffFingerprint);
  t.crc_offset = get<uint64_t>(b, kOffCrcOffset);
  t.crc_bytes = get<uint64_t>(b, kOffCrcBytes);
  if (t.data_offset != hb) bad(path, "data_offset", kOffDataOffset, std::to_string(t.data_offset) + " != header_bytes " + std::to_string(hb));
  uint64_t want_block, want_blocks = t.n_rows / t.rows_per_block + (t.n_rows % t.rows_per_block != 0);
  if (!round_up_ok(uint64_t{t.rows_per_block} * t.row_bytes, kTablePage, &want_block) || t.block_bytes != want_block)
    bad(path, "block_bytes", kOffBlockBytes, std::to_string(t.block_bytes) + " but rows_per_block * row_bytes rounded to 4096 is " + std::to_string(want_block));
  if (t.n_rows == 0) bad(path, "n_rows", kOffNRows, "table has no rows");
  if (t.n_blocks != want_blocks) bad(path, "n_blocks", kOffNBlocks, std::to_string(t.n_blocks) + " but n_rows needs " + std::to_string(want_blocks));
  uint64_t data_bytes, want_crc_off, crc_raw, want_crc_bytes, want_size;
  if (!mul_ok(t.n_blocks, t.block_bytes, &data_bytes) || !add_ok(t.data_offset, data_bytes, &want_crc_off) ||
      t.crc_offset != want_crc_off)
    bad(path, "crc_offset", kOffCrcOffset, std::to_string(t.crc_offset) + " does not equal data_offset + n_blocks * block_bytes");
  if (!mul_ok(t.n_blocks, 4, &crc_raw) || !round_up_ok(crc_raw, kTablePage, &want_crc_bytes) || t.crc_bytes != want_crc_bytes)
    bad(path, "crc_bytes", kOffCrcBytes, std::to_string(t.crc_bytes) + " does not equal round_up(n_blocks * 4, 4096)");
  if (!add_ok(t.crc_offset, t.crc_bytes, &want_size) || want_size != file_bytes)
    throw Error(ErrorCode::kCorruption, path + ": file is " + std::to_string(file_bytes) + " bytes but its header describes " +
                std::to_string(want_size) + (file_bytes < want_size ? " (truncated)" : " (trailing bytes)"));
  uint64_t sum = 0;
  for (uint32_t h = 0; h < n_heads; ++h) {
    size_t off = kTableFixedHeader + 16 * size_t{h};
    uint64_t rows = get<uint64_t>(b, off), o = get<uint64_t>(b, off + 8);
    if (o != sum) bad(path, "head_offset", off + 8, "head " + std::to_string(h) + " offset " + std::to_string(o) + " != running sum " + std::to_string(sum));
    if (rows == 0 || !add_ok(sum, rows, &sum)) bad(path, "head_rows", off, "head " + std::to_string(h) + " has a bad row count");
    t.head_rows.push_back(rows);
    t.head_offsets.push_back(o);
  }
  if (sum != t.n_rows) bad(path, "n_rows", kOffNRows, std::to_string(t.n_rows) + " != sum of head rows " + std::to_string(sum));
  size_t cfg_off = kTableFixedHeader + 16 * size_t{n_heads};
  t.config_json.assign(b.data() + cfg_off, cfg_bytes);
  uint64_t fp = t.config_json.empty() ? 0 : config_fingerprint(t.config_json);
  if (fp != t.config_fingerprint) bad(path, "config_fingerprint", kOffFingerprint, "does not match the stored config");
  check_config(t, path);
  return t;
}

}  // namespace engram
