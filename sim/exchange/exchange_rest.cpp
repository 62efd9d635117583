// SimExchange's signed REST endpoints and the order operations it shares with the trade WebSocket.
#include <algorithm>
#include <cstring>

#include "core/market_events.h"
#include "sim/exchange/exchange_core.h"
#include "sim/exchange/json_in.h"

namespace mm::simx {

namespace {

enum class RouteKind : uint8_t {
  kCreate,
  kAmend,
  kCancel,
  kCancelAll,
  kCreateBatch,
  kAmendBatch,
  kCancelBatch,
  kRealtime,
  kHistory,
  kExecList,
  kPositionList,
  kTradingStop,
  kSetLeverage,
  kWallet,
  kFeeRate,
  kQueryApi,
  kDcp,
};

}  // namespace

struct ExchangeCore::RestRoute {
  std::string_view path;
  std::string_view method;
  RouteKind kind;
  RateClass rate;
  bool trade;  // needs a trading permission (and a key that is not read-only)
};

namespace {

constexpr ExchangeCore::RestRoute kRoutes[] = {
    {"/v5/order/create", "POST", RouteKind::kCreate, RateClass::kCreate, true},
    {"/v5/order/amend", "POST", RouteKind::kAmend, RateClass::kAmend, true},
    {"/v5/order/cancel", "POST", RouteKind::kCancel, RateClass::kCancel, true},
    {"/v5/order/cancel-all", "POST", RouteKind::kCancelAll, RateClass::kCancelAll, true},
    {"/v5/order/create-batch", "POST", RouteKind::kCreateBatch, RateClass::kCreateBatch, true},
    {"/v5/order/amend-batch", "POST", RouteKind::kAmendBatch, RateClass::kAmendBatch, true},
    {"/v5/order/cancel-batch", "POST", RouteKind::kCancelBatch, RateClass::kCancelBatch, true},
    {"/v5/order/realtime", "GET", RouteKind::kRealtime, RateClass::kQueryRealtime, false},
    {"/v5/order/history", "GET", RouteKind::kHistory, RateClass::kQueryHistory, false},
    {"/v5/execution/list", "GET", RouteKind::kExecList, RateClass::kQueryExecutions, false},
    {"/v5/position/list", "GET", RouteKind::kPositionList, RateClass::kQueryPositions, false},
    {"/v5/position/trading-stop", "POST", RouteKind::kTradingStop, RateClass::kTradingStop, true},
    {"/v5/position/set-leverage", "POST", RouteKind::kSetLeverage, RateClass::kSetLeverage, true},
    {"/v5/account/wallet-balance", "GET", RouteKind::kWallet, RateClass::kQueryWallet, false},
    {"/v5/account/fee-rate", "GET", RouteKind::kFeeRate, RateClass::kQueryFeeRate, false},
    {"/v5/user/query-api", "GET", RouteKind::kQueryApi, RateClass::kQueryApi, false},
    {"/v5/order/disconnected-cancel-all", "POST", RouteKind::kDcp, RateClass::kDcp, true},
};

const ExchangeCore::RestRoute* find_route(std::string_view path) noexcept {
  for (const auto& r : kRoutes)
    if (r.path == path) return &r;
  return nullptr;
}

ActionKind action_of(RouteKind k) noexcept {
  switch (k) {
    case RouteKind::kAmend:
    case RouteKind::kAmendBatch:
      return ActionKind::kAmend;
    case RouteKind::kCancel:
    case RouteKind::kCancelBatch:
      return ActionKind::kCancel;
    default:
      return ActionKind::kSubmit;
  }
}

void envelope(std::string& out, const Verdict& v, std::string_view result, std::string_view ext,
              int64_t now_ms) {
  out.clear();
  JsonOut j(out);
  j.ch('{');
  j.kv_i64("retCode", v.code, true);
  j.kv("retMsg", v.msg);
  j.key("result").raw(result.empty() ? std::string_view("{}") : result);
  j.key("retExtInfo").raw(ext.empty() ? std::string_view("{}") : ext);
  j.kv_i64("time", now_ms);
  j.ch('}');
}

}  // namespace

bool ExchangeCore::handles_rest(std::string_view path) const {
  return find_route(path) != nullptr;
}

RateClass ExchangeCore::rate_class_of(ActionKind kind, bool batch) noexcept {
  switch (kind) {
    case ActionKind::kSubmit:
      return batch ? RateClass::kCreateBatch : RateClass::kCreate;
    case ActionKind::kAmend:
      return batch ? RateClass::kAmendBatch : RateClass::kAmend;
    case ActionKind::kCancel:
      return batch ? RateClass::kCancelBatch : RateClass::kCancel;
  }
  return RateClass::kCreate;
}

Verdict ExchangeCore::check_trade_permission(const ApiKey& key, std::string_view category) const {
  uint32_t need = kPermContractTrade | kPermDerivatives;
  if (category == "spot")
    need = kPermSpot;
  else if (category == "option")
    need = kPermOptions;
  if (key.read_only || (key.permissions & need) == 0)
    return {kPermissionDenied, default_message(kPermissionDenied)};
  return {};
}

// ---------------------------------------------------------------------------------------------------------
// Order operations

Verdict ExchangeCore::order_op(ActionKind kind, uint32_t account, const RequestFields& f, int64_t now_ns,
                               JsonOut& res) {
  uint64_t seq = 0;
  Verdict v;
  switch (kind) {
    case ActionKind::kSubmit:
      v = create_order(account, f, now_ns, seq);
      break;
    case ActionKind::kAmend:
      v = amend_order(account, f, now_ns, seq);
      break;
    case ActionKind::kCancel:
      v = cancel_order(account, f, now_ns, seq);
      break;
  }
  if (!v.ok()) {
    ++counters_.orders_rejected;
    count_reject(v.code);
    op_counted_ = true;
    res.raw("{}");
    return v;
  }
  char id[36];
  format_order_id(seq, id);
  const OrderRec& o = orders_[order_by_seq_.get(seq)];
  res.ch('{').kv("orderId", std::string_view(id, 36), true).kv("orderLinkId", o.link.view()).ch('}');
  return v;
}

Verdict ExchangeCore::batch_op(ActionKind kind, const ApiKey& key, od::object& obj, int64_t now_ns,
                               JsonOut& res_list, JsonOut& ext_list, RateState& rate) {
  std::string_view category;
  if (obj.find_field_unordered("category").get_string().get(category) != simdjson::SUCCESS)
    return {kParamError, "Illegal category"};
  // The category's text lives in the parser's string buffer until the next parse: safe to keep here.
  if (Verdict v = check_trade_permission(key, category); !v.ok()) return v;
  od::array items;
  if (obj.find_field_unordered("request").get_array().get(items) != simdjson::SUCCESS)
    return {kParamError, "params error: request must be an array"};
  size_t n = 0;
  if (items.count_elements().get(n) != simdjson::SUCCESS)
    return {kParamError, "params error: malformed request"};
  const bool spot = category == "spot";
  const size_t max_items = spot ? std::min<size_t>(10, cfg_.max_batch_items) : cfg_.max_batch_items;
  if (n == 0) return {kParamError, "params error: request is empty"};
  if (n > max_items) return {kParamError, "params error: too many orders in one batch"};
  const RateClass rc = rate_class_of(kind, true);
  const bool create = kind == ActionKind::kSubmit;
  bool first = true;
  rate.over = false;
  for (auto item : items) {
    od::object io;
    std::string_view bad;
    if (!first) {
      res_list.ch(',');
      ext_list.ch(',');
    }
    first = false;
    if (item.get_object().get(io) != simdjson::SUCCESS || !read_fields(io, fields_, bad))
      return {kParamError, "params error: malformed request item"};
    fields_.set(Field::kCategory, category);
    int32_t granted = 0;
    RateState rs;
    take_rate(key.account, rc, spot, 1, now_ns, granted, rs);
    rate.limit = rs.limit;
    rate.remaining = rs.remaining;
    rate.reset_ms = rs.over ? rs.reset_ms : (rate.over ? rate.reset_ms : rs.reset_ms);
    Verdict v;
    uint64_t seq = 0;
    if (granted == 0) {
      rate.over = true;
      v = {kTooManyVisits, default_message(kTooManyVisits)};
      ++counters_.orders_rejected;
      count_reject(v.code);
    } else {
      switch (kind) {
        case ActionKind::kSubmit:
          v = create_order(key.account, fields_, now_ns, seq);
          break;
        case ActionKind::kAmend:
          v = amend_order(key.account, fields_, now_ns, seq);
          break;
        case ActionKind::kCancel:
          v = cancel_order(key.account, fields_, now_ns, seq);
          break;
      }
      if (!v.ok()) {
        ++counters_.orders_rejected;
        count_reject(v.code);
      }
    }
    char id[36];
    std::string_view order_id;
    if (v.ok()) {
      format_order_id(seq, id);
      order_id = std::string_view(id, 36);
    }
    res_list.ch('{').kv("category", category, true).kv("symbol", fields_.get(Field::kSymbol));
    res_list.kv("orderId", order_id).kv("orderLinkId", fields_.get(Field::kOrderLinkId));
    if (create) {
      if (v.ok())
        res_list.kv_i64_str("createAt", to_ms(now_ns));
      else
        res_list.kv("createAt", "");
    }
    res_list.ch('}');
    ext_list.ch('{').kv_i64("code", v.code, true).kv("msg", v.msg).ch('}');
  }
  return {};
}

// ---------------------------------------------------------------------------------------------------------
// REST

void ExchangeCore::on_rest(const RestRequest& r, int64_t now_ns, RestReply& rep) {
  rep.http_status = 200;
  const int64_t now_ms = to_ms(now_ns);
  const RestRoute* route = find_route(r.path);
  if (route == nullptr) {
    rep.http_status = 404;
    rep.headers.clear();
    envelope(rep.body, {kOpNotFound, "Route not found"}, "", "", now_ms);
    return;
  }
  count_request(route->path);
  RateState rate;
  rate.limit = rate_limit_of(route->rate, false);
  rate.remaining = rate.limit;
  rate.reset_ms = now_ms;
  Verdict v;
  result_.clear();
  ext_.clear();
  int32_t key_index = -1;
  op_counted_ = false;
  if (r.method != route->method) {
    rep.http_status = 404;
    v = {kOpNotFound, route->method == "POST" ? "Route not found: this path takes POST"
                                              : "Route not found: this path takes GET"};
  } else {
    v = check_rest_auth(r, now_ns, key_index);
  }
  if (v.ok()) {
    const ApiKey& key = keys_[static_cast<size_t>(key_index)];
    v = rest_handle(*route, key, r, now_ns, rate, result_, ext_);
  }
  if (!v.ok()) {
    result_.clear();
    ext_.clear();
    // order_op / cancel-all count their own refusals; everything else (auth, limits, faults) is counted here.
    if (!op_counted_) {
      count_reject(v.code);
      if (route->kind <= RouteKind::kCancelBatch) ++counters_.orders_rejected;
    }
  }
  envelope(rep.body, v, result_, ext_, now_ms);
  // Assigned in place: a reply reused across requests keeps its six header strings' capacity.
  rep.headers.resize(6);
  auto set = [&rep](size_t i, std::string_view name, std::string_view value) {
    rep.headers[i].first.assign(name);
    rep.headers[i].second.assign(value);
  };
  char b[24];
  set(0, "X-Bapi-Limit", std::string_view(b, JsonOut::format_i64(rate.limit, b)));
  set(1, "X-Bapi-Limit-Status", std::string_view(b, JsonOut::format_i64(rate.remaining, b)));
  set(2, "X-Bapi-Limit-Reset-Timestamp", std::string_view(b, JsonOut::format_i64(rate.reset_ms, b)));
  set(3, "Ret_code", std::string_view(b, JsonOut::format_i64(v.code, b)));
  char trace[32];
  trace_id(trace);
  set(4, "Traceid", std::string_view(trace, 32));
  set(5, "Timenow", std::string_view(b, JsonOut::format_i64(now_ms, b)));
  // The matching engine acts after the answer is decided (latency 0: now, before the server writes it).
  run_due(now_ns);
}

Verdict ExchangeCore::rest_handle(const RestRoute& route, const ApiKey& key, const RestRequest& r,
                                  int64_t now_ns, RateState& rate, std::string& result, std::string& ext) {
  const bool batch = route.kind == RouteKind::kCreateBatch || route.kind == RouteKind::kAmendBatch ||
                     route.kind == RouteKind::kCancelBatch;
  od::document doc;
  od::object obj;
  if (route.method == "GET") {
    if (!parse_query(r.query, query_scratch_, fields_))
      return {kParamError, "params error: malformed query string"};
  } else {
    std::string_view bad;
    if (r.body.empty()) return {kParamError, "params error: empty request body"};
    if (!start_parse(*parser_, padded_, r.body, doc) || doc.get_object().get(obj) != simdjson::SUCCESS)
      return {kParamError, "params error: the body is not a JSON object"};
    if (!batch) {
      if (!read_fields(obj, fields_, bad)) {
        msg_.assign("params error: ");
        if (!bad.empty())
          msg_.append(bad).append(" must be a string");
        else
          msg_.append("malformed JSON body");
        return {kParamError, msg_};
      }
    }
  }
  if (route.trade && !batch) {
    if (route.kind == RouteKind::kDcp || route.kind == RouteKind::kTradingStop ||
        route.kind == RouteKind::kSetLeverage) {
      if (Verdict v = check_trade_permission(
              key, route.kind == RouteKind::kDcp ? "linear" : fields_.get(Field::kCategory));
          !v.ok())
        return v;
    } else if (Verdict v = check_trade_permission(key, fields_.get(Field::kCategory)); !v.ok()) {
      return v;
    }
  }
  if (std::optional<Verdict> f = injected(false, now_ns)) return *f;
  const bool spot = !batch && fields_.get(Field::kCategory) == "spot";
  if (!batch) {
    int32_t granted = 0;
    take_rate(key.account, route.rate, spot, 1, now_ns, granted, rate);
    if (granted == 0) return {kTooManyVisits, default_message(kTooManyVisits)};
  }
  JsonOut res(result);
  switch (route.kind) {
    case RouteKind::kCreate:
    case RouteKind::kAmend:
    case RouteKind::kCancel: {
      const Verdict v = order_op(action_of(route.kind), key.account, fields_, now_ns, res);
      if (!v.ok()) result.clear();
      return v;
    }
    case RouteKind::kCreateBatch:
    case RouteKind::kAmendBatch:
    case RouteKind::kCancelBatch: {
      res.raw("{\"list\":[");
      JsonOut x(ext);
      x.raw("{\"list\":[");
      rate.limit = rate_limit_of(route.rate, false);
      rate.remaining = rate.limit;
      rate.reset_ms = to_ms(now_ns);
      const Verdict v = batch_op(action_of(route.kind), key, obj, now_ns, res, x, rate);
      if (!v.ok()) return v;
      res.raw("]}");
      x.raw("]}");
      return {};
    }
    case RouteKind::kCancelAll: {
      const Verdict v = cancel_all(key.account, fields_, now_ns, seqs_);
      if (!v.ok()) {
        ++counters_.orders_rejected;
        count_reject(v.code);
        op_counted_ = true;
        return v;
      }
      res.raw("{\"list\":[");
      for (size_t i = 0; i < seqs_.size(); ++i) {
        char id[36];
        format_order_id(seqs_[i], id);
        if (i != 0) res.ch(',');
        const OrderRec& o = orders_[order_by_seq_.get(seqs_[i])];
        res.ch('{').kv("orderId", std::string_view(id, 36), true).kv("orderLinkId", o.link.view()).ch('}');
      }
      res.raw("],\"success\":\"1\"}");
      return {};
    }
    case RouteKind::kTradingStop:
    case RouteKind::kSetLeverage:
    case RouteKind::kDcp:
      return rest_setting(route, key, fields_, now_ns, result);
    default:
      return rest_query(route, key, fields_, result);
  }
}

Verdict ExchangeCore::rest_setting(const RestRoute& route, const ApiKey& key, const RequestFields& f,
                                   int64_t now_ns, std::string& result) {
  if (route.kind == RouteKind::kDcp) {
    const std::string_view product = f.has(Field::kProduct) ? f.get(Field::kProduct) : "OPTIONS";
    Product p;
    if (product == "DERIVATIVES")
      p = kProductDerivatives;
    else if (product == "SPOT")
      p = kProductSpot;
    else if (product == "OPTIONS")
      p = kProductOptions;
    else
      return {kParamError, "params error: product must be OPTIONS, DERIVATIVES or SPOT"};
    int64_t w = 0;
    if (!parse_count(f.get(Field::kTimeWindow), w) || w < 3 || w > 300)
      return {kParamError, "params error: timeWindow must be an integer in [3, 300]"};
    accounts_[key.account].dcp[p].window_ns = w * 1'000'000'000;
    result = "{}";
    return {kOk, "success"};
  }
  Category cat;
  if (!parse_category(f.get(Field::kCategory), cat) || cat != Category::kLinear)
    return {kParamError, "Illegal category"};
  const InstrumentId id = reg_.find(cat, f.get(Field::kSymbol));
  if (id == kNoInstrument) return {kParamError, "params error: symbol invalid"};
  PositionSlot& ps = position_slot(key.account, id);
  if (route.kind == RouteKind::kSetLeverage) {
    const std::string_view buy = f.get(Field::kBuyLeverage), sell = f.get(Field::kSellLeverage);
    int64_t lev = 0;
    if (buy != sell)
      return {kParamError, "params error: buyLeverage must equal sellLeverage in one-way mode"};
    if (!parse_count(buy, lev) || lev < 1 || lev > 100)
      return {kParamError, "params error: leverage must be an integer in [1, 100]"};
    if (buy == ps.leverage) return {kLeverageNotModified, default_message(kLeverageNotModified)};
    ps.leverage.assign(buy);
  } else {
    if (ps.pos->lots() == 0) return {kParamError, "can not set tp/sl/ts for zero position"};
    const Instrument& in = reg_.get(id);
    for (Field fl : {Field::kTakeProfit, Field::kStopLoss, Field::kTrailingStop}) {
      if (!f.has(fl)) continue;
      Price p;
      const std::string_view s = f.get(fl);
      if (s != "0" && (to_price(in, s, p) != DecimalError::kOk || p.ticks < 0)) {
        msg_.assign("params error: ").append(field_name(fl)).append(" invalid");
        return {kParamError, msg_};
      }
    }
    // Stored and reported on the position; the simulator does not trigger TP/SL/trailing stops.
    if (f.has(Field::kTakeProfit)) ps.take_profit.assign(f.get(Field::kTakeProfit));
    if (f.has(Field::kStopLoss)) ps.stop_loss.assign(f.get(Field::kStopLoss));
    if (f.has(Field::kTrailingStop)) ps.trailing_stop.assign(f.get(Field::kTrailingStop));
  }
  ps.updated_ms = to_ms(now_ns);
  dirty_positions_.emplace_back(key.account, id);
  result = "{}";
  return {};
}

Verdict ExchangeCore::rest_query(const RestRoute& route, const ApiKey& key, const RequestFields& f,
                                 std::string& result) {
  JsonOut j(result);
  const uint32_t account = key.account;
  if (route.kind == RouteKind::kQueryApi) {
    j.ch('{');
    j.kv("id", "1", true);
    j.kv("note", "mm sim");
    j.kv("apiKey", key.api_key);
    j.kv_i64("readOnly", key.read_only ? 1 : 0);
    j.kv("secret", "");
    j.key("permissions").ch('{');
    auto group = [&](std::string_view name, bool on, std::string_view items, bool first = false) {
      j.key(name, first).raw(on ? items : std::string_view("[]"));
    };
    group("ContractTrade", (key.permissions & kPermContractTrade) != 0, "[\"Order\",\"Position\"]", true);
    group("Spot", (key.permissions & kPermSpot) != 0, "[\"SpotTrade\"]");
    group("Wallet", (key.permissions & (kPermWallet | kPermWithdraw)) != 0,
          (key.permissions & kPermWithdraw) != 0 ? "[\"AccountTransfer\",\"SubMemberTransfer\",\"Withdraw\"]"
                                                 : "[\"AccountTransfer\",\"SubMemberTransfer\"]");
    group("Options", (key.permissions & kPermOptions) != 0, "[\"OptionsTrade\"]");
    group("Derivatives", (key.permissions & kPermDerivatives) != 0, "[\"DerivativesTrade\"]");
    group("Exchange", (key.permissions & kPermExchange) != 0, "[\"ExchangeHistory\"]");
    j.raw(",\"CopyTrading\":[],\"BlockTrade\":[],\"NFT\":[],\"Affiliate\":[]}");
    j.key("ips").ch('[');
    if (key.ips.empty()) j.str("*");
    for (size_t i = 0; i < key.ips.size(); ++i) {
      if (i != 0) j.ch(',');
      j.str(key.ips[i]);
    }
    j.ch(']');
    j.kv_i64("type", 1);
    j.kv_i64("deadlineDay", -1);
    j.kv("expiredAt", "");
    j.kv("createdAt", "");
    j.kv_i64("unified", 0);
    j.kv_i64("uta", 1);
    j.kv_i64("userID", static_cast<int64_t>(accounts_[account].uid));
    j.kv_i64("inviterID", 0);
    j.kv("vipLevel", "No VIP");
    j.kv("mktMakerLevel", "0");
    j.kv_i64("affiliateID", 0);
    j.kv("rsaPublicKey", "");
    j.kv_bool("isMaster", true);
    j.kv("parentUid", "0");
    j.kv("kycLevel", "LEVEL_DEFAULT");
    j.kv("kycRegion", "");
    j.ch('}');
    return {};
  }
  if (route.kind == RouteKind::kWallet) {
    const std::string_view type = f.has(Field::kAccountType) ? f.get(Field::kAccountType) : "UNIFIED";
    if (type != "UNIFIED") return {kParamError, "accountType only support UNIFIED"};
    j.raw("{\"list\":[");
    render_wallet(j, account, f.get(Field::kCoin));
    j.raw("]}");
    return {};
  }
  Category cat;
  if (!parse_category(f.get(Field::kCategory), cat)) return {kParamError, "Illegal category"};
  InstrumentId only = kNoInstrument;
  if (f.has(Field::kSymbol) && !f.get(Field::kSymbol).empty()) {
    only = reg_.find(cat, f.get(Field::kSymbol));
    if (only == kNoInstrument) return {kParamError, "params error: symbol invalid"};
  }
  if (route.kind == RouteKind::kFeeRate) {
    j.raw("{\"list\":[");
    bool first = true;
    for (InstrumentId id = 0; id < reg_.size(); ++id) {
      const Instrument& in = reg_.get(id);
      if (in.category != cat || (only != kNoInstrument && id != only)) continue;
      if (!first) j.ch(',');
      first = false;
      j.ch('{').kv("symbol", in.name(), true);
      if (cat == Category::kSpot)
        j.kv("baseCoin", in.name().substr(0, in.name().size() - settle_coin(in).size()));
      j.key("takerFeeRate").fixed_str(fee_rate(in, false), kRateScale);
      j.key("makerFeeRate").fixed_str(fee_rate(in, true), kRateScale);
      j.ch('}');
    }
    j.raw("]}");
    return {};
  }
  if (route.kind == RouteKind::kPositionList) {
    if (cat != Category::kLinear) return {kParamError, "Illegal category"};
    const std::string_view settle = f.get(Field::kSettleCoin);
    if (only == kNoInstrument && settle.empty())
      return {kParamError, "Missing some parameters that must be filled in, symbol or settleCoin"};
    j.raw("{\"list\":[");
    bool first = true;
    for (InstrumentId id = 0; id < reg_.size(); ++id) {
      const Instrument& in = reg_.get(id);
      if (in.category != cat) continue;
      if (only != kNoInstrument ? id != only
                                : (settle_coin(in) != settle || !accounts_[account].positions[id].pos))
        continue;
      if (!first) j.ch(',');
      first = false;
      render_position(j, account, id);
    }
    j.raw("],\"nextPageCursor\":\"\",\"category\":\"").raw(to_string(cat)).raw("\"}");
    return {};
  }
  // Orders and executions, newest first, `limit` per page; the cursor is the number of items already
  // returned.
  int64_t limit = route.kind == RouteKind::kExecList ? 50 : 20;
  const int64_t max_limit = route.kind == RouteKind::kExecList ? 100 : 50;
  if (f.has(Field::kLimit) && (!parse_count(f.get(Field::kLimit), limit) || limit < 1 || limit > max_limit))
    return {kParamError, "params error: limit invalid"};
  int64_t skip = 0;
  if (f.has(Field::kCursor) && !f.get(Field::kCursor).empty() && !parse_count(f.get(Field::kCursor), skip))
    return {kParamError, "params error: cursor invalid"};
  const std::string_view want_id = f.get(Field::kOrderId), want_link = f.get(Field::kOrderLinkId);
  const std::string_view settle = f.get(Field::kSettleCoin), base = f.get(Field::kBaseCoin);
  // /v5/order/realtime's openOnly (Bybit): 0, the default, lists open orders only; 1 (UTA) and 2 (classic,
  // UTA1.0 inverse) list the recent closed ones (Filled, Cancelled, Rejected) that the history ring still
  // holds. /v5/order/history lists both.
  int64_t open_only = 0;
  if (route.kind == RouteKind::kRealtime && f.has(Field::kOpenOnly) &&
      (!parse_count(f.get(Field::kOpenOnly), open_only) || open_only > 2))
    return {kParamError, "params error: openOnly invalid"};
  const bool live_only = route.kind == RouteKind::kRealtime && open_only == 0;
  const bool closed_only = route.kind == RouteKind::kRealtime && open_only != 0;
  int64_t matched = 0, written = 0;
  bool more = false;
  j.raw("{\"list\":[");
  auto accept = [&](InstrumentId id, uint64_t order_seq, const OrderLinkId& link) {
    const Instrument& in = reg_.get(id);
    if (in.category != cat || (only != kNoInstrument && id != only)) return false;
    if (!settle.empty() && settle_coin(in) != settle) return false;
    if (!base.empty() && in.name().substr(0, base.size()) != base) return false;
    if (!want_id.empty() && parse_order_id(want_id) != order_seq) return false;
    if (!want_link.empty() && link.view() != want_link) return false;
    return true;
  };
  if (route.kind == RouteKind::kExecList) {
    const uint64_t cap = cfg_.execution_history;
    const uint64_t oldest = exec_seq_ > cap ? exec_seq_ - cap + 1 : 1;
    for (uint64_t s = exec_seq_; s >= oldest && s != 0; --s) {
      const ExecRec& e = execs_[(s - 1) % cap];
      if (e.account != account || !accept(e.inst, e.order_seq, e.link)) continue;
      if (matched++ < skip) continue;
      if (written == limit) {
        more = true;
        break;
      }
      if (written++ != 0) j.ch(',');
      render_execution(j, e);
    }
  } else {
    const uint32_t cap = cfg_.order_history;
    for (uint32_t k = 0, used = used_order_slots(); k < used; ++k) {
      const uint32_t s = (order_next_ + cap - 1 - k) % cap;  // newest first
      const OrderRec& o = orders_[s];
      if (o.seq == 0 || o.account != account || !accept(o.inst, o.seq, o.link)) continue;
      if ((live_only && !o.live()) || (closed_only && o.live())) continue;
      if (matched++ < skip) continue;
      if (written == limit) {
        more = true;
        break;
      }
      if (written++ != 0) j.ch(',');
      render_order(j, o);
    }
  }
  j.raw("],\"nextPageCursor\":");
  if (more)
    j.i64_str(skip + written);
  else
    j.str("");
  j.raw(",\"category\":\"").raw(to_string(cat)).raw("\"}");
  return {};
}

}  // namespace mm::simx
