#pragma once
// The Venue concept (DESIGN.md section 1): where a Trader's order actions go and where its time comes from.
// replay: RecordingVenue (net/recording_venue.h) encodes the trade-WebSocket frames and sends nothing;
// backtest/paper: SimVenue (sim/); live: LiveVenue (net/). Private events (order, execution, position) flow
// back through the driver loop, which calls the Trader's on_order / on_execution: a venue never calls into
// the Trader, so every venue stays non-blocking and the Trader owns its state.
#include <concepts>
#include <cstdint>
#include <span>

#include "core/order_request.h"

namespace mm {

// Every send_* call is non-blocking and returns false when the venue refused it locally (buffer full,
// disconnected, encoding error); a refused action is not in flight and the Trader must not treat it as sent.
// Spans hold one or more actions of one kind for one instrument. The Trader hands over one request at a
// time: a span never holds more than Bybit's batch limit of its category (kQuoterMaxBatchItems,
// kQuoterMaxSpotBatchItems in strategy/quoter.h), so the venue sends it as one request (a batch request such
// as order.create-batch when it holds more than one) and accepts or refuses it whole: a venue must never
// return false for a span of which part went out.
template <class V>
concept Venue = requires(V& v, std::span<const OrderCreate> creates, std::span<const OrderAmend> amends,
                         std::span<const OrderCancel> cancels, const CancelAll& all) {
  { v.now_ns() } noexcept -> std::same_as<int64_t>;  // the venue's clock (frame time, simulated or wall)
  { v.send_creates(creates) } noexcept -> std::same_as<bool>;
  { v.send_amends(amends) } noexcept -> std::same_as<bool>;
  { v.send_cancels(cancels) } noexcept -> std::same_as<bool>;
  { v.send_cancel_all(all) } noexcept -> std::same_as<bool>;
};

}  // namespace mm
