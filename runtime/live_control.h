#pragma once
// The live node's cold control thread: everything that blocks (REST) runs here, never on the hot thread.
// The hot thread hands it requests through one SPSC ring and takes the results from another, so the two
// threads share no lock and no mutable state:
//   hot -> control: REST order entry while the trade WebSocket is down (and where Bybit has none: demo),
//                   cancel-all, order queries that settle an unknown outcome, reconciliation after a
//                   reconnect;
//   control -> hot: acks and rejects of those requests, order and position states to apply.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "core/instrument_registry.h"
#include "core/order_request.h"
#include "core/order_state.h"
#include "core/private_events.h"
#include "core/rate_limiter.h"
#include "core/spsc_ring.h"

namespace mm {

class RestClient;
class Journal;

enum class ControlOp : uint8_t {
  kCreate = 0,
  kAmend,
  kCancel,
  kCancelAll,
  kQueryOrder,
  kReconcile,
  kSyncTime
};

struct ControlRequest {
  ControlOp op = ControlOp::kCreate;
  union Payload {
    OrderCreate create;
    OrderAmend amend;
    OrderCancel cancel;
    CancelAll cancel_all;
    OrderLinkId query;  // kQueryOrder: the orderLinkId to look up
    Payload() noexcept : create{} {}
  } u;
};
static_assert(std::is_trivially_copyable_v<ControlRequest>);

enum class ControlResultKind : uint8_t {
  kAcked = 0,    // ack_kind (kCreateAcked/kAmendAcked/kCancelAcked) for link_id; order_id on a create
  kRejected,     // ack_kind is the matching kCreateRejected/kAmendRejected/kCancelRejected; ret_code says why
  kUnknown,      // sent, no answer about it (transport failed after sending, HTTP 5xx): outcome unknown
  kOrder,        // an order's state from a query or a reconciliation (apply like an order stream update)
  kNotFound,     // a query found no order with link_id
  kPosition,     // the exchange's position (reconciliation)
  kClockOffset,  // kSyncTime re-measured the server clock: offset_ms (10002 on the trade WebSocket)
  kExecution,    // a recent execution (reconciliation after a reconnect: fills the stream may have missed)
  kCancelAllDone,
  kCancelAllFailed,
  kForeignOrderCancelled,  // reconciliation cancelled an order of ours the table did not know (an old run's)
};

struct ControlResult {
  ControlResultKind kind = ControlResultKind::kAcked;
  OrderEventKind ack_kind = OrderEventKind::kCreateAcked;
  int32_t ret_code = 0;
  OrderLinkIdString link_id;
  OrderIdString order_id;
  OrderUpdate order;
  PositionUpdate position;
  Execution execution;
  int64_t offset_ms = 0;  // kClockOffset
  // The X-Bapi-Limit* headers of a REST order answer, for the hot thread's RateLimiter (the control thread
  // never touches it: it is single-threaded). limit == 0 and limit_reset_ms == 0: none came.
  RateClass limit_class = RateClass::kCreate;
  int32_t limit = 0, limit_status = 0;
  int64_t limit_reset_ms = 0;
};
static_assert(std::is_trivially_copyable_v<ControlResult>);

inline constexpr size_t kControlRingCapacity = 1024;
// The control thread's request ring: an SPSC ring whose consumer parks on a futex while it is empty, instead
// of waking every millisecond to poll. Why: on 2 vCPUs a cold thread that wakes 1,000 times a second preempts
// the busy-polling hot thread as often (each time a context switch and cold caches for the next frame). The
// producer (the hot thread) pays one seq_cst fence and a load per push, and the futex wake only when the
// consumer is parked; requests are cold-path events (REST fallback, queries, reconciliation).
class ControlRequestRing : public SpscRing<ControlRequest, kControlRingCapacity> {
 public:
  // Producer: pushes, then wakes a parked consumer. False: the ring is full (nothing pushed, nobody woken).
  [[nodiscard]] bool try_push(const ControlRequest& r) noexcept;
  // Consumer: returns at once when the ring holds a request, else sleeps until a push, wake() or timeout_ns.
  void park(int64_t timeout_ns) noexcept;
  // Wakes a parked consumer (stop()).
  void wake() noexcept;

 private:
  alignas(64) std::atomic<uint32_t> parked_{0};
};
using ControlResultRing = SpscRing<ControlResult, kControlRingCapacity>;

struct ControlCounters {
  std::atomic<uint64_t> rest_orders{0};  // creates/amends/cancels sent over REST
  std::atomic<uint64_t> rest_errors{0};  // REST calls that failed (any status but ok)
  std::atomic<uint64_t> cancel_alls{0};  // cancel-all requests done
  std::atomic<uint64_t> queries{0};      // order queries (unknown outcomes settled)
  std::atomic<uint64_t> reconciliations{0};
  std::atomic<uint64_t> results_dropped{0};  // result ring full (never expected: the hot thread drains it)
};

// Reconciliation's view of which orders are ours (journal) and what the hot thread tracks is not needed:
// the control thread lists the open orders of the instrument, returns each of ours as a kOrder result (the
// hot thread applies it when it knows the order, and asks for a cancel when it does not), and the position.
class LiveControl {
 public:
  // Preconditions: rest, journal and registry outlive the object (the thread uses them until stop()).
  LiveControl(RestClient& rest, const Journal& journal, const InstrumentRegistry& registry, InstrumentId id);
  ~LiveControl();
  LiveControl(const LiveControl&) = delete;
  LiveControl& operator=(const LiveControl&) = delete;

  void start();
  void stop() noexcept;  // finishes the request in progress, then joins

  ControlRequestRing& requests() noexcept { return *requests_; }
  ControlResultRing& results() noexcept { return *results_; }
  const ControlCounters& counters() const noexcept { return counters_; }

  // Runs one request on the calling thread (the control thread's body; public for the start-up path, which
  // runs before the thread starts).
  void handle(const ControlRequest& r);
  // From then on (ms since the epoch, exchange time), reconciliation also lists the executions since then,
  // oldest first, before the position, so that fills made while the private stream was down are counted
  // (the hot thread counts each execId once). 0 (the default, and the start-up reconciliation's): not
  // listed, an earlier run's fills are not this run's. Call before start().
  void set_executions_since(int64_t ms) noexcept { executions_since_ms_ = ms; }

 private:
  void run();
  void push(const ControlResult& r) noexcept;
  void reconcile();
  void reconcile_executions();

  RestClient& rest_;
  const Journal& journal_;
  const InstrumentRegistry& registry_;
  InstrumentId id_;
  int64_t executions_since_ms_ = 0;
  std::unique_ptr<ControlRequestRing> requests_;
  std::unique_ptr<ControlResultRing> results_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  ControlCounters counters_;
};

}  // namespace mm
