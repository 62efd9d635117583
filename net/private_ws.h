#pragma once
// The private stream (wss://stream.bybit.com/v5/private): auth once per connection (bybit-spec.md section
// 4: HMAC of "GET/realtime" + expires), then subscribe order, execution, position, wallet, and dcp.* when the
// DCP window is configured (DCP only fires for connections that subscribed it). Ping every 20 s; reconnect
// with backoff and full jitter; every reconnect is announced to the sink, which must reconcile (orders may
// have changed while the stream was down).
//
// Time: do_work's now_ns must be WALL-clock ns (the auth `expires` is built from it plus the server offset).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "net/bybit_codec.h"
#include "net/signer.h"
#include "net/ws_session.h"

namespace mm {

class PrivateWsSink {
 public:
  virtual ~PrivateWsSink() = default;
  // order / execution / position / wallet frames (kind says which; payloads in `codec`, valid in the call).
  virtual void on_private(const BybitCodec& codec, MsgKind kind, int64_t recv_ns) noexcept = 0;
  virtual void on_private_error(CodecError, int64_t) noexcept {}
  // Authenticated and subscribed on a new connection: reconcile now (the first time too).
  virtual void on_ready() noexcept {}
  // The auth was refused (retCode/ret_msg in the ack); the session closes and retries after backoff.
  virtual void on_auth_failed(int32_t, std::string_view) noexcept {}
  virtual void on_disconnected(WsError) noexcept {}
};

struct PrivateWsConfig {
  WsSessionConfig session;  // ws: wss://stream.bybit.com/v5/private
  // Default: the all-in-one topics. Add "dcp.future" / "dcp.spot" / "dcp.option" when DCP is configured.
  std::vector<std::string> topics = {"order", "execution", "position", "wallet"};
  int64_t auth_expires_ms = 10000;  // `expires` = now + this (pybit uses 1 s, JKorf 30 s)
};

struct PrivateWsCounters {
  uint64_t frames = 0;
  uint64_t data_frames = 0;
  uint64_t parse_errors = 0;
  uint64_t auth_ok = 0;
  uint64_t auth_failed = 0;
  uint64_t subscribe_failures = 0;
  uint64_t pongs = 0;
};

class PrivateWs {
 public:
  // Preconditions: signer ready; topics non-empty; `codec` and `signer` outlive this object.
  PrivateWs(PrivateWsConfig cfg, BybitCodec& codec, const Signer& signer);

  void start(int64_t now_ns) noexcept { session_.start(now_ns); }
  void stop() noexcept { session_.stop(); }
  // Server minus local wall time (RestClient::clock()), applied to `expires`.
  void set_clock_offset_ms(int64_t ms) noexcept { offset_ms_ = ms; }

  int do_work(int64_t now_ns, PrivateWsSink& sink) noexcept;

  bool ready() const noexcept { return session_.open() && authed_; }
  int64_t silence_ns(int64_t now_ns) const noexcept { return session_.silence_ns(now_ns); }
  const PrivateWsCounters& counters() const noexcept { return counters_; }
  WsSession& session() noexcept { return session_; }

 private:
  void on_control(MsgKind kind, PrivateWsSink& sink) noexcept;

  PrivateWsConfig cfg_;
  BybitCodec& codec_;
  const Signer& signer_;
  WsSession session_;
  std::vector<std::string_view> topic_views_;
  std::vector<char> out_;
  int64_t offset_ms_ = 0;
  bool authed_ = false;
  PrivateWsCounters counters_;
};

}  // namespace mm
