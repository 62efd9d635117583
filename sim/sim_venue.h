#pragma once
// SimVenue: the venue of `mm backtest` and `mm paper` (DESIGN.md section 1). It satisfies the Venue concept
// (strategy/venue.h) on the trader's side and plays the exchange on the other: order actions travel to the
// matching engine with an entry latency, the FillEngine (sim/fill_engine.h) matches them against the replayed
// market, and every answer travels back with a response latency. The venue keeps the exchange-side account
// (position, fees, funding: the truth for the statistics) and records the BacktestSeries.
//
// Two clocks. The local clock (now_ns(), set by the driver: the runner's receive time of market data) is
// the trader's; the exchange clock advances with advance_exchange_to() (the exchange time of market data).
// The driver (sim/backtest_runner.h) keeps the exchange at or ahead of the local clock, so an action sent at
// local time L arrives at L + entry latency, after every market event the exchange has already seen.
//
// Order lifecycle, as Bybit V5 answers on the trade and private WebSockets:
//   create  -> ack (retCode 0, orderId), then on the order stream: New (rests), or executions with
//              PartiallyFilled / Filled (taker), then Cancelled for an IOC/market remainder;
//              a post-only order that would cross -> ack, then Cancelled with rejectReason
//              EC_PostOnlyWillTakeLiquidity (RejectReason::kPostOnlyWillTakeLiquidity).
//   amend   -> ack, then the order at its new terms (New / PartiallyFilled); not live -> rejected, 110001.
//   cancel  -> ack, then Cancelled; not live (filled, cancelled, unknown) -> rejected, retCode 110001
//              ("order not exists or too late to cancel"): a fill already on its way settles the order.
//   cancel-all -> per live order: cancel ack, then Cancelled.
//   Refusals (the trader's on_create_rejected / on_rejected): retCode 10006 over the rate limit (one-second
//   windows opened by the first request, one per endpoint as Bybit and the exchange simulator keep them:
//   create, amend, cancel, cancel-all, and create-, amend- and cancel-batch at their single endpoint's
//   limit, each batch item counting; sim/rate_window.h); 110072 a link id
//   already live; 10001 an invalid order (qty <= 0, a limit price <= 0, another instrument) or the live-order
//   capacity reached; 110001 amend/cancel of an order that is not live; amend errors of the engine
//   (qty not above filled, or a post-only amend that would cross: 10001, the generic parameter error; the
//   specific Bybit code for these two is not mapped).
// Each answer of one exchange step (one arrival, one market event, one settlement) shares one response
// latency draw. Requests of one send_* call travel as batches of up to kMaxBatch, one entry-latency draw per
// batch. Both directions keep FIFO order (one WebSocket each way): a draw smaller than the previous one's
// waits for it (arrival = max(now + latency, last arrival)); ties keep send order.
//
// Fees: fee = notional * rate (maker or taker rate, at kRateScale, signed: a negative maker rate is a
// rebate), on the exact notional, rounded up to 1e-8 (toward the exchange: a fee is never under-charged, a
// rebate never over-paid) by Position::fee_at_rate.
//
// Funding (perpetuals): at each settlement, payment = -position * mark * rate, rounded down to 1e-8
// (toward the exchange); rate > 0: longs pay shorts. mark = the latest kMarkPrice rounded to the nearest
// tick, else the exchange mid. Settlement times: the UTC grid of funding_interval_ns (00:00/08:00/16:00 for
// 8 h), or in FundingMode::kData the data's nextFundingTime once seen. A settlement in kData mode before any
// rate was seen pays nothing (counted: funding_skipped).
//
// Hot path: no allocation after construction (fill and funding records go to vectors reserved up front;
// samples are reserved by the runner), no virtual call except FillEngine -> FillSink per fill.
#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "core/events.h"
#include "core/instrument.h"
#include "core/order_request.h"
#include "core/order_state.h"
#include "core/position.h"
#include "core/private_events.h"
#include "sim/backtest_series.h"
#include "sim/fill_engine.h"
#include "sim/latency_model.h"
#include "sim/rate_window.h"
#include "sim/sim_config.h"

namespace mm {

// Bybit retCodes the venue answers with.
inline constexpr int32_t kRetOk = 0;
inline constexpr int32_t kRetParamError = 10001;
inline constexpr int32_t kRetRateLimit = 10006;
inline constexpr int32_t kRetOrderNotExists = 110001;
inline constexpr int32_t kRetDuplicateLinkId = 110072;

struct SimVenueCounters {
  uint64_t requests_sent = 0;      // batches queued by send_* (one entry-latency draw each)
  uint64_t actions_sent = 0;       // actions queued (batch items counted singly)
  uint64_t refused_local = 0;      // actions refused by send_* (queue full): never in flight
  uint64_t creates_arrived = 0, amends_arrived = 0, cancels_arrived = 0, cancel_alls_arrived = 0;
  uint64_t creates_accepted = 0;   // acked with retCode 0 (post-only crosses included: Bybit acks them)
  uint64_t amends_accepted = 0;
  uint64_t cancels_accepted = 0;   // orders cancelled by our cancel or cancel-all
  uint64_t rejected_rate_limit = 0;
  uint64_t rejected_post_only = 0;  // creates cancelled with EC_PostOnlyWillTakeLiquidity
  uint64_t rejected_not_found = 0;  // amends/cancels of orders not live (110001)
  uint64_t rejected_invalid = 0;    // 10001 / 110072, and amends the engine refused
  uint64_t fills = 0, maker_fills = 0, taker_fills = 0;
  uint64_t orders_filled = 0;       // orders with at least one fill
  uint64_t responses_queued = 0, responses_delivered = 0;
  uint64_t responses_dropped = 0;   // response queue full (raise response_capacity): must stay 0
  uint64_t funding_settlements = 0, funding_skipped = 0;
  uint64_t account_errors = 0;      // Position refused a fill or funding (overflow): must stay 0
};

// A live order of ours at the exchange (view for tests and samples).
struct SimOrder {
  OrderLinkId link_id;
  uint64_t order_seq = 0;  // the exchange orderId (printed in decimal)
  Side side = Side::kBuy;
  OrderType type = OrderType::kLimit;
  TimeInForce tif = TimeInForce::kGtc;
  bool reduce_only = false;
  Price price;
  Qty qty;                 // total order qty
  Qty cum;                 // filled
  Money cum_value, cum_fee;
  bool live = false;
  bool filled_once = false;
};

class SimVenue final : private FillSink {
 public:
  static constexpr size_t kMaxBatch = 20;  // Bybit's batch limit on linear/inverse/option

  // Start-up. Builds the latency models from cfg (reading distribution files) and the fill engine.
  // Throws std::invalid_argument with cfg.validate()'s message, a latency file's error message, or the fill
  // engine's; std::invalid_argument from core Position for an inverse instrument.
  // Preconditions: `instrument` outlives the venue.
  SimVenue(const Instrument& instrument, InstrumentId id, const SimConfig& cfg);
  ~SimVenue();
  SimVenue(const SimVenue&) = delete;
  SimVenue& operator=(const SimVenue&) = delete;

  // ---- Venue concept (the trader's side; local clock).
  int64_t now_ns() const noexcept { return local_ns_; }
  bool send_creates(std::span<const OrderCreate> a) noexcept;
  bool send_amends(std::span<const OrderAmend> a) noexcept;
  bool send_cancels(std::span<const OrderCancel> a) noexcept;
  bool send_cancel_all(const CancelAll& a) noexcept;

  // ---- Driver.
  void set_local_time(int64_t t) noexcept { local_ns_ = t; }

  // Where the series goes (fills, funding, samples, counters). Null: nothing is recorded. The series'
  // vectors are reserved here (fills, funding); samples are the caller's to reserve.
  void attach_series(BacktestSeries* s);

  // Starts the exchange clock at t (first market event): the first sample and settlement times are taken
  // from it. Called once before anything else on the exchange side; later calls are ignored.
  void start(int64_t t) noexcept;

  // Processes, in time order, every action arriving at or before t, funding settlements, series samples and
  // markouts due at or before t; then the exchange clock is t. A t behind the clock is treated as the clock.
  void advance_exchange_to(int64_t t) noexcept {
    if (t < exch_ns_) t = exch_ns_;
    if (t >= next_wakeup_) [[unlikely]] {
      run_until(t);
    } else {
      exch_ns_ = t;
    }
  }

  // As advance_exchange_to(t), but what is due at exactly t (actions, settlements, samples, markouts) waits
  // for the next advance: call it before a market event at t, so that the event is processed before an order
  // arriving in the same nanosecond (ties go to the market: with millisecond exchange times and whole-
  // millisecond latencies ties are systematic, and taking the order first would favour us).
  void advance_exchange_before(int64_t t) noexcept {
    if (t <= exch_ns_) return;
    if (t - 1 >= next_wakeup_) [[unlikely]]
      run_until(t - 1);
    exch_ns_ = t;
  }

  // Market data at the exchange clock (call advance_exchange_before(t) first).
  void on_book(const BookUpdate& u) noexcept;
  void on_trade(const TradeEvent& t) noexcept;
  // A ticker's funding rate (kRateScale) and next funding time (ms; 0 = unknown).
  void on_funding(int64_t rate, int64_t next_funding_ms) noexcept;
  // A ticker's mark price at the instrument's ref_price_scale.
  void on_mark(int64_t mark_ref) noexcept;

  // Closes the run at exchange time t: advances to it, accounts time-based counters up to t, takes the
  // final sample and fills the series' totals.
  void finish(int64_t t) noexcept;

  // Earliest delivery time of a queued answer (INT64_MAX when none).
  int64_t next_delivery_ns() const noexcept {
    return resp_count_ == 0 ? std::numeric_limits<int64_t>::max() : resp_[resp_head_].at;
  }

  // Delivers, in time order, every answer due at or before local time t to `sink` (the Trader's entry
  // points: on_acked, on_create_rejected, on_rejected, on_order, on_execution), setting the local clock to
  // each answer's time first; leaves the local clock at t. Returns the number delivered.
  template <class Sink>
  uint32_t deliver_until(int64_t t, Sink& sink) noexcept {
    uint32_t n = 0;
    while (resp_count_ != 0 && resp_[resp_head_].at <= t) {
      const Response& r = resp_[resp_head_];
      local_ns_ = r.at;
      deliver_one(r, sink);
      resp_head_ = (resp_head_ + 1) & resp_mask_;
      --resp_count_;
      ++n;
    }
    local_ns_ = t;
    counters_.responses_delivered += n;
    return n;
  }

  // ---- Views.
  const Position& account() const noexcept { return *account_; }
  const FillEngine& engine() const noexcept { return *engine_; }
  const SimVenueCounters& counters() const noexcept { return counters_; }
  int64_t exchange_ns() const noexcept { return exch_ns_; }
  InstrumentId instrument_id() const noexcept { return id_; }
  const Instrument& instrument() const noexcept { return instrument_; }
  // The exact mid of the engine's book in HALF ticks (best bid + best ask: flooring to whole ticks would put
  // the mid of a one-tick spread on the bid); 0 when a side is empty.
  int64_t mid_half_ticks() const noexcept;
  // Our best resting bid / ask at the exchange (0 when none).
  int64_t best_own_bid() const noexcept;
  int64_t best_own_ask() const noexcept;
  uint32_t live_orders() const noexcept { return live_count_; }
  // The live order with this link id, or null.
  const SimOrder* find_live(std::string_view link_id) const noexcept;
  int64_t last_funding_rate() const noexcept { return funding_rate_; }
  int64_t next_funding_ns() const noexcept { return next_funding_ns_; }
  size_t actions_in_flight() const noexcept { return act_count_; }
  size_t responses_in_flight() const noexcept { return resp_count_; }
  // Time integrals so far (see BacktestSeries).
  int64_t quoted_both_ns() const noexcept { return quoted_both_ns_; }
  int64_t quoted_any_ns() const noexcept { return quoted_any_ns_; }
  int64_t time_at_limit_ns() const noexcept { return at_limit_ns_; }
  // |position| >= this counts as at the limit (0: never). Also copied into the series.
  void set_position_limit(int64_t lots) noexcept { max_position_lots_ = lots; }

 private:
  enum class ActionKind : uint8_t { kCreate, kAmend, kCancel, kCancelAll };
  struct Action {
    int64_t at = 0;
    ActionKind kind = ActionKind::kCreate;
    bool batch = false;  // an item of a batch request (more than one action): the batch endpoint's window
    OrderCreate create;  // kCreate
    OrderAmend amend;    // kAmend; kCancel uses instrument, id_kind, link_id
  };
  enum class ResponseKind : uint8_t { kAck, kCreateRejected, kRejected, kOrder, kExecution };
  struct Response {
    int64_t at = 0;
    ResponseKind kind = ResponseKind::kAck;
    OrderEventKind ack_kind = OrderEventKind::kCreateAcked;
    OrderStatus status = OrderStatus::kNew;
    RejectReason reason = RejectReason::kNone;
    CancelType cancel_type = CancelType::kNone;
    Side side = Side::kBuy;
    OrderType type = OrderType::kLimit;
    TimeInForce tif = TimeInForce::kGtc;
    bool maker = false;
    int32_t ret_code = 0;
    uint64_t order_seq = 0;
    uint64_t exec_seq = 0;
    int64_t exch_ns = 0;
    OrderLinkId link_id;
    Price price;
    Qty qty, cum, leaves;
    Price exec_price;
    Qty exec_qty;
    Money exec_value, fee, cum_value, cum_fee;
    int64_t fee_rate = 0;
  };

  void on_fill(const EngineFill& f) noexcept override;

  template <class Sink>
  void deliver_one(const Response& r, Sink& sink) noexcept {
    switch (r.kind) {
      case ResponseKind::kAck:
        sink.on_acked(r.link_id.view(), r.ack_kind, order_id_text(r.order_seq));
        break;
      case ResponseKind::kCreateRejected:
        sink.on_create_rejected(r.link_id.view());
        break;
      case ResponseKind::kRejected:
        sink.on_rejected(r.link_id.view(), r.ack_kind);
        break;
      case ResponseKind::kOrder:
        sink.on_order(make_order_update(r));
        break;
      case ResponseKind::kExecution:
        sink.on_execution(make_execution(r));
        break;
    }
  }
  std::string_view order_id_text(uint64_t seq) noexcept;
  const OrderUpdate& make_order_update(const Response& r) noexcept;
  const Execution& make_execution(const Response& r) noexcept;

  template <class Fn>
  bool enqueue(size_t n, ActionKind kind, Fn&& fill) noexcept;
  void run_until(int64_t t) noexcept;
  void recompute_wakeup() noexcept;
  void process(const Action& a) noexcept;
  void dispatch(const Action& a) noexcept;  // the handler of a's kind
  OrderRecord describe(const Action& a) const noexcept;
  // batch: the action is an item of a batch request (its rate window is the batch endpoint's).
  void do_create(const OrderCreate& c, bool batch) noexcept;
  void do_amend(const OrderAmend& a, bool batch) noexcept;
  void do_cancel(InstrumentId instrument, OrderIdKind kind, const OrderLinkId& id, bool batch) noexcept;
  void do_cancel_all(const CancelAll& a) noexcept;
  void settle_funding() noexcept;
  void take_sample(int64_t ts) noexcept;
  void markouts_until(int64_t t) noexcept;
  [[nodiscard]] bool rate_ok(int cls, int64_t limit) noexcept;
  // Advances the time integrals (uptime, time at limit) to the exchange clock.
  void account_time() noexcept;

  Response* push_response() noexcept;
  void push_ack(OrderEventKind kind, const OrderLinkId& link, uint64_t order_seq) noexcept;
  void push_reject(ResponseKind kind, OrderEventKind ack_kind, const OrderLinkId& link, int32_t code) noexcept;
  void push_order(const SimOrder& o, OrderStatus status, RejectReason reason = RejectReason::kNone,
                  CancelType ct = CancelType::kNone) noexcept;
  int32_t find_slot(OrderIdKind kind, std::string_view id) const noexcept;
  void free_slot(uint32_t slot) noexcept;
  int64_t mark_ticks() const noexcept;
  // Net PnL so far (realized + unrealized at a mark in half ticks - fees + funding), Money units; without a
  // mark, the realized part when flat, else 0.
  int64_t equity_units(int64_t mark_half) noexcept;

  const Instrument& instrument_;
  InstrumentId id_;
  SimConfig cfg_;
  LatencyModel entry_, response_;
  std::unique_ptr<FillEngine> engine_;
  std::unique_ptr<Position> account_;

  int64_t local_ns_ = 0;
  int64_t exch_ns_ = std::numeric_limits<int64_t>::min();
  bool started_ = false;
  int64_t next_wakeup_ = std::numeric_limits<int64_t>::max();

  // Actions in flight (FIFO ring).
  std::vector<Action> act_;
  size_t act_head_ = 0, act_count_ = 0, act_mask_ = 0;
  int64_t last_arrival_ = std::numeric_limits<int64_t>::min();

  // Answers in flight (FIFO ring).
  std::vector<Response> resp_;
  size_t resp_head_ = 0, resp_count_ = 0, resp_mask_ = 0;
  int64_t last_delivery_ = std::numeric_limits<int64_t>::min();
  uint64_t step_ = 1;          // exchange step: answers of one step share a latency draw
  uint64_t drawn_step_ = 0;
  int64_t step_latency_ = 0;

  // Orders at the exchange: slots, a dense list of live ones.
  std::vector<SimOrder> orders_;
  std::vector<uint32_t> live_;       // slot indices
  std::vector<uint32_t> live_pos_;   // slot -> position in live_
  std::vector<uint32_t> free_;
  uint32_t live_count_ = 0;
  uint32_t live_side_[2] = {0, 0};
  uint64_t order_seq_ = 0;
  uint64_t exec_seq_ = 0;

  // Rate-limit windows per endpoint (create, amend, cancel, cancel-all, then create-, amend- and
  // cancel-batch, each at its single endpoint's limit): the exchange simulator's definition
  // (sim/rate_window.h, sim/exchange/exchange_core.cpp's rate_limit_of), on the exchange clock.
  RateWindow rate_[7];

  // Market state.
  int64_t mid_before_ = 0;      // exchange mid (half ticks) before the current market event / arrival
  int64_t last_mid_ = 0;        // last non-zero mid (half ticks)
  int64_t mark_ref_ = 0;        // latest kMarkPrice (ref scale), 0 = none
  int64_t ref_per_tick_ = 1;    // mark_ref / ref_per_tick = ticks
  int64_t funding_rate_ = 0;
  bool funding_rate_seen_ = false;
  int64_t next_funding_ns_ = std::numeric_limits<int64_t>::max();
  int64_t data_next_funding_ns_ = 0;  // the data's nextFundingTime (0 = not seen)
  int64_t last_settlement_ns_ = std::numeric_limits<int64_t>::min();

  // Series.
  BacktestSeries* series_ = nullptr;
  int64_t next_sample_ns_ = std::numeric_limits<int64_t>::max();
  size_t markout_cursor_[3] = {0, 0, 0};
  int64_t integral_since_ = 0;
  int64_t quoted_both_ns_ = 0, quoted_any_ns_ = 0, at_limit_ns_ = 0;
  int64_t max_position_lots_ = 0;

  // Delivery scratch (built per answer; fixed storage).
  OrderUpdate update_;
  Execution exec_;
  char order_id_buf_[24] = {};

  SimVenueCounters counters_;
};

}  // namespace mm
