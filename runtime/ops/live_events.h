#pragma once
// The hot-path log events of the live node: the id a LogRing record carries is a LiveEvent, and kLiveEvents
// tells the drain its name, component, level and field names. Order events carry the orderLinkId as their
// text, never a key. Add an event by appending to both (the static_assert keeps them the same length).
#include <array>
#include <cstdint>

#include "core/log_ring.h"

namespace mm {

enum class LiveEvent : uint16_t {
  kOrderCreate = 0,  // text orderLinkId; price_ticks, qty_lots, side (+1 buy, -1 sell)
  kOrderAmend,       // text orderLinkId; price_ticks, qty_lots
  kOrderCancel,      // text orderLinkId
  kOrderAck,         // text orderLinkId; ret_code, latency_ns
  kOrderReject,      // text orderLinkId; ret_code
  kFill,             // text orderLinkId; price_ticks, qty_lots, side, fee (money units), position_lots
  kBookGap,          // expected_u, got_u: resubscribing
  kQuoting,          // on (1/0), reason code of the node
  kRiskState,        // from, to (TradingState values), reason code
  kCount
};

inline constexpr std::array<LogEventDef, static_cast<size_t>(LiveEvent::kCount)> kLiveEvents = {{
    {"order_create", "quoter", LogLevel::kInfo, {"price_ticks", "qty_lots", "side"}, "orderLinkId"},
    {"order_amend", "quoter", LogLevel::kInfo, {"price_ticks", "qty_lots"}, "orderLinkId"},
    {"order_cancel", "quoter", LogLevel::kInfo, {}, "orderLinkId"},
    {"order_ack", "venue", LogLevel::kDebug, {"ret_code", "latency_ns"}, "orderLinkId"},
    {"order_reject", "venue", LogLevel::kWarn, {"ret_code"}, "orderLinkId"},
    {"fill",
     "venue",
     LogLevel::kInfo,
     {"price_ticks", "qty_lots", "side", "fee", "position_lots"},
     "orderLinkId"},
    {"book_gap", "feed", LogLevel::kWarn, {"expected_u", "got_u"}, ""},
    {"quoting", "node", LogLevel::kInfo, {"on", "reason"}, ""},
    {"risk_state", "risk", LogLevel::kWarn, {"from", "to", "reason"}, ""},
}};

// Pushes one live event on the hot thread's ring (see LogRing::log: never blocks, never allocates).
template <LogArg... A>
requires(sizeof...(A) <= kLogArgs) inline bool log_event(LogRing& ring, LiveEvent e, int64_t ts_ns,
                                                         std::string_view text, A... args) noexcept {
  return ring.log(static_cast<uint16_t>(e), ts_ns, text, args...);
}

}  // namespace mm
