#pragma once
// Faults on command (`--faults FILE` and `POST /admin/fault`): one description for both. The server applies
// the connection and stream faults itself and hands the order-side ones to the exchange (SimServerOptions::
// exchange_fault). What a client sees for each kind: docs/sim.md.
//
// JSON (admin body; the fault file's [[fault]] tables have the same keys plus `at`):
//   {"kind":"close","target":"all","path":"/v5/public/linear","code":1001,"reason":"..."}
// Keys: kind (required), target ("all" | "one" = the most recently opened matching connection | a connection
// id), path (only connections on this path), ms, for_ms, code, reason, symbol, ret_code, count, qty,
// order_id, at (seconds after start, file only).
#include <cstdint>
#include <string>
#include <string_view>

namespace mm::simx {

enum class FaultKind : uint8_t {
  kClose,            // close frame (code, reason) then close
  kReset,            // TCP reset (SO_LINGER 0), no close frame
  kStall,            // hold every outgoing byte of the matching connections for `ms`
  kDelay,            // for `for_ms`, every answer (REST, private/trade WS) is delayed by `ms`
  kSkew,             // server clock += ms (negative allowed); 0 restores
  kDropDelta,        // next orderbook delta of `symbol` ("" all) not sent, u still advances
  kRestartSnapshot,  // u == 1 snapshot on every subscribed depth of `symbol` ("" all)
  // Order side, handed to the exchange:
  kRetCode,      // answer ret_code to the next `count` order requests
  kPartialFill,  // fill `qty` of order `order_id` (or the oldest resting order)
  kStopFilling,  // no fills until kResumeFilling
  kResumeFilling,
  kRestartMatching,  // matching service restart for `ms`: sessions dropped, orders kept, 10019 meanwhile
  kPostOnlyCross,    // the next `count` post-only creates: acked, then cancelled EC_PostOnlyWillTakeLiquidity
  kDuplicateExecution,  // the next `count` execution messages are sent twice (same execId)
  kReorderOrder,        // order `order_id`'s next order message is sent after its following one
};
[[nodiscard]] std::string_view to_string(FaultKind k) noexcept;
[[nodiscard]] bool parse_fault_kind(std::string_view s, FaultKind& out) noexcept;
[[nodiscard]] constexpr bool is_exchange_fault(FaultKind k) noexcept {
  return k >= FaultKind::kRetCode;
}

struct Fault {
  int64_t at_ns = 0;  // scheduled faults: time after start
  FaultKind kind = FaultKind::kClose;
  std::string target = "all";
  std::string path;
  int64_t ms = 0;
  int64_t for_ms = 0;
  int code = 1000;
  std::string reason;
  std::string symbol;
  int ret_code = 0;
  int64_t count = 1;
  std::string qty;
  std::string order_id;
};

// Parses one fault object. Returns "" or an error naming the key. `allow_at`: the fault file's `at` key.
[[nodiscard]] std::string parse_fault_json(std::string_view json, Fault& out, bool allow_at);

}  // namespace mm::simx
