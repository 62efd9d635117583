#pragma once
// What the live page shows, as one fixed-size value the node's timer fills on its hot thread and the page's
// server thread reads (runtime/ops/live_page.h), handed over through a triple buffer: the writer never waits
// and never allocates, the reader always gets the newest complete snapshot, and they share no lock.
#include <array>
#include <atomic>
#include <cstdint>

#include "core/types.h"
#include "risk/trading_state.h"

namespace mm {

inline constexpr size_t kPageDepth = 10;   // book levels per side around the touch
inline constexpr size_t kPageOrders = 32;  // our open orders shown
inline constexpr size_t kPageFills = 20;   // most recent fills

struct PageLevel {
  int64_t price_ticks = 0;
  int64_t lots = 0;
};

struct PageOrder {
  Side side = Side::kBuy;
  int64_t price_ticks = 0;
  int64_t leaves_lots = 0;
};

struct PageFill {
  int64_t ts_ns = 0;  // when the node saw it
  Side side = Side::kBuy;
  bool maker = false;
  int64_t price_ticks = 0;
  int64_t lots = 0;
  int64_t fee = 0;  // money units, signed (negative: a rebate)
};

struct PageSnapshot {
  int64_t now_ns = 0;
  uint64_t seq = 0;  // 0: nothing published yet
  std::array<PageLevel, kPageDepth> bids{}, asks{};
  uint32_t bid_count = 0, ask_count = 0;
  std::array<PageOrder, kPageOrders> orders{};
  uint32_t order_count = 0;
  std::array<PageFill, kPageFills> fills{};  // newest first
  uint32_t fill_count = 0;
  uint64_t fills_total = 0;
  int64_t position_lots = 0;
  int64_t realized = 0, unrealized = 0, fees = 0;  // money units
  TradingState state = TradingState::kActive;
  bool killed = false;
  bool paused = false;   // quoting paused from the page
  bool quoting = false;  // both sides quoted
};

// Single writer, single reader, lock-free. The writer fills write_slot() and publish()es it; the reader's
// read() returns the newest published value (true) or nothing new since its last read (false).
template <class T>
class TripleBuffer {
 public:
  T& write_slot() noexcept { return slots_[back_]; }
  void publish() noexcept {
    const uint32_t prev = middle_.exchange(back_ | kFresh, std::memory_order_acq_rel);
    back_ = prev & kIndex;
  }
  // Copies the newest published value into out when there is one the reader has not seen.
  bool read(T& out) noexcept {
    if ((middle_.load(std::memory_order_relaxed) & kFresh) == 0) return false;
    const uint32_t prev = middle_.exchange(front_, std::memory_order_acq_rel);
    front_ = prev & kIndex;
    out = slots_[front_];
    return true;
  }

 private:
  static constexpr uint32_t kFresh = 4, kIndex = 3;
  std::array<T, 3> slots_{};
  uint32_t back_ = 0;                // writer's
  std::atomic<uint32_t> middle_{1};  // shared: index | kFresh
  uint32_t front_ = 2;               // reader's
};

}  // namespace mm
