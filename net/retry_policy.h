#pragma once
// What to do after a request's attempt: done, repeat (when, and whether it is safe), resync the clock, or
// give up / mark the outcome Unknown. Plus the backoff that reconnects share, and the two-lane queue that
// lets cancels through before creates when the rate budget is short.
//
// Safety rule: a request is only repeated when repeating cannot do anything the first attempt did not mean:
// a create under the SAME orderLinkId (Bybit refuses a second one with 110072/170141), a cancel or cancel-all
// (a second one finds the order gone), a query, or a set-to-value call (leverage, trading stop, DCP window).
// An amend whose fate is unknown is never repeated: a late amend could override a newer intent; the order is
// Unknown until the order stream or a query settles it.
//
// Hot path: every function is noexcept, allocation-free, and takes time and randomness from the caller.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/rate_limiter.h"
#include "net/ret_codes.h"

namespace mm {

enum class RequestKind : uint8_t { kCreate = 0, kAmend, kCancel, kCancelAll, kQuery, kSetting };
std::string_view to_string(RequestKind k) noexcept;
RateClass rate_class(RequestKind k) noexcept;

// Splitmix64: seeded once, a few instructions per draw, deterministic in tests.
class JitterRng {
 public:
  explicit JitterRng(uint64_t seed) noexcept : state_(seed) {}
  uint64_t next() noexcept {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, bound]. Precondition: bound >= 0.
  int64_t uniform(int64_t bound) noexcept {
    return bound <= 0 ? 0 : static_cast<int64_t>(next() % (static_cast<uint64_t>(bound) + 1));
  }

 private:
  uint64_t state_;
};

// "Full jitter" (AWS architecture blog, Exponential Backoff and Jitter): a delay drawn uniformly from
// [0, min(cap, base * 2^attempt)], so clients that failed together do not come back together.
// Preconditions: base_ms >= 0, cap_ms >= base_ms, attempt >= 0.
int64_t full_jitter_ms(int attempt, int64_t base_ms, int64_t cap_ms, JitterRng& rng) noexcept;

// A reconnect schedule: failures() grows with each failed attempt and resets after a connection held.
class Backoff {
 public:
  Backoff(int64_t base_ms, int64_t cap_ms) noexcept : base_ms_(base_ms), cap_ms_(cap_ms) {}
  // The delay before the next attempt (full jitter over the failures so far), and counts one more failure.
  int64_t next_delay_ms(JitterRng& rng) noexcept {
    return full_jitter_ms(failures_++, base_ms_, cap_ms_, rng);
  }
  void reset() noexcept { failures_ = 0; }
  int failures() const noexcept { return failures_; }

 private:
  int64_t base_ms_;
  int64_t cap_ms_;
  int failures_ = 0;
};

// How an attempt ended.
struct AttemptResult {
  RequestKind kind = RequestKind::kQuery;
  int attempt = 0;             // 0 for the first sending, 1 for the first repeat, ...
  bool answered = false;       // an answer with a retCode (or an HTTP status without one) arrived
  bool sent = true;            // unanswered: the bytes may have reached the exchange (false: surely not, e.g.
                               // connect refused, write failed before any byte, not connected)
  int32_t ret_code = 0;        // answered
  int http_status = 200;       // answered over REST (200 for the trade WebSocket)
  int64_t limit_reset_ms = 0;  // X-Bapi-Limit-Reset-Timestamp of the answer (0: absent)
  int64_t now_ms = 0;          // wall clock (the reset timestamp's clock)
};

enum class RetryAction : uint8_t {
  kDone = 0,     // accepted (retCode 0)
  kAlreadyDone,  // a repeated create found its orderLinkId taken (it exists), or a repeated cancel found the
                 // order gone: the earlier attempt took effect; the order stream / a query confirms
  kRetry,        // send the same request again (same orderLinkId, new reqId/timestamp) after delay_ms
  kResyncClock,  // re-measure the server-time offset, then send again (10002)
  kReconnect,    // reconnect the trade stream, then send again (10019)
  kGiveUp,       // refused for good (final code), or attempts exhausted for a request that surely did nothing
  kUnknown,      // may have been acted on and is not safe to repeat (or attempts exhausted): the order is
                 // Unknown until the stream or GET /v5/order/realtime?orderLinkId= settles it
};
std::string_view to_string(RetryAction a) noexcept;

struct RetryDecision {
  RetryAction action = RetryAction::kDone;
  int64_t delay_ms = 0;  // kRetry / kResyncClock / kReconnect: wait at least this long
  RetCodeInfo code;      // the classification that led here
};

struct RetryConfig {
  int max_attempts = 3;             // sendings in all (the first included)
  int64_t base_ms = 50;             // backoff base
  int64_t cap_ms = 2000;            // backoff cap
  int64_t rate_reset_slack_ms = 5;  // added after a reset timestamp (clock differences)
  int64_t ip_ban_ms = 600'000;      // HTTP 403: Bybit lifts the ban after 10 minutes
};

// Decides from one attempt's result.
RetryDecision decide_retry(const RetryConfig& cfg, const AttemptResult& r, JitterRng& rng) noexcept;

// True when repeating a request of this kind cannot act twice (see the safety rule above).
constexpr bool repeat_is_safe(RequestKind k) noexcept {
  return k != RequestKind::kAmend;
}

// ---------------------------------------------------------------------------------------------------------------
// Cancels before creates.

struct PendingRequest {
  RequestKind kind = RequestKind::kCreate;
  uint32_t slot = 0;          // the caller's handle (order slot, journal entry, ...)
  int64_t not_before_ns = 0;  // a retry's delay
};

// Requests waiting for rate budget, in two lanes. next() hands out the oldest cancel (or cancel-all) whose
// bucket has a token; creates and amends go only when no cancel is waiting at all — a new quote never
// leaves while the pull of an old one is stuck, which is what a market maker needs when the budget is
// short. Fixed capacity per lane, no allocation after construction.
template <size_t kCapacity = 256>
class RequestLanes {
  static_assert((kCapacity & (kCapacity - 1)) == 0, "capacity must be a power of two");

 public:
  // False when the lane is full (nothing queued).
  [[nodiscard]] bool push(const PendingRequest& r) noexcept {
    Lane& l = lane(r.kind);
    if (l.tail - l.head == kCapacity) return false;
    l.items[l.tail++ & (kCapacity - 1)] = r;
    return true;
  }

  // Takes the next request that may be sent now and acquires its token from `limiter`. Returns false when
  // none may go (nothing waiting, every candidate delayed, or out of tokens).
  [[nodiscard]] bool next(RateLimiter& limiter, int64_t now_ns, PendingRequest& out) noexcept {
    if (take(cancels_, limiter, now_ns, out)) return true;
    if (cancels_.tail != cancels_.head) return false;  // a cancel is waiting: creates/amends wait behind it
    return take(others_, limiter, now_ns, out);
  }

  size_t cancels_waiting() const noexcept { return cancels_.tail - cancels_.head; }
  size_t others_waiting() const noexcept { return others_.tail - others_.head; }

 private:
  struct Lane {
    std::array<PendingRequest, kCapacity> items{};
    size_t head = 0;
    size_t tail = 0;
  };
  Lane& lane(RequestKind k) noexcept {
    return k == RequestKind::kCancel || k == RequestKind::kCancelAll ? cancels_ : others_;
  }
  // FIFO per lane: only the oldest may go (order of intents is kept).
  static bool take(Lane& l, RateLimiter& limiter, int64_t now_ns, PendingRequest& out) noexcept {
    if (l.head == l.tail) return false;
    const PendingRequest& r = l.items[l.head & (kCapacity - 1)];
    if (r.not_before_ns > now_ns) return false;
    if (limiter.try_acquire(rate_class(r.kind), 1, now_ns) != RateError::kOk) return false;
    out = r;
    ++l.head;
    return true;
  }

  Lane cancels_;
  Lane others_;
};

}  // namespace mm
