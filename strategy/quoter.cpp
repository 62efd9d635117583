#include "strategy/quoter.h"

#include <cmath>

namespace mm {

std::string_view to_string(QuoterError e) noexcept {
  switch (e) {
    case QuoterError::kOk:
      return "ok";
    case QuoterError::kBadLinkPrefix:
      return "bad_link_prefix";
    case QuoterError::kBadTolerance:
      return "bad_tolerance";
    case QuoterError::kBadQtyStep:
      return "bad_qty_step";
    case QuoterError::kBadMaxAge:
      return "bad_max_age";
    case QuoterError::kBadBatchSize:
      return "bad_batch_size";
    case QuoterError::kBadPositionIdx:
      return "bad_position_idx";
    case QuoterError::kNotConfigured:
      return "not_configured";
    case QuoterError::kBadInput:
      return "bad_input";
    case QuoterError::kTooManyLiveOrders:
      return "too_many_live_orders";
  }
  return "unknown";
}

QuoterError Quoter::configure(const QuoterConfig& cfg) noexcept {
  const std::string_view p = cfg.link_id_prefix;
  if (p.empty() || p.size() > kMaxLinkIdPrefixLen) return QuoterError::kBadLinkPrefix;
  for (char c : p) {
    if (!is_link_id_char(c)) return QuoterError::kBadLinkPrefix;
  }
  if (cfg.price_tolerance_ticks < 0 || cfg.size_tolerance_lots < 0) return QuoterError::kBadTolerance;
  if (!std::isfinite(cfg.price_tolerance_bps) || cfg.price_tolerance_bps < 0.0 ||
      cfg.price_tolerance_bps > 10000.0) {
    return QuoterError::kBadTolerance;
  }
  if (!std::isfinite(cfg.size_tolerance_fraction) || cfg.size_tolerance_fraction < 0.0 ||
      cfg.size_tolerance_fraction > 1.0) {
    return QuoterError::kBadTolerance;
  }
  if (cfg.qty_step_lots < 1) return QuoterError::kBadQtyStep;
  if (cfg.max_order_age_ns < 0) return QuoterError::kBadMaxAge;
  if (cfg.max_batch_items > kQuoterMaxBatchItems) return QuoterError::kBadBatchSize;
  if (cfg.position_idx_buy > 2 || cfg.position_idx_sell > 2) return QuoterError::kBadPositionIdx;

  cfg_ = cfg;
  cfg_.link_id_prefix = {};  // the view may dangle after this call: the prefix is copied below
  for (size_t i = 0; i < p.size(); ++i) prefix_[i] = p[i];
  prefix_len_ = static_cast<uint8_t>(p.size());
  // 1 bp = 1e-4 = 1e5 parts per billion. Integers from here on: the hot path compares ticks and lots only.
  price_tol_ppb_ = std::llround(cfg.price_tolerance_bps * 1e5);
  price_tolerant_ = cfg.price_tolerance_ticks > 0 || price_tol_ppb_ > 0;
  size_tol_ppb_ = std::llround(cfg.size_tolerance_fraction * 1e9);
  configured_ = true;
  return QuoterError::kOk;
}

namespace {

constexpr int kBid = 0;
constexpr int kAsk = 1;
constexpr int64_t kPpb = 1'000'000'000;

enum class TargetState : uint8_t {
  kFree,     // unmatched: created in the end unless blocked
  kPending,  // occupied by an in-flight order
  kKept,     // matched to a live order within tolerance
  kAmended,  // matched to a live order that gets an amend
  kHeld,     // blocked (would cross) and matched: the live order stays as is
};

enum class LiveState : uint8_t {
  kFree,     // eligible for keep/amend, not matched yet: cancelled in the end
  kPending,  // in flight: never acted on
  kMatched,  // kept, amended, held, or an in-flight order occupying a level
  kCancel,   // cannot become its target (aged, reduce-only flag, size change without amend): cancelled
};

struct TargetLevel {
  Price price;
  Qty qty;
  bool blocked = false;
  bool amend_price = false;
  bool amend_qty = false;
  TargetState state = TargetState::kFree;
  uint8_t live_pos = 0;  // position in SideScratch::live when matched
};

struct SideScratch {
  std::array<TargetLevel, kMaxQuoteLevels> targets;
  uint32_t target_count = 0;
  std::array<uint8_t, kMaxQuoterLiveOrders> live;     // indices into QuoteInput::live, best price first
  std::array<int64_t, kMaxQuoterLiveOrders> live_px;  // their prices: the passes scan these, not the orders
  std::array<LiveState, kMaxQuoterLiveOrders> live_state;
  uint32_t live_count = 0;
  uint32_t pending_count = 0;
  // Rank-ordered action candidates (rank = position best first, so nearest the touch first).
  std::array<uint8_t, kMaxQuoterLiveOrders> cancel_pos;  // positions in `live`
  uint32_t cancel_count = 0;
  std::array<uint8_t, kMaxQuoteLevels> amend_target;  // indices in `targets`
  uint32_t amend_count = 0;
  std::array<uint8_t, kMaxQuoteLevels> create_target;
  uint32_t create_count = 0;
};

constexpr bool better(int side, Price a, Price b) noexcept {
  return side == kBid ? a.ticks > b.ticks : a.ticks < b.ticks;
}

constexpr int64_t abs_diff(int64_t a, int64_t b) noexcept {
  return a > b ? a - b : b - a;
}

// max(abs, base * ppb / 1e9); base is a price in ticks or a qty in lots, both >= 0 in practice.
// Why the 64-bit product first: a 128-bit division is a libgcc call (__divti3, even by a constant), and the
// matching passes evaluate this per candidate order (perf, `mm replay --config examples/fixed.toml`: __divti3
// 1.7 % of the samples, Quoter::diff 8.4 %). A product that fits gives the same quotient (both > 0).
inline int64_t tolerance(int64_t abs, int64_t ppb, int64_t base) noexcept {
  if (ppb == 0 || base <= 0) return abs;
  int64_t product = 0;
  const int64_t rel = __builtin_mul_overflow(base, ppb, &product)
                          ? static_cast<int64_t>(static_cast<Int128>(base) * ppb / kPpb)
                          : product / kPpb;
  return rel > abs ? rel : abs;
}

struct RankedItem {
  uint32_t rank;
  uint32_t index;
};

// Walks the rank-ordered lists of both sides together, nearest the touch first (bids first on a tie), and
// calls f(side, item).
template <class GetCount, class GetItem, class F>
inline void merge_by_rank(const SideScratch (&sides)[2], GetCount count, GetItem item, F&& f) noexcept {
  uint32_t i = 0;
  uint32_t j = 0;
  const uint32_t n0 = count(sides[kBid]);
  const uint32_t n1 = count(sides[kAsk]);
  while (i < n0 || j < n1) {
    const bool take_bid = j >= n1 || (i < n0 && item(sides[kBid], i).rank <= item(sides[kAsk], j).rank);
    if (take_bid) {
      f(kBid, item(sides[kBid], i).index);
      ++i;
    } else {
      f(kAsk, item(sides[kAsk], j).index);
      ++j;
    }
  }
}

// Everything one diff works on: both sides, and the extreme prices of our live orders (the self-cross
// limits).
struct DiffScratch {
  SideScratch sides[2];
  int64_t live_max_bid = INT64_MIN;
  int64_t live_min_ask = INT64_MAX;
};

// The compiled configuration the matching pass reads.
struct MatchRules {
  const QuoterConfig& cfg;
  int64_t price_tol_ppb;
  int64_t size_tol_ppb;
  bool price_tolerant;
};

// ---------------------------------------------------------------------------------------------------------
// Pass 1, collect: live orders per side, best first (insertion sort: a handful of orders per side).

void collect_live(std::span<const LiveOrder> live, DiffScratch& d) noexcept {
  for (uint32_t i = 0; i < live.size(); ++i) {
    const LiveOrder& o = live[i];
    const int s = o.side == Side::kBuy ? kBid : kAsk;
    if (s == kBid && o.price.ticks > d.live_max_bid) d.live_max_bid = o.price.ticks;
    if (s == kAsk && o.price.ticks < d.live_min_ask) d.live_min_ask = o.price.ticks;
    SideScratch& sd = d.sides[s];
    uint32_t k = sd.live_count++;
    while (k > 0 && better(s, o.price, Price{sd.live_px[k - 1]})) {
      sd.live[k] = sd.live[k - 1];
      sd.live_px[k] = sd.live_px[k - 1];
      --k;
    }
    sd.live[k] = static_cast<uint8_t>(i);
    sd.live_px[k] = o.price.ticks;
    if (o.pending) ++sd.pending_count;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Pass 2, filter: target levels within the instrument's limits and the ladder's ordering.

// Whether `qty` at `px` reaches the instrument's minimum notional (false also when the notional overflows,
// counted as invalid). The memo remembers the price range already known to pass (detail::MinNotionalMemo).
bool passes_min_notional(const Instrument& inst, Price px, Qty qty, detail::MinNotionalMemo& memo,
                         QuoterCounters& ctr) noexcept {
  if (inst.min_notional.units <= 0) return true;
  const bool same_key = memo.same_key(inst, qty.lots);
  if (same_key && px.ticks >= memo.lo && px.ticks <= memo.hi) return true;
  Money value;
  if (!notional(inst, px, qty, value)) {
    ++ctr.dropped_invalid;
    return false;
  }
  if (value < inst.min_notional) {
    ++ctr.dropped_min_notional;
    return false;
  }
  if (!same_key) {
    const int32_t scale = inst.price_scale + inst.qty_scale;
    memo = {inst.tick_units, inst.lot_units, scale, inst.min_notional.units, qty.lots, px.ticks, px.ticks};
  } else if (px.ticks < memo.lo) {
    memo.lo = px.ticks;
  } else {
    memo.hi = px.ticks;  // outside [lo, hi] and not below: above
  }
  return true;
}

void filter_targets(const QuoteLadder& ladder, const Instrument& inst, const QuoterConfig& cfg,
                    detail::MinNotionalMemo& memo, DiffScratch& d, QuoterCounters& ctr) noexcept {
  for (int s = kBid; s <= kAsk; ++s) {
    const QuoteLevel* levels = s == kBid ? ladder.bids.data() : ladder.asks.data();
    uint32_t n = s == kBid ? ladder.bid_count : ladder.ask_count;
    if (n > kMaxQuoteLevels) n = kMaxQuoteLevels;
    SideScratch& sd = d.sides[s];
    for (uint32_t i = 0; i < n; ++i) {
      const Price px = levels[i].price;
      Qty qty = levels[i].qty;
      if (px.ticks <= 0 || qty.lots <= 0 ||
          (sd.target_count > 0 && !better(s, sd.targets[sd.target_count - 1].price, px))) {
        ++ctr.dropped_invalid;
        continue;
      }
      if (inst.max_qty.lots > 0 && qty > inst.max_qty) {
        if (!cfg.clip_to_max_qty) {
          ++ctr.dropped_max_qty;
          continue;
        }
        qty = inst.max_qty;
        ++ctr.clipped_max_qty;
      }
      if (cfg.qty_step_lots > 1) qty.lots -= qty.lots % cfg.qty_step_lots;
      if (qty.lots <= 0 || qty < inst.min_qty) {
        ++ctr.dropped_min_qty;
        continue;
      }
      if (!passes_min_notional(inst, px, qty, memo, ctr)) continue;
      TargetLevel& t = sd.targets[sd.target_count++];
      t = TargetLevel{};
      t.price = px;
      t.qty = qty;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Pass 3, self-cross: a bid must stay below every ask of ours, live or targeted, and the reverse (and, for
// post-only, below the market's ask). The best target of each side is taken before blocking, so two crossing
// target sides both drop their crossing levels.

void block_self_cross(const QuoteInput& in, bool post_only, DiffScratch& d, QuoterCounters& ctr) noexcept {
  SideScratch& bids = d.sides[kBid];
  SideScratch& asks = d.sides[kAsk];
  const int64_t best_target_bid = bids.target_count > 0 ? bids.targets[0].price.ticks : INT64_MIN;
  const int64_t best_target_ask = asks.target_count > 0 ? asks.targets[0].price.ticks : INT64_MAX;
  const int64_t bid_ceiling = d.live_min_ask < best_target_ask ? d.live_min_ask : best_target_ask;
  const int64_t ask_floor = d.live_max_bid > best_target_bid ? d.live_max_bid : best_target_bid;
  for (uint32_t i = 0; i < bids.target_count; ++i) {
    TargetLevel& t = bids.targets[i];
    if (t.price.ticks >= bid_ceiling) {
      t.blocked = true;
      ++ctr.crossed_own;
    } else if (post_only && in.market_ask.ticks > 0 && t.price >= in.market_ask) {
      t.blocked = true;
      ++ctr.crossed_market;
    }
  }
  for (uint32_t i = 0; i < asks.target_count; ++i) {
    TargetLevel& t = asks.targets[i];
    if (t.price.ticks <= ask_floor) {
      t.blocked = true;
      ++ctr.crossed_own;
    } else if (post_only && in.market_bid.ticks > 0 && t.price <= in.market_bid) {
      t.blocked = true;
      ++ctr.crossed_market;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Pass 4, match (per side): target levels against live orders, in the order of quoter.h's header comment.

class SideMatch {
 public:
  SideMatch(const QuoteInput& in, const MatchRules& rules, SideScratch& sd, QuoterCounters& ctr) noexcept
      : in_(in), rules_(rules), sd_(sd), ctr_(ctr) {}

  void run(bool ladder_reduce_only) noexcept {
    mark_eligibility(ladder_reduce_only);
    // Why this order: an order already at the right price, settled or in flight, wins its level; settled
    // orders are paired before in-flight ones take what is left, because an in-flight order is often a
    // cancel (the quoter cannot tell) and letting it claim a level would cancel a good order in its place.
    // With a zero price tolerance the tolerance passes repeat the exact ones: a target still free after the
    // exact passes has no candidate at distance 0 left (the pending pass only takes orders, never frees one).
    const bool any_pending = sd_.pending_count > 0;
    const auto exact = [](int64_t) { return int64_t{0}; };
    const auto within_tolerance = [this](int64_t px) {
      return tolerance(rules_.cfg.price_tolerance_ticks, rules_.price_tol_ppb, px);
    };
    const auto settle = [this](TargetLevel& t, uint32_t p) { settle_at(t, p); };
    const auto occupy = [this](TargetLevel& t, uint32_t p) { occupy_with(t, p); };
    match_nearest(LiveState::kFree, exact, settle);
    if (any_pending) match_nearest(LiveState::kPending, exact, occupy);
    if (rules_.price_tolerant) {
      match_nearest(LiveState::kFree, within_tolerance, settle);
      if (any_pending) match_nearest(LiveState::kPending, within_tolerance, occupy);
    }
    pair_in_price_order();
    occupy_nearest_free();
    list_candidates();
  }

 private:
  const LiveOrder& order(uint32_t pos) const noexcept { return in_.live[sd_.live[pos]]; }

  // A settled order that cannot become its target is cancelled (and the level re-created).
  void mark_eligibility(bool ladder_reduce_only) noexcept {
    const QuoterConfig& cfg = rules_.cfg;
    for (uint32_t p = 0; p < sd_.live_count; ++p) {
      const LiveOrder& o = order(p);
      if (o.pending) {
        sd_.live_state[p] = LiveState::kPending;
        continue;
      }
      const bool aged = cfg.max_order_age_ns > 0 && in_.now_ns - o.created_ns >= cfg.max_order_age_ns;
      if (aged) ++ctr_.aged;
      sd_.live_state[p] = aged || o.reduce_only != ladder_reduce_only ? LiveState::kCancel : LiveState::kFree;
    }
  }

  // A settled order whose price is (near enough) its target's: kept, held, amended in size, or (size off and
  // no amend) marked for cancellation with the target left free.
  void settle_at(TargetLevel& t, uint32_t p) noexcept {
    const QuoterConfig& cfg = rules_.cfg;
    const LiveOrder& o = order(p);
    t.live_pos = static_cast<uint8_t>(p);
    if (t.blocked) {
      t.state = TargetState::kHeld;
    } else if (abs_diff(o.qty.lots, t.qty.lots) <=
               tolerance(cfg.size_tolerance_lots, rules_.size_tol_ppb, t.qty.lots)) {
      t.state = TargetState::kKept;
      ++ctr_.kept;
    } else if (cfg.use_amend) {
      // Size only: the price stays where it is (a smaller qty keeps queue priority).
      t.state = TargetState::kAmended;
      t.amend_qty = true;
    } else {
      sd_.live_state[p] = LiveState::kCancel;
      return;
    }
    sd_.live_state[p] = LiveState::kMatched;
  }

  // An in-flight order: its level counts as occupied, nothing is sent for either.
  void occupy_with(TargetLevel& t, uint32_t p) noexcept {
    t.state = TargetState::kPending;
    t.live_pos = static_cast<uint8_t>(p);
    sd_.live_state[p] = LiveState::kMatched;
    ++ctr_.pending_occupied;
  }

  // For each free target, best first, the nearest live order in state `want` within `max_dist(live price)`,
  // handed to `on_match`.
  template <class MaxDist, class OnMatch>
  void match_nearest(LiveState want, const MaxDist& max_dist, const OnMatch& on_match) noexcept {
    for (uint32_t t = 0; t < sd_.target_count; ++t) {
      TargetLevel& tl = sd_.targets[t];
      if (tl.state != TargetState::kFree) continue;
      uint32_t best = UINT32_MAX;
      int64_t best_dist = INT64_MAX;
      for (uint32_t p = 0; p < sd_.live_count; ++p) {
        if (sd_.live_state[p] != want) continue;
        const int64_t px = sd_.live_px[p];
        const int64_t d = abs_diff(px, tl.price.ticks);
        if (d < best_dist && d <= max_dist(px)) {
          best_dist = d;
          best = p;
        }
      }
      if (best != UINT32_MAX) on_match(tl, best);
    }
  }

  // What is left pairs in price order: amended (or, without amend, cancelled and re-created). A blocked
  // target holds its partner as is.
  void pair_in_price_order() noexcept {
    uint32_t p = 0;
    for (uint32_t t = 0; t < sd_.target_count; ++t) {
      TargetLevel& tl = sd_.targets[t];
      if (tl.state != TargetState::kFree) continue;
      while (p < sd_.live_count && sd_.live_state[p] != LiveState::kFree) ++p;
      if (p == sd_.live_count) break;
      if (!tl.blocked && !rules_.cfg.use_amend) continue;  // cancel + create: leave both unmatched
      const LiveOrder& o = order(p);
      tl.live_pos = static_cast<uint8_t>(p);
      sd_.live_state[p] = LiveState::kMatched;
      if (tl.blocked) {
        tl.state = TargetState::kHeld;
      } else {
        tl.amend_price = o.price != tl.price;
        tl.amend_qty = o.qty != tl.qty;
        tl.state = tl.amend_price || tl.amend_qty ? TargetState::kAmended : TargetState::kKept;
        if (tl.state == TargetState::kKept) ++ctr_.kept;
      }
      ++p;
    }
  }

  // Levels still free would be created: each in-flight order, best first, occupies its nearest instead.
  void occupy_nearest_free() noexcept {
    for (uint32_t p = 0; p < sd_.live_count; ++p) {
      if (sd_.live_state[p] != LiveState::kPending) continue;
      const int64_t px = sd_.live_px[p];
      uint32_t best = UINT32_MAX;
      int64_t best_dist = INT64_MAX;
      for (uint32_t t = 0; t < sd_.target_count; ++t) {
        if (sd_.targets[t].state != TargetState::kFree) continue;
        const int64_t d = abs_diff(sd_.targets[t].price.ticks, px);
        if (d < best_dist) {
          best_dist = d;
          best = t;
        }
      }
      if (best != UINT32_MAX) occupy_with(sd_.targets[best], p);
    }
  }

  // Action candidates, in rank order (best first: nearest the touch first).
  void list_candidates() noexcept {
    for (uint32_t t = 0; t < sd_.target_count; ++t) {
      const TargetLevel& tl = sd_.targets[t];
      if (tl.state == TargetState::kAmended) {
        sd_.amend_target[sd_.amend_count++] = static_cast<uint8_t>(t);
      } else if (tl.state == TargetState::kFree && !tl.blocked) {
        sd_.create_target[sd_.create_count++] = static_cast<uint8_t>(t);
      }
    }
    for (uint32_t p = 0; p < sd_.live_count; ++p) {
      if (sd_.live_state[p] == LiveState::kFree || sd_.live_state[p] == LiveState::kCancel) {
        sd_.cancel_pos[sd_.cancel_count++] = static_cast<uint8_t>(p);
      }
    }
  }

  const QuoteInput& in_;
  const MatchRules& rules_;
  SideScratch& sd_;
  QuoterCounters& ctr_;
};

// ---------------------------------------------------------------------------------------------------------
// Pass 5, emit: within the budget, cancels first, then amends, then creates; each nearest the touch first.

// Writes the cancels; cancels_sent[side] counts them per side (the creates' exposure rule reads it).
void emit_cancels(const QuoteInput& in, const DiffScratch& d, QuoteActions& out,
                  uint32_t (&cancels_sent)[2]) noexcept {
  QuoterCounters& ctr = out.counters;
  uint32_t tokens = in.budget.cancels;
  merge_by_rank(
      d.sides, [](const SideScratch& sd) { return sd.cancel_count; },
      [](const SideScratch& sd, uint32_t k) {
        return RankedItem{sd.cancel_pos[k], sd.cancel_pos[k]};
      },
      [&](int s, uint32_t pos) {
        if (tokens == 0) {
          ++ctr.deferred_cancels;
          return;
        }
        --tokens;
        ++cancels_sent[s];
        const LiveOrder& l = in.live[d.sides[s].live[pos]];
        out.cancel_tags[out.cancel_count] = l.tag;
        OrderCancel& c = out.cancels[out.cancel_count++];
        c.instrument = in.instrument_id;
        c.id_kind = OrderIdKind::kLinkId;
        c.link_id = l.link_id;
      });
}

void emit_amends(const QuoteInput& in, const DiffScratch& d, QuoteActions& out) noexcept {
  QuoterCounters& ctr = out.counters;
  uint32_t tokens = in.budget.amends;
  merge_by_rank(
      d.sides, [](const SideScratch& sd) { return sd.amend_count; },
      [](const SideScratch& sd, uint32_t k) {
        return RankedItem{sd.amend_target[k], sd.amend_target[k]};
      },
      [&](int s, uint32_t t) {
        if (tokens == 0) {
          ++ctr.deferred_amends;
          return;
        }
        --tokens;
        const TargetLevel& tl = d.sides[s].targets[t];
        const LiveOrder& l = in.live[d.sides[s].live[tl.live_pos]];
        out.amend_tags[out.amend_count] = l.tag;
        OrderAmend& a = out.amends[out.amend_count++];
        a.instrument = in.instrument_id;
        a.id_kind = OrderIdKind::kLinkId;
        a.link_id = l.link_id;
        a.price = tl.amend_price ? std::optional<Price>(tl.price) : std::nullopt;
        a.qty = tl.amend_qty ? std::optional<Qty>(tl.qty) : std::nullopt;
      });
}

// A create is also held back while its side would rest more orders than it targets (its cancel was
// deferred). Returns false only if make_link_id refuses the prefix (unreachable: configure() validated it).
bool emit_creates(const QuoteInput& in, const QuoterConfig& cfg, std::string_view prefix,
                  const DiffScratch& d, const uint32_t (&cancels_sent)[2], QuoteActions& out) noexcept {
  QuoterCounters& ctr = out.counters;
  const QuoteLadder& ladder = *in.target;
  bool ok = true;
  uint32_t tokens = in.budget.creates;
  uint32_t created[2] = {0, 0};
  merge_by_rank(
      d.sides, [](const SideScratch& sd) { return sd.create_count; },
      [](const SideScratch& sd, uint32_t k) {
        return RankedItem{sd.create_target[k], sd.create_target[k]};
      },
      [&](int s, uint32_t t) {
        if (tokens == 0) {
          ++ctr.deferred_creates;
          return;
        }
        const SideScratch& sd = d.sides[s];
        // Never rest more orders on a side than it targets: a create waits for the cancel it replaces.
        if (sd.live_count - cancels_sent[s] + created[s] >= sd.target_count) {
          ++ctr.deferred_exposure;
          return;
        }
        OrderCreate& c = out.creates[out.create_count];
        if (make_link_id(prefix, out.next_link_seq, c.link_id) != LinkIdError::kOk) {
          ok = false;
          return;
        }
        ++out.next_link_seq;
        ++out.create_count;
        --tokens;
        ++created[s];
        const TargetLevel& tl = sd.targets[t];
        c.instrument = in.instrument_id;
        c.side = s == kBid ? Side::kBuy : Side::kSell;
        c.type = OrderType::kLimit;
        c.tif = cfg.time_in_force;
        c.reduce_only = ladder.reduce_only;
        c.position_idx = s == kBid ? cfg.position_idx_buy : cfg.position_idx_sell;
        c.price = tl.price;
        c.qty = tl.qty;
      });
  return ok;
}

// Batches: consecutive items of one kind, at most per_batch each.
void group_batches(uint32_t per_batch, QuoteActions& out) noexcept {
  const auto group = [&](QuoteActionKind kind, uint32_t count) {
    for (uint32_t first = 0; first < count; first += per_batch) {
      const uint32_t n = count - first < per_batch ? count - first : per_batch;
      out.batches[out.batch_count++] = QuoteBatch{kind, static_cast<uint8_t>(first), static_cast<uint8_t>(n)};
    }
  };
  group(QuoteActionKind::kCancel, out.cancel_count);
  group(QuoteActionKind::kAmend, out.amend_count);
  group(QuoteActionKind::kCreate, out.create_count);
}

}  // namespace

// The passes, in order: collect, filter, self-cross, match, emit (each a function above, named after it).
QuoterError Quoter::diff(const QuoteInput& in, QuoteActions& out) const noexcept {
  out.reset();
  out.next_link_seq = in.next_link_seq;
  if (!configured_) return QuoterError::kNotConfigured;
  if (in.instrument == nullptr || in.target == nullptr) return QuoterError::kBadInput;
  if (in.live.size() > kMaxQuoterLiveOrders) return QuoterError::kTooManyLiveOrders;

  DiffScratch d;
  collect_live(in.live, d);
  filter_targets(*in.target, *in.instrument, cfg_, min_notional_memo_, d, out.counters);
  block_self_cross(in, cfg_.time_in_force == TimeInForce::kPostOnly, d, out.counters);
  const MatchRules rules{cfg_, price_tol_ppb_, size_tol_ppb_, price_tolerant_};
  for (SideScratch& sd : d.sides) SideMatch(in, rules, sd, out.counters).run(in.target->reduce_only);

  uint32_t cancels_sent[2] = {0, 0};
  emit_cancels(in, d, out, cancels_sent);
  emit_amends(in, d, out);
  if (!emit_creates(in, cfg_, {prefix_, prefix_len_}, d, cancels_sent, out)) {
    const uint64_t seq = in.next_link_seq;
    out.reset();
    out.next_link_seq = seq;
    return QuoterError::kBadLinkPrefix;
  }
  group_batches(batch_items(in.instrument->category), out);
  return QuoterError::kOk;
}

}  // namespace mm
