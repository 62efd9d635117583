#pragma once
// The operations side of one trading node (`mm run`'s LiveNode, `mm paper`'s PaperNode): the node owns one
// NodeOps, started in its prepare(), fed from its hot thread, published from its timer and stopped after its
// shutdown. This file is the whole contract between a node and runtime/ops: the node calls these hooks and
// nothing else, so its own code stays about trading.
//
// Hot-path hooks (on_message, on_quoted, on_ack, on_reject, on_book_gap) are a relaxed atomic or a binary
// record on the log ring each: no allocation, no formatting, no lock. on_timer() gathers the trader's state
// into an OpsSnapshot (OpsRuntime::publish) and raises the alerts the issue lists (risk state, kill switch,
// breaker trips, reconnect storm); it allocates only an alert's text, i.e. never in steady state.
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/instrument.h"
#include "core/order_book.h"
#include "core/order_table.h"
#include "core/position.h"
#include "core/private_events.h"
#include "core/rate_limiter.h"
#include "net/bybit_codec.h"
#include "risk/circuit_breakers.h"
#include "risk/risk_engine.h"
#include "runtime/mm_config.h"
#include "runtime/ops/alerts.h"
#include "runtime/ops/live_events.h"
#include "runtime/ops/ops_runtime.h"

namespace mm {

// A reconnect storm: this many reconnects (all streams together) within kReconnectStormWindowNs.
inline constexpr size_t kReconnectStormCount = 5;
inline constexpr int64_t kReconnectStormWindowNs = 60'000'000'000;

// What the node's timer hands to NodeOps::on_timer (views into the node's trader; read on the hot thread).
struct NodeState {
  const OrderBook* book = nullptr;  // the live page's book around the touch (null: none shown)
  const OrderTable* orders = nullptr;
  const Position* position = nullptr;
  const RiskEngine* risk = nullptr;  // null: no breaker/kill-switch alerts (the state is taken as active)
  const TraderCounters* counters = nullptr;
  int64_t mid_ticks = 0;  // 0: no two-sided book (inventory value and unrealized PnL stay as they were)
  // The node's order rate limiter (its own budget tightened by the venue's X-Bapi-Limit* answers), read on
  // the hot thread that owns it: mm_rate_limit_remaining per action class. Null (mm paper): not published.
  RateLimiter* limiter = nullptr;
  uint64_t reconnects_public = 0, reconnects_private = 0, reconnects_trade = 0;
};

// The `topic` label of a private-stream message.
constexpr MsgTopic private_topic(MsgKind k) noexcept {
  switch (k) {
    case MsgKind::kOrder:
      return MsgTopic::kOrder;
    case MsgKind::kExecution:
      return MsgTopic::kExecution;
    case MsgKind::kPosition:
      return MsgTopic::kPosition;
    case MsgKind::kWallet:
      return MsgTopic::kWallet;
    default:
      return MsgTopic::kOther;
  }
}

// The `topic` label of a public-stream frame the codec refused, from the frame's "topic" key when it is
// among its first 64 bytes (Bybit writes it first): orderbook, publicTrade, else other.
MsgTopic public_topic_of(std::string_view frame) noexcept;

// The book's mid in ticks (truncated), 0 when a side is empty.
inline int64_t mid_ticks(const OrderBook& book) noexcept {
  const auto bid = book.best_bid();
  const auto ask = book.best_ask();
  return bid && ask ? (bid->price.ticks + ask->price.ticks) / 2 : 0;
}

class NodeOps {
 public:
  // Builds and starts OpsRuntime from cfg.ops for `in` (the metrics' lot size), with `secrets` (API key and
  // secret) registered so that the log drain never writes them. Returns "" or an error naming the [ops] key
  // (ops.http_listen, ops.log_file, ops.alert_*); `out` is set only on success.
  [[nodiscard]] static std::string start(const MmConfig& cfg, const Instrument& in,
                                         const std::vector<std::string>& secrets,
                                         std::unique_ptr<NodeOps>& out);

  // Sends one alert with cfg.ops's alert settings and waits (bounded, 2 s) for it to go out: for what happens
  // before start() can run (a key refused at start). A no-op when alerts are off.
  static void alert_once(const MmConfig& cfg, AlertKind kind, std::string_view text) noexcept;

  explicit NodeOps(OpsOptions options) : ops_(std::move(options)) {}

  // --- hot thread ---
  void on_message(MsgTopic t) noexcept { ops_.metrics().message(t); }
  // A book update that sent order actions, `ns` after its frame was received.
  void on_quoted(int64_t ns) noexcept { ops_.metrics().tick_to_quote_ns(ns); }
  // A sequence gap on the book stream (the node resubscribes).
  void on_book_gap(int64_t now_ns) noexcept;
  // Each public frame before it is parsed: its first bytes are kept (a copy: the transport may reuse the
  // frame's memory before a parse error is reported) for on_public_error's topic label.
  void on_public_frame(std::string_view frame) noexcept {
    frame_head_len_ = frame.size() < frame_head_.size() ? frame.size() : frame_head_.size();
    std::memcpy(frame_head_.data(), frame.data(), frame_head_len_);
  }
  // A frame the codec refused (mm_message_errors_total): on the public stream the last frame's topic
  // (public_topic_of), on the private stream "other" (a frame that did not parse names no topic).
  void on_public_error() noexcept {
    ops_.metrics().message_error(public_topic_of(std::string_view(frame_head_.data(), frame_head_len_)));
  }
  void on_private_error() noexcept { ops_.metrics().message_error(MsgTopic::kOther); }
  // One answer of the trade stream (a batch is one answer), `latency_ns` after its request was sent.
  void on_ack(std::string_view link_id, int32_t ret_code, int64_t latency_ns, int64_t now_ns) noexcept;
  // One refused order action (an item of a batch, or a REST refusal).
  void on_reject(std::string_view link_id, int32_t ret_code, int64_t now_ns) noexcept;
  // One of our fills, seen at `now_ns`: kept (a fixed ring) for the live page's recent fills.
  void on_fill(const Execution& e, int64_t now_ns) noexcept;
  // From the node's timer: publishes the snapshot (metrics and the live page) and raises alerts on changes.
  void on_timer(int64_t now_ns, const NodeState& s) noexcept;
  // The operator's actions from the live page (runtime/ops/live_page.h), for the node's timer to act on:
  // paused -> hold quoting off (our quotes are pulled); cancel_all -> one cancel-all now; kill -> the risk
  // engine's kill switch and a cancel-all. All false without a page.
  PageControl take_control() noexcept;

  // --- cold, after the hot loop ---
  // Shutdown could not confirm every cancel: the alert names the orders (text from the node's error).
  void shutdown_unconfirmed(std::string_view text) noexcept;
  // Stops the page/metrics server, flushes alerts (bounded) and the logs. Idempotent.
  void stop() noexcept { ops_.stop(); }

  OpsRuntime& runtime() noexcept { return ops_; }

 private:
  void check_breakers(const RiskEngine& risk) noexcept;
  void fill_page(const OpsSnapshot& snap, const NodeState& s) noexcept;
  void check_reconnects(int64_t now_ns, uint64_t total) noexcept;

  OpsRuntime ops_;
  const Instrument* instrument_ = nullptr;
  std::array<uint64_t, static_cast<size_t>(Breaker::kCount)> trips_seen_{};
  uint64_t reconnects_seen_ = 0;
  std::array<int64_t, kReconnectStormCount> reconnect_times_{};  // ring of the latest reconnect stamps
  size_t reconnect_next_ = 0;
  int64_t storm_alerted_ns_ = -1;
  std::array<PageFill, kPageFills> fills_{};  // ring of the latest fills (hot thread)
  std::array<char, 64> frame_head_{};         // the first bytes of the public frame being parsed
  size_t frame_head_len_ = 0;
  uint64_t fills_total_ = 0;
};

}  // namespace mm
