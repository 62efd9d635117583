#pragma once
// A progress bar for the long offline commands (mm backtest; the reading loops of future ones): one line on
// stderr redrawn in place, with the fraction done, the rate and the time left. Drawn only when the output is
// a terminal and the command is not printing --json (a pipe or a log file gets nothing extra).
//
//   Progress bar(progress_wanted(json), "events");
//   for (...) bar.update(done, total);
//   bar.finish();
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

namespace mm::tools {

// True when a bar should be drawn: not with --json, and `fd` (stderr by default) is a terminal. `is_tty`
// replaces ::isatty in tests.
[[nodiscard]] bool progress_wanted(bool json, int fd = 2, const std::function<int(int)>& is_tty = {});

// The bar's text for `done` of `total` after `seconds` (no carriage return): a 30-character bar, the percent,
// the count in `unit`s, the rate per second, and the ETA ("ETA 1m05s"; "--" until a rate is known).
// Precondition: total > 0.
[[nodiscard]] std::string progress_line(uint64_t done, uint64_t total, double seconds,
                                        const std::string& unit);

class Progress {
 public:
  // `now_s` gives the time in seconds (steady clock by default; tests pass a fake one). Disabled: every call
  // is a no-op.
  Progress(bool enabled, std::string unit, FILE* out = stderr, std::function<double()> now_s = {});
  // Redraws when 100 ms passed since the last draw, or at done == total. total == 0: nothing drawn.
  void update(uint64_t done, uint64_t total);
  // Ends the line (only if something was drawn).
  void finish();

 private:
  bool enabled_;
  std::string unit_;
  FILE* out_;
  std::function<double()> now_s_;
  double start_s_ = 0;
  double last_draw_s_ = -1;
  bool drawn_ = false;
};

}  // namespace mm::tools
