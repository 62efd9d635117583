#pragma once
// Alerts to a Telegram-compatible Bot API: POST {base_url}/bot{token}/sendMessage with {"chat_id","text"}.
// The caller (any thread, hot threads through their cold control thread) enqueues and returns at once; one
// cold thread sends, at most one message per min_interval, drops a repeat of the same alert within the
// de-duplication window, and retries a failed send with exponential backoff. A failing channel (down, slow,
// refusing the token) costs the caller nothing: alert() never blocks, the queue is bounded, and what cannot
// be sent is counted (mm_alerts_failed_total / mm_alerts_suppressed_total) and logged.
//
// The token is a secret: it is read from the environment or .env (telegram_token()), is never a config key,
// and never appears in a log line or an error message (they name the host, never the request path).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "runtime/ops/ops_config.h"

namespace mm {

class LiveMetrics;
class LogDrain;

// What an alert is about; part of the de-duplication key and the message's first word.
enum class AlertKind : uint8_t {
  kRiskState = 0,        // the trading state changed (active / reduce-only / halted)
  kKillSwitch,           // the kill switch was engaged
  kBreakerTrip,          // a circuit breaker tripped (daily loss, drawdown, stale book, ...)
  kReconnectStorm,       // too many reconnects in a short time
  kShutdownUnconfirmed,  // shutdown could not confirm that every order was cancelled
  kKeyRefused,           // the exchange refused the API key at start
  kOther,
};
std::string_view to_string(AlertKind k) noexcept;

struct AlertConfig {
  std::string base_url = "https://api.telegram.org";  // https:// only; a path prefix is kept
  std::string token;                                  // the bot token (a secret)
  std::string chat_id;
  std::string ca_file;  // extra trusted CA; the system store is trusted too
  std::string prefix;   // put before every message, e.g. "mm BTCUSDT: "
  int64_t min_interval_ms = 1000;
  int64_t dedup_window_ms = 300'000;
  int64_t max_retries = 5;
  int64_t backoff_initial_ms = 500;  // doubled after each failed attempt ...
  int64_t backoff_max_ms = 30'000;   // ... up to this
  int64_t request_timeout_ms = 10'000;
  size_t max_queue = 64;  // alerts waiting beyond this are dropped (and counted as suppressed)
};

// [ops] alert keys with the token.
AlertConfig alert_config(const OpsSettings& ops, std::string token);

// The bot token: MM_TELEGRAM_TOKEN from the environment, else from `dotenv_path` (KEY=VALUE lines, `export`,
// quotes and # comments allowed; a missing file is no error); `token` is "" when neither has it. Returns ""
// or the error of a .env readable or writable by every user (runtime/ops/dotenv.h), with `token` "".
[[nodiscard]] std::string telegram_token(std::string& token, const std::string& dotenv_path = ".env");

class AlertSender {
 public:
  // `metrics` and `log` are optional and must outlive the sender.
  explicit AlertSender(AlertConfig cfg, LiveMetrics* metrics = nullptr, LogDrain* log = nullptr);
  ~AlertSender();  // stop(0)
  AlertSender(const AlertSender&) = delete;
  AlertSender& operator=(const AlertSender&) = delete;

  // Checks the settings, loads the TLS trust and starts the sending thread. Returns "" or an error naming the
  // setting (base_url not https, empty token or chat id, unreadable ca_file). Call once.
  [[nodiscard]] std::string start();

  // Any thread. Queues one alert and returns; never blocks, never throws. Before start() or after stop(), or
  // with the queue full, the alert is counted as suppressed.
  void alert(AlertKind kind, std::string_view text) noexcept;

  // Sends what is queued for at most `flush_ms` (retries included), then stops the thread; what is left is
  // counted as failed. Idempotent.
  void stop(int64_t flush_ms = 2000) noexcept;

  [[nodiscard]] uint64_t sent() const noexcept;
  [[nodiscard]] uint64_t failed() const noexcept;
  [[nodiscard]] uint64_t suppressed() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mm
