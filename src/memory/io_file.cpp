// PosixFile (pread), FaultyFile (fault injection), MemFile.
#include "memory/io_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace engram {

static std::string read_error(const std::string& name, uint64_t off, size_t n, const std::string& why) {
  return name + ": read of " + std::to_string(n) + " bytes at offset " + std::to_string(off) + " failed: " + why;
}

void RandomAccessFile::write(uint64_t offset, size_t n, const void*) {
  throw Error(ErrorCode::kIo, name() + ": write of " + std::to_string(n) + " bytes at offset " + std::to_string(offset) +
              " refused: the file is open read-only");
}

void RandomAccessFile::sync() { throw Error(name() + ": sync refused: the file is open read-only"); }

std::unique_ptr<PosixFile> PosixFile::open(const std::string& path, bool writable) {
  int fd = ::open(path.c_str(), (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) throw Error(errno_code(errno), "cannot open '" + path + "': " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw Error("'" + path + "' is not a regular file");
  }
  return std::unique_ptr<PosixFile>(new PosixFile(path, fd, static_cast<uint64_t>(st.st_size), writable));
}

PosixFile::~PosixFile() { ::close(fd_); }

void PosixFile::read(uint64_t offset, size_t n, void* dst) const {
  if (offset > size_ || n > size_ - offset)
    throw Error(ErrorCode::kCorruption, read_error(path_, offset, n, "past the end of the " + std::to_string(size_) + "-byte file"));
  auto* p = static_cast<char*>(dst);
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd_, p + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) throw Error(ErrorCode::kIo, read_error(path_, offset, n, std::strerror(errno)));
    if (r == 0) throw Error(ErrorCode::kCorruption, read_error(path_, offset, n, "unexpected end of file (file shrank?)"));
    done += static_cast<size_t>(r);
  }
}

void PosixFile::write(uint64_t offset, size_t n, const void* src) {
  auto fail = [&](const std::string& why) {
    return Error(path_ + ": write of " + std::to_string(n) + " bytes at offset " + std::to_string(offset) +
                 " failed: " + why);
  };
  if (!writable_) throw fail("the file is open read-only");
  if (offset > size_ || n > size_ - offset) throw fail("past the end of the " + std::to_string(size_) + "-byte file");
  const auto* p = static_cast<const char*>(src);
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pwrite(fd_, p + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) throw fail(r < 0 ? std::strerror(errno) : "no progress");
    done += static_cast<size_t>(r);
  }
}

void PosixFile::sync() {
  if (!writable_) throw Error(path_ + ": sync refused: the file is open read-only");
  if (::fdatasync(fd_) != 0) throw Error(ErrorCode::kIo, path_ + ": fdatasync failed: " + std::strerror(errno));
}

void PosixFile::drop_cache() const { ::posix_fadvise(fd_, 0, 0, POSIX_FADV_DONTNEED); }

void FaultyFile::read(uint64_t offset, size_t n, void* dst) const {
  reads_.fetch_add(1);
  if (fail_if) {
    if (int e = fail_if(offset, n); e != 0)
      throw Error(ErrorCode::kIo, read_error(name(), offset, n, std::string(std::strerror(e)) + " (injected)"));
  }
  base_->read(offset, n, dst);
  if (corrupt_if && n > 0 && corrupt_if(offset, n)) static_cast<uint8_t*>(dst)[n / 2] ^= 0x5A;
}

void MemFile::read(uint64_t offset, size_t n, void* dst) const {
  if (offset > bytes_.size() || n > bytes_.size() - offset)
    throw Error(ErrorCode::kCorruption, read_error(name_, offset, n, "past the end of the " + std::to_string(bytes_.size()) + "-byte file"));
  std::memcpy(dst, bytes_.data() + offset, n);
}

}  // namespace engram
