#pragma once
// Bybit V5 WebSocket codec: one parse() per received frame turns Bybit's JSON into the fixed-point
// events of core/. Public topics (order book, trades, tickers, klines, liquidations), private topics
// (order, execution, position, wallet), trade-WebSocket answers, subscribe/auth acks and pongs.
//
// Why one codec object per connection: it owns the simdjson parser (sized at construction for the
// largest frame), the output buffers the events point into, and the per-instrument ticker table that
// deltas merge into. After construction nothing allocates.
//
// Decimal strings convert exactly with core's to_price/to_qty: a price off the tick grid or a size off
// the lot grid is an error (kBadNumber), never a rounding. Money (1e-8), rates (kRateScale) and
// reference prices (ref_price_scale) are fixed-point; digits beyond their scale are truncated toward
// zero, as core's notional() does. Keys are looked up in any order.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "core/decimal.h"
#include "core/events.h"
#include "core/instrument_registry.h"
#include "core/market_events.h"
#include "core/private_events.h"

namespace mm {

enum class CodecError : uint8_t {
  kOk = 0,
  kTooLarge,           // frame longer than CodecLimits::max_frame_bytes (not parsed)
  kJson,               // not JSON, truncated, bad UTF-8 or escapes (simdjson's verdict)
  kWrongType,          // a known field has the wrong JSON type (e.g. a number where Bybit sends a string)
  kMissingField,       // a required field is absent (listed per message kind in bybit_codec.cpp)
  kBadNumber,          // a decimal or integer did not convert: malformed, off-grid, overflow, negative
  kBadValue,           // an enumerated string is not one Bybit documents (side, type), or an id too long
  kBadTopic,           // a known topic family with a malformed rest (e.g. "orderbook.x.BTCUSDT")
  kUnknownInstrument,  // public topic symbol not in the registry for the connection's category
  kSymbolMismatch,     // data.s / data.symbol differs from the topic's symbol
  kTooManyLevels,      // more book levels on one side than CodecLimits::max_levels_per_side
  kTooManyItems,       // more trades / klines / private items / coins than the limits allow
  kCount,
};
inline constexpr size_t kCodecErrorCount = static_cast<size_t>(CodecError::kCount);
std::string_view to_string(CodecError e) noexcept;

enum class MsgKind : uint8_t {
  kNone = 0,       // set when error != kOk
  kBook,           // book()
  kTrade,          // trades()
  kTicker,         // ticker()
  kKline,          // klines()
  kLiquidation,    // liquidations()
  kSubscribeAck,   // control()  (subscribe and unsubscribe)
  kPong,           // control()
  kAuthAck,        // control()
  kOrder,          // orders()
  kExecution,      // executions()
  kPosition,       // positions()
  kWallet,         // wallets()
  kTradeAck,       // trade_ack()
  kUnknownTopic,   // a valid frame this codec does not decode (other topic or op): counted, skipped
  kCount,
};
inline constexpr size_t kMsgKindCount = static_cast<size_t>(MsgKind::kCount);
std::string_view to_string(MsgKind k) noexcept;

struct [[nodiscard]] ParseResult {
  CodecError error = CodecError::kOk;
  MsgKind kind = MsgKind::kNone;
};

// Buffer sizes, fixed at construction.
struct CodecLimits {
  uint32_t max_levels_per_side = 1000;  // orderbook.1000 snapshot: 1000 bids + 1000 asks
  uint32_t max_trades = 1024;           // publicTrade items in one frame
  uint32_t max_items = 256;             // klines, liquidations, private items, batch acks per frame
  uint32_t max_coins = 64;              // wallet coins per frame (over all accounts)
  uint32_t max_frame_bytes = 1u << 20;  // a 1000-level snapshot is ~60 KB
};

// Counters since construction (or reset_stats()); plain integers, read by the owning thread.
struct CodecStats {
  uint64_t frames = 0;
  std::array<uint64_t, kMsgKindCount> kinds{};       // successful frames per kind
  std::array<uint64_t, kCodecErrorCount> errors{};   // failed frames per error (errors[kOk] stays 0)
  uint64_t skipped_private_items = 0;  // private items of symbols missing from the registry
  DecimalError last_decimal_error = DecimalError::kOk;  // detail of the last kBadNumber
};

// The subscribe / unsubscribe / auth / pong answers, in their linear, spot, option, private and
// trade-WebSocket shapes.
struct ControlAck {
  bool success = false;         // "success", or retCode == 0 in the trade-WebSocket shape
  bool unsubscribe = false;     // op "unsubscribe"
  int32_t ret_code = 0;         // trade-WebSocket "retCode" (0 otherwise)
  ShortText ret_msg;            // cut to 64 chars
  FixedString<64> conn_id;      // "conn_id" / "connId"
  FixedString<48> req_id;       // "req_id" / "reqId" ("" when absent)
  uint32_t success_topics = 0;  // option shape: data.successTopics size
  uint32_t fail_topics = 0;     // option shape: data.failTopics size
  int64_t pong_ts_ms = 0;       // {"op":"pong","args":["<ms>"]}: the echoed timestamp, else 0
};

namespace detail {
struct CodecImpl;
struct CodecParser;
}  // namespace detail

class BybitCodec {
 public:
  // Preconditions: `registry` is complete (every instrument the connection can see is added) and
  // outlives the codec; limits are non-zero. Allocates every buffer (cold path).
  BybitCodec(const InstrumentRegistry& registry, const CodecLimits& limits = {});
  ~BybitCodec();
  BybitCodec(const BybitCodec&) = delete;
  BybitCodec& operator=(const BybitCodec&) = delete;

  // Parses one frame whose bytes stay readable until the next call.
  // Preconditions: at least kPadding readable bytes follow p[len) (any content); `public_category` is
  // the category of the public connection the frame came from (public topics do not carry it; ignored
  // for private and trade frames).
  // Returns kOk with a kind, or one of: kTooLarge, kJson, kWrongType, kMissingField, kBadNumber,
  // kBadValue, kBadTopic, kUnknownInstrument, kSymbolMismatch, kTooManyLevels, kTooManyItems.
  // Every result is counted in stats(). Payload accessors are valid until the next parse call.
  ParseResult parse_padded(const char* p, size_t len, Category public_category) noexcept;

  // Same, for bytes without padding: copies into the codec's padded buffer first (frame <= limit).
  ParseResult parse(std::string_view frame, Category public_category) noexcept;

  // The strict publicTrade scanner alone, so that another thread can decode trade frames ahead of the
  // thread that parses everything else (the replay pipeline's feed thread, on a codec of its own over the
  // same registry). true: the frame is a publicTrade frame the scanner takes; trades() holds its trades and
  // the frame is counted in stats(), exactly as parse_padded would return {kOk, kTrade} for it. false: not
  // a frame the scanner takes (any other topic, an unusual spelling, an error): nothing is counted, trades()
  // is unspecified, and parse_padded decides as for any frame.
  // Preconditions: as parse_padded.
  bool parse_trade_frame(const char* p, size_t len, Category public_category) noexcept;

  static constexpr size_t kPadding = 64;  // SIMDJSON_PADDING of the simdjson this was built with

  // Payloads of the last successful parse, by kind (see MsgKind). Empty/zero for other kinds.
  const BookUpdate& book() const noexcept { return book_; }
  std::span<const TradeEvent> trades() const noexcept { return {trades_.data(), trade_count_}; }
  // The merged full ticker of the instrument of the last kTicker frame.
  const Ticker& ticker() const noexcept { return tickers_[last_ticker_]; }
  // The merged ticker of any instrument (has_snapshot false and present 0 when none was seen).
  // Precondition: id < registry.size() at construction.
  const Ticker& ticker_of(InstrumentId id) const noexcept { return tickers_[id]; }
  std::span<const Kline> klines() const noexcept { return {klines_.data(), item_count_}; }
  std::span<const Liquidation> liquidations() const noexcept { return {liquidations_.data(), item_count_}; }
  const ControlAck& control() const noexcept { return control_; }
  std::span<const OrderUpdate> orders() const noexcept { return {orders_.data(), item_count_}; }
  std::span<const Execution> executions() const noexcept { return {executions_.data(), item_count_}; }
  std::span<const PositionUpdate> positions() const noexcept { return {positions_.data(), item_count_}; }
  std::span<const WalletUpdate> wallets() const noexcept { return {wallets_.data(), item_count_}; }
  const TradeAck& trade_ack() const noexcept { return trade_ack_; }

  const CodecStats& stats() const noexcept { return stats_; }
  void reset_stats() noexcept { stats_ = {}; }
  const CodecLimits& limits() const noexcept { return limits_; }

 private:
  friend struct detail::CodecImpl;

  const InstrumentRegistry& registry_;
  CodecLimits limits_;
  std::unique_ptr<detail::CodecParser> parser_;  // simdjson stays out of this header
  std::vector<char> padded_;                     // parse(): max_frame_bytes + kPadding

  BookUpdate book_;
  std::vector<PriceLevel> bids_, asks_;
  std::vector<TradeEvent> trades_;
  uint32_t trade_count_ = 0;
  std::vector<Ticker> tickers_;  // one per instrument id
  InstrumentId last_ticker_ = 0;
  Ticker scratch_ticker_;
  std::vector<Kline> klines_;
  std::vector<Liquidation> liquidations_;
  std::vector<OrderUpdate> orders_;
  std::vector<Execution> executions_;
  std::vector<PositionUpdate> positions_;
  std::vector<WalletUpdate> wallets_;
  std::vector<CoinBalance> coins_;
  std::vector<TradeAckItem> ack_items_;
  uint32_t item_count_ = 0;
  ControlAck control_;
  TradeAck trade_ack_;
  CodecStats stats_;
};

// The REST envelope {"retCode":0,"retMsg":"OK","result":{...},"retExtInfo":{...},"time":...}.
// Cold path (allocates a parser per call). `result` and `ret_ext_info` are the raw JSON text of those
// values, views into `body` ("" when absent or null).
struct RestEnvelope {
  int32_t ret_code = 0;
  ShortText ret_msg;            // cut to 64 chars
  int64_t time_ms = 0;          // 0 when absent
  std::string_view result;
  std::string_view ret_ext_info;
};

// Errors: kJson (not JSON / not an object), kMissingField (no retCode), kWrongType (retCode not an
// integer, result/retExtInfo neither object, array nor null), kBadNumber (retCode out of int32).
[[nodiscard]] CodecError parse_rest_envelope(std::string_view body, RestEnvelope& out);

}  // namespace mm
