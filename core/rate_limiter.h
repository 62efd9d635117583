#pragma once
// Request rate limiting: a token bucket per endpoint class, tightened by what the exchange reports.
//
// Why milli-tokens and a carried remainder: refill = elapsed_ns * rate / 1e9 is rarely a whole number of
// tokens; integer milli-tokens plus the remainder of the division lose nothing over any number of calls,
// with no floating point.
//
// Why the exchange's view: Bybit limits per UID per endpoint in one-second windows and reports the state on
// every answer (X-Bapi-Limit, X-Bapi-Limit-Status, X-Bapi-Limit-Reset-Timestamp; the trade WebSocket carries
// the same in its header). Our bucket cannot see requests from other sessions of the same UID, so when the
// exchange says fewer remain than we think, it wins: at most `remaining` more requests until the window
// resets, and a lower `limit` lowers our rate and burst. A higher exchange view never loosens our own.
//
// Time: every call takes `now_ns` from the caller. Reset timestamps are wall-clock milliseconds, so a bucket
// that receives update_from_exchange() must be driven by a wall clock in ns since the Unix epoch (the
// injected wall clock live, the simulated clock in backtests). Time going backwards adds no tokens.
//
// Threading: single-threaded.
#include <array>
#include <cstdint>
#include <string_view>

namespace mm {

enum class RateError : uint8_t {
  kOk = 0,
  kLimited,       // not enough tokens now (try again later: ns_until_available)
  kExceedsBurst,  // n is above the burst: it can never succeed
  kBadCount,      // n <= 0, or configure() with a rate or burst outside 1..kMaxTokens
};

constexpr std::string_view to_string(RateError e) noexcept {
  switch (e) {
    case RateError::kOk:
      return "ok";
    case RateError::kLimited:
      return "limited";
    case RateError::kExceedsBurst:
      return "exceeds_burst";
    case RateError::kBadCount:
      return "bad_count";
  }
  return "?";
}

class TokenBucket {
 public:
  static constexpr int64_t kMilli = 1000;
  static constexpr int64_t kMaxTokens = 1'000'000'000;  // rate (per second) and burst

  // A bucket that refuses everything until configured.
  TokenBucket() = default;

  // Sets our own limit and fills the bucket; drops any exchange tightening. Errors: kBadCount (nothing
  // changes).
  [[nodiscard]] RateError configure(int64_t per_second, int64_t burst, int64_t now_ns) noexcept;

  // Takes n tokens if all are available now. Errors: kBadCount (n <= 0), kExceedsBurst (n above the current
  // burst), kLimited; no tokens are taken on error.
  [[nodiscard]] RateError try_acquire(int64_t n, int64_t now_ns) noexcept;

  // Tokens available now, in milli-tokens (after refill).
  [[nodiscard]] int64_t available_milli(int64_t now_ns) noexcept;

  // Earliest ns from now at which try_acquire(n) could succeed if nothing else is taken: 0 if now,
  // INT64_MAX if n <= 0 or above the burst. Under an exchange hold it is a lower bound (the refill resumes
  // from the reset, not from the bucket's level at the reset).
  [[nodiscard]] int64_t ns_until_available(int64_t n, int64_t now_ns) noexcept;

  // Applies the exchange's view. `limit` (requests per second; <= 0: unknown, ignored) caps our rate and
  // burst; `remaining` (< 0: unknown) caps the tokens until `reset_ts_ms` (wall-clock ms; ignored when not in
  // the future). Values from an answer without these headers (all 0) change nothing.
  void update_from_exchange(int32_t limit, int32_t remaining, int64_t reset_ts_ms, int64_t now_ns) noexcept;

  // Current effective limits (ours, tightened by the exchange's `limit`).
  int64_t per_second() const noexcept { return rate_milli_ / kMilli; }
  int64_t burst() const noexcept { return burst_milli_ / kMilli; }
  // True while an exchange `remaining` caps the bucket.
  bool held(int64_t now_ns) const noexcept { return hold_until_ns_ > now_ns; }

 private:
  void refill(int64_t now_ns) noexcept;
  void credit_until(int64_t t, int64_t cap) noexcept;

  int64_t tokens_milli_ = 0;
  int64_t burst_milli_ = 0;
  int64_t rate_milli_ = 0;  // milli-tokens per second
  int64_t own_burst_milli_ = 0;
  int64_t own_rate_milli_ = 0;
  int64_t remainder_ = 0;  // milli-token * ns still to be credited (< 1e9)
  int64_t last_ns_ = 0;
  int64_t hold_until_ns_ = 0;   // exchange window end (0: no hold)
  int64_t hold_cap_milli_ = 0;  // what the exchange still allows in that window
};

// Bybit's endpoint classes as they are limited (create, amend and cancel each 10/s on linear by default).
// Bybit keeps one window per endpoint: the batch endpoints (order.create-batch, amend-batch, cancel-batch)
// count their items in windows of their own, apart from the single endpoints' (at the same limit), so a
// batch answer's X-Bapi-Limit-Status says nothing about the single endpoint and a 10006 on one does not
// close the other (sim/exchange keeps the same windows; docs/reliability.md, parity).
enum class RateClass : uint8_t {
  kCreate = 0,
  kAmend,
  kCancel,
  kCancelAll,
  kQuery,
  kOther,
  kCreateBatch,
  kAmendBatch,
  kCancelBatch
};
inline constexpr int kRateClassCount = 9;

// The endpoint a request of class `c` goes to: the batch endpoint of an order class when `batch` (more than
// one item in one request), else `c` itself.
constexpr RateClass endpoint_class(RateClass c, bool batch) noexcept {
  if (!batch) return c;
  switch (c) {
    case RateClass::kCreate:
      return RateClass::kCreateBatch;
    case RateClass::kAmend:
      return RateClass::kAmendBatch;
    case RateClass::kCancel:
      return RateClass::kCancelBatch;
    default:
      return c;
  }
}

constexpr std::string_view to_string(RateClass c) noexcept {
  switch (c) {
    case RateClass::kCreate:
      return "create";
    case RateClass::kAmend:
      return "amend";
    case RateClass::kCancel:
      return "cancel";
    case RateClass::kCancelAll:
      return "cancel_all";
    case RateClass::kQuery:
      return "query";
    case RateClass::kOther:
      return "other";
    case RateClass::kCreateBatch:
      return "create_batch";
    case RateClass::kAmendBatch:
      return "amend_batch";
    case RateClass::kCancelBatch:
      return "cancel_batch";
  }
  return "?";
}

// One bucket per class. A class that was never configured refuses everything (kExceedsBurst).
class RateLimiter {
 public:
  [[nodiscard]] RateError configure(RateClass c, int64_t per_second, int64_t burst, int64_t now_ns) noexcept {
    return buckets_[index(c)].configure(per_second, burst, now_ns);
  }
  // Errors: those of TokenBucket::try_acquire.
  [[nodiscard]] RateError try_acquire(RateClass c, int64_t n, int64_t now_ns) noexcept {
    return buckets_[index(c)].try_acquire(n, now_ns);
  }
  void update_from_exchange(RateClass c, int32_t limit, int32_t remaining, int64_t reset_ts_ms,
                            int64_t now_ns) noexcept {
    buckets_[index(c)].update_from_exchange(limit, remaining, reset_ts_ms, now_ns);
  }
  TokenBucket& bucket(RateClass c) noexcept { return buckets_[index(c)]; }
  const TokenBucket& bucket(RateClass c) const noexcept { return buckets_[index(c)]; }

 private:
  static constexpr size_t index(RateClass c) noexcept {
    const auto i = static_cast<size_t>(c);
    return i < kRateClassCount ? i : static_cast<size_t>(RateClass::kOther);
  }
  std::array<TokenBucket, kRateClassCount> buckets_{};
};

}  // namespace mm
