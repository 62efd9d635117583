#pragma once
// The floor of tick-to-quote: the least code that does the same work as `mm replay --config` on the
// tick-to-quote input, written here on purpose without any of mm's layers, so the ratio mm / floor says how
// far mm's hot path is from the bare work. Per frame: simdjson On-Demand parse of an orderbook.200 BTCUSDT
// message, a flat tick-indexed book, a fixed skew (the mid +- 10 ticks), and when the quotes move, two
// masked order.amend trade-WebSocket frames (bid and ask).
//
// What it leaves out on purpose (mm does it): sequence checks, a risk check, rate limits, an order table,
// signals, latency stamps. Only BTCUSDT's grid (tick 0.10, lot 0.001) is understood; prices outside a
// +-2^19-tick window of the first snapshot are ignored.
#include <simdjson.h>

#include <array>
#include <cstdint>
#include <vector>

namespace mm::gate {

class FloorQuoter {
 public:
  FloorQuoter();

  // One orderbook.200.BTCUSDT message (snapshot or delta); `data` has `capacity` >= size + 64 readable bytes.
  // Returns the bytes of the order frames written (0 when the quotes did not move), or -1 when the message
  // did not parse.
  int64_t on_frame(const char* data, size_t size, size_t capacity, int64_t recv_ns) noexcept;

  // The frames of the last tick that sent (bid, then ask).
  std::string_view frame(size_t i) const noexcept { return {out_[i].data(), out_len_[i]}; }

 private:
  static constexpr int64_t kWindow = int64_t{1} << 20;
  bool apply_side(simdjson::ondemand::array levels, bool bid) noexcept;
  size_t encode_amend(size_t slot, int64_t price_ticks, int64_t recv_ns) noexcept;

  simdjson::ondemand::parser parser_;
  std::vector<int64_t> bid_lots_, ask_lots_;  // by tick - base_
  int64_t base_ = -1;
  int64_t best_bid_ = -1, best_ask_ = -1;  // window indices; -1: empty side
  int64_t quoted_bid_ = -1, quoted_ask_ = -1;
  uint64_t req_ = 0;
  uint64_t mask_state_ = 0x9e3779b97f4a7c15ull;
  std::array<std::array<char, 512>, 2> out_{};
  std::array<size_t, 2> out_len_{};
};

}  // namespace mm::gate
