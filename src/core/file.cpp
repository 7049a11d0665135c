#include "core/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>

#include "core/error.h"

namespace engram {

namespace {
std::string errno_text() { return std::strerror(errno); }
}  // namespace

std::string read_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(errno_code(errno), "cannot open '" + path + "': " + errno_text());
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw Error("'" + path + "' is not a regular file");
  }
  std::string out;
  out.resize(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::read(fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::string why = n < 0 ? errno_text() : "file shrank while reading";
      ::close(fd);
      throw Error(ErrorCode::kIo, "cannot read '" + path + "' at offset " + std::to_string(done) + ": " + why);
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return out;
}

namespace {
// Runs `fill(fd)` on a temp file beside `path`, then fsync, rename over `path` and fsync of
// the directory; on any failure the temp file is removed and `path` is untouched.
template <typename Fill>
void atomic_replace(const std::string& path, Fill fill) {
  namespace fs = std::filesystem;
  fs::path target(path);
  fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::string leaf = ".";
  leaf += target.filename().string();
  leaf += ".tmp.XXXXXX";
  std::string tmp = (dir / leaf).string();
  int fd = ::mkstemp(tmp.data());
  if (fd < 0) throw Error(ErrorCode::kIo, "cannot create a temp file beside '" + path + "': " + errno_text());
  auto fail = [&](const std::string& what) { throw Error(ErrorCode::kIo, "cannot write '" + path + "': " + what + ": " + errno_text()); };
  try {
    fill(fd, fail);
    if (::fchmod(fd, 0644) != 0) fail("fchmod");
    if (::fsync(fd) != 0) fail("fsync");
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  if (::close(fd) != 0) {
    ::unlink(tmp.c_str());
    throw Error(ErrorCode::kIo, "cannot write '" + path + "': close: " + errno_text());
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string why = errno_text();
    ::unlink(tmp.c_str());
    throw Error(ErrorCode::kIo, "cannot rename temp file onto '" + path + "': " + why);
  }
  fsync_dir(dir.string());
}
}  // namespace

void write_file_atomic(const std::string& path, std::string_view data) {
  atomic_replace(path, [&](int fd, auto& fail) {
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::write(fd, data.data() + done, data.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) fail("write");
      done += static_cast<size_t>(n);
    }
  });
}

void copy_file_atomic(const std::string& src, const std::string& dst) {
  int in = ::open(src.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) throw Error(errno_code(errno), "cannot open '" + src + "' to copy it: " + errno_text());
  struct stat st {};
  if (::fstat(in, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(in);
    throw Error("'" + src + "' is not a regular file");
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  try {
    atomic_replace(dst, [&](int fd, auto& fail) {
      // copy_file_range lets the file system share or copy extents in the kernel; where it
      // is not offered (other file systems, old kernels) the bytes go through a buffer.
      uint64_t done = 0;
      bool kernel_copy = true;
      std::string buf;
      while (done < size) {
        if (kernel_copy) {
          loff_t off_in = static_cast<loff_t>(done), off_out = static_cast<loff_t>(done);
          ssize_t n = ::copy_file_range(in, &off_in, fd, &off_out, size - done, 0);
          if (n > 0) {
            done += static_cast<uint64_t>(n);
            continue;
          }
          if (n < 0 && errno == EINTR) continue;
          if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP)) {
            kernel_copy = false;
            continue;
          }
          if (n == 0) {
            errno = EIO;
            fail("copy of '" + src + "' ended early (the source shrank?)");
          }
          fail("copy_file_range from '" + src + "'");
        }
        buf.resize(8u << 20);
        ssize_t n = ::pread(in, buf.data(), std::min<uint64_t>(buf.size(), size - done), static_cast<off_t>(done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          if (n == 0) errno = EIO;
          fail("read of '" + src + "'");
        }
        for (ssize_t w = 0; w < n;) {
          ssize_t k = ::pwrite(fd, buf.data() + w, static_cast<size_t>(n - w), static_cast<off_t>(done + w));
          if (k < 0 && errno == EINTR) continue;
          if (k <= 0) fail("write");
          w += k;
        }
        done += static_cast<uint64_t>(n);
      }
    });
  } catch (...) {
    ::close(in);
    throw;
  }
  ::close(in);
}

void fsync_dir(const std::string& dir) {
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace engram
