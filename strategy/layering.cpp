#include "strategy/layering.h"

#include "strategy/signals.h"

namespace mm {

bool parse_touch_policy(std::string_view s, TouchPolicy& out) noexcept {
  if (s == "no_cross") {
    out = TouchPolicy::kNoCross;
    return true;
  }
  if (s == "no_improve") {
    out = TouchPolicy::kNoImprove;
    return true;
  }
  if (s == "drop_crossing") {
    out = TouchPolicy::kDropCrossing;
    return true;
  }
  return false;
}

std::string_view to_string(TouchPolicy p) noexcept {
  switch (p) {
    case TouchPolicy::kNoCross:
      return "no_cross";
    case TouchPolicy::kNoImprove:
      return "no_improve";
    case TouchPolicy::kDropCrossing:
      return "drop_crossing";
  }
  return "?";
}

bool parse_reference(std::string_view s, Reference& out) noexcept {
  if (s == "mid") {
    out = Reference::kMid;
    return true;
  }
  if (s == "microprice") {
    out = Reference::kMicroprice;
    return true;
  }
  return false;
}

std::string_view to_string(Reference r) noexcept {
  return r == Reference::kMid ? "mid" : "microprice";
}

void build_ladder(const LadderSpec& spec, Price best_bid, Price best_ask, TouchPolicy policy,
                  QuoteLadder& out) noexcept {
  // Bids: best (highest) first.
  int64_t last = INT64_MAX;
  for (uint32_t i = 0; i < spec.bid_levels && out.bid_count < kMaxQuoteLevels; ++i) {
    Price p;
    if (!bid_from_ticks(spec.bid_ticks - static_cast<double>(i) * spec.spacing_ticks, p)) break;
    if (policy == TouchPolicy::kDropCrossing) {
      if (p.ticks >= best_ask.ticks) continue;
    } else {
      const int64_t cap = policy == TouchPolicy::kNoCross ? best_ask.ticks - 1 : best_bid.ticks;
      if (p.ticks > cap) p.ticks = cap;
    }
    if (p.ticks >= last) p.ticks = last - 1;
    if (p.ticks < 1) break;
    Qty q;
    if (!qty_from_lots((spec.size_lots + static_cast<double>(i) * spec.size_step_lots) * spec.bid_size_mult,
                       q))
      continue;
    (void)out.push_bid(p, q);
    last = p.ticks;
  }
  // Asks: best (lowest) first.
  last = INT64_MIN;
  for (uint32_t i = 0; i < spec.ask_levels && out.ask_count < kMaxQuoteLevels; ++i) {
    Price p;
    if (!ask_from_ticks(spec.ask_ticks + static_cast<double>(i) * spec.spacing_ticks, p)) break;
    if (policy == TouchPolicy::kDropCrossing) {
      if (p.ticks <= best_bid.ticks) continue;
    } else {
      const int64_t floor = policy == TouchPolicy::kNoCross ? best_bid.ticks + 1 : best_ask.ticks;
      if (p.ticks < floor) p.ticks = floor;
    }
    if (p.ticks <= last) p.ticks = last + 1;
    if (p.ticks > kMaxBookPriceTicks) break;
    Qty q;
    if (!qty_from_lots((spec.size_lots + static_cast<double>(i) * spec.size_step_lots) * spec.ask_size_mult,
                       q))
      continue;
    (void)out.push_ask(p, q);
    last = p.ticks;
  }
}

double reference_ticks(const StrategyContext& ctx, Reference ref) noexcept {
  const double mid = mid_ticks(ctx.best_bid, ctx.best_ask);
  if (ref == Reference::kMid || ctx.book == nullptr) return mid;
  const auto b = ctx.book->best_bid();
  const auto a = ctx.book->best_ask();
  if (!b || !a) return mid;
  const auto bq = static_cast<double>(b->qty.lots);
  const auto aq = static_cast<double>(a->qty.lots);
  if (!(bq + aq > 0.0)) return mid;
  return (static_cast<double>(b->price.ticks) * aq + static_cast<double>(a->price.ticks) * bq) / (bq + aq);
}

double adverse_widening_ticks(const StrategyContext& ctx, double factor, double mid) noexcept {
  if (factor == 0.0 || ctx.signals == nullptr) return 0.0;
  return bps_to_ticks(factor * ctx.signals->adverse_score_bps(), mid);
}

}  // namespace mm
