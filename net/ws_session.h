#pragma once
// The connection life shared by the public, private and trade WebSocket clients: connect, application ping
// every 20 s, a silence timer, and reconnect with exponential backoff and full jitter after any end. It owns
// a WsClient; the clients above it add what their stream says (subscribe, auth, requests).
//
// Driven by step(now_ns) from the owner's do_work(); never blocks.
#include <cstdint>
#include <string>
#include <string_view>

#include "net/retry_policy.h"
#include "net/ws_client.h"

namespace mm {

struct WsSessionConfig {
  WsClientConfig ws;
  int64_t ping_interval_ms = 20000;  // Bybit: ping every 20 s
  // No frame at all for this long (not even a pong): the connection is considered dead and replaced.
  int64_t dead_after_ms = 60000;
  int64_t backoff_base_ms = 100;
  int64_t backoff_cap_ms = 30000;
  uint64_t jitter_seed = 1;  // seeds the backoff jitter (give each process/stream its own)
};

enum class SessionEvent : uint8_t {
  kNone = 0,
  kOpened,  // the WebSocket is open: send auth / subscribe now
  kClosed,  // the connection ended (last_error() says why); a reconnect is scheduled
};

class WsSession {
 public:
  explicit WsSession(WsSessionConfig cfg);

  // Starts connecting now (and keeps reconnecting until stop()). No-op when already started.
  void start(int64_t now_ns) noexcept;
  // Closes the connection (close frame) and stops reconnecting.
  void stop() noexcept;

  // Runs socket work and timers. Returns kOpened / kClosed on the step where that happened (at most one per
  // step), else kNone. `work` is increased by the completions run.
  SessionEvent step(int64_t now_ns, int& work) noexcept;

  WsClient& ws() noexcept { return ws_; }
  const WsClient& ws() const noexcept { return ws_; }
  bool open() const noexcept { return ws_.state() == WsState::kOpen; }
  // The owner has seen the stream healthy (authenticated / subscribed): the backoff starts over next time.
  void mark_healthy() noexcept { backoff_.reset(); }

  // Nanoseconds since the last frame, or since the connection opened when none came yet; INT64_MAX when not
  // open. This is what the stale-feed breaker reads.
  int64_t silence_ns(int64_t now_ns) const noexcept;

  uint64_t reconnects() const noexcept { return reconnects_; }  // connections opened after the first
  uint64_t pings_sent() const noexcept { return pings_sent_; }
  int64_t next_attempt_ns() const noexcept { return next_attempt_ns_; }
  WsError last_error() const noexcept { return last_error_; }
  const std::string& last_error_detail() const noexcept { return ws_.error_detail(); }

 private:
  void schedule_reconnect(int64_t now_ns) noexcept;

  WsSessionConfig cfg_;
  WsClient ws_;
  Backoff backoff_;
  JitterRng rng_;
  bool started_ = false;
  bool was_open_ = false;
  int64_t next_attempt_ns_ = 0;
  int64_t opened_ns_ = 0;
  int64_t last_ping_ns_ = 0;
  uint64_t opens_ = 0;
  uint64_t reconnects_ = 0;
  uint64_t pings_sent_ = 0;
  WsError last_error_ = WsError::kOk;
};

}  // namespace mm
