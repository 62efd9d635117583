#include "net/ws_session.h"

#include <algorithm>
#include <climits>

#include "net/ws_trade_encoder.h"

namespace mm {

WsSession::WsSession(WsSessionConfig cfg)
    : cfg_(cfg), ws_(cfg.ws), backoff_(cfg.backoff_base_ms, cfg.backoff_cap_ms), rng_(cfg.jitter_seed) {}

void WsSession::start(int64_t now_ns) noexcept {
  if (started_) return;
  started_ = true;
  next_attempt_ns_ = now_ns;
}

void WsSession::stop() noexcept {
  started_ = false;
  if (ws_.state() == WsState::kOpen) {
    ws_.close(1000);
  } else {
    ws_.abort();
  }
}

void WsSession::schedule_reconnect(int64_t now_ns) noexcept {
  next_attempt_ns_ = now_ns + backoff_.next_delay_ms(rng_) * 1'000'000;
}

int64_t WsSession::silence_ns(int64_t now_ns) const noexcept {
  if (ws_.state() != WsState::kOpen) return INT64_MAX;
  return now_ns - std::max(ws_.last_receive_ns(), opened_ns_);
}

SessionEvent WsSession::step(int64_t now_ns, int& work) noexcept {
  work += ws_.poll(now_ns);
  const WsState s = ws_.state();
  if (s == WsState::kOpen && !was_open_) {
    was_open_ = true;
    opened_ns_ = now_ns;
    last_ping_ns_ = now_ns;
    if (opens_++ > 0) ++reconnects_;
    return SessionEvent::kOpened;
  }
  if (s == WsState::kClosed && was_open_) {
    was_open_ = false;
    last_error_ = ws_.last_error();
    if (started_) schedule_reconnect(now_ns);
    return SessionEvent::kClosed;
  }
  if (s == WsState::kOpen) {
    if (silence_ns(now_ns) > cfg_.dead_after_ms * 1'000'000) {
      // A socket that says nothing (not even pong) for this long is dead in all but name.
      ws_.abort();
      was_open_ = false;
      last_error_ = WsError::kTimeout;
      if (started_) schedule_reconnect(now_ns);
      return SessionEvent::kClosed;
    }
    if (now_ns - last_ping_ns_ >= cfg_.ping_interval_ms * 1'000'000) {
      char buf[32];
      const Encoded e = encode_ws_ping(buf);
      if (e.ok() && ws_.send_text({buf, e.size}) == WsError::kOk) ++pings_sent_;
      last_ping_ns_ = now_ns;
    }
    return SessionEvent::kNone;
  }
  if ((s == WsState::kIdle || s == WsState::kClosed) && started_) {
    // A connect attempt that failed (a clean close of ours, or the abort above, keeps the reason we had).
    if (s == WsState::kClosed && ws_.last_error() != WsError::kOk) last_error_ = ws_.last_error();
    if (now_ns >= next_attempt_ns_) {
      const WsError e = ws_.connect();
      if (e != WsError::kOk) last_error_ = e;
      // Should this attempt fail before opening, the next one waits out the backoff.
      schedule_reconnect(now_ns);
    }
  }
  return SessionEvent::kNone;
}

}  // namespace mm
