#include "sim/fill_engine.h"

#include <stdexcept>

namespace mm {

namespace {

bool is_pow2(uint32_t v) noexcept {
  return v != 0 && (v & (v - 1)) == 0;
}

constexpr size_t idx(Side s) noexcept {
  return static_cast<size_t>(s);
}
constexpr Side other(Side s) noexcept {
  return s == Side::kBuy ? Side::kSell : Side::kBuy;
}

// True when a resting order of side `s` at `mine` is better (for its own side) than `theirs`, or equal.
constexpr bool at_or_better(Side s, int64_t mine, int64_t theirs) noexcept {
  return s == Side::kBuy ? mine >= theirs : mine <= theirs;
}

const FillEngineConfig& checked(const FillEngineConfig& c) {
  if (std::string err = c.validate(); !err.empty()) throw std::invalid_argument(err);
  return c;
}

}  // namespace

std::string_view to_string(FillRule r) noexcept {
  switch (r) {
    case FillRule::kConservative:
      return "conservative";
    case FillRule::kHftbacktest:
      return "hftbacktest";
  }
  return "?";
}

bool parse_fill_rule(std::string_view s, FillRule& out) noexcept {
  for (FillRule r : {FillRule::kConservative, FillRule::kHftbacktest}) {
    if (s == to_string(r)) {
      out = r;
      return true;
    }
  }
  return false;
}

std::string FillEngineConfig::validate() const {
  if (std::string q = queue.validate(); !q.empty()) return "fill_engine." + q;
  if (fill_rule != FillRule::kConservative && fill_rule != FillRule::kHftbacktest) {
    return "fill_engine.fill_rule must be conservative or hftbacktest";
  }
  if (max_orders < 1 || max_orders > kMaxOrdersLimit) {
    return "fill_engine.max_orders must be in [1, 65534] (got " + std::to_string(max_orders) + ")";
  }
  if (!is_pow2(book_window_ticks) || book_window_ticks < OrderBook::kMinWindowTicks ||
      book_window_ticks > OrderBook::kMaxWindowTicks) {
    return "fill_engine.book_window_ticks must be a power of two in [4096, 16777216] (got " +
           std::to_string(book_window_ticks) + ")";
  }
  if (book_overflow_capacity < 1) return "fill_engine.book_overflow_capacity must be >= 1 (got 0)";
  if (!is_pow2(price_buckets) || price_buckets < 64 || price_buckets > (1u << 20)) {
    return "fill_engine.price_buckets must be a power of two in [64, 1048576] (got " +
           std::to_string(price_buckets) + ")";
  }
  return {};
}

std::string_view to_string(SubmitResult r) noexcept {
  switch (r) {
    case SubmitResult::kRested:
      return "rested";
    case SubmitResult::kFilled:
      return "filled";
    case SubmitResult::kPartiallyFilledRested:
      return "partially_filled_rested";
    case SubmitResult::kPartiallyFilledCancelled:
      return "partially_filled_cancelled";
    case SubmitResult::kRejectedPostOnly:
      return "rejected_post_only";
    case SubmitResult::kRejectedFull:
      return "rejected_full";
    case SubmitResult::kRejectedDuplicate:
      return "rejected_duplicate";
    case SubmitResult::kRejectedInvalid:
      return "rejected_invalid";
    case SubmitResult::kNoLiquidity:
      return "no_liquidity";
  }
  return "?";
}

std::string_view to_string(AmendResult r) noexcept {
  switch (r) {
    case AmendResult::kOk:
      return "ok";
    case AmendResult::kNotFound:
      return "not_found";
    case AmendResult::kInvalid:
      return "invalid";
    case AmendResult::kQtyNotAboveFilled:
      return "qty_not_above_filled";
    case AmendResult::kRejectedPostOnly:
      return "rejected_post_only";
  }
  return "?";
}

std::string_view to_string(CancelResult r) noexcept {
  return r == CancelResult::kOk ? "ok" : "not_found";
}

FillEngine::FillEngine(const FillEngineConfig& config)
    : model_(checked(config).queue),
      rule_(config.fill_rule),
      book_(config.book_window_ticks, config.book_overflow_capacity),
      slots_(std::make_unique<Slot[]>(config.max_orders)),
      live_(std::make_unique<uint16_t[]>(config.max_orders)),
      free_(std::make_unique<uint16_t[]>(config.max_orders)),
      buckets_(std::make_unique<uint16_t[]>(size_t{2} * config.price_buckets)),
      touched_(std::make_unique<uint16_t[]>(config.max_orders)),
      touched_prev_(std::make_unique<int64_t[]>(config.max_orders)),
      bucket_mask_(config.price_buckets - 1),
      max_orders_(config.max_orders) {
  for (size_t b = 0; b < size_t{2} * config.price_buckets; ++b) buckets_[b] = kNil;
  // Lowest slot index on top of the stack: the first orders take slots 0, 1, ... (deterministic layout).
  for (uint32_t k = 0; k < max_orders_; ++k) free_[k] = static_cast<uint16_t>(max_orders_ - 1 - k);
  free_count_ = max_orders_;
}

FillEngine::~FillEngine() = default;

EngineOrder FillEngine::view(uint16_t s) const noexcept {
  const Slot& o = slots_[s];
  EngineOrder v;
  v.id = o.id;
  v.side = o.side;
  v.tif = o.tif;
  v.price = Price{o.price};
  v.qty = Qty{o.qty};
  v.filled = Qty{o.filled};
  v.leaves = Qty{o.qty - o.filled};
  v.queue_ahead = o.queue.ahead;
  return v;
}

uint16_t FillEngine::find(uint64_t id) const noexcept {
  for (uint32_t k = 0; k < live_count_; ++k) {
    if (slots_[live_[k]].id == id) return live_[k];
  }
  return kNil;
}

std::optional<EngineOrder> FillEngine::order(uint64_t id) const noexcept {
  const uint16_t s = find(id);
  if (s == kNil) return std::nullopt;
  return view(s);
}

bool FillEngine::crosses(Side side, int64_t price) const noexcept {
  if (side == Side::kBuy) {
    const auto a = book_.best_ask();
    return a && price >= a->price.ticks;
  }
  const auto b = book_.best_bid();
  return b && price <= b->price.ticks;
}

int64_t FillEngine::available(Side side, int64_t limit, int64_t want) const noexcept {
  int64_t sum = 0;
  const Side opp = other(side);
  book_.for_each(opp, [&](const PriceLevel& l) noexcept {
    // A buy takes asks at or below its limit; a sell takes bids at or above it.
    if (!at_or_better(side, limit, l.price.ticks)) return false;
    sum += l.qty.lots;
    return sum < want;
  });
  return sum;
}

int64_t FillEngine::take(uint64_t id, Side side, int64_t limit, int64_t want, int64_t total_qty,
                         int64_t filled_before, FillSink& sink) noexcept {
  const Side opp = other(side);
  int64_t got = 0;
  while (got < want) {
    const auto best = book_.best(opp);
    if (!best || !at_or_better(side, limit, best->price.ticks)) break;
    const int64_t lots = best->qty.lots < want - got ? best->qty.lots : want - got;
    consume(opp, best->price.ticks, lots, best->qty.lots);
    got += lots;
    EngineFill f;
    f.order_id = id;
    f.side = side;
    f.price = best->price;
    f.qty = Qty{lots};
    f.maker = false;
    f.leaves_after = Qty{total_qty - filled_before - got};
    ++counters_.fills;
    ++counters_.taker_fills;
    sink.on_fill(f);
  }
  return got;
}

void FillEngine::link(uint16_t s) noexcept {
  Slot& o = slots_[s];
  uint16_t& head = buckets_[idx(o.side) * (bucket_mask_ + 1) + bucket(o.price)];
  o.prev = kNil;
  o.next = head;
  if (head != kNil) slots_[head].prev = s;
  head = s;
}

void FillEngine::unlink(uint16_t s) noexcept {
  Slot& o = slots_[s];
  if (o.prev != kNil) {
    slots_[o.prev].next = o.next;
  } else {
    buckets_[idx(o.side) * (bucket_mask_ + 1) + bucket(o.price)] = o.next;
  }
  if (o.next != kNil) slots_[o.next].prev = o.prev;
  o.next = o.prev = kNil;
}

uint16_t FillEngine::rest(uint64_t id, Side side, TimeInForce tif, int64_t price, int64_t qty,
                          int64_t filled) noexcept {
  const uint16_t s = free_[--free_count_];
  Slot& o = slots_[s];
  o.id = id;
  o.side = side;
  o.tif = tif;
  o.price = price;
  o.qty = qty;
  o.filled = filled;
  o.mark = 0;
  model_.on_join(o.queue, book_.qty_at(side, Price{price}));
  link(s);
  o.live_index = static_cast<uint16_t>(live_count_);
  live_[live_count_++] = s;
  const size_t si = idx(side);
  if (side_count_[si]++ == 0) {
    own_best_[si] = own_lo_[si] = own_hi_[si] = price;
  } else {
    if (!at_or_better(side, own_best_[si], price)) own_best_[si] = price;
    if (price < own_lo_[si]) own_lo_[si] = price;
    if (price > own_hi_[si]) own_hi_[si] = price;
  }
  return s;
}

void FillEngine::recompute_range(Side side) noexcept {
  const size_t si = idx(side);
  bool any = false;
  int64_t lo = 0;
  int64_t hi = 0;
  for (uint32_t k = 0; k < live_count_; ++k) {
    const Slot& o = slots_[live_[k]];
    if (o.side != side) continue;
    if (!any || o.price < lo) lo = o.price;
    if (!any || o.price > hi) hi = o.price;
    any = true;
  }
  own_lo_[si] = lo;
  own_hi_[si] = hi;
  own_best_[si] = side == Side::kBuy ? hi : lo;
}

void FillEngine::drop(uint16_t s) noexcept {
  Slot& o = slots_[s];
  unlink(s);
  const uint16_t last = live_[--live_count_];
  live_[o.live_index] = last;
  slots_[last].live_index = o.live_index;
  free_[free_count_++] = s;
  --side_count_[idx(o.side)];
}

void FillEngine::remove(uint16_t s) noexcept {
  const Side side = slots_[s].side;
  const size_t si = idx(side);
  const bool at_edge = slots_[s].price == own_lo_[si] || slots_[s].price == own_hi_[si];
  drop(s);
  if (at_edge && side_count_[si] != 0) recompute_range(side);
}

bool FillEngine::maker_fill(uint16_t s, int64_t lots, FillSink& sink) noexcept {
  Slot& o = slots_[s];
  const int64_t leaves = o.qty - o.filled;
  if (lots > leaves) lots = leaves;
  if (lots <= 0) return false;
  o.filled += lots;
  EngineFill f;
  f.order_id = o.id;
  f.side = o.side;
  f.price = Price{o.price};
  f.qty = Qty{lots};
  f.maker = true;
  f.leaves_after = Qty{leaves - lots};
  ++counters_.fills;
  ++counters_.maker_fills;
  const bool gone = lots == leaves;
  // Remove first: the sink sees the engine in its post-fill state (order() of a filled id is empty).
  if (gone) remove(s);
  sink.on_fill(f);
  return gone;
}

void FillEngine::fill_reached(bool bids_changed, bool asks_changed, FillSink& sink) noexcept {
  for (Side side : {Side::kBuy, Side::kSell}) {
    const size_t si = idx(side);
    // Only a change of the opposite side can reach our orders: between engine calls no resting order of ours
    // is reached (submit and amend never rest a crossing price, trades and cancels do not move the book).
    if (side_count_[si] == 0 || !(side == Side::kBuy ? asks_changed : bids_changed)) continue;
    const auto opp = book_.best(other(side));
    if (!opp || !at_or_better(side, own_best_[si], opp->price.ticks)) continue;
    if (rule_ == FillRule::kConservative) {
      fill_reached_capped(side, sink);
      continue;
    }
    // The opposite side reached at least our best order: fill every one it reached. Downward so that a
    // removal (which moves the last entry into the hole) never skips an unvisited entry.
    for (uint32_t k = live_count_; k-- > 0;) {
      if (k >= live_count_) continue;
      const uint16_t s = live_[k];
      const Slot& o = slots_[s];
      if (o.side != side || !at_or_better(side, o.price, opp->price.ticks)) continue;
      ++counters_.move_through_fills;
      (void)maker_fill(s, o.qty - o.filled, sink);
    }
  }
}

void FillEngine::fill_reached_capped(Side side, FillSink& sink) noexcept {
  const Side opp_side = other(side);
  // Each round fills our best reached order against the best opposite level: either the order is done or the
  // level is used up, so the loop ends after at most (reached orders + reaching levels) rounds.
  for (;;) {
    const auto opp = book_.best(opp_side);
    if (!opp) return;
    uint16_t pick = kNil;
    for (uint32_t k = 0; k < live_count_; ++k) {
      const uint16_t s = live_[k];
      const Slot& o = slots_[s];
      if (o.side != side || !at_or_better(side, o.price, opp->price.ticks)) continue;
      if (pick == kNil ||
          (o.price != slots_[pick].price && at_or_better(side, o.price, slots_[pick].price))) {
        pick = s;
      }
    }
    if (pick == kNil) return;
    const Slot& o = slots_[pick];
    const int64_t leaves = o.qty - o.filled;
    const int64_t lots = leaves < opp->qty.lots ? leaves : opp->qty.lots;
    consume(opp_side, opp->price.ticks, lots, opp->qty.lots);
    ++counters_.move_through_fills;
    (void)maker_fill(pick, lots, sink);
  }
}

void FillEngine::consume(Side side, int64_t ticks, int64_t lots, int64_t level_lots) noexcept {
  // The level exists and the price is valid, so the book cannot refuse this.
  (void)book_.set_level(side, Price{ticks}, Qty{level_lots - lots});
  if (rule_ != FillRule::kConservative) return;
  const size_t si = idx(side);
  Consumed* c = consumed_[si];
  uint32_t& n = consumed_count_[si];
  for (uint32_t k = 0; k < n; ++k) {
    if (c[k].ticks == ticks) {
      c[k].lots += lots;
      return;
    }
  }
  if (n == kMaxConsumed) {
    // Forget the remembered level farthest from this one: it is the least likely to be quoted against again.
    uint32_t far = 0;
    for (uint32_t k = 1; k < n; ++k) {
      const int64_t dk = c[k].ticks > ticks ? c[k].ticks - ticks : ticks - c[k].ticks;
      const int64_t df = c[far].ticks > ticks ? c[far].ticks - ticks : ticks - c[far].ticks;
      if (dk > df) far = k;
    }
    forget_consumed(side, far);
    ++counters_.consumed_forgotten;
  }
  c[n++] = Consumed{ticks, lots};
  if (n == 1 || ticks < consumed_lo_[si]) consumed_lo_[si] = ticks;
  if (n == 1 || ticks > consumed_hi_[si]) consumed_hi_[si] = ticks;
}

void FillEngine::forget_consumed(Side side, uint32_t k) noexcept {
  const size_t si = idx(side);
  Consumed* c = consumed_[si];
  uint32_t& n = consumed_count_[si];
  c[k] = c[--n];
  for (uint32_t j = 0; j < n; ++j) {
    if (j == 0 || c[j].ticks < consumed_lo_[si]) consumed_lo_[si] = c[j].ticks;
    if (j == 0 || c[j].ticks > consumed_hi_[si]) consumed_hi_[si] = c[j].ticks;
  }
}

void FillEngine::reapply_consumed(Side side, const PriceLevel* levels, uint32_t count) noexcept {
  const size_t si = idx(side);
  const int64_t lo = consumed_lo_[si];
  const auto span = static_cast<uint64_t>(consumed_hi_[si] - lo);
  for (uint32_t j = 0; j < count && consumed_count_[si] != 0; ++j) {
    const int64_t ticks = levels[j].price.ticks;
    if (static_cast<uint64_t>(ticks - lo) > span) continue;
    Consumed* c = consumed_[si];
    for (uint32_t k = 0; k < consumed_count_[si]; ++k) {
      if (c[k].ticks != ticks) continue;
      // The book holds the market's new size (the last entry of a level listed twice wins, as in the book).
      const int64_t market = book_.qty_at(side, Price{ticks}).lots;
      if (market == 0) {
        forget_consumed(side, k);
      } else {
        (void)book_.set_level(side, Price{ticks}, Qty{market > c[k].lots ? market - c[k].lots : 0});
      }
      break;
    }
  }
}

void FillEngine::after_market_set(const BookUpdate& u) noexcept {
  if (u.snapshot) {
    if (consumed_count_[0] != 0) reapply_consumed_snapshot(Side::kBuy);
    if (consumed_count_[1] != 0) reapply_consumed_snapshot(Side::kSell);
    return;
  }
  if (consumed_count_[0] != 0) reapply_consumed(Side::kBuy, u.bids, u.bid_count);
  if (consumed_count_[1] != 0) reapply_consumed(Side::kSell, u.asks, u.ask_count);
}

void FillEngine::reapply_consumed_snapshot(Side side) noexcept {
  const size_t si = idx(side);
  for (uint32_t k = consumed_count_[si]; k-- > 0;) {
    const Consumed c = consumed_[si][k];
    const int64_t market = book_.qty_at(side, Price{c.ticks}).lots;
    if (market == 0) {
      forget_consumed(side, k);
    } else {
      (void)book_.set_level(side, Price{c.ticks}, Qty{market > c.lots ? market - c.lots : 0});
    }
  }
}

BookError FillEngine::on_book(const BookUpdate& u, FillSink& sink) noexcept {
  if (live_count_ == 0) {
    // Nothing of ours rests: the engine is a plain book (less what we consumed).
    const BookError e = u.snapshot ? book_.apply_snapshot(u.bids, u.bid_count, u.asks, u.ask_count)
                                   : book_.apply_delta(u.bids, u.bid_count, u.asks, u.ask_count);
    if (e != BookError::kOk) ++counters_.book_errors;
    if ((consumed_count_[0] | consumed_count_[1]) != 0 && e != BookError::kBadPrice &&
        e != BookError::kBadQty) {
      after_market_set(u);
    }
    return e;
  }
  if (u.snapshot) {
    const BookError e = book_.apply_snapshot(u.bids, u.bid_count, u.asks, u.ask_count);
    if (e != BookError::kOk) ++counters_.book_errors;
    if (e == BookError::kBadPrice || e == BookError::kBadQty) return e;
    if ((consumed_count_[0] | consumed_count_[1]) != 0) after_market_set(u);
    for (uint32_t k = 0; k < live_count_; ++k) {
      Slot& o = slots_[live_[k]];
      model_.on_snapshot(o.queue, book_.qty_at(o.side, Price{o.price}));
    }
    fill_reached(true, true, sink);
    return e;
  }
  // Collect our orders at the touched levels with their sizes before the update. A level listed twice in one
  // message is collected once (the epoch mark): its change is first size -> final size, as the book sees it.
  if (++epoch_ == 0) {
    for (uint32_t k = 0; k < max_orders_; ++k) slots_[k].mark = 0;
    epoch_ = 1;
  }
  uint32_t n = 0;
  const size_t nb = bucket_mask_ + 1;
  const PriceLevel* lists[2] = {u.bids, u.asks};
  const uint32_t counts[2] = {u.bid_count, u.ask_count};
  for (size_t si = 0; si < 2; ++si) {
    if (side_count_[si] == 0) continue;
    const uint16_t* heads = buckets_.get() + si * nb;
    const Side side = si == 0 ? Side::kBuy : Side::kSell;
    const PriceLevel* levels = lists[si];
    const uint32_t count = counts[si];
    const int64_t lo = own_lo_[si];
    const auto span = static_cast<uint64_t>(own_hi_[si] - lo);
    for (uint32_t j = 0; j < count; ++j) {
      const int64_t ticks = levels[j].price.ticks;
      // Outside the span of our prices on this side (most levels of a message): not even a table load.
      if (static_cast<uint64_t>(ticks - lo) > span) continue;
      for (uint16_t s = heads[bucket(ticks)]; s != kNil; s = slots_[s].next) {
        Slot& o = slots_[s];
        if (o.price != ticks || o.mark == epoch_) continue;
        o.mark = epoch_;
        touched_[n] = s;
        touched_prev_[n] = book_.qty_at(side, Price{ticks}).lots;
        ++n;
      }
    }
  }
  const BookError e = book_.apply_delta(u.bids, u.bid_count, u.asks, u.ask_count);
  if (e != BookError::kOk) ++counters_.book_errors;
  if (e == BookError::kBadPrice || e == BookError::kBadQty) return e;
  if ((consumed_count_[0] | consumed_count_[1]) != 0) after_market_set(u);
  for (uint32_t k = 0; k < n; ++k) {
    Slot& o = slots_[touched_[k]];
    model_.on_level_change(o.queue, Qty{touched_prev_[k]}, book_.qty_at(o.side, Price{o.price}));
  }
  fill_reached(u.bid_count != 0, u.ask_count != 0, sink);
  return e;
}

void FillEngine::on_trade(const TradeEvent& t, FillSink& sink) noexcept {
  // The aggressor hits the other side: a taker Sell trades against bids (ours included).
  const Side side = other(t.taker_side);
  const size_t si = idx(side);
  if (side_count_[si] == 0) return;
  const int64_t p = t.price.ticks;
  if (t.qty.lots <= 0 || !valid_book_price(t.price)) return;
  // Not reached: the print is worse for the aggressor than our best order on that side.
  if (!at_or_better(side, own_best_[si], p)) return;
  if (own_best_[si] == p) {
    fill_at_print(side, p, t.qty.lots, sink);
    return;
  }
  if (rule_ == FillRule::kConservative) {
    const int64_t left = fill_through_capped(side, p, t.qty.lots, sink);
    if (left > 0 && side_count_[si] != 0) fill_at_print(side, p, left, sink);
    return;
  }
  // The print went through our best price: every order of ours strictly better than it fills completely (the
  // aggressor had to take it first), orders at the print's price run their queue.
  for (uint32_t k = live_count_; k-- > 0;) {
    if (k >= live_count_) continue;
    const uint16_t s = live_[k];
    Slot& o = slots_[s];
    if (o.side != side || !at_or_better(side, o.price, p)) continue;
    if (o.price == p) {
      const int64_t reach = model_.on_trade(o.queue, t.qty);
      if (reach > 0) (void)maker_fill(s, reach, sink);
    } else {
      ++counters_.trade_through_fills;
      (void)maker_fill(s, o.qty - o.filled, sink);
    }
  }
}

void FillEngine::fill_at_print(Side side, int64_t ticks, int64_t lots, FillSink& sink) noexcept {
  // Only orders at exactly the print's price can be reached: walk that bucket.
  const size_t si = idx(side);
  for (uint16_t s = buckets_[si * (bucket_mask_ + 1) + bucket(ticks)]; s != kNil;) {
    const uint16_t next = slots_[s].next;
    Slot& o = slots_[s];
    if (o.price == ticks && o.side == side) {
      const int64_t reach = model_.on_trade(o.queue, Qty{lots});
      if (reach > 0) (void)maker_fill(s, reach, sink);
    }
    s = next;
  }
}

int64_t FillEngine::fill_through_capped(Side side, int64_t print_ticks, int64_t print_lots,
                                        FillSink& sink) noexcept {
  int64_t left = print_lots;
  // Each round fills our best order strictly better than the print: either it is done or the print is used
  // up.
  while (left > 0) {
    uint16_t pick = kNil;
    for (uint32_t k = 0; k < live_count_; ++k) {
      const uint16_t s = live_[k];
      const Slot& o = slots_[s];
      if (o.side != side || o.price == print_ticks || !at_or_better(side, o.price, print_ticks)) continue;
      if (pick == kNil ||
          (o.price != slots_[pick].price && at_or_better(side, o.price, slots_[pick].price))) {
        pick = s;
      }
    }
    if (pick == kNil) break;
    const int64_t leaves = slots_[pick].qty - slots_[pick].filled;
    const int64_t lots = leaves < left ? leaves : left;
    left -= lots;
    ++counters_.trade_through_fills;
    (void)maker_fill(pick, lots, sink);
  }
  return left;
}

SubmitResult FillEngine::submit(uint64_t id, Side side, OrderType type, TimeInForce tif, Price price, Qty qty,
                                FillSink& sink) noexcept {
  if (qty.lots <= 0 || static_cast<uint8_t>(side) > 1 || static_cast<uint8_t>(type) > 1 ||
      static_cast<uint8_t>(tif) > static_cast<uint8_t>(TimeInForce::kPostOnly)) {
    return SubmitResult::kRejectedInvalid;
  }
  if (type == OrderType::kLimit && !valid_book_price(price)) return SubmitResult::kRejectedInvalid;
  if (find(id) != kNil) return SubmitResult::kRejectedDuplicate;
  if (type == OrderType::kMarket) {
    const int64_t limit = side == Side::kBuy ? INT64_MAX : INT64_MIN;
    const int64_t got = take(id, side, limit, qty.lots, qty.lots, 0, sink);
    if (got == 0) return SubmitResult::kNoLiquidity;
    return got == qty.lots ? SubmitResult::kFilled : SubmitResult::kPartiallyFilledCancelled;
  }
  const int64_t px = price.ticks;
  switch (tif) {
    case TimeInForce::kPostOnly:
      if (crosses(side, px)) return SubmitResult::kRejectedPostOnly;
      if (free_count_ == 0) return SubmitResult::kRejectedFull;
      (void)rest(id, side, tif, px, qty.lots, 0);
      return SubmitResult::kRested;
    case TimeInForce::kGtc: {
      // Checked before any fill: Bybit refuses an order over the open-order limit up front.
      if (free_count_ == 0) return SubmitResult::kRejectedFull;
      const int64_t got = crosses(side, px) ? take(id, side, px, qty.lots, qty.lots, 0, sink) : 0;
      if (got == qty.lots) return SubmitResult::kFilled;
      (void)rest(id, side, tif, px, qty.lots, got);
      return got == 0 ? SubmitResult::kRested : SubmitResult::kPartiallyFilledRested;
    }
    case TimeInForce::kIoc: {
      const int64_t got = take(id, side, px, qty.lots, qty.lots, 0, sink);
      if (got == 0) return SubmitResult::kNoLiquidity;
      return got == qty.lots ? SubmitResult::kFilled : SubmitResult::kPartiallyFilledCancelled;
    }
    case TimeInForce::kFok:
      if (available(side, px, qty.lots) < qty.lots) return SubmitResult::kNoLiquidity;
      (void)take(id, side, px, qty.lots, qty.lots, 0, sink);
      return SubmitResult::kFilled;
  }
  return SubmitResult::kRejectedInvalid;
}

AmendResult FillEngine::amend(uint64_t id, std::optional<Price> price, std::optional<Qty> qty,
                              FillSink& sink) noexcept {
  const uint16_t s = find(id);
  if (s == kNil) return AmendResult::kNotFound;
  if (!price && !qty) return AmendResult::kInvalid;
  if (qty && qty->lots <= 0) return AmendResult::kInvalid;
  if (price && !valid_book_price(*price)) return AmendResult::kInvalid;
  Slot& o = slots_[s];
  const int64_t new_qty = qty ? qty->lots : o.qty;
  if (new_qty <= o.filled) return AmendResult::kQtyNotAboveFilled;
  const int64_t new_price = price ? price->ticks : o.price;
  const bool price_changed = new_price != o.price;
  const Side side = o.side;
  if (price_changed && crosses(side, new_price)) {
    if (o.tif == TimeInForce::kPostOnly) return AmendResult::kRejectedPostOnly;
    // A resting GTC moved to a crossing price: it takes liquidity as a new order would, then rests its leaves
    // at the new price (at the back of that level).
    o.qty = new_qty;
    const int64_t got = take(o.id, side, new_price, new_qty - o.filled, new_qty, o.filled, sink);
    o.filled += got;
    if (o.filled == o.qty) {
      remove(s);
      return AmendResult::kOk;
    }
  }
  if (price_changed) {
    unlink(s);
    o.price = new_price;
    link(s);
    model_.on_join(o.queue, book_.qty_at(side, Price{new_price}));
    recompute_range(side);
  } else if (new_qty > o.qty) {
    // Bybit: a qty increase loses priority (the order goes to the back of its level).
    model_.on_join(o.queue, book_.qty_at(side, Price{o.price}));
  }
  o.qty = new_qty;
  return AmendResult::kOk;
}

CancelResult FillEngine::cancel(uint64_t id) noexcept {
  const uint16_t s = find(id);
  if (s == kNil) return CancelResult::kNotFound;
  remove(s);
  return CancelResult::kOk;
}

size_t FillEngine::cancel_all(std::optional<Side> side) noexcept {
  size_t n = 0;
  for (uint32_t k = live_count_; k-- > 0;) {
    const uint16_t s = live_[k];
    if (side && slots_[s].side != *side) continue;
    drop(s);
    ++n;
  }
  for (Side sd : {Side::kBuy, Side::kSell}) {
    if (side_count_[idx(sd)] != 0) recompute_range(sd);
  }
  return n;
}

}  // namespace mm
