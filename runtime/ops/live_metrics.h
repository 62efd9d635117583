#pragma once
// The metric set of `mm run` / `mm paper` (issue 12), registered once at start-up into a MetricsRegistry.
// The live node holds one LiveMetrics and updates it through the handles below: every update is a relaxed
// atomic on a line of its own (core/metrics.h), so the hot thread may call them per tick. Each handle has
// one writer thread (the thread named next to it); /metrics renders them on the cold HTTP thread.
//
// Names follow Prometheus conventions: mm_ prefix, base units (seconds; money in the settle coin; position
// in the base coin), _total counters, _seconds histograms. docs/ops.md lists them; tools/ops/grafana/mm.json
// charts them (a test checks every dashboard expression names one of these).
#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/metrics.h"
#include "risk/trading_state.h"

namespace mm {

// Streams whose messages and errors are counted (label `topic`).
enum class MsgTopic : uint8_t {
  kOrderbook = 0,  // public orderbook.*
  kPublicTrade,    // public publicTrade.*
  kOrder,          // private order
  kExecution,      // private execution
  kPosition,       // private position
  kWallet,         // private wallet
  kTrade,          // trade WebSocket answers (order.create/amend/cancel acks)
  kRest,           // REST answers
  kOther,          // pong, auth, subscribe answers
  kCount
};
std::string_view to_string(MsgTopic t) noexcept;

// Order actions sent (label `action`) and rate-limit classes (label `action` of the headroom gauge).
enum class OrderAction : uint8_t { kCreate = 0, kAmend, kCancel, kCancelAll, kCount };
std::string_view to_string(OrderAction a) noexcept;

// Connections that reconnect (label `stream`).
enum class Stream : uint8_t { kPublic = 0, kPrivate, kTrade, kCount };
std::string_view to_string(Stream s) noexcept;

class LiveMetrics {
 public:
  // Registers every metric below. `qty_step` and `money_scale` turn the node's integers into base units at
  // render time (lots x qty_step = base coin; money units / money_scale = settle coin).
  // Errors: std::invalid_argument from the registry (a name registered twice, e.g. two LiveMetrics on one
  // registry).
  LiveMetrics(MetricsRegistry& registry, double qty_step, int64_t money_scale);

  // --- hot thread (the decision stage) ---
  void tick_to_quote_ns(int64_t ns) noexcept { tick_to_quote_->observe(ns); }
  void order_ack_ns(int64_t ns) noexcept { order_ack_->observe(ns); }
  void message(MsgTopic t) noexcept { messages_[idx(t)]->inc(); }
  void message_error(MsgTopic t) noexcept { errors_[idx(t)]->inc(); }
  void order_action(OrderAction a) noexcept { actions_[idx(a)]->inc(); }
  // A refused order action, by Bybit retCode: the codes of net/ret_codes.h have their own series, any other
  // code counts under ret_code="other".
  void order_reject(int32_t ret_code) noexcept;
  void rate_limit_remaining(OrderAction a, int64_t remaining) noexcept { headroom_[idx(a)]->set(remaining); }
  void position_lots(int64_t lots) noexcept { position_->set(lots); }
  void inventory_value(int64_t money) noexcept { inventory_value_->set(money); }
  void realized_pnl(int64_t money) noexcept { realized_->set(money); }
  void unrealized_pnl(int64_t money) noexcept { unrealized_->set(money); }
  void fees(int64_t money) noexcept { fees_->set(money); }
  void drawdown(int64_t money) noexcept { drawdown_->set(money); }
  void risk_state(TradingState s) noexcept;
  // Both sides quoted (true) or not, at `now_ns`; the first call starts the clock. Keeps
  // mm_quote_uptime_ratio = time with both sides quoted / time since the first call.
  void quoting(bool both_sides, int64_t now_ns) noexcept;

  // Totals kept by the node (order actions sent, reconnects per stream), published from its timer.
  void order_actions_total(OrderAction a, uint64_t total) noexcept { actions_[idx(a)]->set_total(total); }
  void reconnects_total(Stream s, uint64_t total) noexcept { reconnects_[idx(s)]->set_total(total); }

  // --- cold threads ---
  // The latency histograms, read by the live page's percentiles (relaxed atomics).
  const Histogram& tick_to_quote() const noexcept { return *tick_to_quote_; }
  const Histogram& order_ack() const noexcept { return *order_ack_; }
  void reconnect(Stream s) noexcept { reconnects_[idx(s)]->add_concurrent(1); }
  // Log records the hot path dropped because its ring was full (the log drain adds them).
  Counter& log_dropped() noexcept { return *log_dropped_; }
  Counter& alerts_sent() noexcept { return *alerts_sent_; }
  Counter& alerts_failed() noexcept { return *alerts_failed_; }
  Counter& alerts_suppressed() noexcept { return *alerts_suppressed_; }

  // Every metric name this class registers (histograms by base name).
  static std::span<const std::string_view> names() noexcept;

 private:
  template <class E>
  static constexpr size_t idx(E e) noexcept {
    return static_cast<size_t>(e);
  }

  static constexpr size_t kRejectCodes = 64;  // room for net/ret_codes.h's table plus "other"

  Histogram* tick_to_quote_;
  Histogram* order_ack_;
  std::array<Counter*, static_cast<size_t>(MsgTopic::kCount)> messages_{};
  std::array<Counter*, static_cast<size_t>(MsgTopic::kCount)> errors_{};
  std::array<Counter*, static_cast<size_t>(OrderAction::kCount)> actions_{};
  std::array<Gauge*, static_cast<size_t>(OrderAction::kCount)> headroom_{};
  std::array<int32_t, kRejectCodes> reject_codes_{};
  std::array<Counter*, kRejectCodes> rejects_{};
  size_t reject_count_ = 0;  // rejects_[reject_count_] is "other"
  std::array<Counter*, static_cast<size_t>(Stream::kCount)> reconnects_{};
  Gauge* position_;
  Gauge* inventory_value_;
  Gauge* realized_;
  Gauge* unrealized_;
  Gauge* fees_;
  Gauge* drawdown_;
  std::array<Gauge*, 3> risk_state_{};
  Gauge* uptime_;
  Counter* log_dropped_;
  Counter* alerts_sent_;
  Counter* alerts_failed_;
  Counter* alerts_suppressed_;
  // Quote uptime bookkeeping (hot thread only).
  int64_t uptime_start_ns_ = -1;
  int64_t last_ns_ = 0;
  bool last_both_ = false;
  int64_t quoted_ns_ = 0;
};

}  // namespace mm
