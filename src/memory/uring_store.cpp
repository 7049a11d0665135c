// UringStore: batched O_DIRECT block reads through io_uring with CRC checks.
#include "memory/uring_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <random>

#include "core/error.h"
#include "core/progress.h"

#if ENGRAM_HAVE_URING
#include <liburing.h>
#endif

namespace engram {

#if ENGRAM_HAVE_URING

namespace {
std::string uring_unavailable(const std::string& what, int err) {
  return what + ": io_uring is unavailable here (" + std::strerror(err) +
         "); use the mmap or pread store instead";
}

struct AlignedBuf {
  uint8_t* p = nullptr;
  explicit AlignedBuf(size_t bytes) {
    if (posix_memalign(reinterpret_cast<void**>(&p), 4096, bytes) != 0) throw Error("out of memory for O_DIRECT buffers");
  }
  ~AlignedBuf() { std::free(p); }
  AlignedBuf(const AlignedBuf&) = delete;
  AlignedBuf& operator=(const AlignedBuf&) = delete;
};
}  // namespace

struct UringStore::Ring {
  io_uring ring{};
  unsigned depth;
  AlignedBuf buf;
  Ring(unsigned qd, size_t block_bytes, const std::string& name) : depth(qd), buf(size_t{qd} * block_bytes) {
    int e = io_uring_queue_init(qd, &ring, 0);
    if (e < 0) throw Error(ErrorCode::kUnsupported, uring_unavailable(name, -e));
  }
  ~Ring() { io_uring_queue_exit(&ring); }
};

bool UringStore::available() {
  io_uring r;
  if (io_uring_queue_init(2, &r, 0) < 0) return false;
  io_uring_queue_exit(&r);
  return true;
}

std::unique_ptr<UringStore> UringStore::open(std::shared_ptr<TableFile> table, const Options& opt) {
  const TableInfo& t = table->info();
  if (opt.queue_depth < 1 || opt.queue_depth > 4096)
    throw Error("io_uring queue depth must be in [1, 4096], got " + std::to_string(opt.queue_depth));
  if (table->file().fd() < 0) throw Error(t.path + ": the io_uring store needs a table on a real file");
  auto s = std::unique_ptr<UringStore>(new UringStore());
  s->fd_ = ::open(t.path.c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC);
  if (s->fd_ < 0)
    throw Error(ErrorCode::kUnsupported, t.path + ": cannot open with O_DIRECT (" + std::strerror(errno) +
                "); the file system may not support direct I/O");
  s->opt_ = opt;
  s->table_ = std::move(table);
  s->release(s->acquire());  // fail now, not at the first gather, if io_uring is missing
  return s;
}

UringStore::~UringStore() {
  pool_.clear();
  if (fd_ >= 0) ::close(fd_);
}

std::unique_ptr<UringStore::Ring> UringStore::acquire() {
  {
    std::lock_guard<std::mutex> lk(pool_mu_);
    if (!pool_.empty()) {
      auto r = std::move(pool_.back());
      pool_.pop_back();
      return r;
    }
  }
  return std::make_unique<Ring>(opt_.queue_depth, table_->info().block_bytes, table_->info().path);
}

void UringStore::release(std::unique_ptr<Ring> r) {
  std::lock_guard<std::mutex> lk(pool_mu_);
  pool_.push_back(std::move(r));
}

void UringStore::gather_any(std::span<const uint64_t> ids, float* out_f32, uint8_t* out_raw) {
  table_->check_row_ids(ids);
  const TableInfo& t = table_->info();
  BlockPlan plan;
  plan.build(t, ids);
  std::unique_ptr<Ring> ring = acquire();
  const unsigned qd = ring->depth;
  std::vector<unsigned> free_slots(qd);
  for (unsigned i = 0; i < qd; ++i) free_slots[i] = qd - 1 - i;
  std::string first_error;
  size_t next = 0, inflight = 0;
  const size_t nblocks = plan.blocks.size();
  while (next < nblocks || inflight > 0) {
    // Fill the queue; stop issuing once something failed, but keep draining.
    unsigned queued = 0;
    while (first_error.empty() && next < nblocks && !free_slots.empty()) {
      io_uring_sqe* sqe = io_uring_get_sqe(&ring->ring);
      if (!sqe) break;
      unsigned slot = free_slots.back();
      free_slots.pop_back();
      io_uring_prep_read(sqe, fd_, ring->buf.p + size_t{slot} * t.block_bytes, static_cast<unsigned>(t.block_bytes),
                         t.block_file_offset(plan.blocks[next]));
      io_uring_sqe_set_data64(sqe, (uint64_t{next} << 16) | slot);
      ++next;
      ++queued;
    }
    if (queued > 0) {
      int e = io_uring_submit(&ring->ring);
      if (e < 0) {
        // Reads may still be in flight into this ring's buffers: leak the ring on purpose
        // rather than free memory the kernel may still write. This path is exceptional.
        (void)ring.release();
        throw Error(ErrorCode::kIo, t.path + ": io_uring submit failed: " + std::strerror(-e));
      }
      inflight += queued;
    }
    if (inflight == 0) break;
    io_uring_cqe* cqe;
    int e = io_uring_wait_cqe(&ring->ring, &cqe);
    if (e == -EINTR) continue;
    if (e < 0) {
      (void)ring.release();  // as above: never free buffers with reads in flight
      throw Error(ErrorCode::kIo, t.path + ": io_uring wait failed: " + std::strerror(-e));
    }
    unsigned head, seen = 0;
    io_uring_for_each_cqe(&ring->ring, head, cqe) {
      ++seen;
      uint64_t ud = io_uring_cqe_get_data64(cqe);
      size_t k = ud >> 16;
      unsigned slot = ud & 0xffff;
      int res = cqe->res;
      uint64_t b = plan.blocks[k], off = t.block_file_offset(b);
      if (opt_.fault_injector && res >= 0)
        if (int inj = opt_.fault_injector(off); inj != 0) res = -inj;
      if (first_error.empty()) {
        const uint8_t* data = ring->buf.p + size_t{slot} * t.block_bytes;
        if (res < 0) {
          first_error = t.path + ": read of block " + std::to_string(b) + " at offset " + std::to_string(off) +
                        " failed: " + std::strerror(-res);
        } else if (static_cast<uint64_t>(res) != t.block_bytes) {
          first_error = t.path + ": short read of block " + std::to_string(b) + " at offset " + std::to_string(off) +
                        " (" + std::to_string(res) + " of " + std::to_string(t.block_bytes) + " bytes; file truncated?)";
        } else if (!table_->block_ok(b, data)) {
          try {
            table_->check_block(b, data);
          } catch (const Error& err) {
            first_error = err.what();
          }
        } else {
          emit_block_rows(t, plan, k, data, ids, out_f32, out_raw);
        }
      }
      free_slots.push_back(slot);
      --inflight;
    }
    io_uring_cq_advance(&ring->ring, seen);
  }
  release(std::move(ring));
  if (!first_error.empty()) throw Error(first_error);
}

void UringStore::drop_page_cache() const { ::posix_fadvise(fd_, 0, 0, POSIX_FADV_DONTNEED); }

double UringStore::raw_random_read_rate(const std::string& path, unsigned qd, size_t n_reads, size_t read_bytes,
                                        uint64_t seed) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC);
  if (fd < 0) throw Error("cannot open '" + path + "' with O_DIRECT: " + std::strerror(errno));
  off_t size = ::lseek(fd, 0, SEEK_END);
  uint64_t slots = static_cast<uint64_t>(size) / read_bytes;
  if (slots == 0 || read_bytes % 4096 != 0) {
    ::close(fd);
    throw Error("'" + path + "' is too small for " + std::to_string(read_bytes) + "-byte reads");
  }
  std::unique_ptr<Ring> ring;
  try {
    ring = std::make_unique<Ring>(qd, read_bytes, path);
  } catch (...) {
    ::close(fd);
    throw;
  }
  std::mt19937_64 rng(seed);
  size_t issued = 0, done = 0;
  std::string err;
  double t0 = now_seconds();
  unsigned inflight = 0;
  std::vector<unsigned> free_slots;
  for (unsigned i = 0; i < qd; ++i) free_slots.push_back(i);
  while (done < n_reads) {
    unsigned q = 0;
    while (issued < n_reads && !free_slots.empty()) {
      io_uring_sqe* sqe = io_uring_get_sqe(&ring->ring);
      if (!sqe) break;
      unsigned slot = free_slots.back();
      free_slots.pop_back();
      io_uring_prep_read(sqe, fd, ring->buf.p + size_t{slot} * read_bytes, static_cast<unsigned>(read_bytes),
                         (rng() % slots) * read_bytes);
      io_uring_sqe_set_data64(sqe, slot);
      ++issued;
      ++q;
    }
    if (q) {
      io_uring_submit(&ring->ring);
      inflight += q;
    }
    io_uring_cqe* cqe;
    if (io_uring_wait_cqe(&ring->ring, &cqe) < 0) continue;
    unsigned head, seen = 0;
    io_uring_for_each_cqe(&ring->ring, head, cqe) {
      ++seen;
      if (cqe->res < 0 && err.empty()) err = std::strerror(-cqe->res);
      free_slots.push_back(static_cast<unsigned>(io_uring_cqe_get_data64(cqe)));
      ++done;
      --inflight;
    }
    io_uring_cq_advance(&ring->ring, seen);
  }
  double dt = now_seconds() - t0;
  ring.reset();
  ::close(fd);
  if (!err.empty()) throw Error("'" + path + "': random read failed: " + err);
  return dt > 0 ? n_reads / dt : 0;
}

#else  // !ENGRAM_HAVE_URING

struct UringStore::Ring {};
bool UringStore::available() { return false; }
std::unique_ptr<UringStore> UringStore::open(std::shared_ptr<TableFile> table, const Options&) {
  throw Error(ErrorCode::kUnsupported, table->info().path + ": this build has no io_uring support (liburing not found at configure time); "
              "use the mmap or pread store instead");
}
UringStore::~UringStore() {}
void UringStore::gather_any(std::span<const uint64_t>, float*, uint8_t*) {}
void UringStore::drop_page_cache() const {}
double UringStore::raw_random_read_rate(const std::string& path, unsigned, size_t, size_t, uint64_t) {
  throw Error(ErrorCode::kUnsupported, "'" + path + "': this build has no io_uring support");
}
std::unique_ptr<UringStore::Ring> UringStore::acquire() { return nullptr; }
void UringStore::release(std::unique_ptr<Ring>) {}

#endif

void UringStore::gather(std::span<const uint64_t> ids, float* out) { gather_any(ids, out, nullptr); }
void UringStore::gather_raw(std::span<const uint64_t> ids, uint8_t* out) { gather_any(ids, nullptr, out); }

}  // namespace engram
