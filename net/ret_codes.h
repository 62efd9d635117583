#pragma once
// Bybit V5 retCodes classified by what a client may do next (every code of ../shared/bybit-spec.md
// section 3, plus the HTTP statuses Bybit uses for limits).
//
//  - final:     the request was refused and repeating it unchanged cannot succeed (bad parameter, key,
//               balance, order state). Two are "the thing already exists/ended" when they answer a repeated
//               request: 110072/170141 (duplicate orderLinkId) on a retried create, 110001/110008/110010/
//               170213 on a retried cancel; net/retry_policy.h turns those into kAlreadyDone.
//  - retryable: the request was NOT acted on and may be sent again after the hinted wait (rate limits, clock
//               window, system busy, service restarting).
//  - ambiguous: the exchange failed while handling it: it may or may not have been acted on. Safe to repeat
//               only when repeating is idempotent (a create under the same orderLinkId, a cancel); otherwise
//               the order is Unknown until the order stream or a query settles it.
// A code not in the table is final: the request was answered with a refusal this build does not know.
#include <cstdint>
#include <span>
#include <string_view>

namespace mm {

enum class RetClass : uint8_t { kOk = 0, kFinal, kRetryable, kAmbiguous };
std::string_view to_string(RetClass c) noexcept;

// What must happen before a retryable (or ambiguous) request is repeated.
enum class RetHint : uint8_t {
  kNone = 0,
  kBackoff,      // exponential backoff with full jitter
  kRateReset,    // wait for X-Bapi-Limit-Reset-Timestamp (10006), backoff when absent
  kResyncClock,  // re-measure the server-time offset first (10002); the recv window is never widened
  kReconnect,    // open a new trade connection (10019)
  kIpBan,        // HTTP 403 IP limit: stop every session for at least 10 minutes
};
std::string_view to_string(RetHint h) noexcept;

struct RetCodeInfo {
  int32_t code = 0;
  RetClass cls = RetClass::kFinal;
  RetHint hint = RetHint::kNone;
  std::string_view name;  // short snake_case label for logs and metrics
};

// The table, ascending by code.
std::span<const RetCodeInfo> ret_code_table() noexcept;

// The entry of `code` (0: kOk); a code not in the table gives {code, kFinal, kNone, "unknown"}.
RetCodeInfo classify_ret_code(int32_t code) noexcept;

// HTTP statuses that carry no retCode: 403 (IP limit: kRetryable with kIpBan), 429 (system frequency
// protection: kRetryable, kBackoff), 5xx (kAmbiguous, kBackoff), 2xx (kOk: read the retCode), others kFinal.
RetCodeInfo classify_http_status(int status) noexcept;

}  // namespace mm
