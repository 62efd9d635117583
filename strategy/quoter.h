#pragma once
// The quoter: turns the strategy's target ladder into the fewest order actions against our live orders.
//
// Per side, target levels (best first) are matched to live orders in passes:
//   1. a settled order at exactly a target price is kept (or, if its size is out of tolerance, amended in qty
//      only: a smaller qty keeps queue priority on Bybit);
//   2. an in-flight (pending) order at exactly a target price occupies that level;
//   3. a settled order within the price tolerance of a target is kept likewise (hummingbot's
//      order_refresh_tolerance_pct: the order stays where it is), then in-flight ones within tolerance;
//   4. the remaining targets and settled orders are paired in price order and amended (price, and qty when
//      it differs), or, with use_amend off, cancelled and re-created;
//   5. an in-flight order occupies the nearest level still free (never touched, level not re-created);
//   6. targets left over are created, settled orders left over are cancelled.
// Live orders that cannot be amended into the target (older than max_order_age, or reduce-only flag not the
// ladder's) are cancelled and their level re-created.
//
// A target level that would cross our own quotes (a bid >= any of our asks, live or targeted, or the
// reverse) or, for post-only, the market touch, is dropped. Why it still "holds" a live order matched to it
// instead of freeing that order for cancellation: when the market moves by a tick with a one-tick spread, the
// new bid crosses our old ask until the ask's amend lands; cancelling the old bid then would cost two extra
// actions and a gap in the quote. The live order stays as is, which never crosses anything new.
//
// The action budget (tokens per class, from the rate limiter) caps each class. Cancels are chosen first and
// nearest the touch first (they reduce risk); amends and creates nearest the touch first. A create is also
// held back while the side would otherwise rest more orders than it targets (its cancel was deferred), so a
// short budget never grows exposure.
//
// Hot path: no allocation, no exceptions, no clock reads, scratch on the stack (a few KB).
#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/instrument.h"
#include "core/order_request.h"
#include "core/types.h"
#include "strategy/quote.h"

namespace mm {

inline constexpr uint32_t kMaxQuoterLiveOrders = 128;  // per instrument, both sides, in-flight included
inline constexpr uint32_t kMaxQuoteCreates = 2 * kMaxQuoteLevels;
inline constexpr uint32_t kMaxQuoteAmends = 2 * kMaxQuoteLevels;
inline constexpr uint32_t kMaxQuoteCancels = kMaxQuoterLiveOrders;
inline constexpr uint32_t kMaxQuoteBatches = kMaxQuoteCreates + kMaxQuoteAmends + kMaxQuoteCancels;
// Bybit's batch limits per create/amend/cancel-batch request. They mirror net/order_encoder.h, which
// strategy/ may not include; the encoder rejects a larger batch, so a drift shows up as an error, not
// silently.
inline constexpr uint32_t kQuoterMaxBatchItems = 20;      // linear, inverse, option
inline constexpr uint32_t kQuoterMaxSpotBatchItems = 10;  // spot

struct QuoterConfig {
  // Link ids of creates are "<prefix>-<sequence>" (make_link_id). 1..kMaxLinkIdPrefixLen chars of
  // [A-Za-z0-9-_]; copied by configure().
  std::string_view link_id_prefix = "mm";
  // A live order is kept when |live - target| <= max(price_tolerance_ticks, live * price_tolerance_bps / 1e4)
  // and |live qty - target qty| <= max(size_tolerance_lots, target qty * size_tolerance_fraction).
  int64_t price_tolerance_ticks = 0;     // >= 0
  double price_tolerance_bps = 0.0;      // 0 .. 10000
  int64_t size_tolerance_lots = 0;       // >= 0
  double size_tolerance_fraction = 0.0;  // 0 .. 1
  bool use_amend = true;                 // false: every change is cancel + create
  // Orders older than this (now_ns - created_ns >= max_order_age_ns) are cancelled and re-created, like
  // hummingbot's max_order_age. 0: never.
  int64_t max_order_age_ns = 0;
  // A level above the instrument's max_qty is clipped to it when true, dropped when false.
  bool clip_to_max_qty = false;
  // Sizes are rounded down to a multiple of this many lots (1: the instrument's lot step).
  int64_t qty_step_lots = 1;
  TimeInForce time_in_force = TimeInForce::kPostOnly;
  uint8_t position_idx_buy = 0;  // 0 one-way mode; hedge mode: 1 for buys, 2 for sells
  uint8_t position_idx_sell = 0;
  // Items per batch request; 0 = Bybit's limit for the category. Capped at the category's limit.
  uint32_t max_batch_items = 0;
};

enum class QuoterError : uint8_t {
  kOk = 0,
  kBadLinkPrefix,      // configure: prefix empty, too long or with a character outside [A-Za-z0-9-_]
  kBadTolerance,       // configure: a negative, non-finite or out-of-range tolerance
  kBadQtyStep,         // configure: qty_step_lots < 1
  kBadMaxAge,          // configure: max_order_age_ns < 0
  kBadBatchSize,       // configure: max_batch_items > kQuoterMaxBatchItems
  kBadPositionIdx,     // configure: a position_idx above 2
  kNotConfigured,      // diff: configure() never succeeded
  kBadInput,           // diff: instrument or target is null
  kTooManyLiveOrders,  // diff: more than kMaxQuoterLiveOrders live orders
};
std::string_view to_string(QuoterError e) noexcept;

// Tokens available right now per action class (Bybit limits create, amend and cancel separately; a batch
// item costs one token). The Trader fills it from its rate limiter.
struct ActionBudget {
  uint32_t creates = 0;
  uint32_t amends = 0;
  uint32_t cancels = 0;

  static constexpr ActionBudget unlimited() noexcept { return {UINT32_MAX, UINT32_MAX, UINT32_MAX}; }
};

struct QuoteInput {
  const Instrument* instrument = nullptr;
  InstrumentId instrument_id = kNoInstrument;  // copied into every action
  const QuoteLadder* target = nullptr;
  // Our orders on this instrument, resting and in flight, in any order. For a pending amend, report the
  // price nearer the other side (the higher of old/new for a bid, the lower for an ask): the cross check
  // then stays conservative whichever one the exchange holds.
  std::span<const LiveOrder> live;
  int64_t now_ns = 0;
  ActionBudget budget;
  uint64_t next_link_seq = 0;  // sequence of the first create; QuoteActions::next_link_seq is the next one
  // Market touch, for post-only only: a level that would take liquidity is dropped. ticks 0 = unknown.
  Price market_bid;
  Price market_ask;
};

enum class QuoteActionKind : uint8_t { kCancel = 0, kAmend = 1, kCreate = 2 };

// Items [first, first + count) of one action array, to go out as one request. count > 1: a batch request
// (order.create-batch etc.); count == 1: a single request.
struct QuoteBatch {
  QuoteActionKind kind = QuoteActionKind::kCancel;
  uint8_t first = 0;
  uint8_t count = 0;

  constexpr bool is_batch() const noexcept { return count > 1; }
};

// What the last diff suppressed, and why (each a count for this call).
struct QuoterCounters {
  uint32_t kept = 0;              // live orders left alone: within tolerance of their target
  uint32_t pending_occupied = 0;  // target levels held by an in-flight order
  uint32_t dropped_invalid = 0;   // price <= 0, qty <= 0, out of order or duplicate price, notional overflow
  uint32_t dropped_min_qty = 0;   // below the instrument's min_qty (or rounded to 0 lots)
  uint32_t dropped_min_notional = 0;
  uint32_t dropped_max_qty = 0;    // above max_qty with clip_to_max_qty off
  uint32_t clipped_max_qty = 0;    // above max_qty, clipped (still quoted)
  uint32_t crossed_own = 0;        // would cross our own quotes: dropped
  uint32_t crossed_market = 0;     // post-only level that would take liquidity: dropped
  uint32_t aged = 0;               // live orders past max_order_age, cancelled for refresh
  uint32_t deferred_cancels = 0;   // over the cancel budget
  uint32_t deferred_amends = 0;    // over the amend budget
  uint32_t deferred_creates = 0;   // over the create budget
  uint32_t deferred_exposure = 0;  // creates held back because the cancel they replace was deferred
};

// QuoterCounters summed over every diff of a run (the Trader keeps them in TraderCounters::quoter): what
// held the quoter back, for `mm parity` and the run summaries. dropped sums the dropped_* counts.
struct QuoterTotals {
  uint64_t kept = 0, pending_occupied = 0, dropped = 0, crossed_own = 0, crossed_market = 0, aged = 0;
  uint64_t deferred_cancels = 0, deferred_amends = 0, deferred_creates = 0, deferred_exposure = 0;

  void add(const QuoterCounters& c) noexcept {
    kept += c.kept;
    pending_occupied += c.pending_occupied;
    dropped += c.dropped_invalid + c.dropped_min_qty + c.dropped_min_notional + c.dropped_max_qty;
    crossed_own += c.crossed_own;
    crossed_market += c.crossed_market;
    aged += c.aged;
    deferred_cancels += c.deferred_cancels;
    deferred_amends += c.deferred_amends;
    deferred_creates += c.deferred_creates;
    deferred_exposure += c.deferred_exposure;
  }
};

// Output of one diff. Send order: batches in array order (cancels, then amends, then creates).
struct QuoteActions {
  std::array<OrderCancel, kMaxQuoteCancels> cancels{};
  std::array<OrderAmend, kMaxQuoteAmends> amends{};
  std::array<OrderCreate, kMaxQuoteCreates> creates{};
  std::array<QuoteBatch, kMaxQuoteBatches> batches{};
  uint32_t cancel_count = 0;
  uint32_t amend_count = 0;
  uint32_t create_count = 0;
  uint32_t batch_count = 0;
  // LiveOrder::tag of the order each cancel / amend acts on (index i belongs to cancels[i] / amends[i]).
  std::array<uint32_t, kMaxQuoteCancels> cancel_tags{};
  std::array<uint32_t, kMaxQuoteAmends> amend_tags{};
  uint64_t next_link_seq = 0;  // journal this: the first sequence the next diff may use
  QuoterCounters counters;

  std::span<const OrderCancel> cancel_span() const noexcept { return {cancels.data(), cancel_count}; }
  std::span<const OrderAmend> amend_span() const noexcept { return {amends.data(), amend_count}; }
  std::span<const OrderCreate> create_span() const noexcept { return {creates.data(), create_count}; }
  std::span<const QuoteBatch> batch_span() const noexcept { return {batches.data(), batch_count}; }
  // Items of one batch.
  std::span<const OrderCancel> cancels_of(const QuoteBatch& b) const noexcept {
    return {cancels.data() + b.first, b.count};
  }
  std::span<const OrderAmend> amends_of(const QuoteBatch& b) const noexcept {
    return {amends.data() + b.first, b.count};
  }
  std::span<const OrderCreate> creates_of(const QuoteBatch& b) const noexcept {
    return {creates.data() + b.first, b.count};
  }
  uint32_t action_count() const noexcept { return cancel_count + amend_count + create_count; }
  bool empty() const noexcept { return action_count() == 0; }
  // Resets counts and counters; the arrays are left as they are (overwritten by the next diff).
  void reset() noexcept {
    cancel_count = amend_count = create_count = batch_count = 0;
    next_link_seq = 0;
    counters = {};
  }
};

namespace detail {

// Memo of the minimum-notional check: for one valuation (the instrument's tick and lot units and scales),
// min notional and qty, every price in [lo, hi] passes (notional() succeeds and reaches min_notional),
// because for a fixed qty > 0 the notional grows with the price (and so does the overflow risk: a price
// below one that fits fits too). It saves a notional() per target level on most ticks. Keyed by value,
// not by the Instrument's address, so a different instrument can never hit. Mutable: a cache, not state
// (it only ever holds what notional() said, so diff() gives the same actions with or without it).
struct MinNotionalMemo {
  int64_t tick_units = 0;  // 0: empty
  int64_t lot_units = 0;
  int32_t scale = 0;  // price_scale + qty_scale
  int64_t min_notional_units = 0;
  int64_t qty_lots = 0;
  int64_t lo = 0;
  int64_t hi = 0;

  bool same_key(const Instrument& in, int64_t qty) const noexcept {
    return tick_units == in.tick_units && lot_units == in.lot_units && qty_lots == qty &&
           min_notional_units == in.min_notional.units && scale == in.price_scale + in.qty_scale;
  }
};

}  // namespace detail

class Quoter {
 public:
  // Cold path. Validates and compiles the config (tolerances become integer parts per billion). Errors:
  // kBadLinkPrefix, kBadTolerance, kBadQtyStep, kBadMaxAge, kBadBatchSize, kBadPositionIdx; on error the
  // previous configuration stays in force.
  [[nodiscard]] QuoterError configure(const QuoterConfig& cfg) noexcept;

  // Computes the actions that move `in.live` towards `in.target` within `in.budget`. `out` is reset first.
  // Preconditions: in.instrument and in.target are valid for the call; every non-pending live order has a
  // non-empty link_id; the ladder's prices are on the tick grid. Amend qty is the new *remaining* quantity
  // (LiveOrder::qty is leaves): Bybit's amend qty is the whole order's, so the Trader adds the order's filled
  // quantity before sending. Errors (out holds no action): kNotConfigured, kBadInput, kTooManyLiveOrders (the
  // caller's order table is out of hand: cancel all instead).
  [[nodiscard]] QuoterError diff(const QuoteInput& in, QuoteActions& out) const noexcept;

  // Items per batch request for an instrument of `category`: Bybit's limit (kQuoterMaxSpotBatchItems on spot,
  // else kQuoterMaxBatchItems), lowered to max_batch_items when that is set.
  [[nodiscard]] uint32_t batch_items(Category category) const noexcept {
    const uint32_t limit = category == Category::kSpot ? kQuoterMaxSpotBatchItems : kQuoterMaxBatchItems;
    return cfg_.max_batch_items != 0 && cfg_.max_batch_items < limit ? cfg_.max_batch_items : limit;
  }

  // The configuration in force; its link_id_prefix is empty (the prefix lives in this object, see below).
  const QuoterConfig& config() const noexcept { return cfg_; }
  std::string_view link_id_prefix() const noexcept { return {prefix_, prefix_len_}; }

 private:
  QuoterConfig cfg_;
  char prefix_[kMaxLinkIdPrefixLen] = {};
  uint8_t prefix_len_ = 0;
  int64_t price_tol_ppb_ = 0;
  int64_t size_tol_ppb_ = 0;
  bool price_tolerant_ = false;  // a nonzero price tolerance (ticks or bps): the tolerance passes can match
  bool configured_ = false;
  mutable detail::MinNotionalMemo min_notional_memo_;
};

}  // namespace mm
