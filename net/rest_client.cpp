#include "net/rest_client.h"

#include <simdjson.h>

#include <charconv>
#include <string>

#include "net/bybit_codec.h"
#include "net/instruments_json.h"
#include "net/rest_encoder.h"

namespace mm {

std::string_view to_string(RestStatus s) noexcept {
  switch (s) {
    case RestStatus::kOk:
      return "ok";
    case RestStatus::kTransport:
      return "transport";
    case RestStatus::kHttpStatus:
      return "http_status";
    case RestStatus::kBadAnswer:
      return "bad_answer";
    case RestStatus::kRetCode:
      return "ret_code";
    case RestStatus::kNotSigned:
      return "not_signed";
    case RestStatus::kBadRequest:
      return "bad_request";
  }
  return "?";
}

std::string_view to_string(ApiKeyVerdict v) noexcept {
  switch (v) {
    case ApiKeyVerdict::kAccept:
      return "accept";
    case ApiKeyVerdict::kWarnNoIpWhitelist:
      return "warn_no_ip_whitelist";
    case ApiKeyVerdict::kRefuse:
      return "refuse";
  }
  return "?";
}

ApiKeyVerdict check_api_key(const ApiKeyInfo& key, std::string& why) {
  for (const auto& p : key.permissions) {
    if (p.find("Withdraw") != std::string::npos || p.find("Transfer") != std::string::npos) {
      why = "the API key has permission " + p + ": a market-making key must not be able to move funds";
      return ApiKeyVerdict::kRefuse;
    }
  }
  const bool open = key.ips.empty() || (key.ips.size() == 1 && key.ips[0] == "*");
  if (open) {
    why = "the API key has no IP whitelist: anyone holding it can trade from anywhere";
    return ApiKeyVerdict::kWarnNoIpWhitelist;
  }
  why.clear();
  return ApiKeyVerdict::kAccept;
}

namespace {

namespace od = simdjson::ondemand;

constexpr int32_t kLeverageNotModified = 110043;

template <class T>
bool parse_int(std::string_view s, T& out) {
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

// Reads result.<key> as a string or a number's text ("" when absent). Cold path.
bool result_field(std::string_view result, std::string_view key, std::string& out) {
  const simdjson::padded_string padded(result);
  od::parser parser;
  od::document doc;
  if (parser.iterate(padded).get(doc)) return false;
  od::value v;
  if (doc.find_field_unordered(key).get(v)) {
    out.clear();
    return true;
  }
  std::string_view s;
  if (!v.get_string().get(s)) {
    out = std::string(s);
    return true;
  }
  // A number: its text as sent.
  out = std::string(v.raw_json_token());
  while (!out.empty() &&
         (out.back() == ' ' || out.back() == '\n' || out.back() == ',' || out.back() == '}')) {
    out.pop_back();
  }
  return true;
}

// Rewrites result.list of a REST answer as the private WebSocket frame the codec reads: each item gets the
// category the request named, since REST items do not carry it. Returns false when result.list is missing
// or not an array of objects. `cursor` gets result.nextPageCursor ("" when absent).
bool list_as_frame(std::string_view result, std::string_view topic, std::string_view category,
                   std::string& frame, std::string& cursor) {
  const simdjson::padded_string padded(result);
  od::parser parser;
  od::document doc;
  od::object top;
  if (parser.iterate(padded).get(doc) || doc.get_object().get(top)) return false;
  frame = "{\"topic\":\"" + std::string(topic) + "\",\"data\":[";
  cursor.clear();
  bool have_list = false;
  for (auto field_r : top) {
    od::field field;
    std::string_view key;
    if (std::move(field_r).get(field) || field.unescaped_key().get(key)) return false;
    if (key == "nextPageCursor") {
      std::string_view c;
      if (!field.value().get_string().get(c)) cursor = std::string(c);
      continue;
    }
    if (key != "list") continue;
    od::array list;
    if (field.value().get_array().get(list)) return false;
    have_list = true;
    bool first = true;
    for (auto item_r : list) {
      od::object item;
      std::string_view raw;
      if (std::move(item_r).get_object().get(item) || item.raw_json().get(raw)) return false;
      if (!first) frame += ',';
      first = false;
      if (category.empty()) {
        frame += raw;
        continue;
      }
      // raw is "{...}": insert the category as its first member.
      const size_t open = raw.find('{');
      std::string_view rest = raw.substr(open + 1);
      frame += "{\"category\":\"" + std::string(category) + "\"";
      const size_t next = rest.find_first_not_of(" \t\r\n");
      if (next != std::string_view::npos && rest[next] != '}') frame += ',';
      frame += rest;
    }
  }
  frame += "]}";
  return have_list;
}

// Appends "&key=value" (or "key=value" first). Values are Bybit symbols, coins, ids and cursors: URL-safe
// except the cursor, whose '%', '=' and ',' are percent-encoded as Bybit returns them raw.
void add_param(std::string& q, std::string_view key, std::string_view value) {
  if (value.empty()) return;
  if (!q.empty()) q += '&';
  q += key;
  q += '=';
  for (const char c : value) {
    const bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '_' || c == '.' || c == '~';
    if (plain) {
      q += c;
    } else {
      constexpr char kHex[] = "0123456789ABCDEF";
      q += '%';
      q += kHex[static_cast<unsigned char>(c) >> 4];
      q += kHex[static_cast<unsigned char>(c) & 15];
    }
  }
}

bool plain_decimal(std::string_view s) {
  if (s.empty() || s.size() > 16) return false;
  bool dot = false;
  for (const char c : s) {
    if (c == '.') {
      if (dot) return false;
      dot = true;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return s.front() != '.' && s.back() != '.';
}

std::string_view dcp_product(DcpProduct p) {
  switch (p) {
    case DcpProduct::kDerivatives:
      return "DERIVATIVES";
    case DcpProduct::kSpot:
      return "SPOT";
    case DcpProduct::kOptions:
      return "OPTIONS";
  }
  return "DERIVATIVES";
}

RestResult bad_request(EncodeError e) {
  RestResult r;
  r.status = RestStatus::kBadRequest;
  r.detail = "request not encoded: " + std::string(to_string(e));
  return r;
}

RestResult bad_answer(RestResult r, std::string why) {
  r.status = RestStatus::kBadAnswer;
  r.detail = std::move(why);
  return r;
}

std::string_view result_of(const RestResult& r, RestEnvelope& env) {
  if (parse_rest_envelope(r.body, env) != CodecError::kOk) return {};
  return env.result;
}

}  // namespace

RestClient::RestClient(RestClientConfig cfg, const Signer* signer, RateLimiter* limiter,
                       std::function<int64_t()> wall_ns)
    : cfg_(std::move(cfg)),
      signer_(signer),
      limiter_(limiter),
      wall_ns_(std::move(wall_ns)),
      http_(cfg_.http),
      request_buf_(kMaxBatchBodyLen + 4096) {}

RestClient::~RestClient() = default;

int64_t RestClient::exchange_time_ms() const {
  return wall_ns_() / 1'000'000 + clock_.offset_ms;
}

RestResult RestClient::send_once(std::string_view method, std::string_view path, std::string_view payload,
                                 bool sign, RateClass rc) {
  RestResult r;
  const std::string& host = cfg_.http.endpoint.host;
  const bool get = method == "GET";
  Encoded enc;
  std::string unsigned_request;
  if (sign) {
    if (signer_ == nullptr || !signer_->ready()) {
      r.status = RestStatus::kNotSigned;
      r.detail = "a private request needs an API key and secret";
      return r;
    }
    const int64_t ts = exchange_time_ms();
    const std::span<char> out(request_buf_.data(), request_buf_.size());
    enc = get ? encode_http_get(*signer_, host, path, payload, ts, cfg_.recv_window_ms, out)
              : encode_http_post(*signer_, host, path, ts, cfg_.recv_window_ms, payload, out);
    if (!enc.ok()) return bad_request(enc.error);
  } else {
    unsigned_request = std::string(method) + " " + std::string(path) + (payload.empty() ? "" : "?") +
                       std::string(payload) + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n";
  }
  const std::string_view request =
      sign ? std::string_view(request_buf_.data(), enc.size) : std::string_view(unsigned_request);
  HttpResponse res;
  r.http = http_.exchange(request, get, res);
  if (r.http != HttpError::kOk) {
    r.status = RestStatus::kTransport;
    r.sent =
        r.http == HttpError::kNoAnswer || r.http == HttpError::kTimeout || r.http == HttpError::kBadAnswer;
    r.detail = std::string(path) + ": " + http_.error_detail();
    return r;
  }
  r.sent = true;
  r.http_status = res.status;
  parse_int(res.header("X-Bapi-Limit"), r.limits.limit);
  parse_int(res.header("X-Bapi-Limit-Status"), r.limits.status);
  parse_int(res.header("X-Bapi-Limit-Reset-Timestamp"), r.limits.reset_ms);
  if (limiter_ != nullptr && (r.limits.limit != 0 || r.limits.reset_ms != 0)) {
    limiter_->update_from_exchange(rc, r.limits.limit, r.limits.status, r.limits.reset_ms, wall_ns_());
  }
  r.body = std::move(res.body);
  if (res.status < 200 || res.status >= 300) {
    r.status = RestStatus::kHttpStatus;
    r.detail = std::string(path) + ": HTTP " + std::to_string(res.status);
    return r;
  }
  RestEnvelope env;
  if (const CodecError e = parse_rest_envelope(r.body, env); e != CodecError::kOk) {
    return bad_answer(std::move(r),
                      std::string(path) + ": not a Bybit envelope (" + std::string(to_string(e)) + ")");
  }
  r.ret_code = env.ret_code;
  r.ret_msg = std::string(env.ret_msg.view());
  if (env.ret_code != 0) {
    r.status = RestStatus::kRetCode;
    r.detail = std::string(path) + ": retCode " + std::to_string(env.ret_code) + " " + r.ret_msg;
  }
  return r;
}

RestResult RestClient::send(std::string_view method, std::string_view path, std::string_view payload,
                            bool sign, RateClass rc) {
  RestResult r = send_once(method, path, payload, sign, rc);
  // 10002: our timestamp left the recv window, so the request was not acted on. Re-measure the offset and
  // send once more with a fresh timestamp; the window stays what the operator configured.
  if (sign && r.status == RestStatus::kRetCode && r.ret_code == 10002) {
    const RestResult t = sync_time();
    if (!t.ok()) return r;
    r = send_once(method, path, payload, sign, rc);
  }
  return r;
}

RestResult RestClient::public_get(std::string_view path, std::string_view query) {
  return send("GET", path, query, false, RateClass::kQuery);
}
RestResult RestClient::signed_get(std::string_view path, std::string_view query, RateClass rc) {
  return send("GET", path, query, true, rc);
}
RestResult RestClient::signed_post(std::string_view path, std::string_view body, RateClass rc) {
  return send("POST", path, body, true, rc);
}

RestResult RestClient::sync_time() {
  const int64_t t0 = wall_ns_();
  RestResult r = send_once("GET", "/v5/market/time", "", false, RateClass::kQuery);
  const int64_t t1 = wall_ns_();
  if (!r.ok()) return r;
  RestEnvelope env;
  std::string nano;
  std::string sec;
  const std::string_view result = result_of(r, env);
  int64_t server_ms = 0;
  if (result_field(result, "timeNano", nano) && !nano.empty() && parse_int(nano, server_ms)) {
    server_ms /= 1'000'000;
  } else if (result_field(result, "timeSecond", sec) && !sec.empty() && parse_int(sec, server_ms)) {
    server_ms *= 1000;
  } else {
    return bad_answer(std::move(r), "/v5/market/time: no result.timeNano or timeSecond");
  }
  const int64_t mid_ms = (t0 + (t1 - t0) / 2) / 1'000'000;
  if (clock_.synced) ++clock_.resyncs;
  clock_.synced = true;
  clock_.offset_ms = server_ms - mid_ms;
  clock_.rtt_ms = (t1 - t0) / 1'000'000;
  return r;
}

RestResult RestClient::instruments(Category c, std::string_view symbol, InstrumentRegistry& registry,
                                   size_t& loaded) {
  loaded = 0;
  std::string cursor;
  for (int page = 0; page < 100; ++page) {
    std::string q;
    add_param(q, "category", to_string(c));
    add_param(q, "symbol", symbol);
    add_param(q, "limit", "1000");
    add_param(q, "cursor", cursor);
    RestResult r = public_get("/v5/market/instruments-info", q);
    if (!r.ok()) return r;
    const InstrumentsLoad l = load_instruments_json(r.body, registry);
    if (l.error != InstrumentsJsonError::kOk) {
      return bad_answer(std::move(r), "/v5/market/instruments-info: " + std::string(to_string(l.error)));
    }
    loaded += l.loaded;
    RestEnvelope env;
    if (!result_field(result_of(r, env), "nextPageCursor", cursor) || cursor.empty()) return r;
  }
  RestResult r;
  return bad_answer(std::move(r), "/v5/market/instruments-info: more than 100 pages");
}

namespace {

// Runs the codec over the synthetic frame and appends its items through `take(codec)`.
template <class Take>
bool decode_items(const InstrumentRegistry& registry, const std::string& frame, MsgKind want, Take&& take,
                  std::string& why) {
  CodecLimits limits;
  limits.max_items = 1024;
  limits.max_frame_bytes = static_cast<uint32_t>(frame.size() + 1);
  BybitCodec codec(registry, limits);
  const ParseResult p = codec.parse(frame, Category::kLinear);
  if (p.error != CodecError::kOk || p.kind != want) {
    why = "list item did not convert: " + std::string(to_string(p.error));
    return false;
  }
  take(codec);
  return true;
}

}  // namespace

RestResult RestClient::open_orders(const InstrumentRegistry& registry, Category c, std::string_view symbol,
                                   std::string_view settle_coin, std::string_view order_link_id,
                                   std::vector<OrderUpdate>& out, int open_only) {
  out.clear();
  std::string cursor;
  for (int page = 0; page < 100; ++page) {
    std::string q;
    add_param(q, "category", to_string(c));
    add_param(q, "symbol", symbol);
    add_param(q, "settleCoin", settle_coin);
    add_param(q, "orderLinkId", order_link_id);
    if (open_only != 0) add_param(q, "openOnly", std::to_string(open_only));
    add_param(q, "limit", "50");
    add_param(q, "cursor", cursor);
    RestResult r = signed_get("/v5/order/realtime", q, RateClass::kQuery);
    if (!r.ok()) return r;
    RestEnvelope env;
    std::string frame;
    if (!list_as_frame(result_of(r, env), "order", to_string(c), frame, cursor)) {
      return bad_answer(std::move(r), "/v5/order/realtime: no result.list");
    }
    std::string why;
    if (!decode_items(
            registry, frame, MsgKind::kOrder,
            [&](const BybitCodec& k) { out.insert(out.end(), k.orders().begin(), k.orders().end()); }, why)) {
      return bad_answer(std::move(r), "/v5/order/realtime: " + why);
    }
    if (cursor.empty()) return r;
  }
  RestResult r;
  return bad_answer(std::move(r), "/v5/order/realtime: more than 100 pages");
}

RestResult RestClient::executions(const InstrumentRegistry& registry, Category c, std::string_view symbol,
                                  int64_t start_time_ms, std::vector<Execution>& out) {
  out.clear();
  std::string q;
  add_param(q, "category", to_string(c));
  add_param(q, "symbol", symbol);
  if (start_time_ms > 0) add_param(q, "startTime", std::to_string(start_time_ms));
  add_param(q, "limit", "100");
  RestResult r = signed_get("/v5/execution/list", q, RateClass::kQuery);
  if (!r.ok()) return r;
  RestEnvelope env;
  std::string frame;
  std::string cursor;
  if (!list_as_frame(result_of(r, env), "execution", to_string(c), frame, cursor)) {
    return bad_answer(std::move(r), "/v5/execution/list: no result.list");
  }
  std::string why;
  if (!decode_items(
          registry, frame, MsgKind::kExecution,
          [&](const BybitCodec& k) { out.assign(k.executions().begin(), k.executions().end()); }, why)) {
    return bad_answer(std::move(r), "/v5/execution/list: " + why);
  }
  return r;
}

RestResult RestClient::positions(const InstrumentRegistry& registry, Category c, std::string_view symbol,
                                 std::string_view settle_coin, std::vector<PositionUpdate>& out) {
  out.clear();
  std::string cursor;
  for (int page = 0; page < 100; ++page) {
    std::string q;
    add_param(q, "category", to_string(c));
    add_param(q, "symbol", symbol);
    add_param(q, "settleCoin", settle_coin);
    add_param(q, "limit", "200");
    add_param(q, "cursor", cursor);
    RestResult r = signed_get("/v5/position/list", q, RateClass::kQuery);
    if (!r.ok()) return r;
    RestEnvelope env;
    std::string frame;
    if (!list_as_frame(result_of(r, env), "position", to_string(c), frame, cursor)) {
      return bad_answer(std::move(r), "/v5/position/list: no result.list");
    }
    std::string why;
    if (!decode_items(
            registry, frame, MsgKind::kPosition,
            [&](const BybitCodec& k) { out.insert(out.end(), k.positions().begin(), k.positions().end()); },
            why)) {
      return bad_answer(std::move(r), "/v5/position/list: " + why);
    }
    if (cursor.empty()) return r;
  }
  RestResult r;
  return bad_answer(std::move(r), "/v5/position/list: more than 100 pages");
}

RestResult RestClient::wallet(const InstrumentRegistry& registry, std::string_view account_type,
                              std::vector<WalletUpdate>& out, std::vector<CoinBalance>& coins) {
  out.clear();
  coins.clear();
  std::string q;
  add_param(q, "accountType", account_type.empty() ? "UNIFIED" : account_type);
  RestResult r = signed_get("/v5/account/wallet-balance", q, RateClass::kQuery);
  if (!r.ok()) return r;
  RestEnvelope env;
  std::string frame;
  std::string cursor;
  if (!list_as_frame(result_of(r, env), "wallet", "", frame, cursor)) {
    return bad_answer(std::move(r), "/v5/account/wallet-balance: no result.list");
  }
  std::string why;
  const bool ok = decode_items(
      registry, frame, MsgKind::kWallet,
      [&](const BybitCodec& k) {
        size_t total = 0;
        for (const auto& w : k.wallets()) total += w.coin_count;
        coins.reserve(total);
        for (const auto& w : k.wallets()) {
          WalletUpdate copy = w;
          copy.coins = coins.data() + coins.size();
          coins.insert(coins.end(), w.coins, w.coins + w.coin_count);
          out.push_back(copy);
        }
      },
      why);
  if (!ok) return bad_answer(std::move(r), "/v5/account/wallet-balance: " + why);
  return r;
}

RestResult RestClient::cancel_all(const InstrumentRegistry& registry, const CancelAll& a) {
  char body[kMaxSingleBodyLen];
  const Encoded e = encode_rest_cancel_all(registry, a, body);
  if (!e.ok()) return bad_request(e.error);
  return signed_post(kPathOrderCancelAll, {body, e.size}, RateClass::kCancelAll);
}

RestResult RestClient::trading_stop(const Instrument& in, const TradingStop& a) {
  char body[kMaxSingleBodyLen];
  const Encoded e = encode_rest_trading_stop(in, a, body);
  if (!e.ok()) return bad_request(e.error);
  return signed_post(kPathTradingStop, {body, e.size}, RateClass::kOther);
}

RestResult RestClient::set_leverage(const Instrument& in, std::string_view buy, std::string_view sell) {
  if (!plain_decimal(buy) || !plain_decimal(sell)) return bad_request(EncodeError::kBadPrice);
  const std::string body = "{\"category\":\"" + std::string(to_string(in.category)) + "\",\"symbol\":\"" +
                           std::string(in.name()) + "\",\"buyLeverage\":\"" + std::string(buy) +
                           "\",\"sellLeverage\":\"" + std::string(sell) + "\"}";
  RestResult r = signed_post("/v5/position/set-leverage", body, RateClass::kOther);
  if (r.status == RestStatus::kRetCode && r.ret_code == kLeverageNotModified) {
    r.status = RestStatus::kOk;  // already at that leverage: the goal holds
    r.detail.clear();
  }
  return r;
}

RestResult RestClient::set_dcp_window(DcpProduct product, int time_window_s) {
  if (time_window_s < 3 || time_window_s > 300) return bad_request(EncodeError::kBadQty);
  const std::string body = "{\"product\":\"" + std::string(dcp_product(product)) +
                           "\",\"timeWindow\":" + std::to_string(time_window_s) + "}";
  return signed_post("/v5/order/disconnected-cancel-all", body, RateClass::kOther);
}

RestResult RestClient::query_api(ApiKeyInfo& out) {
  out = ApiKeyInfo{};
  RestResult r = signed_get("/v5/user/query-api", "", RateClass::kQuery);
  if (!r.ok()) return r;
  RestEnvelope env;
  const std::string_view result = result_of(r, env);
  const simdjson::padded_string padded(result);
  od::parser parser;
  od::document doc;
  od::object top;
  if (parser.iterate(padded).get(doc) || doc.get_object().get(top)) {
    return bad_answer(std::move(r), "/v5/user/query-api: result is not an object");
  }
  bool have_permissions = false;
  for (auto field_r : top) {
    od::field field;
    std::string_view key;
    if (std::move(field_r).get(field) || field.unescaped_key().get(key)) {
      return bad_answer(std::move(r), "/v5/user/query-api: malformed JSON");
    }
    if (key == "readOnly") {
      int64_t v = 0;
      if (!field.value().get_int64().get(v)) out.read_only = v != 0;
    } else if (key == "ips") {
      od::array ips;
      if (field.value().get_array().get(ips)) continue;
      for (auto ip : ips) {
        std::string_view s;
        if (!ip.get_string().get(s)) out.ips.emplace_back(s);
      }
    } else if (key == "permissions") {
      od::object groups;
      if (field.value().get_object().get(groups))
        return bad_answer(std::move(r), "/v5/user/query-api: permissions");
      have_permissions = true;
      for (auto group_r : groups) {
        od::field group;
        std::string_view gname;
        if (std::move(group_r).get(group) || group.unescaped_key().get(gname)) {
          return bad_answer(std::move(r), "/v5/user/query-api: permissions");
        }
        const std::string g(gname);
        od::array names;
        if (group.value().get_array().get(names)) continue;
        for (auto n : names) {
          std::string_view s;
          if (!n.get_string().get(s)) out.permissions.push_back(g + ":" + std::string(s));
        }
      }
    }
  }
  if (!have_permissions) return bad_answer(std::move(r), "/v5/user/query-api: no result.permissions");
  return r;
}

RestResult RestClient::create(const Instrument& in, const OrderCreate& a, std::string& order_id) {
  order_id.clear();
  char body[kMaxSingleBodyLen];
  const Encoded e = encode_rest_create(in, a, body);
  if (!e.ok()) return bad_request(e.error);
  RestResult r = signed_post(kPathOrderCreate, {body, e.size}, RateClass::kCreate);
  if (r.ok()) {
    RestEnvelope env;
    result_field(result_of(r, env), "orderId", order_id);
  }
  return r;
}

RestResult RestClient::amend(const Instrument& in, const OrderAmend& a) {
  char body[kMaxSingleBodyLen];
  const Encoded e = encode_rest_amend(in, a, body);
  if (!e.ok()) return bad_request(e.error);
  return signed_post(kPathOrderAmend, {body, e.size}, RateClass::kAmend);
}

RestResult RestClient::cancel(const Instrument& in, const OrderCancel& a) {
  char body[kMaxSingleBodyLen];
  const Encoded e = encode_rest_cancel(in, a, body);
  if (!e.ok()) return bad_request(e.error);
  return signed_post(kPathOrderCancel, {body, e.size}, RateClass::kCancel);
}

}  // namespace mm
