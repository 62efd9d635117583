// SimExchange's WebSockets: the private stream (/v5/private: auth, subscribe, ping, DCP) and order entry
// (/v5/trade: auth, order.create|amend|cancel and the -batch forms, ping).
#include <algorithm>

#include "sim/exchange/exchange_core.h"
#include "sim/exchange/json_in.h"

namespace mm::simx {

namespace {

uint64_t hash_text(std::string_view s) noexcept {
  uint64_t h = 1469598103934665603ULL;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return FlatIndex::mix(h) | 1;
}

// The three auth args: ["api_key", expires, "signature"].
struct AuthArgs {
  std::string_view key, expires, sign;
  bool ok = false;
};

AuthArgs read_auth_args(od::object& obj) {
  AuthArgs a;
  od::array args;
  if (obj.find_field_unordered("args").get_array().get(args) != simdjson::SUCCESS) return a;
  size_t i = 0;
  for (auto v : args) {
    od::value val;
    std::string_view text;
    bool absent = false;
    if (v.get(val) != simdjson::SUCCESS || !scalar_text(val, text, absent) || absent) return a;
    if (i == 0)
      a.key = text;
    else if (i == 1)
      a.expires = text;
    else if (i == 2)
      a.sign = text;
    ++i;
  }
  a.ok = i == 3;
  return a;
}

enum class TradeOp : uint8_t {
  kNone,
  kPing,
  kAuth,
  kCreate,
  kAmend,
  kCancel,
  kCreateBatch,
  kAmendBatch,
  kCancelBatch
};

TradeOp trade_op_of(std::string_view op) noexcept {
  if (op == "ping") return TradeOp::kPing;
  if (op == "auth") return TradeOp::kAuth;
  if (op == "order.create") return TradeOp::kCreate;
  if (op == "order.amend") return TradeOp::kAmend;
  if (op == "order.cancel") return TradeOp::kCancel;
  if (op == "order.create-batch") return TradeOp::kCreateBatch;
  if (op == "order.amend-batch") return TradeOp::kAmendBatch;
  if (op == "order.cancel-batch") return TradeOp::kCancelBatch;
  return TradeOp::kNone;
}

// Adds one private topic to the stream bits (bit 7: all-in-one topic, bits 0..3: categories) or the DCP
// product bits. False for a topic the private stream does not serve.
bool add_topic(std::string_view topic, std::array<uint8_t, kStreamCount>& subs, uint8_t& dcp) noexcept {
  static constexpr std::string_view kNames[kStreamCount] = {"order", "execution", "position", "wallet"};
  const size_t dot = topic.find('.');
  const std::string_view head = topic.substr(0, dot);
  const std::string_view tail = dot == std::string_view::npos ? std::string_view() : topic.substr(dot + 1);
  if (head == "dcp") {
    if (tail.empty())
      dcp |= (1u << kProductDerivatives) | (1u << kProductSpot) | (1u << kProductOptions);
    else if (tail == "future")
      dcp |= 1u << kProductDerivatives;
    else if (tail == "spot")
      dcp |= 1u << kProductSpot;
    else if (tail == "option")
      dcp |= 1u << kProductOptions;
    else
      return false;
    return true;
  }
  for (size_t s = 0; s < kStreamCount; ++s) {
    if (head != kNames[s]) continue;
    if (tail.empty()) {
      subs[s] |= kSubAll;
      return true;
    }
    if (s == kStreamExecution && tail == "fast") {
      subs[s] |= kSubFast;
      return true;
    }
    Category cat;
    if (s == kStreamWallet || !parse_category(tail, cat)) return false;
    subs[s] |= static_cast<uint8_t>(1u << static_cast<unsigned>(cat));
    return true;
  }
  return false;
}

}  // namespace

void ExchangeCore::on_ws_open(ConnId conn, WsChannel channel, std::string_view peer_ip, int64_t) {
  Conn c;
  c.channel = channel;
  char b[24];
  c.id_text.assign("mmsim-").append(b, JsonOut::format_i64(static_cast<int64_t>(conn), b));
  c.peer_ip.assign(peer_ip);
  conns_[conn] = std::move(c);
}

void ExchangeCore::on_ws_close(ConnId conn, int64_t now_ns) {
  const auto it = conns_.find(conn);
  if (it == conns_.end()) return;
  Conn& c = it->second;
  if (c.channel == WsChannel::kPrivate && c.key >= 0) {
    Account& a = accounts_[keys_[static_cast<size_t>(c.key)].account];
    a.private_conns.erase(std::remove(a.private_conns.begin(), a.private_conns.end(), conn),
                          a.private_conns.end());
    for (uint8_t p = 0; p < kProductCount; ++p) {
      if ((c.dcp & (1u << p)) == 0) continue;
      DcpState& d = a.dcp[p];
      if (d.live > 0 && --d.live == 0) d.dead_since_ns = now_ns;
    }
  }
  conns_.erase(it);
}

void ExchangeCore::on_ws_text(ConnId conn, std::string_view text, int64_t now_ns) {
  const auto it = conns_.find(conn);
  if (it == conns_.end()) return;
  if (it->second.channel == WsChannel::kPrivate)
    on_private_text(conn, it->second, text, now_ns);
  else
    on_trade_text(conn, it->second, text, now_ns);
}

// ---------------------------------------------------------------------------------------------------------
// /v5/private

void ExchangeCore::on_private_text(ConnId id, Conn& c, std::string_view text, int64_t now_ns) {
  od::document doc;
  od::object obj;
  std::string_view op, req_id;
  bool has_req_id = false;
  buf_.clear();
  JsonOut j(buf_);
  auto reply = [&](bool success, std::string_view ret_msg, std::string_view op_name) {
    j.ch('{').kv_bool("success", success, true).kv("ret_msg", ret_msg).kv("conn_id", c.id_text);
    if (has_req_id) j.kv("req_id", req_id);
    j.kv("op", op_name).ch('}');
    send(id, buf_);
  };
  if (!start_parse(*parser_, padded_, text, doc) || doc.get_object().get(obj) != simdjson::SUCCESS ||
      obj.find_field_unordered("op").get_string().get(op) != simdjson::SUCCESS) {
    count_request("ws.private.invalid");
    reply(false, "Params Error: a request is a JSON object with a string \"op\"", "");
    return;
  }
  {
    od::value v;
    bool absent = false;
    if (obj.find_field_unordered("req_id").get(v) == simdjson::SUCCESS && scalar_text(v, req_id, absent) &&
        !absent)
      has_req_id = true;
  }
  if (op == "ping") {
    count_request("ws.private.ping");
    j.ch('{');
    if (has_req_id)
      j.kv("req_id", req_id, true).kv("op", "pong");
    else
      j.kv("op", "pong", true);
    j.key("args").ch('[').i64_str(to_ms(now_ns)).ch(']').kv("conn_id", c.id_text).ch('}');
    send(id, buf_);
    return;
  }
  if (op == "auth") {
    count_request("ws.private.auth");
    if (c.key >= 0) return reply(false, "Repeat auth", "auth");
    const AuthArgs a = read_auth_args(obj);
    int64_t expires = 0;
    if (!a.ok || !parse_count(a.expires, expires)) return reply(false, "Params Error", "auth");
    const int32_t k = find_key(a.key);
    if (k < 0) return reply(false, "Request not authorized", "auth");
    if (expires <= to_ms(now_ns)) return reply(false, "Params Error", "auth");  // Bybit: expired auth
    char sig[kSignatureHexLen];
    const ApiKey& key = keys_[static_cast<size_t>(k)];
    if (key.signer->sign_ws_auth(expires, sig) != SignerError::kOk ||
        std::string_view(sig, kSignatureHexLen) != a.sign)
      return reply(false, "Request not authorized", "auth");
    if (!key.ips.empty() && std::find(key.ips.begin(), key.ips.end(), c.peer_ip) == key.ips.end())
      return reply(false, "Request not authorized", "auth");
    c.key = k;
    accounts_[key.account].private_conns.push_back(id);
    return reply(true, "", "auth");
  }
  const bool sub = op == "subscribe";
  if (!sub && op != "unsubscribe") {
    count_request("ws.private.unknown");
    msg_.assign("error:handler not found, op:").append(op);
    return reply(false, msg_, op);
  }
  count_request(sub ? "ws.private.subscribe" : "ws.private.unsubscribe");
  if (c.key < 0) return reply(false, "Request not authorized", op);
  od::array args;
  if (obj.find_field_unordered("args").get_array().get(args) != simdjson::SUCCESS)
    return reply(false, "Params Error: args must be an array of topics", op);
  // Validate every topic first: a request with one bad topic changes nothing.
  std::array<uint8_t, kStreamCount> subs{};
  uint8_t dcp = 0;
  for (auto v : args) {
    std::string_view topic;
    if (v.get_string().get(topic) != simdjson::SUCCESS)
      return reply(false, "Params Error: topics are strings", op);
    if (!add_topic(topic, subs, dcp)) {
      msg_.assign("error:handler not found,topic:").append(topic);
      return reply(false, msg_, op);
    }
  }
  Account& a = accounts_[keys_[static_cast<size_t>(c.key)].account];
  for (int s = 0; s < kStreamCount; ++s)
    c.subs[s] = sub ? (c.subs[s] | subs[s]) : (c.subs[s] & static_cast<uint8_t>(~subs[s]));
  for (uint8_t p = 0; p < kProductCount; ++p) {
    const uint8_t bit = static_cast<uint8_t>(1u << p);
    if ((dcp & bit) == 0) continue;
    DcpState& d = a.dcp[p];
    if (sub && (c.dcp & bit) == 0) {
      c.dcp |= bit;
      ++d.live;
      d.armed = true;
    } else if (!sub && (c.dcp & bit) != 0) {
      c.dcp &= static_cast<uint8_t>(~bit);
      if (--d.live == 0) d.armed = false;  // nobody asked for DCP any more: nothing to trigger
    }
  }
  reply(true, "", op);
}

// ---------------------------------------------------------------------------------------------------------
// /v5/trade

void ExchangeCore::on_trade_text(ConnId id, Conn& c, std::string_view text, int64_t now_ns) {
  od::document doc;
  od::object obj;
  std::string_view op, req_id;
  bool has_req_id = false;
  if (!start_parse(*parser_, padded_, text, doc) || doc.get_object().get(obj) != simdjson::SUCCESS ||
      obj.find_field_unordered("op").get_string().get(op) != simdjson::SUCCESS) {
    count_request("ws.trade.invalid");
    buf_.clear();
    JsonOut j(buf_);
    j.ch('{')
        .kv_i64("retCode", kParamError, true)
        .kv("retMsg", "Params Error: a request is a JSON object with a string \"op\"")
        .kv("op", "")
        .kv("connId", c.id_text)
        .ch('}');
    send(id, buf_);
    return;
  }
  {
    od::value v;
    bool absent = false;
    if (obj.find_field_unordered("reqId").get(v) == simdjson::SUCCESS && scalar_text(v, req_id, absent) &&
        !absent)
      has_req_id = true;
  }
  const TradeOp top = trade_op_of(op);
  const int64_t now_ms = to_ms(now_ns);
  auto simple = [&](const Verdict& v, std::string_view op_name) {
    buf_.clear();
    JsonOut j(buf_);
    j.ch('{');
    if (has_req_id)
      j.kv("reqId", req_id, true).kv_i64("retCode", v.code);
    else
      j.kv_i64("retCode", v.code, true);
    j.kv("retMsg", v.msg).kv("op", op_name).kv("connId", c.id_text).ch('}');
    send(id, buf_);
  };
  if (top == TradeOp::kPing) {
    count_request("ws.trade.ping");
    buf_.clear();
    JsonOut j(buf_);
    j.ch('{');
    if (has_req_id)
      j.kv("reqId", req_id, true).kv_i64("retCode", 0);
    else
      j.kv_i64("retCode", 0, true);
    j.kv("retMsg", "OK")
        .kv("op", "pong")
        .key("data")
        .ch('[')
        .i64_str(now_ms)
        .ch(']')
        .kv("connId", c.id_text)
        .ch('}');
    send(id, buf_);
    return;
  }
  if (top == TradeOp::kAuth) {
    count_request("ws.trade.auth");
    if (c.key >= 0) return simple({kRepeatAuth, default_message(kRepeatAuth)}, "auth");
    const AuthArgs a = read_auth_args(obj);
    int64_t expires = 0;
    if (!a.ok || !parse_count(a.expires, expires)) return simple({kParamError, "Params Error"}, "auth");
    const int32_t k = find_key(a.key);
    if (k < 0) return simple({kBadKey, default_message(kBadKey)}, "auth");
    if (expires <= now_ms) return simple({kParamError, "Params Error: request expired"}, "auth");
    char sig[kSignatureHexLen];
    const ApiKey& key = keys_[static_cast<size_t>(k)];
    if (key.signer->sign_ws_auth(expires, sig) != SignerError::kOk ||
        std::string_view(sig, kSignatureHexLen) != a.sign)
      return simple({kBadSign, "Invalid sign"}, "auth");
    if (!key.ips.empty() && std::find(key.ips.begin(), key.ips.end(), c.peer_ip) == key.ips.end())
      return simple({kUnmatchedIp, default_message(kUnmatchedIp)}, "auth");
    c.key = k;
    return simple({}, "auth");
  }
  if (top == TradeOp::kNone) {
    count_request("ws.trade.unknown");
    ++counters_.orders_rejected;
    count_reject(kOpNotFound);
    return simple({kOpNotFound, "op not found"}, op);
  }
  count_request(op);
  const ActionKind kind = top == TradeOp::kCreate || top == TradeOp::kCreateBatch ? ActionKind::kSubmit
                          : top == TradeOp::kAmend || top == TradeOp::kAmendBatch ? ActionKind::kAmend
                                                                                  : ActionKind::kCancel;
  const bool batch =
      top == TradeOp::kCreateBatch || top == TradeOp::kAmendBatch || top == TradeOp::kCancelBatch;
  const RateClass rc = rate_class_of(kind, batch);
  RateState rate;
  rate.limit = rate_limit_of(rc, false);
  rate.remaining = rate.limit;
  rate.reset_ms = now_ms;
  result_.clear();
  ext_.clear();
  JsonOut res(result_);
  JsonOut ext(ext_);
  bool counted = false;
  Verdict v;
  od::array args;
  od::object arg;
  if (c.key < 0) {
    v = {kBadKey, "Request not authorized: send auth first"};
  } else if (has_req_id &&
             std::find(c.req_ids.begin(), c.req_ids.end(), hash_text(req_id)) != c.req_ids.end()) {
    v = {kDuplicateReqId, default_message(kDuplicateReqId)};
  } else {
    if (has_req_id) {
      c.req_ids[c.req_id_next] = hash_text(req_id);
      c.req_id_next = (c.req_id_next + 1) % static_cast<uint32_t>(c.req_ids.size());
    }
    std::string_view ts, window;
    od::object header;
    if (obj.find_field_unordered("header").get_object().get(header) == simdjson::SUCCESS) {
      for (auto field : header) {
        std::string_view key;
        od::value val;
        std::string_view t;
        bool absent = false;
        if (field.unescaped_key().get(key) != simdjson::SUCCESS ||
            field.value().get(val) != simdjson::SUCCESS || !scalar_text(val, t, absent))
          break;
        if (key == "X-BAPI-TIMESTAMP")
          ts = t;
        else if (key == "X-BAPI-RECV-WINDOW")
          window = t;
      }
    }
    const ApiKey& key = keys_[static_cast<size_t>(c.key)];
    if (ts.empty())
      v = {kParamError, "Params Error: header.X-BAPI-TIMESTAMP is required"};
    else
      v = check_recv_window(ts, window, now_ns);
    if (v.ok() && (obj.find_field_unordered("args").get_array().get(args) != simdjson::SUCCESS ||
                   args.at(0).get_object().get(arg) != simdjson::SUCCESS))
      v = {kParamError, "Params Error: args must be an array holding one object"};
    if (v.ok() && !batch) {
      std::string_view bad;
      if (!read_fields(arg, fields_, bad)) {
        msg_.assign("Params Error: ");
        if (!bad.empty())
          msg_.append(bad).append(" must be a string");
        else
          msg_.append("malformed args");
        v = {kParamError, msg_};
      }
      if (v.ok()) v = check_trade_permission(key, fields_.get(Field::kCategory));
    }
    if (v.ok()) {
      if (std::optional<Verdict> f = injected(true, now_ns)) v = *f;
    }
    if (v.ok() && !batch) {
      int32_t granted = 0;
      take_rate(key.account, rc, fields_.get(Field::kCategory) == "spot", 1, now_ns, granted, rate);
      if (granted == 0)
        v = {kTooManyVisits, default_message(kTooManyVisits)};
      else {
        v = order_op(kind, key.account, fields_, now_ns, res);
        counted = !v.ok();
      }
    } else if (v.ok()) {
      res.raw("{\"list\":[");
      ext.raw("{\"list\":[");
      v = batch_op(kind, key, arg, now_ns, res, ext, rate);
      res.raw("]}");
      ext.raw("]}");
    }
  }
  if (!v.ok()) {
    result_.clear();
    ext_.clear();
    if (!counted) {
      ++counters_.orders_rejected;
      count_reject(v.code);
    }
  }
  buf_.clear();
  JsonOut j(buf_);
  j.ch('{');
  if (has_req_id)
    j.kv("reqId", req_id, true).kv_i64("retCode", v.code);
  else
    j.kv_i64("retCode", v.code, true);
  j.kv("retMsg", v.msg).kv("op", op);
  j.key("data").raw(result_.empty() ? std::string_view("{}") : std::string_view(result_));
  j.key("retExtInfo").raw(ext_.empty() ? std::string_view("{}") : std::string_view(ext_));
  j.key("header").ch('{');
  j.key0("X-Bapi-Limit").i64_str(rate.limit);
  j.key("X-Bapi-Limit-Status").i64_str(rate.remaining);
  j.key("X-Bapi-Limit-Reset-Timestamp").i64_str(rate.reset_ms);
  char trace[32];
  trace_id(trace);
  j.kv("Traceid", std::string_view(trace, 32));
  j.key("Timenow").i64_str(now_ms);
  j.ch('}');
  j.kv("connId", c.id_text).ch('}');
  send(id, buf_);
  // The ack is written; now the matching engine acts (latency 0), so the order stream follows the ack.
  run_due(now_ns);
}

}  // namespace mm::simx
