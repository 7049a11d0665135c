// A one-line progress bar on stderr with rate and ETA; silent when stderr is not a tty
// unless forced, so logs stay clean.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace engram {

class Progress {
 public:
  // `total` units of work called `unit` (e.g. "tok"); label is printed first.
  Progress(std::string label, uint64_t total, std::string unit);
  ~Progress();
  // Sets the done count and an optional trailing note (e.g. "loss 3.21").
  void update(uint64_t done, const std::string& note = "");
  void finish(const std::string& note = "");

 private:
  void draw(bool final);
  std::string label_, unit_, note_;
  uint64_t total_, done_ = 0;
  std::chrono::steady_clock::time_point start_, last_draw_;
  bool enabled_, finished_ = false;
};

// Seconds since an arbitrary epoch, monotonic.
double now_seconds();

}  // namespace engram
