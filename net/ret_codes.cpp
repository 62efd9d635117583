#include "net/ret_codes.h"

#include <algorithm>
#include <array>

namespace mm {

std::string_view to_string(RetClass c) noexcept {
  switch (c) {
    case RetClass::kOk:
      return "ok";
    case RetClass::kFinal:
      return "final";
    case RetClass::kRetryable:
      return "retryable";
    case RetClass::kAmbiguous:
      return "ambiguous";
  }
  return "?";
}

std::string_view to_string(RetHint h) noexcept {
  switch (h) {
    case RetHint::kNone:
      return "none";
    case RetHint::kBackoff:
      return "backoff";
    case RetHint::kRateReset:
      return "rate_reset";
    case RetHint::kResyncClock:
      return "resync_clock";
    case RetHint::kReconnect:
      return "reconnect";
    case RetHint::kIpBan:
      return "ip_ban";
  }
  return "?";
}

namespace {

constexpr RetClass F = RetClass::kFinal;
constexpr RetClass R = RetClass::kRetryable;
constexpr RetClass A = RetClass::kAmbiguous;

// Sources: bybit-spec.md section 3 (docs/v5/error.mdx: UTA, Spot Trade, WS OE General code).
constexpr std::array kTable = {
    RetCodeInfo{0, RetClass::kOk, RetHint::kNone, "ok"},
    // "Server Timeout" (Bybit's error list, UTA section; not in bybit-spec.md's table): the server gave up
    // waiting, so whether the request took effect is not said, as for 10016. A create so answered is Unknown
    // until a query settles it (runtime/live_orders.h classify_answer, core/order_state.h outcome_unknown).
    RetCodeInfo{10000, A, RetHint::kBackoff, "server_timeout"},
    RetCodeInfo{10001, F, RetHint::kNone, "param_error"},
    RetCodeInfo{10002, R, RetHint::kResyncClock, "recv_window"},
    // 10003 is also "too many sessions per UID" on the trade WebSocket: final either way.
    RetCodeInfo{10003, F, RetHint::kNone, "invalid_api_key"},
    RetCodeInfo{10004, F, RetHint::kNone, "invalid_sign"},
    RetCodeInfo{10005, F, RetHint::kNone, "permission_denied"},
    RetCodeInfo{10006, R, RetHint::kRateReset, "rate_limited"},
    RetCodeInfo{10010, F, RetHint::kNone, "unmatched_ip"},
    // "Invalid duplicate request": the exchange saw an identical request, which may have been acted on.
    RetCodeInfo{10014, A, RetHint::kBackoff, "duplicate_request"},
    // "System error, try again later": whether the request took effect is not said.
    RetCodeInfo{10016, A, RetHint::kBackoff, "server_error"},
    RetCodeInfo{10018, R, RetHint::kBackoff, "ip_rate_limited"},
    RetCodeInfo{10019, R, RetHint::kReconnect, "trade_service_restarting"},
    RetCodeInfo{10403, R, RetHint::kBackoff, "ws_ip_limit"},
    RetCodeInfo{10404, F, RetHint::kNone, "op_not_found"},
    RetCodeInfo{10429, R, RetHint::kBackoff, "frequency_protection"},
    RetCodeInfo{20001, F, RetHint::kNone, "repeat_auth"},
    RetCodeInfo{20003, R, RetHint::kBackoff, "session_too_frequent"},
    RetCodeInfo{20006, F, RetHint::kNone, "duplicate_req_id"},
    RetCodeInfo{110001, F, RetHint::kNone, "order_not_exists"},
    RetCodeInfo{110003, F, RetHint::kNone, "price_out_of_range"},
    RetCodeInfo{110004, F, RetHint::kNone, "wallet_insufficient"},
    RetCodeInfo{110007, F, RetHint::kNone, "balance_insufficient"},
    RetCodeInfo{110008, F, RetHint::kNone, "order_finished"},
    RetCodeInfo{110010, F, RetHint::kNone, "order_cancelled"},
    RetCodeInfo{110012, F, RetHint::kNone, "available_insufficient"},
    RetCodeInfo{110017, F, RetHint::kNone, "reduce_only_rule"},
    RetCodeInfo{110020, F, RetHint::kNone, "too_many_active_orders"},
    RetCodeInfo{110044, F, RetHint::kNone, "margin_insufficient"},
    RetCodeInfo{110045, F, RetHint::kNone, "wallet_insufficient"},
    RetCodeInfo{110072, F, RetHint::kNone, "duplicate_order_link_id"},
    // "Order is processing and cannot be operated; try later": refused now, nothing done.
    RetCodeInfo{110079, R, RetHint::kBackoff, "order_processing"},
    RetCodeInfo{110094, F, RetHint::kNone, "notional_below_min"},
    RetCodeInfo{170131, F, RetHint::kNone, "spot_balance_insufficient"},
    RetCodeInfo{170134, F, RetHint::kNone, "spot_price_precision"},
    RetCodeInfo{170136, F, RetHint::kNone, "spot_qty_below_min"},
    RetCodeInfo{170137, F, RetHint::kNone, "spot_qty_precision"},
    RetCodeInfo{170140, F, RetHint::kNone, "spot_value_below_min"},
    RetCodeInfo{170141, F, RetHint::kNone, "spot_duplicate_client_order_id"},
    RetCodeInfo{170213, F, RetHint::kNone, "spot_order_not_exists"},
    RetCodeInfo{170217, F, RetHint::kNone, "spot_limit_maker_only"},
    RetCodeInfo{170218, F, RetHint::kNone, "spot_limit_maker_rejected"},
};

constexpr bool sorted() {
  for (size_t i = 1; i < kTable.size(); ++i) {
    if (kTable[i - 1].code >= kTable[i].code) return false;
  }
  return true;
}
static_assert(sorted(), "ret_code table must be ascending and unique (binary search)");

}  // namespace

std::span<const RetCodeInfo> ret_code_table() noexcept {
  return kTable;
}

RetCodeInfo classify_ret_code(int32_t code) noexcept {
  const auto it = std::lower_bound(kTable.begin(), kTable.end(), code,
                                   [](const RetCodeInfo& e, int32_t c) { return e.code < c; });
  if (it != kTable.end() && it->code == code) return *it;
  return {code, RetClass::kFinal, RetHint::kNone, "unknown"};
}

RetCodeInfo classify_http_status(int status) noexcept {
  if (status >= 200 && status < 300) return {0, RetClass::kOk, RetHint::kNone, "http_ok"};
  if (status == 403) return {0, RetClass::kRetryable, RetHint::kIpBan, "http_403_ip_limit"};
  if (status == 429) return {0, RetClass::kRetryable, RetHint::kBackoff, "http_429"};
  if (status >= 500 && status < 600) return {0, RetClass::kAmbiguous, RetHint::kBackoff, "http_5xx"};
  return {0, RetClass::kFinal, RetHint::kNone, "http_error"};
}

}  // namespace mm
