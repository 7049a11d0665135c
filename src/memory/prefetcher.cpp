// Prefetcher: budgeted background gathers with tickets.
#include "memory/prefetcher.h"

#include "core/error.h"

namespace engram {

struct Prefetcher::Job {
  Prefetcher* owner;
  RowStore* store;
  std::vector<uint64_t> ids;
  size_t bytes;  // staging bytes reserved for this job
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  bool released = false;
  std::vector<float> rows;
  std::exception_ptr error;
};

Prefetcher::Prefetcher(const Options& opt) : opt_(opt) {
  if (opt.threads == 0) throw Error("prefetcher: need at least one thread");
  for (unsigned i = 0; i < opt.threads; ++i) threads_.emplace_back([this] { worker(); });
}

Prefetcher::~Prefetcher() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  for (auto& t : threads_) t.join();
  // Jobs still queued were never run; their tickets (which must already be gone) would
  // have waited forever, so reaching here with queued jobs is a caller bug.
  ENGRAM_CHECK_MSG(queue_.empty() && reserved_ == 0, "Prefetcher destroyed while tickets are alive");
}

std::shared_ptr<Prefetcher::Job> Prefetcher::make_job(RowStore& store, std::vector<uint64_t> ids) {
  auto j = std::make_shared<Job>();
  j->owner = this;
  j->store = &store;
  j->bytes = ids.size() * store.info().dim * sizeof(float);
  j->ids = std::move(ids);
  if (j->bytes > opt_.budget_bytes)
    throw Error("prefetcher: a request of " + std::to_string(j->ids.size()) + " rows needs " +
                std::to_string(j->bytes) + " staging bytes, more than the whole budget of " +
                std::to_string(opt_.budget_bytes) + " bytes; raise the budget or split the request");
  return j;
}

void Prefetcher::enqueue(std::shared_ptr<Job> j) {
  // Caller holds mu_ and has reserved j->bytes.
  peak_reserved_ = std::max(peak_reserved_, reserved_);
  queue_.push_back(std::move(j));
  work_cv_.notify_one();
}

Prefetcher::Ticket Prefetcher::submit(RowStore& store, std::vector<uint64_t> ids) {
  auto j = make_job(store, std::move(ids));
  std::unique_lock<std::mutex> lk(mu_);
  space_cv_.wait(lk, [&] { return reserved_ + j->bytes <= opt_.budget_bytes; });
  reserved_ += j->bytes;
  enqueue(j);
  return Ticket(j);
}

std::optional<Prefetcher::Ticket> Prefetcher::try_submit(RowStore& store, std::vector<uint64_t> ids) {
  auto j = make_job(store, std::move(ids));
  std::lock_guard<std::mutex> lk(mu_);
  if (reserved_ + j->bytes > opt_.budget_bytes) return std::nullopt;
  reserved_ += j->bytes;
  enqueue(j);
  return Ticket(j);
}

void Prefetcher::give_back(size_t bytes) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    reserved_ -= bytes;
    allocated_ -= bytes;
  }
  space_cv_.notify_all();
}

void Prefetcher::worker() {
  for (;;) {
    std::shared_ptr<Job> j;
    {
      std::unique_lock<std::mutex> lk(mu_);
      work_cv_.wait(lk, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stop_ and nothing left
      j = std::move(queue_.front());
      queue_.pop_front();
      allocated_ += j->bytes;
      peak_allocated_ = std::max(peak_allocated_, allocated_);
    }
    std::exception_ptr err;
    std::vector<float> rows;
    try {
      rows.resize(j->ids.size() * j->store->info().dim);
      j->store->gather(j->ids, rows.data());
    } catch (...) {
      err = std::current_exception();
      rows = {};  // never hand out a partially gathered buffer
    }
    {
      std::lock_guard<std::mutex> lk(j->mu);
      j->rows = std::move(rows);
      j->error = err;
      j->done = true;
    }
    j->cv.notify_all();
  }
}

size_t Prefetcher::reserved_bytes() const {
  std::lock_guard<std::mutex> lk(mu_);
  return reserved_;
}
size_t Prefetcher::peak_reserved_bytes() const {
  std::lock_guard<std::mutex> lk(mu_);
  return peak_reserved_;
}
size_t Prefetcher::peak_allocated_bytes() const {
  std::lock_guard<std::mutex> lk(mu_);
  return peak_allocated_;
}

std::span<const float> Prefetcher::Ticket::wait() {
  ENGRAM_CHECK_MSG(job_ != nullptr, "wait() on an empty or released ticket");
  std::unique_lock<std::mutex> lk(job_->mu);
  job_->cv.wait(lk, [&] { return job_->done; });
  if (job_->error) std::rethrow_exception(job_->error);
  return {job_->rows.data(), job_->rows.size()};
}

bool Prefetcher::Ticket::ready() const {
  if (!job_) return false;
  std::lock_guard<std::mutex> lk(job_->mu);
  return job_->done;
}

void Prefetcher::Ticket::release() {
  if (!job_) return;
  {
    std::unique_lock<std::mutex> lk(job_->mu);
    // The worker may still be writing into the buffer: wait for it before freeing.
    job_->cv.wait(lk, [&] { return job_->done; });
    job_->rows = {};
    job_->rows.shrink_to_fit();
  }
  // A job not yet started cannot be here: done implies the worker took and finished it.
  job_->owner->give_back(job_->bytes);
  job_.reset();
}

Prefetcher::Ticket& Prefetcher::Ticket::operator=(Ticket&& o) noexcept {
  if (this != &o) {
    release();
    job_ = std::move(o.job_);
  }
  return *this;
}

Prefetcher::Ticket::~Ticket() { release(); }

}  // namespace engram
