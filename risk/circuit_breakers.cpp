#include "risk/circuit_breakers.h"

#include <cstdint>

namespace mm {
namespace {

constexpr int64_t kNsPerMs = 1'000'000;
constexpr int64_t kNsPerUs = 1'000;
constexpr int64_t kNsPerDay = 86'400 * int64_t{1'000'000'000};
// The price-jump ring keeps one sample per window / kJumpSamplesPerWindow, so its 64 slots span two windows.
constexpr int64_t kJumpSamplesPerWindow = detail::kTimeRingCapacity / 2;

int64_t clamp_to_i64(Int128 v) noexcept {
  if (v > INT64_MAX) return INT64_MAX;
  if (v < INT64_MIN) return INT64_MIN;
  return static_cast<int64_t>(v);
}

}  // namespace

std::string_view to_string(Breaker b) noexcept {
  switch (b) {
    case Breaker::kNone:
      return "none";
    case Breaker::kDailyLoss:
      return "daily_loss";
    case Breaker::kDrawdown:
      return "drawdown";
    case Breaker::kStaleBook:
      return "stale_book";
    case Breaker::kBookUntrusted:
      return "book_untrusted";
    case Breaker::kBookCrossed:
      return "book_crossed";
    case Breaker::kRejectRate:
      return "reject_rate";
    case Breaker::kPriceJump:
      return "price_jump";
    case Breaker::kLatency:
      return "latency";
    case Breaker::kKillSwitch:
      return "kill_switch";
    case Breaker::kCount:
      break;
  }
  return "?";
}

CircuitBreakers::CircuitBreakers(const BreakersConfig& cfg, const RiskLimits& limits) noexcept
    : max_daily_loss_(limits.max_daily_loss),
      max_drawdown_(limits.max_drawdown),
      stale_ns_(cfg.stale_book.max_age_ms * kNsPerMs),
      reject_window_ns_(cfg.reject_rate.window_ms * kNsPerMs),
      max_rejects_(cfg.reject_rate.max_rejects),
      jump_window_ns_(cfg.price_jump.window_ms * kNsPerMs),
      jump_sample_ns_(cfg.price_jump.window_ms * kNsPerMs / kJumpSamplesPerWindow),
      max_move_bps_(cfg.price_jump.max_move_bps),
      latency_window_ns_(cfg.latency.window_ms * kNsPerMs),
      max_spikes_(cfg.latency.max_spikes),
      max_tick_to_quote_ns_(cfg.latency.max_tick_to_quote_us * kNsPerUs),
      max_ack_ns_(cfg.latency.max_ack_us * kNsPerUs) {
  auto set = [&](Breaker b, bool enabled, TradingState action, int64_t cooldown_ms) {
    Slot& s = slots_[static_cast<size_t>(b)];
    s.enabled = enabled;
    s.action = action;
    s.cooldown_ns = cooldown_ms * kNsPerMs;
  };
  const auto& c = cfg;
  set(Breaker::kDailyLoss, c.daily_loss.enabled, c.daily_loss.action, c.daily_loss.cooldown_ms);
  set(Breaker::kDrawdown, c.drawdown.enabled, c.drawdown.action, c.drawdown.cooldown_ms);
  set(Breaker::kStaleBook, c.stale_book.enabled, c.stale_book.action, c.stale_book.cooldown_ms);
  set(Breaker::kBookUntrusted, c.book_untrusted.enabled, c.book_untrusted.action,
      c.book_untrusted.cooldown_ms);
  set(Breaker::kBookCrossed, c.book_crossed.enabled, c.book_crossed.action, c.book_crossed.cooldown_ms);
  set(Breaker::kRejectRate, c.reject_rate.enabled, c.reject_rate.action, c.reject_rate.cooldown_ms);
  set(Breaker::kPriceJump, c.price_jump.enabled, c.price_jump.action, c.price_jump.cooldown_ms);
  set(Breaker::kLatency, c.latency.enabled, c.latency.action, c.latency.cooldown_ms);
}

void CircuitBreakers::on_reject(int64_t now_ns) noexcept {
  rejects_.push(now_ns);
}

void CircuitBreakers::on_latency(LatencyKind kind, int64_t now_ns, int64_t latency_ns) noexcept {
  const int64_t limit = kind == LatencyKind::kTickToQuote ? max_tick_to_quote_ns_ : max_ack_ns_;
  if (latency_ns > limit) spikes_.push(now_ns);
}

void CircuitBreakers::apply(Breaker b, bool condition, int64_t now_ns, uint32_t& tripped) noexcept {
  Slot& s = slots_[static_cast<size_t>(b)];
  if (!s.enabled) return;
  if (condition) {
    if (!s.active) {
      ++s.trips;
      tripped |= breaker_bit(b);
    }
    s.active = true;
    s.level = most_severe(s.level, s.action);
    s.since_ns = now_ns;
    if (b == Breaker::kDailyLoss) s.held = true;
    return;
  }
  if (s.active) {
    // First tick that sees the condition clear: the cool-down counts from here, not from the last bad
    // tick, because between two ticks nobody looked.
    s.active = false;
    s.since_ns = now_ns;
    return;
  }
  if (s.level != TradingState::kActive && !s.held && now_ns - s.since_ns >= s.cooldown_ns) {
    s.level = step_down(s.level);
    s.since_ns = now_ns;
  }
}

bool CircuitBreakers::price_jumped(int64_t now_ns, Price mid) noexcept {
  if (mid.ticks <= 0) return false;
  // |m - s| > s * bps / 1e4 against any earlier mid s. For s below m that is m * 1e4 > s * (1e4 + bps),
  // worst for the lowest s; for s above m it is s * (1e4 - bps) > m * 1e4, worst for the highest s.
  // So only the window's extremes matter. 128 bits: the products exceed 2^63 for prices above ~2^49 ticks.
  const Int128 m = mid.ticks;
  int64_t lo = 0;
  int64_t hi = 0;
  bool jumped = false;
  if (mids_.min_max_since(now_ns - jump_window_ns_, lo, hi)) {
    jumped = m * 10'000 > Int128{lo} * (10'000 + max_move_bps_) ||
             Int128{hi} * (10'000 - max_move_bps_) > m * 10'000;
  }
  if (mids_.empty() || now_ns - mids_.newest().t >= jump_sample_ns_) mids_.push(now_ns, mid.ticks);
  return jumped;
}

BreakerUpdate CircuitBreakers::update(const RiskContext& ctx) noexcept {
  const int64_t now = ctx.now_ns;
  pnl_ = clamp_to_i64(Int128{ctx.realized_pnl.units} + ctx.unrealized_pnl.units - ctx.fees_paid.units);
  const int64_t day = ctx.wall_ns / kNsPerDay;
  if (!started_) {
    started_ = true;
    day_ = day;
    day_base_ = pnl_;
    peak_ = pnl_;
  } else if (day != day_) {
    day_ = day;
    day_base_ = pnl_;
    Slot& daily = slots_[static_cast<size_t>(Breaker::kDailyLoss)];
    if (daily.held) {
      daily.held = false;
      daily.since_ns = now;  // the cool-down steps start at the day boundary
    }
  }
  if (pnl_ > peak_) peak_ = pnl_;

  const bool daily_loss = Int128{pnl_} - day_base_ <= -Int128{max_daily_loss_.units};
  const bool drawdown = Int128{peak_} - pnl_ >= max_drawdown_.units;
  const bool stale = now - ctx.book_update_ns > stale_ns_;
  const bool rejects = rejects_.count_since(now - reject_window_ns_) > max_rejects_;
  // The mid ring only feeds this breaker: no upkeep when it is disabled.
  const bool jumped = slot(Breaker::kPriceJump).enabled && price_jumped(now, ctx.mid);
  const bool spikes = spikes_.count_since(now - latency_window_ns_) > max_spikes_;
  const bool any = daily_loss || drawdown || stale || !ctx.book_trusted || ctx.book_crossed || rejects ||
                   jumped || spikes;
  // The usual tick: nothing holds and nothing held. apply() would change no slot (a slot only moves when
  // its condition holds, has just cleared, or it is cooling down from a level above ACTIVE), so the result
  // is ACTIVE with nothing tripped.
  if (quiet_ && !any) {
    last_ = BreakerUpdate{};
    return last_;
  }
  uint32_t tripped = 0;
  apply(Breaker::kDailyLoss, daily_loss, now, tripped);
  apply(Breaker::kDrawdown, drawdown, now, tripped);
  apply(Breaker::kStaleBook, stale, now, tripped);
  apply(Breaker::kBookUntrusted, !ctx.book_trusted, now, tripped);
  apply(Breaker::kBookCrossed, ctx.book_crossed, now, tripped);
  apply(Breaker::kRejectRate, rejects, now, tripped);
  apply(Breaker::kPriceJump, jumped, now, tripped);
  apply(Breaker::kLatency, spikes, now, tripped);

  BreakerUpdate u;
  u.tripped_mask = tripped;
  quiet_ = true;
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].level > u.state) {
      u.state = slots_[i].level;
      u.cause = static_cast<Breaker>(i);
    }
    if (slots_[i].active || slots_[i].level != TradingState::kActive) quiet_ = false;
  }
  last_ = u;
  return u;
}

}  // namespace mm
