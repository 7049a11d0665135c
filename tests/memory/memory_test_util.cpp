#include "memory_test_util.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <stdexcept>

#include "memory/dtype.h"
#include "memory/table_writer.h"
#include "test_util.h"

namespace engram::test {

namespace {
// Every path handed out is removed when the test binary exits, so repeated runs do not
// fill the scratch dir with tables.
std::mutex g_paths_mu;
std::vector<std::string>* g_paths = nullptr;
void remove_scratch_tables() {
  std::lock_guard<std::mutex> lk(g_paths_mu);
  for (const auto& p : *g_paths) std::filesystem::remove(p);
}
}  // namespace

std::string scratch_table_path(const std::string& stem) {
  static std::atomic<int> counter{0};
  std::string p = scratch_dir() + "/" + stem + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + ".engt";
  std::lock_guard<std::mutex> lk(g_paths_mu);
  if (!g_paths) {
    g_paths = new std::vector<std::string>();
    std::atexit(remove_scratch_tables);
  }
  g_paths->push_back(p);
  return p;
}

TableSpec small_spec(RowDtype dt, uint32_t dim, std::vector<uint64_t> head_rows) {
  TableSpec s;
  s.layer_id = 1;
  s.dtype = dt;
  s.dim = dim;
  s.head_rows = std::move(head_rows);
  return s;
}

std::string make_table(const std::string& stem, const TableSpec& spec, uint64_t seed) {
  std::string p = scratch_table_path(stem);
  write_random_table(p, spec, seed);
  return p;
}

std::vector<uint8_t> expected_raw_row(const TableSpec& spec, uint64_t seed, uint64_t row) {
  std::vector<float> v(spec.dim);
  random_row_values(seed, row, spec.dim, v.data());
  std::vector<uint8_t> raw(dtype_row_bytes(spec.dtype, spec.dim));
  encode_row(spec.dtype, v.data(), spec.dim, raw.data());
  return raw;
}

std::vector<float> expected_row(const TableSpec& spec, uint64_t seed, uint64_t row) {
  auto raw = expected_raw_row(spec, seed, row);
  std::vector<float> out(spec.dim);
  decode_row(spec.dtype, spec.dim, raw.data(), out.data());
  return out;
}

void flip_byte(const std::string& path, uint64_t offset) {
  int fd = ::open(path.c_str(), O_RDWR);
  if (fd < 0) throw std::runtime_error("flip_byte: cannot open " + path);
  uint8_t b;
  if (::pread(fd, &b, 1, static_cast<off_t>(offset)) != 1) throw std::runtime_error("flip_byte: read");
  b ^= 0x01;
  if (::pwrite(fd, &b, 1, static_cast<off_t>(offset)) != 1) throw std::runtime_error("flip_byte: write");
  ::close(fd);
}

void truncate_file(const std::string& path, uint64_t size) {
  if (::truncate(path.c_str(), static_cast<off_t>(size)) != 0) throw std::runtime_error("truncate " + path);
}

}  // namespace engram::test
