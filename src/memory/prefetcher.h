// Prefetcher: the row ids of every Engram layer are known from the tokens before the
// forward pass (ENGRAM.md section 7), so gathers are queued early and run on background
// threads into staging buffers while the backbone computes; the consumer waits on the
// ticket when it reaches the layer. Prefill submits [B*T*heads] ids per layer; decoding
// submits one token per sequence per step for many sequences (B*heads ids), the next
// step's ids while the current step computes.
// Memory: the staging bytes of all live tickets (queued, running or done but not yet
// released) never exceed budget_bytes: submit() blocks until enough tickets are
// released, try_submit() returns nullopt instead.
// Ownership: a Ticket owns its staging buffer; every Ticket must be destroyed before the
// Prefetcher. The Prefetcher owns its worker threads; stores are borrowed and must outlive
// the tickets that name them.
// Thread safety: submit/try_submit and Ticket methods may be called from many threads.
// Failure: a gather's engram::Error is rethrown by Ticket::wait(); a request larger than
// the whole budget throws engram::Error at submit.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <vector>

#include "memory/row_store.h"

namespace engram {

class Prefetcher {
 public:
  struct Options {
    size_t budget_bytes = size_t{64} << 20;
    unsigned threads = 1;
  };
  struct Job;

  class Ticket {
   public:
    Ticket() = default;
    Ticket(Ticket&&) noexcept = default;
    Ticket& operator=(Ticket&& o) noexcept;
    ~Ticket();
    // Blocks until the rows are ready: [n_ids, dim] float32, valid until release.
    std::span<const float> wait();
    bool ready() const;
    // Waits for the gather (if running) and frees the staging memory.
    void release();
    explicit operator bool() const { return job_ != nullptr; }

   private:
    friend class Prefetcher;
    explicit Ticket(std::shared_ptr<Job> j) : job_(std::move(j)) {}
    std::shared_ptr<Job> job_;
  };

  explicit Prefetcher(const Options& opt);
  ~Prefetcher();
  Prefetcher(const Prefetcher&) = delete;
  Prefetcher& operator=(const Prefetcher&) = delete;

  Ticket submit(RowStore& store, std::vector<uint64_t> ids);
  std::optional<Ticket> try_submit(RowStore& store, std::vector<uint64_t> ids);

  size_t budget_bytes() const { return opt_.budget_bytes; }
  size_t reserved_bytes() const;        // staging bytes of live tickets
  size_t peak_reserved_bytes() const;   // high-water mark of reserved_bytes
  size_t peak_allocated_bytes() const;  // high-water mark of buffers actually allocated

 private:
  friend class Ticket;
  std::shared_ptr<Job> make_job(RowStore& store, std::vector<uint64_t> ids);
  void enqueue(std::shared_ptr<Job> j);
  void give_back(size_t bytes);
  void worker();
  Options opt_;
  mutable std::mutex mu_;
  std::condition_variable space_cv_, work_cv_;
  std::deque<std::shared_ptr<Job>> queue_;
  size_t reserved_ = 0, peak_reserved_ = 0;
  size_t allocated_ = 0, peak_allocated_ = 0;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};


}  // namespace engram
