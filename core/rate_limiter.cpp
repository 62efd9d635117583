#include "core/rate_limiter.h"

#include "core/types.h"

namespace mm {
namespace {

constexpr int64_t kNsPerSecond = 1'000'000'000;
constexpr int64_t kNsPerMs = 1'000'000;

constexpr int64_t min64(int64_t a, int64_t b) noexcept {
  return a < b ? a : b;
}

}  // namespace

RateError TokenBucket::configure(int64_t per_second, int64_t burst, int64_t now_ns) noexcept {
  if (per_second <= 0 || per_second > kMaxTokens || burst <= 0 || burst > kMaxTokens)
    return RateError::kBadCount;
  own_rate_milli_ = rate_milli_ = per_second * kMilli;
  own_burst_milli_ = burst_milli_ = burst * kMilli;
  tokens_milli_ = burst_milli_;
  remainder_ = 0;
  last_ns_ = now_ns;
  hold_until_ns_ = 0;
  hold_cap_milli_ = 0;
  return RateError::kOk;
}

void TokenBucket::credit_until(int64_t t, int64_t cap) noexcept {
  if (t <= last_ns_) return;  // also: time going backwards credits nothing
  // Hot path (the Trader reads three buckets per tick): a full bucket only moves its clock, and a credit that
  // fits 64 bits divides by the constant in 64 bits. Both give exactly the 128-bit path's result.
  if (tokens_milli_ >= cap) {
    last_ns_ = t;
    tokens_milli_ = cap;
    remainder_ = 0;  // a full bucket stores no credit
    return;
  }
  int64_t credit64 = 0;
  if (!__builtin_mul_overflow(t - last_ns_, rate_milli_, &credit64) &&
      !__builtin_add_overflow(credit64, remainder_, &credit64)) {
    const int64_t whole = credit64 / kNsPerSecond;
    last_ns_ = t;
    if (whole >= cap - tokens_milli_) {
      tokens_milli_ = cap;
      remainder_ = 0;
      return;
    }
    tokens_milli_ += whole;
    remainder_ = credit64 % kNsPerSecond;
    return;
  }
  const Int128 credit = static_cast<Int128>(t - last_ns_) * rate_milli_ + remainder_;
  const Int128 whole = credit / kNsPerSecond;
  last_ns_ = t;
  if (whole >= static_cast<Int128>(cap) - tokens_milli_) {
    tokens_milli_ = cap;
    remainder_ = 0;  // a full bucket stores no credit
    return;
  }
  tokens_milli_ += static_cast<int64_t>(whole);
  remainder_ = static_cast<int64_t>(credit % kNsPerSecond);
}

void TokenBucket::refill(int64_t now_ns) noexcept {
  if (hold_until_ns_ != 0) {
    const int64_t held_cap = min64(burst_milli_, hold_cap_milli_);
    if (now_ns < hold_until_ns_) {
      credit_until(now_ns, held_cap);
      return;
    }
    // The window ended inside the elapsed time: credit up to its end under its cap, the rest without.
    credit_until(hold_until_ns_, held_cap);
    hold_until_ns_ = 0;
    hold_cap_milli_ = 0;
  }
  credit_until(now_ns, burst_milli_);
}

RateError TokenBucket::try_acquire(int64_t n, int64_t now_ns) noexcept {
  if (n <= 0) return RateError::kBadCount;
  if (n > kMaxTokens || n * kMilli > burst_milli_) return RateError::kExceedsBurst;
  const int64_t need = n * kMilli;
  refill(now_ns);
  if (tokens_milli_ < need) return RateError::kLimited;
  tokens_milli_ -= need;
  if (hold_until_ns_ != 0) hold_cap_milli_ -= need;
  return RateError::kOk;
}

int64_t TokenBucket::available_milli(int64_t now_ns) noexcept {
  refill(now_ns);
  return tokens_milli_;
}

int64_t TokenBucket::ns_until_available(int64_t n, int64_t now_ns) noexcept {
  if (n <= 0 || n > kMaxTokens || n * kMilli > burst_milli_ || rate_milli_ == 0) return INT64_MAX;
  const int64_t need = n * kMilli;
  refill(now_ns);
  if (tokens_milli_ >= need) return 0;
  // Smallest t with t * rate + remainder >= deficit * 1e9.
  const Int128 num = static_cast<Int128>(need - tokens_milli_) * kNsPerSecond - remainder_;
  Int128 t = (num + rate_milli_ - 1) / rate_milli_;
  if (hold_until_ns_ != 0 && need > hold_cap_milli_ && hold_until_ns_ - now_ns > t)
    t = hold_until_ns_ - now_ns;
  return t > INT64_MAX ? INT64_MAX : static_cast<int64_t>(t);
}

void TokenBucket::update_from_exchange(int32_t limit, int32_t remaining, int64_t reset_ts_ms,
                                       int64_t now_ns) noexcept {
  if (own_rate_milli_ == 0) return;  // not configured: nothing to tighten
  refill(now_ns);
  if (limit > 0) {
    const int64_t l = static_cast<int64_t>(limit) * kMilli;
    rate_milli_ = min64(own_rate_milli_, l);
    burst_milli_ = min64(own_burst_milli_, l);
    tokens_milli_ = min64(tokens_milli_, burst_milli_);
  }
  if (remaining < 0 || reset_ts_ms <= 0 || reset_ts_ms > INT64_MAX / kNsPerMs) return;
  const int64_t until = reset_ts_ms * kNsPerMs;
  if (until <= now_ns) return;  // that window is over
  const int64_t cap = static_cast<int64_t>(remaining) * kMilli;
  if (until == hold_until_ns_) {
    hold_cap_milli_ = min64(hold_cap_milli_, cap);  // answers of one window may arrive out of order
  } else if (until > hold_until_ns_) {
    hold_until_ns_ = until;
    hold_cap_milli_ = cap;
  } else {
    return;  // a late answer about an earlier window
  }
  tokens_milli_ = min64(tokens_milli_, hold_cap_milli_);
}

}  // namespace mm
