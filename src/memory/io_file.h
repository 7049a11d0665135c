// The injectable I/O seam of the memory tier: positional reads (and, for tables being
// trained, positional writes) on a file. PosixFile is the real one; FaultyFile wraps another and fails or corrupts chosen reads so tests can fake a
// failing disk (leveldb's Env idea, reduced to what the table readers need).
// Thread safety: read() may be called concurrently on every implementation here; write()
// and sync() must not overlap reads or writes of the same bytes.
// Failure: read()/write() throw engram::Error naming the file, offset and length; they
// never transfer fewer bytes than asked. A read-only file refuses write() and sync().
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace engram {

class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  virtual const std::string& name() const = 0;
  virtual uint64_t size() const = 0;
  // Reads exactly n bytes at offset into dst.
  virtual void read(uint64_t offset, size_t n, void* dst) const = 0;
  // A plain file descriptor for mmap/io_uring users, or -1 when the file is not a real one.
  virtual int fd() const { return -1; }
  virtual bool writable() const { return false; }
  // Writes exactly n bytes at offset (inside the current size: files never grow here).
  virtual void write(uint64_t offset, size_t n, const void* src);
  // Makes every write so far durable (fdatasync).
  virtual void sync();
};

// A file opened with open(2), read-only unless asked. Owns its descriptor.
class PosixFile : public RandomAccessFile {
 public:
  static std::unique_ptr<PosixFile> open(const std::string& path, bool writable = false);
  ~PosixFile() override;
  const std::string& name() const override { return path_; }
  uint64_t size() const override { return size_; }
  void read(uint64_t offset, size_t n, void* dst) const override;
  int fd() const override { return fd_; }
  bool writable() const override { return writable_; }
  void write(uint64_t offset, size_t n, const void* src) override;
  void sync() override;
  // Drops this file's pages from the page cache (posix_fadvise DONTNEED), for cold reads.
  void drop_cache() const;

 private:
  PosixFile(std::string path, int fd, uint64_t size, bool writable)
      : path_(std::move(path)), fd_(fd), size_(size), writable_(writable) {}
  std::string path_;
  int fd_;
  uint64_t size_;
  bool writable_;
};

// Wraps a file and injects faults: `fail_if(offset, n)` returning a non-zero errno makes
// that read throw as a failed pread would; `corrupt_if` flips one byte of the read data.
// Counts reads so tests can target "the k-th read". Does not own the policy's state.
class FaultyFile : public RandomAccessFile {
 public:
  explicit FaultyFile(std::unique_ptr<RandomAccessFile> base) : base_(std::move(base)) {}
  std::function<int(uint64_t offset, size_t n)> fail_if;
  std::function<bool(uint64_t offset, size_t n)> corrupt_if;
  const std::string& name() const override { return base_->name(); }
  uint64_t size() const override { return base_->size(); }
  void read(uint64_t offset, size_t n, void* dst) const override;
  uint64_t reads() const { return reads_.load(); }

 private:
  std::unique_ptr<RandomAccessFile> base_;
  mutable std::atomic<uint64_t> reads_{0};
};

// An in-memory file (tests, fuzzing): the bytes are owned by the object.
class MemFile : public RandomAccessFile {
 public:
  MemFile(std::string name, std::string bytes) : name_(std::move(name)), bytes_(std::move(bytes)) {}
  const std::string& name() const override { return name_; }
  uint64_t size() const override { return bytes_.size(); }
  void read(uint64_t offset, size_t n, void* dst) const override;

 private:
  std::string name_, bytes_;
};

}  // namespace engram
