#pragma once
// Private account events (Bybit V5 private WebSocket: order, execution, position, wallet) and the
// answers of the trade WebSocket. In core/ so that strategies, risk and the backtester can consume them
// without knowing the wire format. Plain structs; strings are fixed-size arrays (no allocation).
#include <cstdint>
#include <cstring>
#include <string_view>

#include "core/market_events.h"
#include "core/money.h"
#include "core/types.h"

namespace mm {

// A short string stored inline. Assign with set(); a value longer than N is refused (returns false).
template <size_t N>
struct FixedString {
  char data[N] = {};
  uint8_t len = 0;
  static_assert(N <= 255);

  [[nodiscard]] bool set(std::string_view s) noexcept {
    if (s.size() > N) return false;
    if (!s.empty()) std::memcpy(data, s.data(), s.size());  // an empty view may hold nullptr
    len = static_cast<uint8_t>(s.size());
    return true;
  }
  std::string_view view() const noexcept { return {data, len}; }
  bool empty() const noexcept { return len == 0; }
  friend bool operator==(const FixedString& a, const FixedString& b) noexcept { return a.view() == b.view(); }
};

// Bybit orderId is a 36-char UUID (derivatives) or a 19-digit number (spot); orderLinkId is at most 36.
using OrderIdString = FixedString<48>;
using OrderLinkIdString = FixedString<40>;
using ExecIdString = FixedString<48>;
using CoinString = FixedString<16>;
using ShortText = FixedString<64>;  // reject reasons, retMsg (longer texts are cut, see TradeAck)

enum class OrderStatus : uint8_t {
  kUnknown = 0,  // a status this build does not know: treat as "ask the exchange" (reconcile)
  kCreated,
  kNew,
  kPartiallyFilled,
  kFilled,
  kCancelled,
  kRejected,
  kPartiallyFilledCanceled,
  kUntriggered,
  kTriggered,
  kDeactivated,
  kActive,
};

// As reported by the order/execution streams (with kUnknown and RPI); distinct from core/order_request.h's
// OrderType/TimeInForce, which are what we send. Both headers can be included together.
enum class ReportedOrderType : uint8_t { kUnknown = 0, kLimit, kMarket };
enum class ReportedTimeInForce : uint8_t { kUnknown = 0, kGTC, kIOC, kFOK, kPostOnly, kRPI };

enum class CancelType : uint8_t {
  kNone = 0,  // "UNKNOWN" or empty: not cancelled
  kByUser,
  kByReduceOnly,
  kByPrepareLiq,
  kAllBeforeLiq,
  kByPrepareAdl,
  kAllBeforeAdl,
  kByAdmin,
  kBySettle,
  kByTpSlTsClear,
  kBySmp,
  kByDcp,
  kOther,
};

enum class RejectReason : uint8_t {
  kNone = 0,                   // "EC_NoError" or empty
  kPostOnlyWillTakeLiquidity,  // a post-only order that would cross: acked, then cancelled with this
  kOther,                      // see reject_text
};

enum class ExecType : uint8_t {
  kUnknown = 0, kTrade, kAdlTrade, kFunding, kBustTrade, kDelivery, kSettle, kBlockTrade, kMovePosition,
};

enum class PositionSide : uint8_t { kNone = 0, kBuy, kSell };  // "" means flat (one-way mode)
enum class PositionStatus : uint8_t { kUnknown = 0, kNormal, kLiq, kAdl };
enum class AccountType : uint8_t { kUnknown = 0, kUnified, kContract, kSpot };

// order / order.{category}: one order's state after a change. Prices on the tick grid, quantities on
// the lot grid; avg_price is an average (off the grid): fixed-point at ref_scale.
struct OrderUpdate {
  InstrumentId instrument = kNoInstrument;
  Category category = Category::kLinear;
  Side side = Side::kBuy;
  ReportedOrderType order_type = ReportedOrderType::kUnknown;
  OrderStatus status = OrderStatus::kUnknown;
  ReportedTimeInForce time_in_force = ReportedTimeInForce::kUnknown;
  CancelType cancel_type = CancelType::kNone;
  RejectReason reject_reason = RejectReason::kNone;
  bool reduce_only = false;
  bool close_on_trigger = false;
  int8_t ref_scale = 0;        // scale of avg_price
  uint8_t position_idx = 0;
  OrderIdString order_id;
  OrderLinkIdString order_link_id;
  ShortText reject_text;       // Bybit's rejectReason string, for logs
  Price price;                 // 0 for market orders without a price
  Qty qty;
  Qty leaves_qty;              // "" on some closed orders -> 0
  Qty cum_exec_qty;
  Money cum_exec_value;
  Money cum_exec_fee;          // signed: negative is a rebate
  int64_t avg_price = 0;       // at ref_scale; 0 when nothing filled
  Price trigger_price, take_profit, stop_loss;  // 0 = not set
  int64_t created_time_ms = 0;
  int64_t updated_time_ms = 0;
  int64_t creation_time_ms = 0;  // message "creationTime"
};

// execution / execution.fast: one fill (or funding / delivery event). execution.fast carries only
// category, symbol, execId, execPrice, execQty, orderId, orderLinkId, isMaker, side, execTime, seq;
// the other fields stay zero (`fast` says which stream it came from).
struct Execution {
  InstrumentId instrument = kNoInstrument;
  Category category = Category::kLinear;
  Side side = Side::kBuy;
  ExecType exec_type = ExecType::kUnknown;
  ReportedOrderType order_type = ReportedOrderType::kUnknown;
  bool is_maker = false;
  bool fast = false;
  int8_t ref_scale = 0;        // scale of mark_price
  ExecIdString exec_id;
  OrderIdString order_id;
  OrderLinkIdString order_link_id;
  Price exec_price;
  Qty exec_qty;
  Money exec_value;
  Money exec_fee;              // signed: negative is a rebate (maker on a rebate tier)
  int64_t fee_rate = 0;        // at kRateScale, signed
  Qty leaves_qty;
  Price order_price;
  Qty order_qty;
  int64_t mark_price = 0;      // at ref_scale
  int64_t exec_time_ms = 0;
  int64_t seq = 0;
  int64_t creation_time_ms = 0;
};

// position / position.{category}: the position of one symbol (and position index) after a change.
struct PositionUpdate {
  InstrumentId instrument = kNoInstrument;
  Category category = Category::kLinear;
  PositionSide side = PositionSide::kNone;
  PositionStatus status = PositionStatus::kUnknown;
  uint8_t position_idx = 0;
  bool is_reduce_only = false;
  int8_t ref_scale = 0;        // scale of entry_price, mark_price, liq_price, bust_price
  Qty size;
  int64_t entry_price = 0;     // "entryPrice" (older "avgPrice"): an average, off the tick grid
  int64_t mark_price = 0;
  int64_t liq_price = 0;       // 0 when none ("" or "0")
  int64_t bust_price = 0;
  int64_t leverage = 0;        // at kRateScale
  Money position_value;
  Money position_im;
  Money position_mm;
  Price take_profit, stop_loss, trailing_stop;  // 0 = not set
  Money unrealised_pnl;
  Money cur_realised_pnl;
  Money cum_realised_pnl;
  int64_t created_time_ms = 0;
  int64_t updated_time_ms = 0;
  int64_t seq = 0;
  int64_t creation_time_ms = 0;
};

struct CoinBalance {
  CoinString coin;
  bool margin_collateral = false;
  bool collateral_switch = false;
  Money equity;
  Money wallet_balance;
  Money usd_value;
  Money available_to_withdraw;  // "" on unified accounts -> 0
  Money locked;
  Money borrow_amount;
  Money accrued_interest;
  Money total_order_im;
  Money total_position_im;
  Money total_position_mm;
  Money unrealised_pnl;
  Money cum_realised_pnl;
};

// wallet: one account's balances. `coins` points into the producer's buffer (valid until its next call).
struct WalletUpdate {
  AccountType account_type = AccountType::kUnknown;
  int64_t account_im_rate = 0;  // at kRateScale
  int64_t account_mm_rate = 0;  // at kRateScale
  Money total_equity;
  Money total_wallet_balance;
  Money total_margin_balance;
  Money total_available_balance;
  Money total_perp_upl;
  Money total_initial_margin;
  Money total_maintenance_margin;
  const CoinBalance* coins = nullptr;
  uint32_t coin_count = 0;
  int64_t creation_time_ms = 0;
};

enum class TradeOp : uint8_t { kUnknown = 0, kCreate, kAmend, kCancel, kCreateBatch, kAmendBatch, kCancelBatch };

// One item of a -batch answer: data.list[i] joined with retExtInfo.list[i].
struct TradeAckItem {
  InstrumentId instrument = kNoInstrument;  // kNoInstrument when the symbol is absent or unknown
  Category category = Category::kLinear;
  int32_t code = 0;            // retExtInfo.list[i].code: 0 = accepted
  OrderIdString order_id;
  OrderLinkIdString order_link_id;
  ShortText msg;
};

// An answer of the trade WebSocket (order.create|amend|cancel and -batch). retCode 0 means accepted,
// not live: the order stream confirms. The rate-limit header fields are 0 when absent.
struct TradeAck {
  TradeOp op = TradeOp::kUnknown;
  int32_t ret_code = 0;
  ShortText ret_msg;           // cut to 64 chars (`ret_msg_cut` says so)
  bool ret_msg_cut = false;
  FixedString<48> req_id;
  OrderIdString order_id;      // single ops
  OrderLinkIdString order_link_id;
  int32_t limit = 0;           // X-Bapi-Limit
  int32_t limit_status = 0;    // X-Bapi-Limit-Status: requests left in the window
  int64_t limit_reset_ms = 0;  // X-Bapi-Limit-Reset-Timestamp
  int64_t time_now_ms = 0;     // Timenow
  const TradeAckItem* items = nullptr;  // -batch ops; into the producer's buffer
  uint32_t item_count = 0;
};

}  // namespace mm
