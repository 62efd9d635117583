#pragma once
// Latency models of the backtester (issue 4): how long a market-data message takes from the exchange to us
// (feed), an order action from us to the matching engine (entry), and an answer back (response).
//
//  - Constant: every draw is the same number of ns.
//  - Sampled: every draw is one value of a recorded distribution, picked at random with its weight, from a
//    seeded SimRng (sim/sim_rng.h): the same file and seed give the same draws on any build.
//
// Distribution file format (text, UTF-8/ASCII):
//   # a comment: from '#' to the end of the line is ignored, as are blank lines
//   1250000            one latency in integer nanoseconds per line (weight 1) ...
//   1800000 3          ... optionally followed by an integer weight >= 1 (relative frequency),
//   2100000,2          separated by spaces, tabs or one comma.
// A histogram export (bucket value, count) is therefore a valid file as is. Values are 0..kMaxLatencyNs;
// weights 1..kMaxWeight; the file must hold at least one value.
//
// Errors (load_latency_file / parse_latency_text return a message, "" on success), each naming the file and,
// for a bad line, its number: "<file>: cannot open (<errno text>)", "<file>: no latency values",
// "<file>:<line>: malformed line (expected '<ns> [weight]')", "<file>:<line>: negative latency -5",
// "<file>:<line>: latency above 3600000000000 ns", "<file>:<line>: weight must be 1..1000000000".
//
// Threading: single-threaded (sample() advances the generator). Hot path: sample() is noexcept and does not
// allocate (a binary search over the cumulative weights).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/sim_rng.h"

namespace mm {

inline constexpr int64_t kMaxLatencyNs = 3'600'000'000'000;  // one hour: anything above is a unit mistake
inline constexpr uint64_t kMaxLatencyWeight = 1'000'000'000;

class LatencyModel {
 public:
  // A constant model of 0 ns.
  LatencyModel() = default;

  // A constant model. Precondition: 0 <= ns <= kMaxLatencyNs (clamped into that range otherwise).
  static LatencyModel constant(int64_t ns) noexcept;

  // Seeds the generator of a sampled model (a constant model ignores it).
  void seed(uint64_t seed) noexcept { rng_.reseed(seed); }

  // One latency in ns (>= 0).
  int64_t sample() noexcept {
    if (cum_.empty()) return constant_ns_;
    const uint64_t u = rng_.below(cum_.back());
    // First bucket whose cumulative weight exceeds u.
    size_t lo = 0, hi = cum_.size() - 1;
    while (lo < hi) {
      const size_t mid = (lo + hi) / 2;
      if (cum_[mid] > u) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return values_[lo];
  }

  bool sampled() const noexcept { return !cum_.empty(); }
  // Distinct lines of the distribution (0 for a constant model).
  size_t size() const noexcept { return values_.size(); }
  int64_t min_ns() const noexcept { return min_; }
  int64_t max_ns() const noexcept { return max_; }
  // Sum of the weights (0 for a constant model).
  uint64_t total_weight() const noexcept { return cum_.empty() ? 0 : cum_.back(); }

 private:
  friend std::string parse_latency_text(std::string_view text, std::string_view name, LatencyModel& out);

  int64_t constant_ns_ = 0;
  int64_t min_ = 0, max_ = 0;
  std::vector<int64_t> values_;
  std::vector<uint64_t> cum_;  // cumulative weights, strictly increasing
  SimRng rng_;
};

// Parses a distribution (format above) whose source is called `name` in messages. Returns "" and sets `out`
// (seeded with 0; call seed()), or an error message (out untouched).
[[nodiscard]] std::string parse_latency_text(std::string_view text, std::string_view name, LatencyModel& out);

// Reads and parses the file at `path`. Returns "" or an error message naming the file (see above).
// The file must be a regular file of at most kMaxLatencyFileBytes (a device or FIFO is refused, not read
// forever).
inline constexpr size_t kMaxLatencyFileBytes = size_t{64} << 20;
[[nodiscard]] std::string load_latency_file(const std::string& path, LatencyModel& out);

}  // namespace mm
