#pragma once
// LiveVenue: the Trader's venue in `mm run` (DESIGN.md section 1). Orders go out on the trade WebSocket
// (net/trade_ws.h: one request per span, a -batch request for more than one); while that socket is down, or
// where the venue has none (Bybit demo), they go to the control thread, which sends them over REST; a
// cancel-all always goes over REST (the trade WebSocket has no such operation). Every send is non-blocking:
// a full request table, a full send queue or a full control ring refuses the span whole, and the Trader keeps
// it out of flight (strategy/venue.h).
//
// Pipeline layout (runtime/live_pipeline.h): the trade WebSocket belongs to the dispatch thread. The decision
// thread's venue is built with the action ring and the dispatch thread's "trade WebSocket ready" flag instead
// of the socket: while the flag is up, a span is copied whole into the ring (a ring without room for it
// refuses it, never spins) and the dispatch thread sends it through a LiveVenue of its own (built with the
// socket, as in the one-thread layout); while it is down the span goes to REST as above.
//
// Time: now_ns() is the wall clock of the current loop iteration (set_time), the clock of the risk limits,
// the order timestamps and the signals.
#include <array>
#include <atomic>
#include <cstdint>
#include <span>

#include "core/order_request.h"
#include "core/rate_limiter.h"
#include "net/trade_ws.h"
#include "runtime/live_control.h"
#include "runtime/ring_venue.h"
#include "strategy/quoter.h"
#include "strategy/venue.h"

namespace mm {

struct LiveVenueCounters {
  uint64_t ws_requests = 0;    // requests sent on the trade WebSocket (pipeline: spans handed to dispatch)
  uint64_t rest_requests = 0;  // actions handed to the control thread for REST
  uint64_t refused = 0;        // spans refused (in-flight table, send queue or control ring full)
  uint64_t rate_limited = 0;   // create/amend spans refused by the local rate limit (or a 10006 hold)
};

class LiveVenue {
 public:
  // `trade` may be null (no trade WebSocket: REST only); `limiter` may be null (no local limit).
  // Preconditions: trade, requests and limiter outlive the venue; this venue is the ring's only producer.
  //
  // Rate limits: creates and amends take tokens from `limiter` (configured with Bybit's per-UID rates; the
  // trade WebSocket's answers tighten it from their X-Bapi-Limit* headers, and a 10006 holds the class until
  // X-Bapi-Limit-Reset-Timestamp), from the bucket of the endpoint the span goes to (endpoint_class: a batch
  // request's items from the batch endpoint's, as the venue counts them): an empty or held bucket refuses
  // the span. The limiter must have the batch classes configured too. Cancels are never held back here:
  // they reduce risk, so when the budget is short they go first and the exchange has the last word.
  LiveVenue(TradeWs* trade, ControlRequestRing& requests, RateLimiter* limiter = nullptr) noexcept
      : trade_(trade), requests_(requests), limiter_(limiter) {}
  // Pipeline layout: spans go into `actions` while `trade_ready` is up. Preconditions: as above, and this
  // venue is the action ring's only producer.
  LiveVenue(ActionRing& actions, const std::atomic<bool>& trade_ready, ControlRequestRing& requests,
            RateLimiter* limiter) noexcept
      : trade_(nullptr),
        requests_(requests),
        limiter_(limiter),
        actions_(&actions),
        remote_ready_(&trade_ready) {}

  void set_time(int64_t wall_ns) noexcept { now_ns_ = wall_ns; }
  int64_t now_ns() const noexcept { return now_ns_; }

  bool send_creates(std::span<const OrderCreate> a) noexcept {
    return send(a, ControlOp::kCreate, &TradeWs::create, &TradeWs::create_batch);
  }
  bool send_amends(std::span<const OrderAmend> a) noexcept {
    return send(a, ControlOp::kAmend, &TradeWs::amend, &TradeWs::amend_batch);
  }
  bool send_cancels(std::span<const OrderCancel> a) noexcept {
    return send(a, ControlOp::kCancel, &TradeWs::cancel, &TradeWs::cancel_batch);
  }
  bool send_cancel_all(const CancelAll& a) noexcept {
    ControlRequest r;
    r.op = ControlOp::kCancelAll;
    r.u.cancel_all = a;
    if (!requests_.try_push(r)) {
      ++counters_.refused;
      return false;
    }
    ++counters_.rest_requests;
    return true;
  }

  // The link ids of the batch request sent with `tag` (valid until kBatchSlots later batches: no more than
  // TradeWs::kMaxInFlight requests are ever in flight, so an answered or timed-out batch's slot still holds
  // it).
  std::span<const OrderLinkId> batch_links(uint32_t tag) const noexcept {
    const uint32_t t = tag % kBatchSlots;
    return {batch_links_[t].data(), batch_count_[t]};
  }

  // Encodes and frames the last create, amend and cancel sent on the trade WebSocket (single or the first
  // item of a batch) into scratch buffers at now_ns(), and sends nothing (TradeWs::rehearse): the idle
  // one-thread loop calls it with Trader::rehearse so that the next real request finds the encoder and the
  // framing warm. No-op before the first request, without a trade WebSocket, or while it is down.
  void rehearse() noexcept {
    if (trade_ == nullptr || !trade_->ready()) return;
    if (last_create_.instrument != kNoInstrument) (void)trade_->rehearse(last_create_, now_ns_);
    if (last_amend_.instrument != kNoInstrument) (void)trade_->rehearse(last_amend_, now_ns_);
    if (last_cancel_.instrument != kNoInstrument) (void)trade_->rehearse(last_cancel_, now_ns_);
  }

  // True when orders go out on the trade WebSocket right now.
  bool trade_ws_ready() const noexcept {
    if (actions_ != nullptr) return remote_ready_->load(std::memory_order_acquire);
    return trade_ != nullptr && trade_->ready();
  }
  const LiveVenueCounters& counters() const noexcept { return counters_; }

 private:
  template <class T, class One, class Batch>
  bool send(std::span<const T> a, ControlOp op, One one, Batch batch) noexcept {
    if (a.empty()) return true;
    if (limiter_ != nullptr && op != ControlOp::kCancel) {
      // The bucket of the endpoint the span goes to (Bybit keeps separate windows for the batch endpoints):
      // a batch request on the trade WebSocket, else one single request per action (REST too).
      const bool many = a.size() > 1 && trade_ws_ready();
      const RateClass rc =
          endpoint_class(op == ControlOp::kCreate ? RateClass::kCreate : RateClass::kAmend, many);
      RateError e = limiter_->try_acquire(rc, static_cast<int64_t>(a.size()), now_ns_);
      if (e == RateError::kExceedsBurst && limiter_->bucket(rc).burst() > 0) {
        // The venue's X-Bapi-Limit lowered our burst below this request's size: it could never go out
        // whole, and the Trader would offer the same request for ever (found by the fault matrix,
        // rate_limit_with_header). It goes when the whole burst is free; the venue refuses the excess items
        // (10006, final: the Trader makes those orders again later, under new link ids).
        e = limiter_->try_acquire(rc, limiter_->bucket(rc).burst(), now_ns_);
      }
      if (e != RateError::kOk) {
        ++counters_.rate_limited;
        return false;
      }
    }
    if (actions_ != nullptr && trade_ws_ready()) return hand_over(a);
    if (trade_ != nullptr && trade_->ready()) {
      TradeError e;
      if (a.size() == 1) {
        e = (trade_->*one)(a[0], 0, now_ns_);
      } else {
        // A batch's answer and timeout carry only its tag: keep the items' link ids under it.
        const uint32_t tag = static_cast<uint32_t>(next_batch_ % kBatchSlots);
        e = (trade_->*batch)(a, tag, now_ns_);
        if (e == TradeError::kOk) {
          ++next_batch_;
          batch_count_[tag] = static_cast<uint16_t>(a.size());
          for (size_t i = 0; i < a.size(); ++i) batch_links_[tag][i] = a[i].link_id;
        }
      }
      if (e == TradeError::kOk) {
        ++counters_.ws_requests;
        remember(a[0]);
        return true;
      }
      if (e != TradeError::kNotReady) {
        ++counters_.refused;
        return false;
      }
    }
    // REST: one request per action, all or none of the span.
    if (!requests_.has_room(a.size())) {
      ++counters_.refused;
      return false;
    }
    for (const T& x : a) {
      ControlRequest r;
      r.op = op;
      if constexpr (std::is_same_v<T, OrderCreate>) r.u.create = x;
      if constexpr (std::is_same_v<T, OrderAmend>) r.u.amend = x;
      if constexpr (std::is_same_v<T, OrderCancel>) r.u.cancel = x;
      (void)requests_.try_push(r);  // room checked above; this venue is the only producer
    }
    counters_.rest_requests += a.size();
    return true;
  }

  // Pipeline: the whole span into the action ring (its last item marked), or nothing.
  template <class T>
  bool hand_over(std::span<const T> a) noexcept {
    if (!actions_->has_room(a.size())) {
      ++counters_.refused;
      return false;
    }
    ActionItem it;
    for (size_t i = 0; i < a.size(); ++i) {
      it.last = i + 1 == a.size();
      if constexpr (std::is_same_v<T, OrderCreate>) {
        it.kind = ActionKind::kCreate;
        it.u.create = a[i];
      }
      if constexpr (std::is_same_v<T, OrderAmend>) {
        it.kind = ActionKind::kAmend;
        it.u.amend = a[i];
      }
      if constexpr (std::is_same_v<T, OrderCancel>) {
        it.kind = ActionKind::kCancel;
        it.u.cancel = a[i];
      }
      (void)actions_->try_push(it);  // room checked above; this venue is the only producer
    }
    ++counters_.ws_requests;
    return true;
  }

  void remember(const OrderCreate& x) noexcept { last_create_ = x; }
  void remember(const OrderAmend& x) noexcept { last_amend_ = x; }
  void remember(const OrderCancel& x) noexcept { last_cancel_ = x; }

  static constexpr size_t kBatchSlots = TradeWs::kMaxInFlight;
  static_assert(kQuoterMaxBatchItems <= UINT16_MAX);

  TradeWs* trade_;
  ControlRequestRing& requests_;
  RateLimiter* limiter_;
  ActionRing* actions_ = nullptr;                    // pipeline layout only
  const std::atomic<bool>* remote_ready_ = nullptr;  // the dispatch thread's trade.ready()
  // The last request of each kind sent on the trade WebSocket (rehearse()); instrument kNoInstrument: none.
  OrderCreate last_create_;
  OrderAmend last_amend_;
  OrderCancel last_cancel_;
  std::array<std::array<OrderLinkId, kQuoterMaxBatchItems>, kBatchSlots> batch_links_{};
  std::array<uint16_t, kBatchSlots> batch_count_{};
  uint64_t next_batch_ = 0;
  int64_t now_ns_ = 0;
  LiveVenueCounters counters_;
};

static_assert(Venue<LiveVenue>);

}  // namespace mm
