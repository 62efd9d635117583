// SimExchange's JSON of orders, executions, positions and wallets, in Bybit V5's shapes (numbers as strings),
// shared by the private WebSocket pushes and the REST queries; and the push to subscribers.
#include <algorithm>

#include "core/market_events.h"
#include "sim/exchange/exchange_core.h"

namespace mm::simx {

namespace {

constexpr std::string_view kStreamNames[kStreamCount] = {"order", "execution", "position", "wallet"};
constexpr std::string_view kCategorySuffix[kCategoryCount] = {".linear", ".inverse", ".spot", ".option"};

void kv_price(JsonOut& j, std::string_view name, const Instrument& in, Price p) {
  char b[32];
  j.key(name).ch('"').raw(std::string_view(b, format_price(in, p, b))).ch('"');
}
void kv_qty(JsonOut& j, std::string_view name, const Instrument& in, Qty q) {
  char b[32];
  j.key(name).ch('"').raw(std::string_view(b, format_qty(in, q, b))).ch('"');
}
void kv_money(JsonOut& j, std::string_view name, Money m) {
  j.key(name).fixed_str(m.units, kMoneyScale);
}

// Money of an Int128 value clamped to int64 (positions and wallets of a simulator never reach the clamp).
Money clamp_money(Int128 v) noexcept {
  if (v > INT64_MAX) return Money{INT64_MAX};
  if (v < INT64_MIN) return Money{INT64_MIN};
  return Money{static_cast<int64_t>(v)};
}

bool usd_coin(std::string_view c) noexcept {
  return c == "USDT" || c == "USDC";
}

int64_t leverage_of(std::string_view s) noexcept {
  int64_t v = 0;
  for (char c : s) {
    if (c == '.') break;
    if (c < '0' || c > '9') return 10;
    v = v * 10 + (c - '0');
  }
  return v > 0 ? v : 10;
}

}  // namespace

void ExchangeCore::render_order(JsonOut& j, const OrderRec& o) const {
  const Instrument& in = reg_.get(o.inst);
  char id[36];
  format_order_id(o.seq, id);
  const bool live = o.live();
  const Qty leaves{live ? o.qty.lots - o.cum.lots : 0};
  j.ch('{');
  j.kv("category", to_string(in.category), true);
  j.kv("symbol", in.name());
  j.kv("orderId", std::string_view(id, 36));
  j.kv("orderLinkId", o.link.view());
  j.kv("blockTradeId", "");
  j.kv("side", to_string(o.side));
  kv_price(j, "price", in, o.price);
  kv_qty(j, "qty", in, o.qty);
  j.kv_i64("positionIdx", 0);
  j.kv("orderStatus", to_string(o.status));
  j.kv("cancelType", o.cancel_type);
  j.kv("rejectReason", o.reject_reason);
  if (o.cum.lots > 0) {
    const Int128 avg = (o.cum_ticklots + o.cum.lots / 2) / o.cum.lots;
    kv_price(j, "avgPrice", in, Price{static_cast<int64_t>(avg)});
  } else {
    j.kv("avgPrice", in.category == Category::kSpot ? "0" : "");
  }
  kv_qty(j, "leavesQty", in, leaves);
  Money leaves_value;
  if (o.price.ticks <= 0 || !notional(in, o.price, leaves, leaves_value)) leaves_value = Money{0};
  kv_money(j, "leavesValue", leaves_value);
  kv_qty(j, "cumExecQty", in, o.cum);
  kv_money(j, "cumExecValue", o.cum_value);
  kv_money(j, "cumExecFee", o.cum_fee);
  j.kv("timeInForce", to_string(o.tif));
  j.kv("orderType", to_string(o.type));
  j.kv("stopOrderType", "");
  j.kv("orderIv", "");
  j.kv("triggerPrice", in.category == Category::kSpot ? "0.00" : "");
  j.kv("takeProfit", "");
  j.kv("stopLoss", "");
  j.kv("tpTriggerBy", "");
  j.kv("slTriggerBy", "");
  j.kv_i64("triggerDirection", 0);
  j.kv("triggerBy", "");
  j.kv("lastPriceOnCreated", "");
  j.kv_bool("reduceOnly", o.reduce_only);
  j.kv_bool("closeOnTrigger", o.close_on_trigger);
  j.kv("placeType", "");
  j.kv("smpType", "None");
  j.kv_i64("smpGroup", 0);
  j.kv("smpOrderId", "");
  j.kv("tpslMode", "");
  j.kv("tpLimitPrice", "");
  j.kv("slLimitPrice", "");
  j.kv("isLeverage", "");
  j.kv("feeCurrency", "");
  j.kv_i64_str("createdTime", o.created_ms);
  j.kv_i64_str("updatedTime", o.updated_ms);
  j.ch('}');
}

void ExchangeCore::render_execution(JsonOut& j, const ExecRec& e) const {
  const Instrument& in = reg_.get(e.inst);
  char oid[36], eid[36];
  format_order_id(e.order_seq, oid);
  format_exec_id(e.seq, eid);
  j.ch('{');
  j.kv("category", to_string(in.category), true);
  j.kv("symbol", in.name());
  j.kv("isLeverage", in.category == Category::kSpot ? "0" : "");
  j.kv("orderId", std::string_view(oid, 36));
  j.kv("orderLinkId", e.link.view());
  j.kv("side", to_string(e.side));
  kv_price(j, "orderPrice", in, e.order_price);
  kv_qty(j, "orderQty", in, e.order_qty);
  kv_qty(j, "leavesQty", in, e.leaves);
  j.kv("createType", "CreateByUser");
  j.kv("orderType", to_string(e.order_type));
  j.kv("stopOrderType", "");
  kv_money(j, "execFee", e.fee);
  j.kv("execId", std::string_view(eid, 36));
  kv_price(j, "execPrice", in, e.price);
  kv_qty(j, "execQty", in, e.qty);
  j.kv("execType", "Trade");
  kv_money(j, "execValue", e.value);
  j.kv_i64_str("execTime", e.time_ms);
  j.kv_bool("isMaker", e.maker);
  j.key("feeRate").fixed_str(e.fee_rate, kRateScale);
  j.kv("tradeIv", "");
  j.kv("markIv", "");
  if (e.mark.ticks > 0)
    kv_price(j, "markPrice", in, e.mark);
  else
    j.kv("markPrice", "");
  j.kv("indexPrice", "");
  j.kv("underlyingPrice", "");
  j.kv("blockTradeId", "");
  j.kv("feeCurrency", in.category == Category::kSpot ? settle_coin(in) : "");
  j.kv_i64("seq", static_cast<int64_t>(e.seq));
  j.ch('}');
}

void ExchangeCore::render_position(JsonOut& j, uint32_t account, InstrumentId id) const {
  const Instrument& in = reg_.get(id);
  const PositionSlot& ps = accounts_[account].positions[id];
  const int64_t lots = ps.pos ? ps.pos->lots() : 0;
  const Qty size{lots < 0 ? -lots : lots};
  const Price mark = reference_price(id);
  int64_t entry_ref = 0;
  Money value{0}, upl{0}, realized{0};
  if (ps.pos) {
    (void)ps.pos->avg_entry_ref(entry_ref);
    if (lots != 0) (void)notional(in, ps.pos->avg_entry(), size, value);
    if (lots != 0 && mark.ticks > 0) (void)ps.pos->unrealized(mark, upl);
    (void)ps.pos->realized(realized);
    realized.units -= ps.pos->fees().units;
  }
  const int64_t lev = leverage_of(ps.leverage);
  const int scale = ps.pos ? ps.pos->ref_scale() : ref_price_scale(in.price_scale);
  j.ch('{');
  j.kv_i64("positionIdx", 0, true);
  j.kv_i64("tradeMode", 0);
  j.kv_i64("riskId", 1);
  j.kv("riskLimitValue", "2000000");
  j.kv("symbol", in.name());
  j.kv("side", lots > 0 ? "Buy" : lots < 0 ? "Sell" : "");
  kv_qty(j, "size", in, size);
  j.key("avgPrice").fixed_str(entry_ref, scale);
  j.key("entryPrice").fixed_str(entry_ref, scale);
  kv_money(j, "positionValue", value);
  j.kv("leverage", ps.leverage);
  if (mark.ticks > 0)
    kv_price(j, "markPrice", in, mark);
  else
    j.kv("markPrice", "");
  j.kv("liqPrice", "");
  j.kv("bustPrice", "");
  kv_money(j, "positionIM", Money{value.units / lev});
  kv_money(j, "positionMM", Money{value.units / 200});
  j.kv("positionBalance", "0");
  j.kv("takeProfit", ps.take_profit.empty() ? "0" : std::string_view(ps.take_profit));
  j.kv("stopLoss", ps.stop_loss.empty() ? "0" : std::string_view(ps.stop_loss));
  j.kv("trailingStop", ps.trailing_stop.empty() ? "0" : std::string_view(ps.trailing_stop));
  kv_money(j, "unrealisedPnl", upl);
  kv_money(j, "curRealisedPnl", realized);
  kv_money(j, "cumRealisedPnl", realized);
  j.kv("sessionAvgPrice", "");
  j.kv_i64_str("createdTime", ps.created_ms);
  j.kv_i64_str("updatedTime", ps.updated_ms);
  j.kv("tpslMode", "Full");
  j.kv("category", to_string(in.category));
  j.kv("positionStatus", "Normal");
  j.kv_i64("adlRankIndicator", lots != 0 ? 2 : 0);
  j.kv_i64("autoAddMargin", 0);
  j.kv("leverageSysUpdatedTime", "");
  j.kv("mmrSysUpdatedTime", "");
  j.kv_i64("seq", ps.seq);
  j.kv_bool("isReduceOnly", false);
  j.ch('}');
}

void ExchangeCore::render_wallet(JsonOut& j, uint32_t account, std::string_view coin_filter) const {
  const Account& a = accounts_[account];
  // Per coin: unrealised PnL, realised PnL and position margins of the linear positions settled in it.
  struct Sums {
    Int128 upl = 0, realized = 0, im = 0, mm = 0;
  };
  Sums total;
  auto sums_of = [&](std::string_view coin) {
    Sums s;
    for (InstrumentId id = 0; id < a.positions.size(); ++id) {
      const PositionSlot& ps = a.positions[id];
      if (!ps.pos) continue;
      const Instrument& in = reg_.get(id);
      if (in.category != Category::kLinear || settle_coin(in) != coin) continue;
      Money upl{0}, realized{0}, value{0};
      const int64_t lots = ps.pos->lots();
      const Price mark = reference_price(id);
      if (lots != 0 && mark.ticks > 0) (void)ps.pos->unrealized(mark, upl);
      if (lots != 0) (void)notional(in, ps.pos->avg_entry(), Qty{lots < 0 ? -lots : lots}, value);
      (void)ps.pos->realized(realized);
      s.upl += upl.units;
      s.realized += realized.units - ps.pos->fees().units;
      s.im += value.units / leverage_of(ps.leverage);
      s.mm += value.units / 200;
    }
    return s;
  };
  Int128 wallet_usd = 0;
  for (const Coin& c : a.coins) {
    if (!usd_coin(c.name)) continue;
    const Sums s = sums_of(c.name);
    wallet_usd += c.wallet.units;
    total.upl += s.upl;
    total.im += s.im;
    total.mm += s.mm;
  }
  const Int128 margin = wallet_usd + total.upl;
  j.ch('{');
  j.kv("accountType", "UNIFIED", true);
  j.kv("accountLTV", "0");
  j.kv("accountIMRate", "0");
  j.kv("accountMMRate", "0");
  kv_money(j, "totalEquity", clamp_money(margin));
  kv_money(j, "totalWalletBalance", clamp_money(wallet_usd));
  kv_money(j, "totalMarginBalance", clamp_money(margin));
  kv_money(j, "totalAvailableBalance", clamp_money(std::max<Int128>(0, margin - total.im)));
  kv_money(j, "totalPerpUPL", clamp_money(total.upl));
  kv_money(j, "totalInitialMargin", clamp_money(total.im));
  kv_money(j, "totalMaintenanceMargin", clamp_money(total.mm));
  j.key("coin").ch('[');
  bool first = true;
  for (const Coin& c : a.coins) {
    if (!coin_filter.empty() && coin_filter.find(c.name) == std::string_view::npos) continue;
    const Sums s = sums_of(c.name);
    const Int128 equity = static_cast<Int128>(c.wallet.units) + s.upl;
    if (!first) j.ch(',');
    first = false;
    j.ch('{');
    j.kv("coin", c.name, true);
    kv_money(j, "equity", clamp_money(equity));
    kv_money(j, "usdValue", usd_coin(c.name) ? clamp_money(equity) : Money{0});
    kv_money(j, "walletBalance", c.wallet);
    kv_money(j, "availableToWithdraw", clamp_money(std::max<Int128>(0, c.wallet.units - s.im)));
    j.kv("availableToBorrow", "");
    j.kv("borrowAmount", "0");
    j.kv("accruedInterest", "0");
    j.kv("totalOrderIM", "0");
    kv_money(j, "totalPositionIM", clamp_money(s.im));
    kv_money(j, "totalPositionMM", clamp_money(s.mm));
    kv_money(j, "unrealisedPnl", clamp_money(s.upl));
    kv_money(j, "cumRealisedPnl", clamp_money(s.realized));
    j.kv("bonus", "0");
    j.kv("locked", "0");
    j.kv("spotHedgingQty", "0");
    j.kv_bool("marginCollateral", true);
    j.kv_bool("collateralSwitch", true);
    j.ch('}');
  }
  j.ch(']');
  j.ch('}');
}

void ExchangeCore::push(uint32_t account, Stream stream, Category cat, std::string_view data,
                        int64_t now_ns) {
  const Account& a = accounts_[account];
  if (a.private_conns.empty()) return;
  const uint8_t cat_bit = static_cast<uint8_t>(1u << static_cast<unsigned>(cat));
  const uint64_t id = ++msg_seq_;
  auto send_as = [&](ConnId cid, std::string_view suffix) {
    push_buf_.clear();
    JsonOut j(push_buf_);
    j.ch('{');
    j.key0("id").ch('"').i64(static_cast<int64_t>(a.uid)).ch('-').i64(static_cast<int64_t>(id)).ch('"');
    j.key("topic").ch('"').raw(kStreamNames[stream]).raw(suffix).ch('"');
    j.kv_i64("creationTime", now_ns / 1'000'000);
    j.key("data").ch('[').raw(data).ch(']');
    j.ch('}');
    send(cid, push_buf_);
  };
  for (ConnId cid : a.private_conns) {
    const auto it = conns_.find(cid);
    if (it == conns_.end()) continue;
    const uint8_t subs = it->second.subs[stream];
    // The topic as subscribed: all-in-one ("order"), per category ("order.linear"), and execution.fast.
    if ((subs & kSubAll) != 0)
      send_as(cid, "");
    else if ((subs & cat_bit) != 0)
      send_as(cid, kCategorySuffix[static_cast<size_t>(cat)]);
    if ((subs & kSubFast) != 0) send_as(cid, ".fast");
  }
}

}  // namespace mm::simx
