#pragma once
// Bybit V5 REST order entry: JSON bodies and signed HTTP/1.1 requests, written into caller buffers.
// Why bodies and signing are separate steps: the signature covers the exact body bytes, so the body is
// encoded once, signed, and the same bytes are sent (encode_http_post copies them after the headers).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/instrument.h"
#include "core/instrument_registry.h"
#include "core/order_request.h"
#include "net/order_encoder.h"
#include "net/signer.h"

namespace mm {

inline constexpr std::string_view kPathOrderCreate = "/v5/order/create";
inline constexpr std::string_view kPathOrderAmend = "/v5/order/amend";
inline constexpr std::string_view kPathOrderCancel = "/v5/order/cancel";
inline constexpr std::string_view kPathOrderCreateBatch = "/v5/order/create-batch";
inline constexpr std::string_view kPathOrderAmendBatch = "/v5/order/amend-batch";
inline constexpr std::string_view kPathOrderCancelBatch = "/v5/order/cancel-batch";
inline constexpr std::string_view kPathOrderCancelAll = "/v5/order/cancel-all";
inline constexpr std::string_view kPathTradingStop = "/v5/position/trading-stop";

// Upper bounds of one body, for sizing buffers at start-up (a single action fits in 320 bytes; a batch adds
// at most 300 per item).
inline constexpr size_t kMaxSingleBodyLen = 320;
inline constexpr size_t kMaxBatchBodyLen = 64 + kMaxBatchItems * 300;

// Common preconditions of every encoder below: `in` (or every registry entry used) came from make_instrument,
// so its symbol is [A-Za-z0-9-_] and prices/quantities times their step fit int64.

// POST /v5/order/create:
//   {"category","symbol","side","orderType","qty",["price","timeInForce" | spot market: "marketUnit"],
//    "orderLinkId",[linear/inverse: "positionIdx",["reduceOnly":true]]}
// Errors: kBufferTooSmall, kBadQty, kBadPrice, kBadTimeInForce, kBadLinkId, kBadPositionIdx,
// kUnsupportedForCategory (reduce_only or position_idx on spot/option).
Encoded encode_rest_create(const Instrument& in, const OrderCreate& a, std::span<char> out) noexcept;

// POST /v5/order/amend: {"category","symbol","orderLinkId"|"orderId",["qty"],["price"]}.
// Errors: kBufferTooSmall, kNothingToChange, kBadPrice, kBadQty, kBadLinkId.
Encoded encode_rest_amend(const Instrument& in, const OrderAmend& a, std::span<char> out) noexcept;

// POST /v5/order/cancel: {"category","symbol","orderLinkId"|"orderId"}. Errors: kBufferTooSmall, kBadLinkId.
Encoded encode_rest_cancel(const Instrument& in, const OrderCancel& a, std::span<char> out) noexcept;

// POST /v5/order/{create,amend,cancel}-batch: {"category","request":[{item without category},...]}. Items may
// name different symbols of one category. Errors: kBufferTooSmall, kEmptyBatch, kBatchTooLarge,
// kUnknownInstrument, kMixedCategory, and the item errors of the single-order encoder.
Encoded encode_rest_create_batch(const InstrumentRegistry& reg, std::span<const OrderCreate> items,
                                 std::span<char> out) noexcept;
Encoded encode_rest_amend_batch(const InstrumentRegistry& reg, std::span<const OrderAmend> items,
                                std::span<char> out) noexcept;
Encoded encode_rest_cancel_batch(const InstrumentRegistry& reg, std::span<const OrderCancel> items,
                                 std::span<char> out) noexcept;

// POST /v5/order/cancel-all for one symbol: {"category","symbol"}. Errors: kBufferTooSmall.
Encoded encode_rest_cancel_all(const Instrument& in, std::span<char> out) noexcept;
// Category-wide: {"category"[,"settleCoin"]}. Bybit requires a settle coin on linear/inverse and accepts none
// on spot. Errors: kBufferTooSmall, kBadCoin (missing on linear/inverse, or not 1..15 of [A-Z0-9]),
// kUnsupportedForCategory (a settle coin on spot/option).
Encoded encode_rest_cancel_all(Category c, std::string_view settle_coin, std::span<char> out) noexcept;
// Dispatches on a.instrument (kNoInstrument: category-wide). Errors: the above, kUnknownInstrument.
Encoded encode_rest_cancel_all(const InstrumentRegistry& reg, const CancelAll& a,
                               std::span<char> out) noexcept;

// POST /v5/position/trading-stop: {"category","symbol","tpslMode","positionIdx",["takeProfit","tpTriggerBy"],
// ["stopLoss","slTriggerBy"],["trailingStop"]}; a zero value is sent as "0" (Bybit: cancel it).
// Errors: kBufferTooSmall, kUnsupportedForCategory (spot/option), kNothingToChange, kBadPrice (negative),
// kBadPositionIdx.
Encoded encode_rest_trading_stop(const Instrument& in, const TradingStop& a, std::span<char> out) noexcept;

// ---------------------------------------------------------------------------------------------------------------
// Signing.

// The four authentication headers of one request; the views point into this object or the signer.
struct RestAuthHeaders {
  std::string_view api_key;
  char timestamp[20] = {};
  uint8_t timestamp_len = 0;
  char recv_window[20] = {};
  uint8_t recv_window_len = 0;
  char sign[kSignatureHexLen] = {};

  std::string_view timestamp_view() const noexcept { return {timestamp, timestamp_len}; }
  std::string_view recv_window_view() const noexcept { return {recv_window, recv_window_len}; }
  std::string_view sign_view() const noexcept { return {sign, kSignatureHexLen}; }
};

// Fills X-BAPI-API-KEY / -TIMESTAMP / -RECV-WINDOW / -SIGN for a payload (POST body or GET query without
// '?'), for transports that set header fields themselves. Preconditions: timestamp_ms, recv_window_ms >= 0;
// `out` must not outlive `signer`. Errors: kSignerNotReady.
[[nodiscard]] EncodeError sign_rest_headers(const Signer& signer, int64_t timestamp_ms,
                                            int64_t recv_window_ms, std::string_view payload,
                                            RestAuthHeaders& out) noexcept;

// A whole signed HTTP/1.1 request (request line, Host, Content-Type, the four X-BAPI headers, Content-Length,
// blank line, body), the body bytes being the signed bytes. Preconditions: timestamps >= 0.
// Errors: kBufferTooSmall, kBadTarget (host/path empty or with CR, LF, space; path without leading '/'),
// kSignerNotReady.
Encoded encode_http_post(const Signer& signer, std::string_view host, std::string_view path,
                         int64_t timestamp_ms, int64_t recv_window_ms, std::string_view body,
                         std::span<char> out) noexcept;
// GET path?query (query may be empty; it is signed exactly as sent). Errors: as encode_http_post, and
// kBadTarget for a query with CR, LF, space or '#'.
Encoded encode_http_get(const Signer& signer, std::string_view host, std::string_view path,
                        std::string_view query, int64_t timestamp_ms, int64_t recv_window_ms,
                        std::span<char> out) noexcept;

}  // namespace mm
