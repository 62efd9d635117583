#pragma once
// Metrics registry: counters, gauges and histograms registered at start-up, updated from any thread without
// locks or allocation, rendered on the cold thread in the Prometheus text exposition format 0.0.4.
//
// Why this split: registration allocates (names, label strings, the metric objects) and takes a mutex, so it
// happens once before trading; an update is one relaxed atomic load+store (single writer) or fetch_add (many
// writers) on a cache line of its own, so the hot path pays a few cycles and never shares a line with another
// metric's writer. The cold thread reads the atomics when Prometheus scrapes.
//
// Units: histograms observe nanoseconds (the clocks' unit) and render seconds (Prometheus's base unit) as
// exact decimals; gauges hold an int64 (ticks, lots, fixed-point money) and a scale applied when rendering.
//
// Naming rules checked at registration (std::invalid_argument, a programmer error at start-up):
// metric names match [a-zA-Z_:][a-zA-Z0-9_:]*, counters end in "_total", histograms in "_seconds"; label
// names match [a-zA-Z_][a-zA-Z0-9_]* and do not start with "__"; "le" is reserved for histogram buckets; one
// name has one type and one help text; a (name, labels) series is registered once.
#include <array>
#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/cache_line.h"

namespace mm {

// A monotonically increasing count. A counter has one writer thread (add/inc) or several (add_concurrent),
// never both: add() is a plain load+store, which loses updates if two threads race on it.
class alignas(kCacheLineSize) Counter {
 public:
  void inc() noexcept { add(1); }
  void add(uint64_t n) noexcept {
    v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  void add_concurrent(uint64_t n) noexcept { v_.fetch_add(n, std::memory_order_relaxed); }
  // Mirrors a monotonic total kept elsewhere (e.g. a trader's counters, published from a timer). One writer;
  // a total below the current value is ignored (a counter never goes down).
  void set_total(uint64_t total) noexcept {
    if (total > v_.load(std::memory_order_relaxed)) v_.store(total, std::memory_order_relaxed);
  }
  [[nodiscard]] uint64_t value() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

// A value that goes up and down, held as an int64 and rendered as value * scale (e.g. lots * lot size, or
// fixed-point money * 1e-8). One writer thread.
class alignas(kCacheLineSize) Gauge {
 public:
  explicit Gauge(double scale = 1.0) noexcept : scale_(scale) {}
  void set(int64_t v) noexcept { v_.store(v, std::memory_order_relaxed); }
  void add(int64_t d) noexcept {
    v_.store(v_.load(std::memory_order_relaxed) + d, std::memory_order_relaxed);
  }
  [[nodiscard]] int64_t value() const noexcept { return v_.load(std::memory_order_relaxed); }
  [[nodiscard]] double scale() const noexcept { return scale_; }

 private:
  std::atomic<int64_t> v_{0};
  double scale_;
};

// A latency histogram with fixed upper bounds (ns), one writer thread. observe() jumps to the first bound at
// or above the value's power of two (a 64-entry table) and steps from there: with bounds at least a factor
// of two apart (the 1-2.5-5 progression) that is one or two compares.
class alignas(kCacheLineSize) Histogram {
 public:
  static constexpr size_t kMaxBounds = 30;

  // Preconditions (checked by the registry): 1 <= bounds.size() <= kMaxBounds, bounds strictly increasing, >
  // 0.
  explicit Histogram(std::span<const int64_t> bounds_ns) noexcept;

  // Records one duration in ns. Negative values count as 0 (a clock that stepped back is not a latency).
  void observe(int64_t ns) noexcept {
    ns = ns < 0 ? 0 : ns;
    const int msb = 63 - __builtin_clzll(static_cast<unsigned long long>(ns) | 1u);
    size_t i = first_[static_cast<size_t>(msb)];
    while (ns > bounds_[i]) ++i;  // bounds_[n_] is INT64_MAX: stops at the +Inf bucket
    counts_[i].store(counts_[i].load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    // The sum saturates at INT64_MAX (292 years of ns) instead of overflowing: a wrapped sum would turn
    // negative and break every rate() over it.
    int64_t sum;
    if (__builtin_add_overflow(sum_ns_.load(std::memory_order_relaxed), ns, &sum)) sum = INT64_MAX;
    sum_ns_.store(sum, std::memory_order_relaxed);
  }

  [[nodiscard]] size_t bound_count() const noexcept { return n_; }
  [[nodiscard]] int64_t bound_ns(size_t i) const noexcept { return bounds_[i]; }
  // Observations in bucket i (i == bound_count(): above the last bound), not cumulative.
  [[nodiscard]] uint64_t bucket_count(size_t i) const noexcept {
    return counts_[i].load(std::memory_order_relaxed);
  }
  [[nodiscard]] int64_t sum_ns() const noexcept { return sum_ns_.load(std::memory_order_relaxed); }

 private:
  // bounds_[n_ ..] are INT64_MAX; first_[m] = the number of bounds below 2^m (every value whose top bit is
  // m lies above them).
  std::array<int64_t, kMaxBounds + 1> bounds_{};
  std::array<uint8_t, 64> first_{};
  std::array<std::atomic<uint64_t>, kMaxBounds + 1> counts_{};
  std::atomic<int64_t> sum_ns_{0};
  size_t n_ = 0;
};

// Latency buckets from 1 us to 10 s on a 1-2.5-5 progression: tick-to-quote sits in the low microseconds,
// an order ack over the Internet in milliseconds.
std::span<const int64_t> default_latency_bounds_ns() noexcept;

struct MetricLabel {
  std::string_view name;
  std::string_view value;
};

class MetricsRegistry {
 public:
  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // Register one series and return it; the reference stays valid for the registry's lifetime.
  // Errors: std::invalid_argument naming the metric when a naming rule above is broken.
  Counter& counter(std::string_view name, std::string_view help,
                   std::initializer_list<MetricLabel> labels = {});
  Gauge& gauge(std::string_view name, std::string_view help, std::initializer_list<MetricLabel> labels = {},
               double scale = 1.0);
  Histogram& histogram(std::string_view name, std::string_view help, std::span<const int64_t> bounds_ns,
                       std::initializer_list<MetricLabel> labels = {});

  // Appends every family in registration order as exposition format 0.0.4 text. Cold path (allocates).
  void render(std::string& out) const;
  [[nodiscard]] std::string render() const;

  // The registered metric names (histograms as their base name), for tests and dashboards.
  [[nodiscard]] std::vector<std::string> names() const;

 private:
  struct Family;
  Family& family(std::string_view name, std::string_view help, int type);

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Family>> families_;
};

// Prometheus escaping: label values escape backslash, double quote and newline; help text escapes backslash
// and newline. Appends to `out`.
void append_escaped_label_value(std::string& out, std::string_view v);
void append_escaped_help(std::string& out, std::string_view v);
// Writes ns as exact decimal seconds ("0.0025", "1", "-0.000000001").
void append_ns_as_seconds(std::string& out, int64_t ns);

}  // namespace mm
