#include "runtime/live_control.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <vector>

#include "net/rest_client.h"
#include "net/ret_codes.h"
#include "runtime/journal.h"

namespace mm {

namespace {

// 110072: "OrderLinkedID is duplicate": a retried create that already exists. It means "it is there", not a
// failure (issue 11; the order stream confirms it).
constexpr int32_t kDuplicateLinkId = 110072;

// A REST order request that reached the wire but got no answer about itself: the transport failed after
// sending (timeout, no answer), or an HTTP 5xx (a gateway or server error: classify_http_status's ambiguous
// class). Neither says whether the venue took the request; taken as a refusal, a create would free its level
// and the quoter would send it again under a new link id (two orders for one intent if the venue had the
// first). A 403/429 is a refusal before acting (not acted on); a retCode answer is classified by the hot
// thread (classify_answer: 10000/10014/10016 are Unknown there too).
bool outcome_unknown(const RestResult& rr) noexcept {
  if (!rr.sent) return false;
  if (rr.status == RestStatus::kTransport) return true;
  return rr.status == RestStatus::kHttpStatus &&
         classify_http_status(rr.http_status).cls == RetClass::kAmbiguous;
}

void set_link(ControlResult& r, std::string_view link) noexcept {
  (void)r.link_id.set(link);
}

}  // namespace

bool ControlRequestRing::try_push(const ControlRequest& r) noexcept {
  if (!SpscRing::try_push(r)) return false;
  // Dekker with park(): our push before our read of parked_, its store of parked_ before its read of the
  // ring.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (parked_.load(std::memory_order_relaxed) != 0) wake();
  return true;
}

void ControlRequestRing::park(int64_t timeout_ns) noexcept {
  parked_.store(1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (empty()) {
    const timespec ts{static_cast<time_t>(timeout_ns / 1'000'000'000),
                      static_cast<long>(timeout_ns % 1'000'000'000)};
    // Returns on a wake, on the timeout, on a signal, or at once (EAGAIN) when parked_ is no longer 1.
    (void)::syscall(SYS_futex, reinterpret_cast<uint32_t*>(&parked_), FUTEX_WAIT_PRIVATE, 1, &ts, nullptr, 0);
  }
  parked_.store(0, std::memory_order_relaxed);
}

void ControlRequestRing::wake() noexcept {
  parked_.store(0, std::memory_order_relaxed);
  (void)::syscall(SYS_futex, reinterpret_cast<uint32_t*>(&parked_), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr,
                  0);
}

LiveControl::LiveControl(RestClient& rest, const Journal& journal, const InstrumentRegistry& registry,
                         InstrumentId id)
    : rest_(rest),
      journal_(journal),
      registry_(registry),
      id_(id),
      requests_(std::make_unique<ControlRequestRing>()),
      results_(std::make_unique<ControlResultRing>()) {}

LiveControl::~LiveControl() {
  stop();
}

void LiveControl::start() {
  stop_.store(false, std::memory_order_relaxed);
  thread_ = std::thread([this] { run(); });
}

void LiveControl::stop() noexcept {
  stop_.store(true, std::memory_order_relaxed);
  requests_->wake();
  if (thread_.joinable()) thread_.join();
}

void LiveControl::run() {
  ControlRequest r;
  while (!stop_.load(std::memory_order_relaxed)) {
    if (requests_->try_pop(r)) {
      handle(r);
    } else {
      // Cold thread: parked until the hot thread pushes (or stop() wakes it); the timeout only bounds how
      // long a stop could go unseen if its wake were lost.
      requests_->park(100'000'000);
    }
  }
}

void LiveControl::push(const ControlResult& r) noexcept {
  if (!results_->try_push(r)) counters_.results_dropped.fetch_add(1, std::memory_order_relaxed);
}

void LiveControl::handle(const ControlRequest& req) {
  const Instrument& in = registry_.get(id_);
  ControlResult res;
  auto answer = [&](const RestResult& rr, std::string_view link, OrderEventKind ok_kind,
                    OrderEventKind bad_kind, bool create) {
    set_link(res, link);
    res.ret_code = rr.ret_code;
    res.limit_class = create                                   ? RateClass::kCreate
                      : ok_kind == OrderEventKind::kAmendAcked ? RateClass::kAmend
                                                               : RateClass::kCancel;
    res.limit = rr.limits.limit;
    res.limit_status = rr.limits.status;
    res.limit_reset_ms = rr.limits.reset_ms;
    if (rr.ok() || (create && rr.status == RestStatus::kRetCode && rr.ret_code == kDuplicateLinkId)) {
      res.kind = ControlResultKind::kAcked;
      res.ack_kind = ok_kind;
    } else if (outcome_unknown(rr)) {
      res.kind = ControlResultKind::kUnknown;  // it may have been acted on: settle by query, never resend
    } else {
      res.kind = ControlResultKind::kRejected;
      res.ack_kind = bad_kind;
      if (rr.status != RestStatus::kRetCode) res.ret_code = -1;
    }
    if (!rr.ok()) counters_.rest_errors.fetch_add(1, std::memory_order_relaxed);
    push(res);
  };
  switch (req.op) {
    case ControlOp::kCreate: {
      std::string order_id;
      const RestResult rr = rest_.create(in, req.u.create, order_id);
      counters_.rest_orders.fetch_add(1, std::memory_order_relaxed);
      (void)res.order_id.set(order_id);
      answer(rr, req.u.create.link_id.view(), OrderEventKind::kCreateAcked, OrderEventKind::kCreateRejected,
             true);
      return;
    }
    case ControlOp::kAmend: {
      const RestResult rr = rest_.amend(in, req.u.amend);
      counters_.rest_orders.fetch_add(1, std::memory_order_relaxed);
      answer(rr, req.u.amend.link_id.view(), OrderEventKind::kAmendAcked, OrderEventKind::kAmendRejected,
             false);
      return;
    }
    case ControlOp::kCancel: {
      const RestResult rr = rest_.cancel(in, req.u.cancel);
      counters_.rest_orders.fetch_add(1, std::memory_order_relaxed);
      answer(rr, req.u.cancel.link_id.view(), OrderEventKind::kCancelAcked, OrderEventKind::kCancelRejected,
             false);
      return;
    }
    case ControlOp::kCancelAll: {
      const RestResult rr = rest_.cancel_all(registry_, req.u.cancel_all);
      counters_.cancel_alls.fetch_add(1, std::memory_order_relaxed);
      if (!rr.ok()) counters_.rest_errors.fetch_add(1, std::memory_order_relaxed);
      res.kind = rr.ok() ? ControlResultKind::kCancelAllDone : ControlResultKind::kCancelAllFailed;
      res.ret_code = rr.ret_code;
      push(res);
      return;
    }
    case ControlOp::kQueryOrder: {
      // Open orders first (Bybit's default answer); then, when it is not open, the recent closed ones
      // (openOnly=1): an order that filled or was cancelled while its outcome was unknown is found there with
      // its final state, instead of reading as never placed.
      std::vector<OrderUpdate> found;
      RestResult rr = rest_.open_orders(registry_, in.category, in.name(), "", req.u.query.view(), found);
      if (rr.ok() && found.empty()) {
        counters_.queries.fetch_add(1, std::memory_order_relaxed);
        rr = rest_.open_orders(registry_, in.category, in.name(), "", req.u.query.view(), found, 1);
      }
      counters_.queries.fetch_add(1, std::memory_order_relaxed);
      set_link(res, req.u.query.view());
      if (!rr.ok()) {
        // Not settled: the hot thread asks again on its next timer.
        counters_.rest_errors.fetch_add(1, std::memory_order_relaxed);
        return;
      }
      if (found.empty()) {
        res.kind = ControlResultKind::kNotFound;
      } else {
        res.kind = ControlResultKind::kOrder;
        res.order = found.front();
      }
      push(res);
      return;
    }
    case ControlOp::kReconcile:
      reconcile();
      return;
    case ControlOp::kSyncTime:
      if (const RestResult rr = rest_.sync_time(); !rr.ok()) {
        counters_.rest_errors.fetch_add(1, std::memory_order_relaxed);
      }
      // Pushed even on failure (the offset kept): the hot thread may ask again on the next 10002.
      res.kind = ControlResultKind::kClockOffset;
      res.offset_ms = rest_.clock().offset_ms;
      push(res);
      return;
  }
}

void LiveControl::reconcile() {
  const Instrument& in = registry_.get(id_);
  counters_.reconciliations.fetch_add(1, std::memory_order_relaxed);
  std::vector<OrderUpdate> open;
  if (const RestResult rr = rest_.open_orders(registry_, in.category, in.name(), "", "", open); rr.ok()) {
    for (const OrderUpdate& u : open) {
      if (!journal_.owns(u.order_link_id.view())) continue;  // not ours: left alone
      ControlResult res;
      res.kind = ControlResultKind::kOrder;
      set_link(res, u.order_link_id.view());
      res.order = u;
      push(res);
    }
  } else {
    counters_.rest_errors.fetch_add(1, std::memory_order_relaxed);
  }
  // Before the position: the hot thread applies these fills, then compares the position with the venue's.
  reconcile_executions();
  std::vector<PositionUpdate> positions;
  if (const RestResult rr = rest_.positions(registry_, in.category, in.name(), "", positions); rr.ok()) {
    ControlResult res;
    res.kind = ControlResultKind::kPosition;
    if (!positions.empty()) res.position = positions.front();  // one-way mode: one position per symbol
    res.position.instrument = id_;
    push(res);
  } else {
    counters_.rest_errors.fetch_add(1, std::memory_order_relaxed);
  }
}

void LiveControl::reconcile_executions() {
  if (executions_since_ms_ == 0) return;
  const Instrument& in = registry_.get(id_);
  // One page (the 100 newest): a private stream down long enough for more fills than that is caught by
  // the position comparison that follows, not by the fill count.
  std::vector<Execution> execs;
  if (const RestResult rr = rest_.executions(registry_, in.category, in.name(), executions_since_ms_, execs);
      !rr.ok()) {
    counters_.rest_errors.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  for (auto it = execs.rbegin(); it != execs.rend(); ++it) {  // newest first on the wire: oldest first here
    if (it->exec_time_ms < executions_since_ms_) continue;    // a venue may ignore startTime
    ControlResult res;
    res.kind = ControlResultKind::kExecution;
    res.execution = *it;
    push(res);
  }
}

}  // namespace mm
