#pragma once
// The fill engine of the backtester (issue 4): our orders matched against the replayed market of ONE
// instrument. It keeps its own L2 book (core OrderBook, fed by on_book), places our resting orders in the
// market's queue with a queue-position model (sim/queue_model.h) and reports every fill of ours synchronously
// to a FillSink. Latency, fees, funding, rate limits and order lifecycle messages are the venue's
// (sim/sim_venue.h), not the engine's: everything here happens at the exchange's time, the instant it is
// called.
//
// Matching rules (the "no market impact" assumption of replay backtests: the market never reacts to us):
//  - submit, limit: a post-only (TimeInForce::kPostOnly) order that would cross on arrival (buy price >= best
//    ask, sell price <= best bid) is rejected (kRejectedPostOnly) and nothing happens, as Bybit cancels it
//    with EC_PostOnlyWillTakeLiquidity. A crossing GTC/IOC/FOK order takes liquidity level by level from the
//    engine's book, best first, up to its limit price: one taker fill per level at the level's price. The
//    consumed lots are removed from the engine's book until the market data next sets that level (a delta
//    carries absolute sizes, so the next update of the level overwrites our consumption). The rest rests
//    (GTC), is cancelled (IOC), or - FOK - nothing fills unless the whole quantity can (kNoLiquidity, no
//    fill).
//  - submit, market: takes liquidity like an IOC without a price limit (Bybit runs market orders as IOC; its
//    slippage protection is not modelled); `tif` and `price` are ignored.
//  - A resting order joins the back of its level's queue: queue ahead = the displayed size at its price.
//  - on_trade: a print whose aggressor hits our side (taker Sell -> our bids, taker Buy -> our asks):
//      * at a price strictly better for the aggressor than ours (a sell at 99 while we bid 100): the market
//        traded through our price, so the aggressor would have met our order first. kConservative (default):
//        our orders strictly better than the print fill, best price first, as maker at OUR price, for at
//        most the print's size in all (the aggressor's size is fixed: what it gave us, it would not have
//        traded at 99); what is left of the print then runs the queue of our orders at its price.
//        kHftbacktest: every such order fills completely, whatever the print's size (hftbacktest's rule);
//      * at our price: the queue model consumes the queue ahead; what reaches us fills us (partially if less
//        than our leaves), as maker at our price.
//  - on_book: applies the update to the engine's book exactly as OrderBook::apply_snapshot/apply_delta do (so
//    the engine's book equals a core OrderBook fed the same updates, apart from our consumption, below),
//    moves our queue positions at the touched levels (QueueModel::on_level_change / on_snapshot); then, if
//    the opposite side reaches one of our resting orders (best ask <= our bid, best bid >= our ask), the
//    market moved to or through it. kConservative: the reaching levels are liquidity that would have traded
//    with us; our reached orders fill best price first, as maker at their own price, for at most the
//    displayed size at or through their price, and that size is consumed (as a taker order's is).
//    kHftbacktest: every reached order fills completely, whatever the displayed size (hftbacktest's rule).
//  - Consumption (what our fills took from the displayed book): a taker order removes the lots it takes from
//    the engine's book. kConservative remembers them per level: a later update of that level shows the
//    market's size minus what we consumed (never below 0), until the market empties the level (size 0 or
//    absent from a snapshot), so the same displayed lots never fill us twice. At most kMaxConsumed levels a
//    side are remembered (more: the level farthest from the newest one is forgotten). kHftbacktest forgets
//    at once: the next update of the level restores the market's size.
//  - Our own orders never match each other (the taker sweep sees only the market's book), and each resting
//    order's queue position is estimated against the market's queue only (as in hftbacktest): two orders of
//    ours at one price do not queue behind each other.
//
// Determinism: no randomness, no clocks; the same calls give the same fills in the same order.
//
// Cost per call (no allocation, no hashing; everything is sized by the constructor):
//  - on_book: O(levels in the message): per level, a range check against the span of our prices on its
//    side and, inside it, one load of a per-side bucket table indexed by `ticks & (price_buckets - 1)` (a
//    direct-mapped index, not a hash) that is non-empty only where we rest an order; O(our orders at that
//    price) when it is. Plus two compares for the move-through check (a scan of our live orders only when
//    one is reached).
//  - on_trade: O(1) when the print does not reach our best price on its side; O(our orders at that price)
//    when it is exactly our best price; O(live orders) on a trade-through (which fills).
//  - submit/amend/cancel: O(live orders) to find the id (a linear scan over a dense array: a market maker
//    keeps a few to a few dozen live orders, where a scan of one cache line per 8 ids beats any index),
//    plus O(levels taken) for a crossing order.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/events.h"
#include "core/order_book.h"
#include "core/order_request.h"
#include "core/types.h"
#include "sim/queue_model.h"

namespace mm {

// How much of a resting order a print through it, or a book moving to or through it, fills (the matching
// rules above). TOML: [backtest] fill_rule = "conservative" | "hftbacktest".
enum class FillRule : uint8_t {
  kConservative = 0,  // at most the printed or displayed size (what the market really offered)
  kHftbacktest = 1,   // the whole order (hftbacktest's rule; optimistic when our price improves the book)
};

// "conservative", "hftbacktest".
[[nodiscard]] std::string_view to_string(FillRule r) noexcept;
// Parses the spellings of to_string(FillRule). Returns false (out untouched) for anything else.
[[nodiscard]] bool parse_fill_rule(std::string_view s, FillRule& out) noexcept;

struct FillEngineConfig {
  QueueModelConfig queue;
  FillRule fill_rule = FillRule::kConservative;
  // Most live (resting) orders at once, in [1, kMaxOrdersLimit]. Bybit allows 500 open orders per symbol
  // (linear); a market maker uses far fewer, and the id lookup scans the live ones.
  uint32_t max_orders = 256;
  // The engine's OrderBook (see core/order_book.h for sizing): window a power of two in
  // [OrderBook::kMinWindowTicks, OrderBook::kMaxWindowTicks]; overflow capacity >= 1.
  uint32_t book_window_ticks = OrderBook::kDefaultWindowTicks;
  uint32_t book_overflow_capacity = OrderBook::kDefaultOverflowCapacity;
  // Size of the per-side price -> our-orders bucket table: a power of two in [64, 1 << 20]. Prices that are a
  // multiple of it apart share a bucket (correct, only slower), so make it wider than our quoting span.
  uint32_t price_buckets = 4096;

  static constexpr uint32_t kMaxOrdersLimit = 65534;

  // "" when valid, else a message naming the bad field (e.g. "fill_engine.max_orders must be in [1, 65534]").
  [[nodiscard]] std::string validate() const;
};

// One fill of one of our orders.
struct EngineFill {
  uint64_t order_id = 0;
  Side side = Side::kBuy;  // our order's side
  Price price;             // the fill price: our limit (maker) or the level taken (taker)
  Qty qty;                 // > 0
  bool maker = false;
  Qty leaves_after;  // our order's remaining quantity after this fill (0: fully filled, the order is gone)
};

// Receives fills synchronously, in the order they happen, from inside the engine's calls. on_fill must not
// call back into the engine (the engine is mid-update). SimVenue implements it.
class FillSink {
 public:
  virtual void on_fill(const EngineFill& fill) noexcept = 0;

 protected:
  ~FillSink() = default;
};

enum class SubmitResult : uint8_t {
  kRested = 0,                // no fill; the order rests (GTC, post-only)
  kFilled,                    // completely filled on arrival (taker)
  kPartiallyFilledRested,     // GTC: part filled on arrival, the rest rests
  kPartiallyFilledCancelled,  // IOC / market: part filled, the rest cancelled
  kRejectedPostOnly,          // post-only that would cross: nothing happened
  kRejectedFull,              // a GTC / post-only order, and max_orders orders already rest: nothing happened
  kRejectedDuplicate,         // the id is one of our live orders: nothing happened
  kRejectedInvalid,           // qty <= 0; limit price outside [1, kMaxBookPriceTicks]; unknown enum values
  kNoLiquidity,  // IOC / market with nothing to take, or FOK that cannot fill completely: no fill
};

enum class AmendResult : uint8_t {
  kOk = 0,             // applied (a crossing GTC amend may have filled: the fills went to the sink)
  kNotFound,           // no live order with that id (filled, cancelled, never existed)
  kInvalid,            // neither field given; qty <= 0; price outside [1, kMaxBookPriceTicks]
  kQtyNotAboveFilled,  // the new qty is <= the order's filled qty (Bybit rejects such an amend)
  kRejectedPostOnly,   // a post-only order amended to a crossing price: rejected, the order is unchanged
};

enum class CancelResult : uint8_t {
  kOk = 0,    // removed
  kNotFound,  // no live order with that id (already filled or cancelled, or never existed)
};

std::string_view to_string(SubmitResult r) noexcept;
std::string_view to_string(AmendResult r) noexcept;
std::string_view to_string(CancelResult r) noexcept;

// Read-only view of one live order.
struct EngineOrder {
  uint64_t id = 0;
  Side side = Side::kBuy;
  TimeInForce tif = TimeInForce::kGtc;
  Price price;
  Qty qty;                   // total order quantity (after amends)
  Qty filled;                // cumulative filled
  Qty leaves;                // qty - filled, > 0 while live
  double queue_ahead = 0.0;  // the model's estimate of the lots ahead of us at our price
};

struct FillEngineCounters {
  uint64_t fills = 0;
  uint64_t maker_fills = 0;
  uint64_t taker_fills = 0;
  uint64_t trade_through_fills = 0;  // maker fills by a print through our price
  uint64_t move_through_fills = 0;   // maker fills by the opposite side moving to / through our price
  uint64_t consumed_forgotten = 0;   // kConservative: consumed levels forgotten because the table was full
  uint64_t book_errors = 0;          // on_book calls the core book refused in part (see OrderBook)
};

class FillEngine {
 public:
  // Throws std::invalid_argument with config.validate()'s message when the config is invalid.
  explicit FillEngine(const FillEngineConfig& config);
  ~FillEngine();
  FillEngine(const FillEngine&) = delete;
  FillEngine& operator=(const FillEngine&) = delete;

  // Market data at exchange time, for the engine's instrument (the instrument field is not checked).
  // Applies a snapshot or delta (see the matching rules above). Returns the core book's verdict (kOk, or
  // kBadPrice / kBadQty: nothing applied and no order touched; kOverflowFull: applied in part, as OrderBook).
  BookError on_book(const BookUpdate& u, FillSink& sink) noexcept;

  // A public trade print. Prints with qty <= 0 or an invalid price are ignored.
  void on_trade(const TradeEvent& t, FillSink& sink) noexcept;

  // A new order of ours with the venue's id (unique among live orders). `price` is ignored for market orders.
  // Fills (taker) go to the sink before the call returns. Returns one of SubmitResult (see there).
  SubmitResult submit(uint64_t id, Side side, OrderType type, TimeInForce tif, Price price, Qty qty,
                      FillSink& sink) noexcept;

  // Bybit's amend: `price` a new limit price, `qty` the new TOTAL order quantity (Bybit's amend "qty", filled
  // part included). A price change or a qty increase loses queue priority (the order re-joins the back of its
  // level); a qty decrease alone keeps it. A GTC/IOC-style order amended to a crossing price takes liquidity
  // like a new order, then rests its leaves; a post-only one is refused (kRejectedPostOnly, unchanged).
  // Errors: kNotFound, kInvalid, kQtyNotAboveFilled, kRejectedPostOnly (nothing changed on any error).
  AmendResult amend(uint64_t id, std::optional<Price> price, std::optional<Qty> qty, FillSink& sink) noexcept;

  // Removes a live order. kOk, or kNotFound (already filled or cancelled, or never existed).
  CancelResult cancel(uint64_t id) noexcept;

  // Cancels every live order (of one side if given). Returns how many were removed.
  size_t cancel_all(std::optional<Side> side = std::nullopt) noexcept;

  // Views.
  [[nodiscard]] const OrderBook& book() const noexcept { return book_; }
  [[nodiscard]] std::optional<EngineOrder> order(uint64_t id) const noexcept;
  [[nodiscard]] size_t live_orders() const noexcept { return live_count_; }
  [[nodiscard]] const FillEngineCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] const QueueModel& queue_model() const noexcept { return model_; }

  // Calls f(const EngineOrder&) for every live order (order unspecified).
  template <class F>
  void for_each_order(F&& f) const {
    for (uint32_t k = 0; k < live_count_; ++k) f(view(live_[k]));
  }

 private:
  static constexpr uint16_t kNil = 0xFFFF;

  struct Slot {
    uint64_t id = 0;
    int64_t price = 0;   // ticks
    int64_t qty = 0;     // total lots
    int64_t filled = 0;  // lots
    QueuePosition queue;
    uint16_t next = kNil;  // bucket chain
    uint16_t prev = kNil;
    uint16_t live_index = 0;  // position in live_
    uint32_t mark = 0;        // on_book epoch in which the slot was last collected
    Side side = Side::kBuy;
    TimeInForce tif = TimeInForce::kGtc;
  };

  [[nodiscard]] EngineOrder view(uint16_t s) const noexcept;
  [[nodiscard]] uint16_t find(uint64_t id) const noexcept;
  [[nodiscard]] uint32_t bucket(int64_t ticks) const noexcept {
    return static_cast<uint32_t>(static_cast<uint64_t>(ticks) & bucket_mask_);
  }
  [[nodiscard]] bool crosses(Side side, int64_t price) const noexcept;
  // Takes up to `want` lots for order `id` from the opposite side of the book, best level first, within
  // `limit` (inclusive); one taker fill per level. total_qty/filled_before give the fills' leaves_after.
  // Returns the lots.
  int64_t take(uint64_t id, Side side, int64_t limit, int64_t want, int64_t total_qty, int64_t filled_before,
               FillSink& sink) noexcept;
  // Lots available to an order of `side` within `limit`, counting up to `want` (FOK's check).
  [[nodiscard]] int64_t available(Side side, int64_t limit, int64_t want) const noexcept;
  // Puts a new resting order in a free slot (precondition: one is free) at the back of its level.
  uint16_t rest(uint64_t id, Side side, TimeInForce tif, int64_t price, int64_t qty, int64_t filled) noexcept;
  void link(uint16_t s) noexcept;    // into its price bucket
  void unlink(uint16_t s) noexcept;  // out of its price bucket
  void drop(uint16_t s) noexcept;  // out of the bucket and the live list, slot freed; own ranges not updated
  void remove(uint16_t s) noexcept;          // drop + own ranges kept right
  void recompute_range(Side side) noexcept;  // own_best_/own_lo_/own_hi_ of one side from the live orders
  // Fills min(lots, leaves) of resting order s as maker at its price; removes it when done. Returns true if
  // gone.
  bool maker_fill(uint16_t s, int64_t lots, FillSink& sink) noexcept;
  // After a book change: fills every resting order that the opposite side's best reaches (only the sides
  // opposite to a changed side are looked at).
  void fill_reached(bool bids_changed, bool asks_changed, FillSink& sink) noexcept;
  // kConservative's move-through for one side: reached orders, best price first, against the displayed size.
  void fill_reached_capped(Side side, FillSink& sink) noexcept;
  // kConservative's trade-through: orders strictly better than the print share its size, best price first;
  // returns the lots of the print left for the orders at its price.
  int64_t fill_through_capped(Side side, int64_t print_ticks, int64_t print_lots, FillSink& sink) noexcept;
  // Runs the queue of our orders of `side` at exactly `ticks` against a print of `lots`.
  void fill_at_print(Side side, int64_t ticks, int64_t lots, FillSink& sink) noexcept;
  // Removes `lots` from the engine's level (side, ticks) and, under kConservative, remembers them.
  void consume(Side side, int64_t ticks, int64_t lots, int64_t level_lots) noexcept;
  // After the market set levels of a side: subtracts what we consumed there (delta: the message's levels;
  // snapshot: every remembered level); forgets a level the market emptied.
  void reapply_consumed(Side side, const PriceLevel* levels, uint32_t count) noexcept;
  void reapply_consumed_snapshot(Side side) noexcept;
  void after_market_set(const BookUpdate& u) noexcept;
  void forget_consumed(Side side, uint32_t k) noexcept;

  struct Consumed {
    int64_t ticks = 0;
    int64_t lots = 0;
  };

 public:
  static constexpr uint32_t kMaxConsumed = 32;  // remembered consumed levels per side

 private:
  QueueModel model_;
  FillRule rule_;
  OrderBook book_;
  Consumed consumed_[2][kMaxConsumed];
  uint32_t consumed_count_[2] = {0, 0};
  int64_t consumed_lo_[2] = {0, 0};  // price span of the remembered levels (meaningful when count != 0)
  int64_t consumed_hi_[2] = {0, 0};
  std::unique_ptr<Slot[]> slots_;
  std::unique_ptr<uint16_t[]> live_;     // dense list of live slot indices
  std::unique_ptr<uint16_t[]> free_;     // stack of free slot indices
  std::unique_ptr<uint16_t[]> buckets_;  // [2 * price_buckets]: head slot per side and bucket, kNil if none
  std::unique_ptr<uint16_t[]> touched_;  // scratch for on_book: slots at touched levels
  std::unique_ptr<int64_t[]> touched_prev_;  // their level sizes before the update
  uint64_t bucket_mask_ = 0;
  uint32_t epoch_ = 0;
  uint32_t max_orders_ = 0;
  uint32_t live_count_ = 0;
  uint32_t free_count_ = 0;
  uint32_t side_count_[2] = {0, 0};
  // Our best resting price per side (bid: highest, ask: lowest); meaningful only when side_count_ != 0.
  int64_t own_best_[2] = {0, 0};
  // Lowest and highest price of our resting orders per side: a book level outside [lo, hi] cannot touch any
  // of them, so on_book skips it with two compares (most levels of a message are away from our quotes).
  int64_t own_lo_[2] = {0, 0};
  int64_t own_hi_[2] = {0, 0};
  FillEngineCounters counters_;
};

}  // namespace mm
