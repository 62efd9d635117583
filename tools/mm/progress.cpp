#include "tools/mm/progress.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <utility>

namespace mm::tools {

namespace {

double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// "12.3 k", "4.56 M": a count or rate in three significant figures.
std::string si(double v) {
  const char* suffix = "";
  for (const char* s : {" k", " M", " G"}) {
    if (v < 1000.0) break;
    v /= 1000.0;
    suffix = s;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, v < 10 ? "%.2f%s" : v < 100 ? "%.1f%s" : "%.0f%s", v, suffix);
  return buf;
}

std::string duration(double s) {
  const auto t = static_cast<long long>(std::llround(s));
  char buf[32];
  if (t >= 3600) {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", t / 3600, t / 60 % 60);
  } else if (t >= 60) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", t / 60, t % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%llds", t);
  }
  return buf;
}

}  // namespace

bool progress_wanted(bool json, int fd, const std::function<int(int)>& is_tty) {
  if (json) return false;
  return (is_tty ? is_tty(fd) : ::isatty(fd)) == 1;
}

std::string progress_line(uint64_t done, uint64_t total, double seconds, const std::string& unit) {
  constexpr int kWidth = 30;
  if (done > total) done = total;
  const double f = static_cast<double>(done) / static_cast<double>(total);
  const int filled = static_cast<int>(f * kWidth);
  std::string line = "[";
  line.append(static_cast<size_t>(filled), '#');
  line.append(static_cast<size_t>(kWidth - filled), '.');
  char pct[16];
  std::snprintf(pct, sizeof pct, "] %5.1f%%  ", 100.0 * f);
  line += pct;
  line += si(static_cast<double>(done)) + " " + unit;
  if (seconds > 0 && done > 0) {
    const double rate = static_cast<double>(done) / seconds;
    line += "  " + si(rate) + " " + unit + "/s  ETA " + duration(static_cast<double>(total - done) / rate);
  } else {
    line += "  ETA --";
  }
  return line;
}

Progress::Progress(bool enabled, std::string unit, FILE* out, std::function<double()> now_s)
    : enabled_(enabled),
      unit_(std::move(unit)),
      out_(out),
      now_s_(now_s ? std::move(now_s) : steady_seconds) {
  if (enabled_) start_s_ = now_s_();
}

void Progress::update(uint64_t done, uint64_t total) {
  if (!enabled_ || total == 0) return;
  const double now = now_s_();
  if (done < total && last_draw_s_ >= 0 && now - last_draw_s_ < 0.1) return;
  last_draw_s_ = now;
  // \r then the line, then clear to the end (a shorter line must not leave the tail of the last one).
  std::fprintf(out_, "\r%s\x1b[K", progress_line(done, total, now - start_s_, unit_).c_str());
  std::fflush(out_);
  drawn_ = true;
}

void Progress::finish() {
  if (drawn_) std::fprintf(out_, "\n");
  drawn_ = false;
}

}  // namespace mm::tools
