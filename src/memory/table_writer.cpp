// TableWriter: streaming, checksummed, atomic table writes; random and matrix sources.
#include "memory/table_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "core/error.h"
#include "core/mix.h"
#include "core/progress.h"

// GCC 12 flags std::string concatenation with a bogus -Wrestrict overlap (GCC PR 105329).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

namespace engram {

namespace {
constexpr uint64_t kChunkBlocks = 256;  // 1 MiB of 4 KiB blocks per write(2)
}  // namespace

void random_row_values(uint64_t seed, uint64_t row, uint32_t dim, float* out) {
  uint64_t s = splitmix64(seed ^ splitmix64(row));
  const float k = std::sqrt(3.0f);
  for (uint32_t i = 0; i < dim; ++i) {
    s = splitmix64(s);
    float u = static_cast<float>(s >> 40) * (1.0f / 16777216.0f);  // [0, 1)
    out[i] = (2.0f * u - 1.0f) * k;
  }
}

TableWriter::TableWriter(const std::string& path, const TableSpec& spec) : path_(path), info_(plan_table(spec)) {
  info_.path = path;
  namespace fs = std::filesystem;
  fs::path target(path);
  fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  tmp_ = (dir / ("." + target.filename().string() + ".tmp.XXXXXX")).string();
  fd_ = ::mkstemp(tmp_.data());
  if (fd_ < 0) throw Error("cannot create a temp file beside '" + path + "': " + std::strerror(errno));
  std::string hdr = encode_table_header(info_);
  write_all(hdr.data(), hdr.size());
  buf_.assign(kChunkBlocks * info_.block_bytes, 0);
  crcs_.reserve(info_.n_blocks);
}

TableWriter::~TableWriter() {
  if (!finished_ && fd_ >= 0) {
    ::close(fd_);
    ::unlink(tmp_.c_str());
  }
}

void TableWriter::write_all(const void* p, size_t n) {
  const char* c = static_cast<const char*>(p);
  while (n > 0) {
    ssize_t w = ::write(fd_, c, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) throw Error("cannot write '" + path_ + "' (temp " + tmp_ + "): " + std::strerror(errno));
    c += w;
    n -= static_cast<size_t>(w);
  }
}

void TableWriter::flush_blocks(bool final) {
  uint64_t rpb = info_.rows_per_block;
  uint64_t full = buf_rows_ / rpb + ((final && buf_rows_ % rpb) ? 1 : 0);
  for (uint64_t b = 0; b < full; ++b)
    crcs_.push_back(block_checksum(buf_.data() + b * info_.block_bytes, info_.block_bytes, next_block_ + b));
  write_all(buf_.data(), full * info_.block_bytes);
  next_block_ += full;
  std::fill(buf_.begin(), buf_.end(), 0);  // padding must be zero
  buf_rows_ = 0;
}

void TableWriter::append_raw_rows(const uint8_t* raw, size_t n) {
  ENGRAM_CHECK(!finished_);
  if (n > info_.n_rows - rows_written_)
    throw Error(path_ + ": appending " + std::to_string(n) + " rows past the table's " + std::to_string(info_.n_rows));
  const uint64_t rpb = info_.rows_per_block;
  for (size_t i = 0; i < n; ++i) {
    uint8_t* dst = buf_.data() + (buf_rows_ / rpb) * info_.block_bytes + (buf_rows_ % rpb) * info_.row_bytes;
    std::memcpy(dst, raw + i * info_.row_bytes, info_.row_bytes);
    ++buf_rows_;
    if (buf_rows_ == kChunkBlocks * rpb) flush_blocks(false);
  }
  rows_written_ += n;
}

void TableWriter::append_rows(const float* rows, size_t n) {
  std::vector<uint8_t> enc(info_.row_bytes);
  for (size_t i = 0; i < n; ++i) {
    try {
      encode_row(info_.dtype, rows + i * info_.dim, info_.dim, enc.data());
    } catch (const Error& e) {
      throw Error(e.code(), path_ + ": row " + std::to_string(rows_written_) + ": " + e.what());
    }
    append_raw_rows(enc.data(), 1);
  }
}

void TableWriter::finish() {
  ENGRAM_CHECK(!finished_);
  if (rows_written_ != info_.n_rows)
    throw Error(path_ + ": only " + std::to_string(rows_written_) + " of " + std::to_string(info_.n_rows) +
                " rows were written");
  if (buf_rows_ > 0) flush_blocks(true);
  ENGRAM_CHECK(next_block_ == info_.n_blocks && crcs_.size() == info_.n_blocks);
  std::vector<uint8_t> crc_region(info_.crc_bytes, 0);
  std::memcpy(crc_region.data(), crcs_.data(), crcs_.size() * 4);
  write_all(crc_region.data(), crc_region.size());
  if (::fchmod(fd_, 0644) != 0 || ::fsync(fd_) != 0)
    throw Error("cannot sync '" + tmp_ + "': " + std::strerror(errno));
  if (::close(fd_) != 0) throw Error("cannot close '" + tmp_ + "': " + std::strerror(errno));
  fd_ = -1;
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
    std::string why = std::strerror(errno);
    ::unlink(tmp_.c_str());
    throw Error("cannot rename '" + tmp_ + "' onto '" + path_ + "': " + why);
  }
  finished_ = true;
  std::filesystem::path target(path_);
  std::string dir = target.has_parent_path() ? target.parent_path().string() : ".";
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

void write_random_table(const std::string& path, const TableSpec& spec, uint64_t seed, Progress* progress) {
  TableWriter w(path, spec);
  const TableInfo& t = w.info();
  const size_t batch = 4096;
  std::vector<float> vals(batch * t.dim);
  for (uint64_t r = 0; r < t.n_rows;) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(batch, t.n_rows - r));
    for (size_t i = 0; i < n; ++i) random_row_values(seed, r + i, t.dim, vals.data() + i * t.dim);
    w.append_rows(vals.data(), n);
    r += n;
    if (progress) progress->update(r);
  }
  w.finish();
  if (progress) progress->finish();
}

void write_table_from_matrix(const std::string& path, const TableSpec& spec, const float* rows, Progress* progress) {
  TableWriter w(path, spec);
  const TableInfo& t = w.info();
  const size_t batch = 4096;
  for (uint64_t r = 0; r < t.n_rows;) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(batch, t.n_rows - r));
    w.append_rows(rows + r * t.dim, n);
    r += n;
    if (progress) progress->update(r);
  }
  w.finish();
  if (progress) progress->finish();
}

}  // namespace engram
