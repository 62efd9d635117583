#pragma once
// The order-entry stream (wss://stream.bybit.com/v5/trade): auth once per connection, then
// order.create|amend|cancel and their -batch forms written by net/ws_trade_encoder.h, each with its own
// reqId ("r1", "r2", ... for the life of this object, so never reused across reconnects). Answers are matched
// to requests by reqId; the ack's X-Bapi-Limit* header block feeds the RateLimiter; a request with no answer
// within its timeout — or in flight when the connection ends — is reported as timed out, which the order
// state machine (core/order_state.h) turns into Unknown until the order stream or
// GET /v5/order/realtime?orderLinkId= settles it. A timed-out request is never re-sent here: repeating is the
// caller's decision (net/retry_policy.h), with the same orderLinkId.
//
// An ack means accepted, not live: the private `order` stream confirms (bybit-spec.md section 7).
//
// Hot path: requests are encoded into a buffer sized at construction; in-flight requests live in a fixed
// table; nothing allocates once connected. Time: now_ns is WALL-clock ns (X-BAPI-TIMESTAMP is built from it
// plus the server offset).
#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/instrument_registry.h"
#include "core/order_request.h"
#include "core/private_events.h"
#include "core/rate_limiter.h"
#include "net/bybit_codec.h"
#include "net/retry_policy.h"
#include "net/signer.h"
#include "net/ws_session.h"
#include "net/ws_trade_encoder.h"

namespace mm {

enum class TradeError : uint8_t {
  kOk = 0,
  kNotReady,      // not connected or not authenticated (use the REST fallback)
  kInFlightFull,  // max_in_flight requests already wait for answers
  kEncode,        // the encoder refused the request (encode_error() says why); nothing sent
  kSend,          // the transport refused it (send queue full); nothing sent
};
std::string_view to_string(TradeError e) noexcept;

// One request waiting for its answer.
struct InFlightRequest {
  uint64_t seq = 0;  // the reqId's number
  RequestKind kind = RequestKind::kCreate;
  uint32_t tag = 0;    // the caller's handle (order slot)
  uint16_t items = 1;  // batch size (1 for single ops)
  int64_t sent_ns = 0;
  int64_t deadline_ns = 0;
  OrderLinkId link_id;  // single ops: the order's id
};

class TradeWsSink {
 public:
  virtual ~TradeWsSink() = default;
  // The answer to `req` (ack.ret_code 0: accepted). For batches, ack.items holds each item's code.
  virtual void on_trade_ack(const InFlightRequest& req, const TradeAck& ack, int64_t recv_ns) noexcept = 0;
  // No answer within the timeout, or the connection ended first: the outcome is unknown.
  virtual void on_trade_timeout(const InFlightRequest& req) noexcept = 0;
  virtual void on_ready() noexcept {}
  virtual void on_auth_failed(int32_t, std::string_view) noexcept {}
  virtual void on_disconnected(WsError) noexcept {}
};

struct TradeWsConfig {
  WsSessionConfig session;  // ws: wss://stream.bybit.com/v5/trade
  int64_t recv_window_ms = 5000;
  int64_t request_timeout_ms = 2000;
  int64_t auth_expires_ms = 10000;
};

struct TradeWsCounters {
  uint64_t sent = 0;
  uint64_t acks = 0;
  uint64_t rejects = 0;    // acks with retCode != 0
  uint64_t timeouts = 0;   // by the timer
  uint64_t abandoned = 0;  // in flight when the connection ended
  uint64_t unmatched = 0;  // answers with a reqId we are not waiting for
  uint64_t parse_errors = 0;
  uint64_t auth_failed = 0;
};

class TradeWs {
 public:
  static constexpr size_t kMaxInFlight = 256;  // power of two: the reqId number picks the slot

  // Preconditions: signer ready; registry, codec, signer and limiter (nullable) outlive this object.
  TradeWs(TradeWsConfig cfg, const InstrumentRegistry& registry, BybitCodec& codec, const Signer& signer,
          RateLimiter* limiter);

  void start(int64_t now_ns) noexcept { session_.start(now_ns); }
  void stop() noexcept { session_.stop(); }
  void set_clock_offset_ms(int64_t ms) noexcept { offset_ms_ = ms; }

  // Sends one request. `tag` comes back with its answer or timeout. Errors: every TradeError; nothing is
  // in flight on error. Preconditions: the action's instrument is in the registry.
  [[nodiscard]] TradeError create(const OrderCreate& a, uint32_t tag, int64_t now_ns) noexcept;
  [[nodiscard]] TradeError amend(const OrderAmend& a, uint32_t tag, int64_t now_ns) noexcept;
  [[nodiscard]] TradeError cancel(const OrderCancel& a, uint32_t tag, int64_t now_ns) noexcept;
  [[nodiscard]] TradeError create_batch(std::span<const OrderCreate> items, uint32_t tag,
                                        int64_t now_ns) noexcept;
  [[nodiscard]] TradeError amend_batch(std::span<const OrderAmend> items, uint32_t tag,
                                       int64_t now_ns) noexcept;
  [[nodiscard]] TradeError cancel_batch(std::span<const OrderCancel> items, uint32_t tag,
                                        int64_t now_ns) noexcept;

  // Rehearsals: encode the request create()/amend()/cancel() would send for `a` at `now_ns`, and frame it,
  // into scratch buffers, and send nothing: no reqId is spent, nothing goes in flight, no counter moves.
  // Why: between market frames (milliseconds apart) the live thread finds the encoder and the framing cold
  // (~5 us from the risk check to the bytes framed, against well under 1 us warm); the idle loop rehearses
  // the last request of each kind it sent (runtime/live_venue.h). Returns false (nothing done) when not
  // ready or when `a` cannot be encoded. Precondition: as for create()/amend()/cancel().
  bool rehearse(const OrderCreate& a, int64_t now_ns) noexcept;
  bool rehearse(const OrderAmend& a, int64_t now_ns) noexcept;
  bool rehearse(const OrderCancel& a, int64_t now_ns) noexcept;
  uint64_t rehearsals() const noexcept { return rehearsals_; }
  // The last rehearsal's request text (valid until the next rehearsal; tests compare it with the real one).
  std::string_view last_rehearsal() const noexcept { return {rehearsal_out_.data(), rehearsal_len_}; }

  // Socket work, answers, timeouts. Returns the work done.
  int do_work(int64_t now_ns, TradeWsSink& sink) noexcept;

  bool ready() const noexcept { return session_.open() && authed_; }
  size_t in_flight() const noexcept { return in_flight_; }
  EncodeError encode_error() const noexcept { return encode_error_; }
  const TradeWsCounters& counters() const noexcept { return counters_; }
  WsSession& session() noexcept { return session_; }

 private:
  template <class Encode>
  bool rehearse_encode(int64_t now_ns, Encode&& encode) noexcept;
  template <class Encode>
  TradeError send(RequestKind kind, uint32_t tag, uint16_t items, const OrderLinkId* link, int64_t now_ns,
                  Encode&& encode) noexcept;
  void on_ack(const TradeAck& ack, int64_t recv_ns, TradeWsSink& sink) noexcept;
  void expire(int64_t now_ns, TradeWsSink& sink) noexcept;
  void abandon_all(TradeWsSink& sink) noexcept;

  TradeWsConfig cfg_;
  const InstrumentRegistry& registry_;
  BybitCodec& codec_;
  const Signer& signer_;
  RateLimiter* limiter_;
  WsSession session_;
  WsRequestStream stream_;
  std::vector<char> out_;
  std::vector<char> rehearsal_out_;  // rehearse()'s encoding: out_ may hold a frame being written (TLS)
  uint64_t rehearsals_ = 0;
  size_t rehearsal_len_ = 0;
  std::array<InFlightRequest, kMaxInFlight> slots_{};
  std::array<bool, kMaxInFlight> used_{};
  size_t in_flight_ = 0;
  int64_t next_deadline_ns_ = INT64_MAX;
  uint64_t seq_ = 0;  // the number of the last reqId issued
  int64_t offset_ms_ = 0;
  bool authed_ = false;
  EncodeError encode_error_ = EncodeError::kOk;
  TradeWsCounters counters_;
};

}  // namespace mm
