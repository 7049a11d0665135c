// Helpers shared by the fuzz targets (tests/fuzz/fuzz_*.cpp) and their ctest replays.
#pragma once

#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace engram::fuzz {

// A scratch directory private to this process: $TMPDIR (else /tmp) / engram-fuzz-<pid>.
// Made on first use, removed at a normal exit (a crash leaves it for the post-mortem).
inline const std::string& scratch_dir() {
  // Never destroyed, so the exit handler below can still read it.
  static const std::string* dir = [] {
    const char* t = std::getenv("TMPDIR");
    auto* d = new std::string(std::string(t && *t ? t : "/tmp") + "/engram-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(*d);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(scratch_dir(), ec);
    });
    return d;
  }();
  return *dir;
}

// The fuzz input written to a file of its own (for parsers that take a path); removed
// when this goes out of scope. `name` is the file's leaf (its extension for messages).
class TempInput {
 public:
  TempInput(const void* data, size_t size, const std::string& name = "input") {
    static std::atomic<uint64_t> counter{0};
    path_ = scratch_dir() + "/" + std::to_string(counter++) + "-" + name;
    std::FILE* f = std::fopen(path_.c_str(), "wb");
    if (!f) std::abort();  // the harness's own failure, not the parser's
    if (size && std::fwrite(data, 1, size, f) != size) std::abort();
    if (std::fclose(f) != 0) std::abort();
  }
  ~TempInput() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  TempInput(const TempInput&) = delete;
  TempInput& operator=(const TempInput&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Reads a little-endian integer of N bytes at `off`, 0 past the end.
template <typename T>
inline T read_le(const uint8_t* data, size_t size, size_t off) {
  T v{};
  for (size_t i = 0; i < sizeof(T); ++i)
    if (off + i < size) v |= static_cast<T>(static_cast<T>(data[off + i]) << (8 * i));
  return v;
}

}  // namespace engram::fuzz
