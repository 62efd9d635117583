#pragma once
// The cold side of logging: drains the hot threads' LogRings (core/log_ring.h) and a many-producer queue of
// cold-thread lines, formats each as one JSON object per line (or a text line for a terminal) and writes it
// to stderr or a size-rotated file (spdlog's sinks, fmt formatting).
//
// JSON line: {"ts":<ns>,"time":"<ISO-8601 UTC, ns>","level":"info","component":"quoter","event":"order_sent",
//             <the event's fields>}
// Text line: 2026-12-06T17:43:20.123456789Z info  quoter order_sent orderLinkId=mm-1 price_ticks=100
//
// Secrets: a field whose name says it holds one (contains secret, token, password, passwd, signature,
// api_key, apikey or private_key, or ends in "sign") is written as "[redacted]", and every value registered
// with add_secret() is replaced by
// "[redacted]" wherever it appears in a string (record text, field values, names). Hot records carry only
// integers and a short text, so no key object can reach the logger at all.
#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "core/log_ring.h"
#include "core/metrics.h"
#include "runtime/ops/ops_config.h"

namespace mm {

// One field of a cold log line.
struct LogField {
  std::string key;
  std::variant<int64_t, double, bool, std::string> value;

  template <class T>
  requires std::is_integral_v<T> &&(!std::is_same_v<T, bool>)LogField(std::string_view k, T v)
      : key(k), value(static_cast<int64_t>(v)) {}
  LogField(std::string_view k, double v) : key(k), value(v) {}
  LogField(std::string_view k, bool v) : key(k), value(v) {}
  LogField(std::string_view k, std::string_view v) : key(k), value(std::string(v)) {}
  LogField(std::string_view k, const char* v) : key(k), value(std::string(v)) {}
  LogField(std::string_view k, const std::string& v) : key(k), value(v) {}
};

struct LogDrainConfig {
  LogFormat format = LogFormat::kJson;
  LogLevel min_level = LogLevel::kInfo;
  std::string file;  // "" = stderr
  int64_t max_bytes = int64_t{64} << 20;
  int64_t max_files = 5;
  // The drain thread's pause when there was nothing to write. 10 ms, not 1: a log line may wait that long,
  // and on 2 vCPUs each wake-up preempts a busy-polling hot thread (1,000 a second at 1 ms).
  int64_t idle_sleep_us = 10'000;
};

LogDrainConfig log_drain_config(const OpsSettings& ops);

class LogDrain {
 public:
  // `catalog[i]` describes event id i of every ring added later; it must outlive the drain.
  // `dropped` (optional) gets the hot-path drops added (mm_log_dropped_total).
  LogDrain(LogDrainConfig cfg, std::span<const LogEventDef> catalog, Counter* dropped = nullptr);
  ~LogDrain();  // stop()
  LogDrain(const LogDrain&) = delete;
  LogDrain& operator=(const LogDrain&) = delete;

  // Opens the sink (creating the file's folder is the caller's job). Returns "" or an error naming the file.
  [[nodiscard]] std::string open();

  // Before start(): a hot thread's ring (it must outlive the drain) and secret values to redact (copied).
  void add_ring(LogRing& ring);
  void add_secret(std::string_view secret);

  // Any thread, any time after open(): one cold line. Never blocks on the sink; allocates.
  void log(LogLevel level, std::string_view component, std::string_view event,
           std::vector<LogField> fields = {});

  // Starts the drain thread / stops it after writing everything queued, then flushes. stop() is idempotent.
  void start();
  void stop() noexcept;

  // Without the thread (tests, shutdown): writes everything queued now; returns the lines written.
  size_t drain_once();

  [[nodiscard]] uint64_t lines_written() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The JSON string escaping the drain uses (RFC 8259: quotes, backslash, control characters as \uXXXX).
void append_json_escaped(std::string& out, std::string_view s);

// Unix ns as ISO-8601 UTC with 9 fraction digits: "2026-12-06T17:43:20.123456789Z".
void append_iso8601_ns(std::string& out, int64_t unix_ns);

}  // namespace mm
