#include "core/progress.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace engram {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

Progress::Progress(std::string label, uint64_t total, std::string unit)
    : label_(std::move(label)), unit_(std::move(unit)), total_(total) {
  start_ = last_draw_ = std::chrono::steady_clock::now();
  const char* force = std::getenv("ENGRAM_PROGRESS");
  enabled_ = force ? std::atoi(force) != 0 : ::isatty(2) != 0;
}

Progress::~Progress() {
  if (!finished_) finish();
}

void Progress::update(uint64_t done, const std::string& note) {
  done_ = done;
  note_ = note;
  auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(200)) return;
  last_draw_ = now;
  draw(false);
}

void Progress::finish(const std::string& note) {
  if (finished_) return;
  if (!note.empty()) note_ = note;
  done_ = total_ > 0 ? total_ : done_;
  draw(true);
  finished_ = true;
}

static std::string fmt_eta(double s) {
  char buf[32];
  if (s < 0 || s > 1e7) return "--:--";
  int t = static_cast<int>(s + 0.5);
  if (t >= 3600) std::snprintf(buf, sizeof buf, "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60);
  else std::snprintf(buf, sizeof buf, "%02d:%02d", t / 60, t % 60);
  return buf;
}

void Progress::draw(bool final) {
  if (!enabled_) return;
  double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double rate = el > 0 ? done_ / el : 0;
  double frac = total_ ? static_cast<double>(done_) / total_ : 0;
  const int width = 24;
  int fill = static_cast<int>(frac * width);
  std::string bar(fill, '#');
  bar += std::string(width - fill, '.');
  double eta = rate > 0 ? (total_ - done_) / rate : -1;
  std::fprintf(stderr, "\r%s [%s] %3.0f%% %llu/%llu %s | %.1f %s/s | %s %s%s\x1b[K", label_.c_str(),
               bar.c_str(), frac * 100, static_cast<unsigned long long>(done_),
               static_cast<unsigned long long>(total_), unit_.c_str(), rate, unit_.c_str(),
               final ? "took" : "eta", fmt_eta(final ? el : eta).c_str(),
               note_.empty() ? "" : (" | " + note_).c_str());
  if (final) std::fputc('\n', stderr);
  std::fflush(stderr);
}

}  // namespace engram
