#pragma once
// One definition of a per-second rate-limit window, shared by the two venues mm simulates: the exchange
// simulator (sim/exchange, `mm sim`, what `mm run` and `mm paper` meet) and the backtest's SimVenue, so that
// a request the simulator would refuse with 10006 the backtest refuses too, and no other (backtest-to-live
// parity, docs/reliability.md). Bybit counts "per second" from the first request: a window opens at the
// first request after the previous one ended and lasts kRateWindowMs; it is not aligned to clock seconds
// (with clock-aligned seconds a client's burst that straddles a second boundary is counted in two windows
// and passes where Bybit refuses it, or the other way round). Times are milliseconds, Bybit's resolution.
// Hot path: constexpr arithmetic, no allocation.
#include <cstdint>
#include <limits>

namespace mm {

inline constexpr int64_t kRateWindowMs = 1000;

struct RateWindow {
  static constexpr int64_t kNone = std::numeric_limits<int64_t>::min();
  int64_t start_ms = kNone;  // the open window's first request (kNone: none yet)
  int32_t used = 0;          // requests granted in it

  // Grants up to `n` requests at `now_ms` against `limit` per window (a new window first if the open one
  // has ended) and returns how many were granted (0..n). Precondition: now_ms does not go backwards by more
  // than a window (a step back inside the open window counts in it).
  constexpr int32_t take(int64_t now_ms, int32_t limit, int32_t n) noexcept {
    if (start_ms == kNone || now_ms >= start_ms + kRateWindowMs) {
      start_ms = now_ms;
      used = 0;
    }
    const int32_t free = limit > used ? limit - used : 0;
    const int32_t granted = n < free ? n : free;
    used += granted;
    return granted;
  }
  // When the open window ends (Bybit's X-Bapi-Limit-Reset-Timestamp when over the limit).
  [[nodiscard]] constexpr int64_t reset_ms() const noexcept { return start_ms + kRateWindowMs; }
};

}  // namespace mm
