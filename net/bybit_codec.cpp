// Frame dispatch: the top-level walk, topic classification and the result/stats bookkeeping.
// Required fields per kind (kMissingField otherwise):
//   book: topic, type, ts, data{b, a, u}      trade: topic, ts, data[{T, S, v, p}]
//   ticker: topic, type, ts, data              kline: topic, ts, data[{start, end, open, close, high,
//   liquidation: topic, ts, data{price, side,     low, volume, turnover, confirm, timestamp}]
//     size, updatedTime} or data[{T, S, v, p}] private: topic, data[] (per item: category, symbol)
//   acks: op, or type COMMAND_RESP, or ret_msg "pong"; trade acks also retCode
#include "net/bybit_codec.h"

#include <cstring>

#include "net/detail/codec_impl.h"

namespace mm {

using detail::CodecImpl;
using detail::Frame;
using detail::Topic;

std::string_view to_string(CodecError e) noexcept {
  switch (e) {
    case CodecError::kOk: return "ok";
    case CodecError::kTooLarge: return "too_large";
    case CodecError::kJson: return "json";
    case CodecError::kWrongType: return "wrong_type";
    case CodecError::kMissingField: return "missing_field";
    case CodecError::kBadNumber: return "bad_number";
    case CodecError::kBadValue: return "bad_value";
    case CodecError::kBadTopic: return "bad_topic";
    case CodecError::kUnknownInstrument: return "unknown_instrument";
    case CodecError::kSymbolMismatch: return "symbol_mismatch";
    case CodecError::kTooManyLevels: return "too_many_levels";
    case CodecError::kTooManyItems: return "too_many_items";
    case CodecError::kCount: break;
  }
  return "unknown";
}

std::string_view to_string(MsgKind k) noexcept {
  switch (k) {
    case MsgKind::kNone: return "none";
    case MsgKind::kBook: return "book";
    case MsgKind::kTrade: return "trade";
    case MsgKind::kTicker: return "ticker";
    case MsgKind::kKline: return "kline";
    case MsgKind::kLiquidation: return "liquidation";
    case MsgKind::kSubscribeAck: return "subscribe_ack";
    case MsgKind::kPong: return "pong";
    case MsgKind::kAuthAck: return "auth_ack";
    case MsgKind::kOrder: return "order";
    case MsgKind::kExecution: return "execution";
    case MsgKind::kPosition: return "position";
    case MsgKind::kWallet: return "wallet";
    case MsgKind::kTradeAck: return "trade_ack";
    case MsgKind::kUnknownTopic: return "unknown_topic";
    case MsgKind::kCount: break;
  }
  return "unknown";
}

BybitCodec::BybitCodec(const InstrumentRegistry& registry, const CodecLimits& limits)
    : registry_(registry), limits_(limits), parser_(std::make_unique<detail::CodecParser>()) {
  // Allocate the parser for the largest frame now, so iterate() never allocates later.
  if (parser_->parser.allocate(limits_.max_frame_bytes) != simdjson::SUCCESS) {
    limits_.max_frame_bytes = 0;  // every frame is then kTooLarge: fail visibly, never allocate late
  }
  padded_.assign(static_cast<size_t>(limits_.max_frame_bytes) + kPadding, ' ');
  bids_.resize(limits_.max_levels_per_side);
  asks_.resize(limits_.max_levels_per_side);
  trades_.resize(limits_.max_trades);
  tickers_.resize(registry.size() == 0 ? 1 : registry.size());
  for (size_t i = 0; i < registry.size(); ++i) {
    const Instrument& in = registry.get(static_cast<InstrumentId>(i));
    tickers_[i].instrument = static_cast<InstrumentId>(i);
    tickers_[i].category = in.category;
    tickers_[i].ref_scale = static_cast<int8_t>(ref_price_scale(in.price_scale));
  }
  klines_.resize(limits_.max_items);
  liquidations_.resize(limits_.max_items);
  orders_.resize(limits_.max_items);
  executions_.resize(limits_.max_items);
  positions_.resize(limits_.max_items);
  wallets_.resize(limits_.max_items);
  ack_items_.resize(limits_.max_items);
  coins_.resize(limits_.max_coins);
}

BybitCodec::~BybitCodec() = default;

ParseResult BybitCodec::parse(std::string_view frame, Category public_category) noexcept {
  if (frame.size() > limits_.max_frame_bytes) {
    ++stats_.frames;
    ++stats_.errors[static_cast<size_t>(CodecError::kTooLarge)];
    return {CodecError::kTooLarge, MsgKind::kNone};
  }
  std::memcpy(padded_.data(), frame.data(), frame.size());
  // Padding after a shorter frame may hold bytes of an earlier, longer one, like any caller's padding
  // (parse_padded accepts any content): simdjson's walk of an unbalanced frame can step onto the byte at
  // len, so every raw token is bounded by the frame's end (raw_token), not by what the padding holds.
  return parse_padded(padded_.data(), frame.size(), public_category);
}

ParseResult BybitCodec::parse_padded(const char* p, size_t len, Category public_category) noexcept {
  ++stats_.frames;
  ParseResult r;
  if (len > limits_.max_frame_bytes) {
    r.error = CodecError::kTooLarge;
  } else {
    r = CodecImpl::run(*this, p, len, public_category);
  }
  if (r.error != CodecError::kOk) {
    r.kind = MsgKind::kNone;
    ++stats_.errors[static_cast<size_t>(r.error)];
  } else {
    ++stats_.kinds[static_cast<size_t>(r.kind)];
  }
  return r;
}

namespace detail {

namespace {

bool starts_with(std::string_view s, std::string_view prefix) noexcept {
  return s.size() >= prefix.size() && std::memcmp(s.data(), prefix.data(), prefix.size()) == 0;
}

// Private topic names: "order", "order.linear", "execution.fast.spot", ...: the family, optionally
// followed by ".{category}".
bool private_topic(std::string_view t, std::string_view family) noexcept {
  if (!starts_with(t, family)) return false;
  if (t.size() == family.size()) return true;
  Category c;
  return t[family.size()] == '.' && parse_category(t.substr(family.size() + 1), c);
}

CodecError parse_u32(std::string_view s, uint32_t max, uint32_t& out) noexcept {
  if (s.empty() || s.size() > 5) return CodecError::kBadTopic;
  uint32_t v = 0;
  for (char ch : s) {
    if (ch < '0' || ch > '9') return CodecError::kBadTopic;
    v = v * 10 + static_cast<uint32_t>(ch - '0');
  }
  if (v == 0 || v > max) return CodecError::kBadTopic;
  out = v;
  return CodecError::kOk;
}

// "{number}.{symbol}" -> number, symbol.
CodecError split_number(std::string_view rest, uint32_t max, uint32_t& n, std::string_view& symbol) noexcept {
  const size_t dot = rest.find('.');
  if (dot == std::string_view::npos) return CodecError::kBadTopic;
  symbol = rest.substr(dot + 1);
  return parse_u32(rest.substr(0, dot), max, n);
}

CodecError kline_interval(std::string_view s, uint32_t& minutes) noexcept {
  if (s == "D") minutes = 1440;
  else if (s == "W") minutes = 10080;
  else if (s == "M") minutes = 43200;
  else return parse_u32(s, 43200, minutes);
  return CodecError::kOk;
}

}  // namespace

CodecError classify_topic(const InstrumentRegistry& reg, std::string_view t, Frame& f) noexcept {
  std::string_view symbol;
  bool needs_symbol = true;
  CodecError e = CodecError::kOk;
  switch (t.empty() ? '\0' : t[0]) {
    case 'o':
      if (starts_with(t, "orderbook.")) {
        f.topic = Topic::kBook;
        uint32_t depth = 0;
        e = split_number(t.substr(10), 9999, depth, symbol);
        f.depth = static_cast<uint16_t>(depth);
      } else if (private_topic(t, "order")) {
        f.topic = Topic::kOrder;
        needs_symbol = false;
      } else {
        f.topic = Topic::kUnknown;
      }
      break;
    case 'p':
      if (starts_with(t, "publicTrade.")) {
        f.topic = Topic::kTrade;
        symbol = t.substr(12);
      } else if (private_topic(t, "position")) {
        f.topic = Topic::kPosition;
        needs_symbol = false;
      } else {
        f.topic = Topic::kUnknown;
      }
      break;
    case 't':
      if (starts_with(t, "tickers.")) {
        f.topic = Topic::kTicker;
        symbol = t.substr(8);
      } else {
        f.topic = Topic::kUnknown;
      }
      break;
    case 'k':
      if (starts_with(t, "kline.")) {
        f.topic = Topic::kKline;
        const std::string_view rest = t.substr(6);
        const size_t dot = rest.find('.');
        if (dot == std::string_view::npos) return CodecError::kBadTopic;
        symbol = rest.substr(dot + 1);
        e = kline_interval(rest.substr(0, dot), f.interval_minutes);
      } else {
        f.topic = Topic::kUnknown;
      }
      break;
    case 'l':
      if (starts_with(t, "liquidation.")) {
        f.topic = Topic::kLiquidation;
        symbol = t.substr(12);
      } else {
        f.topic = Topic::kUnknown;
      }
      break;
    case 'a':
      if (starts_with(t, "allLiquidation.")) {
        f.topic = Topic::kAllLiquidation;
        symbol = t.substr(15);
      } else {
        f.topic = Topic::kUnknown;
      }
      break;
    case 'e':
      if (private_topic(t, "execution.fast")) {
        f.topic = Topic::kExecutionFast;
      } else if (private_topic(t, "execution")) {
        f.topic = Topic::kExecution;
      } else {
        f.topic = Topic::kUnknown;
      }
      needs_symbol = false;
      break;
    case 'w':
      f.topic = t == "wallet" ? Topic::kWallet : Topic::kUnknown;
      needs_symbol = false;
      break;
    default:
      f.topic = Topic::kUnknown;
      needs_symbol = false;
  }
  if (e != CodecError::kOk) return e;
  if (f.topic == Topic::kUnknown || !needs_symbol) return CodecError::kOk;
  if (symbol.empty()) return CodecError::kBadTopic;
  f.symbol = symbol;
  f.instrument = reg.find(f.public_category, symbol);
  // Option trades are published per base coin ("publicTrade.BTC"): each item names its symbol.
  if (f.instrument == kNoInstrument && f.topic != Topic::kTrade) return CodecError::kUnknownInstrument;
  return CodecError::kOk;
}

namespace {

constexpr std::array<std::string_view, 19> kTopKeyNames = {
    "topic", "type", "ts", "data", "cts", "cs", "creationTime", "op", "success", "ret_msg", "retMsg",
    "conn_id", "connId", "req_id", "reqId", "retCode", "args", "header", "retExtInfo"};
enum TopKey : int {
  kKeyTopic, kKeyType, kKeyTs, kKeyData, kKeyCts, kKeyCs, kKeyCreationTime, kKeyOp, kKeySuccess,
  kKeyRetMsgSnake, kKeyRetMsg, kKeyConnIdSnake, kKeyConnId, kKeyReqIdSnake, kKeyReqId, kKeyRetCode,
  kKeyArgs, kKeyHeader, kKeyRetExtInfo,
};
constexpr KeyTable<19> kTopKeys{kTopKeyNames};

}  // namespace

bool is_top_key(std::string_view key) noexcept { return kTopKeys.find(key) >= 0; }

namespace {

CodecError dispatch_data(BybitCodec& c, Frame& f, od::value data) noexcept {
  switch (f.topic) {
    case Topic::kBook: return CodecImpl::book_data(c, f, data);
    case Topic::kTrade: return CodecImpl::trade_data(c, f, data);
    case Topic::kTicker: return CodecImpl::ticker_data(c, f, data);
    case Topic::kKline: return CodecImpl::kline_data(c, f, data);
    case Topic::kLiquidation:
    case Topic::kAllLiquidation: return CodecImpl::liquidation_data(c, f, data);
    case Topic::kOrder: return CodecImpl::order_data(c, f, data);
    case Topic::kExecution:
    case Topic::kExecutionFast: return CodecImpl::execution_data(c, f, data);
    case Topic::kPosition: return CodecImpl::position_data(c, f, data);
    case Topic::kWallet: return CodecImpl::wallet_data(c, f, data);
    case Topic::kUnknown: return CodecError::kOk;  // skipped
    case Topic::kNone: return CodecImpl::ack_data(c, f, data);
  }
  return CodecError::kOk;
}

CodecError top_string(const Frame& f, od::value& v, std::string_view& out) noexcept {
  return raw_string(v, f.input_end, out);
}

CodecError top_i64(const Frame& f, od::value& v, int64_t& out) noexcept {
  std::string_view tok;
  if (auto e = raw_token(v, f.input_end, tok); e != CodecError::kOk) return e;
  return token_i64(tok, out);
}

// One field of the top level.
CodecError top_field(BybitCodec& c, const InstrumentRegistry& reg, Frame& f, int key, od::value v) noexcept {
  switch (key) {
    case kKeyTopic: {
      // The topic is copied by simdjson only if escaped; raw is enough for Bybit's ASCII names.
      std::string_view t;
      if (auto e = top_string(f, v, t); e != CodecError::kOk) return e;
      if (f.has_topic) return CodecError::kBadTopic;  // a second topic key: ambiguous frame
      f.has_topic = true;
      return classify_topic(reg, t, f);
    }
    case kKeyType: {
      std::string_view t;
      if (auto e = top_string(f, v, t); e != CodecError::kOk) return e;
      if (t == "snapshot") {
        f.snapshot = true;
      } else if (t == "delta") {
        f.snapshot = false;
      } else if (t == "COMMAND_RESP") {
        f.command_resp = true;
        return CodecError::kOk;
      } else {
        return CodecError::kBadValue;
      }
      f.has_type = true;
      return CodecError::kOk;
    }
    case kKeyTs:
      f.has_ts = true;
      return top_i64(f, v, f.ts);
    case kKeyCts:
      return top_i64(f, v, f.cts);
    case kKeyCs:
      return top_i64(f, v, f.cs);
    case kKeyCreationTime:
      return top_i64(f, v, f.creation_time);
    case kKeyData:
      if (f.data_seen) return CodecError::kJson;  // duplicate key
      f.data_seen = true;
      // Without the topic (or, for acks, the op) the data cannot be decoded yet: re-read it later.
      if (!f.has_topic && f.op.empty()) {
        f.data_pending = true;
        return CodecError::kOk;
      }
      f.data_done = true;
      return dispatch_data(c, f, v);
    case kKeyOp:
      return top_string(f, v, f.op);
    case kKeySuccess: {
      std::string_view tok;
      if (auto e = raw_token(v, f.input_end, tok); e != CodecError::kOk) return e;
      f.has_success = true;
      return token_bool(tok, f.success);
    }
    case kKeyRetMsgSnake:
    case kKeyRetMsg:
      return top_string(f, v, f.ret_msg);
    case kKeyConnIdSnake:
    case kKeyConnId:
      return top_string(f, v, f.conn_id);
    case kKeyReqIdSnake:
    case kKeyReqId:
      return top_string(f, v, f.req_id);
    case kKeyRetCode:
      f.has_ret_code = true;
      return top_i64(f, v, f.ret_code);
    case kKeyArgs: return CodecImpl::ack_args(c, f, v);
    case kKeyHeader: return CodecImpl::ack_header(c, f, v);
    case kKeyRetExtInfo: return CodecImpl::ack_ext_info(c, f, v);
    default: return CodecError::kOk;
  }
}

MsgKind kind_of(Topic t) noexcept {
  switch (t) {
    case Topic::kBook: return MsgKind::kBook;
    case Topic::kTrade: return MsgKind::kTrade;
    case Topic::kTicker: return MsgKind::kTicker;
    case Topic::kKline: return MsgKind::kKline;
    case Topic::kLiquidation:
    case Topic::kAllLiquidation: return MsgKind::kLiquidation;
    case Topic::kOrder: return MsgKind::kOrder;
    case Topic::kExecution:
    case Topic::kExecutionFast: return MsgKind::kExecution;
    case Topic::kPosition: return MsgKind::kPosition;
    case Topic::kWallet: return MsgKind::kWallet;
    case Topic::kNone:
    case Topic::kUnknown: break;
  }
  return MsgKind::kUnknownTopic;
}

// Walks the top-level object; with `data_only`, handles just "data" (second pass after a rewind).
CodecError walk(BybitCodec& c, const InstrumentRegistry& reg, od::document& doc, Frame& f, bool data_only) noexcept {
  od::object obj;
  if (auto e = doc.get_object().get(obj)) return from_json(e);
  for (auto field_r : obj) {
    od::field field;
    if (auto e = std::move(field_r).get(field)) return from_json(e);
    std::string_view key;
    if (auto e = field_key(field, key); e != CodecError::kOk) return e;
    const int k = kTopKeys.find(key);
    if (data_only) {
      if (k != kKeyData) continue;
      f.data_done = true;
      return dispatch_data(c, f, field.value());
    }
    if (k < 0) continue;
    if (auto e = top_field(c, reg, f, k, field.value()); e != CodecError::kOk) return e;
  }
  return CodecError::kOk;
}

}  // namespace

ParseResult CodecImpl::run(BybitCodec& c, const char* p, size_t len, Category public_category) noexcept {
  // One scanner per frame, told by the frame's first 16 bytes (see trade_spelling).
  if (trade_spelling(p, len)) {
    if (fast_trade(c, p, len, public_category)) return {CodecError::kOk, MsgKind::kTrade};
  } else if (fast_book(c, p, len, public_category)) [[likely]] {
    return {CodecError::kOk, MsgKind::kBook};
  }
  return run_reference(c, p, len, public_category);
}

ParseResult CodecImpl::run_reference(BybitCodec& c, const char* p, size_t len, Category public_category) noexcept {
  CodecParser& cp = *c.parser_;
  if (auto e = cp.parser.iterate(p, len, len + BybitCodec::kPadding).get(cp.doc)) return {from_json(e), MsgKind::kNone};
  Frame f;
  f.public_category = public_category;
  f.input_end = p + len;
  if (auto e = walk(c, c.registry_, cp.doc, f, false); e != CodecError::kOk) return {e, MsgKind::kNone};
  if (f.data_pending && f.topic != Topic::kUnknown) {
    cp.doc.rewind();
    if (auto e = walk(c, c.registry_, cp.doc, f, true); e != CodecError::kOk) return {e, MsgKind::kNone};
  }
  if (f.has_topic) {
    if (f.topic == Topic::kUnknown) return {CodecError::kOk, MsgKind::kUnknownTopic};
    if (!f.data_done) return {CodecError::kMissingField, MsgKind::kNone};
    CodecError e = CodecError::kOk;
    switch (f.topic) {
      case Topic::kOrder:
      case Topic::kExecution:
      case Topic::kExecutionFast:
      case Topic::kPosition:
      case Topic::kWallet: finish_private(c, f); break;
      default: e = finish_public(c, f); break;
    }
    if (e != CodecError::kOk) return {e, MsgKind::kNone};
    return {CodecError::kOk, kind_of(f.topic)};
  }
  MsgKind kind = MsgKind::kNone;
  if (auto e = finish_ack(c, f, kind); e != CodecError::kOk) return {e, MsgKind::kNone};
  return {CodecError::kOk, kind};
}

}  // namespace detail
}  // namespace mm
