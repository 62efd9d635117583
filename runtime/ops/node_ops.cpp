#include "runtime/ops/node_ops.h"

#include <cmath>
#include <utility>

#include "core/money.h"

namespace mm {

namespace {

// The instrument's lot size in base coin: lot_units x 10^-qty_scale (a render-time scale, never a price).
double qty_step(const Instrument& in) noexcept {
  return static_cast<double>(in.lot_units) * std::pow(10.0, -static_cast<double>(in.qty_scale));
}

std::string alert_prefix(const MmConfig& cfg) {
  return "mm " + cfg.symbol + ": ";
}

}  // namespace

std::string NodeOps::start(const MmConfig& cfg, const Instrument& in, const std::vector<std::string>& secrets,
                           std::unique_ptr<NodeOps>& out) {
  OpsOptions o;
  o.settings = cfg.ops;
  o.qty_step = qty_step(in);
  o.money_scale = kMoneyOne;
  o.instrument = in;
  if (!cfg.ops.alert_telegram_chat_id.empty()) {
    if (std::string e = telegram_token(o.alert_token); !e.empty()) return "MM_TELEGRAM_TOKEN: " + e;
  }
  if (!cfg.ops.http_listen.empty()) {
    if (std::string e = control_token(o.control_token); !e.empty()) return "MM_CONTROL_TOKEN: " + e;
  }
  o.alert_prefix = alert_prefix(cfg);
  for (const std::string& s : secrets) {
    if (!s.empty()) o.secrets.push_back(s);
  }
  o.events = kLiveEvents;
  auto ops = std::make_unique<NodeOps>(std::move(o));
  ops->instrument_ = &in;
  if (std::string e = ops->ops_.start(); !e.empty()) return e;
  out = std::move(ops);
  return "";
}

void NodeOps::alert_once(const MmConfig& cfg, AlertKind kind, std::string_view text) noexcept {
  if (cfg.ops.alert_telegram_chat_id.empty()) return;
  try {
    std::string token;
    if (!telegram_token(token).empty()) return;  // the node's start names the .env problem itself
    AlertConfig ac = alert_config(cfg.ops, std::move(token));
    ac.prefix = alert_prefix(cfg);
    AlertSender sender(std::move(ac));
    if (!sender.start().empty()) return;  // the same error start() would name; the caller exits anyway
    sender.alert(kind, text);
    sender.stop(2000);
  } catch (...) {
    // Out of memory building the request: the node is exiting with its own error already.
  }
}

static_assert(static_cast<size_t>(RateClass::kCreate) == static_cast<size_t>(OrderAction::kCreate) &&
              static_cast<size_t>(RateClass::kAmend) == static_cast<size_t>(OrderAction::kAmend) &&
              static_cast<size_t>(RateClass::kCancel) == static_cast<size_t>(OrderAction::kCancel) &&
              static_cast<size_t>(RateClass::kCancelAll) == static_cast<size_t>(OrderAction::kCancelAll));

MsgTopic public_topic_of(std::string_view frame) noexcept {
  constexpr std::string_view kKey = "\"topic\":\"";
  const size_t at = frame.substr(0, 64).find(kKey);
  if (at == std::string_view::npos) return MsgTopic::kOther;
  const std::string_view topic = frame.substr(at + kKey.size());
  if (topic.starts_with("orderbook.")) return MsgTopic::kOrderbook;
  if (topic.starts_with("publicTrade.")) return MsgTopic::kPublicTrade;
  return MsgTopic::kOther;
}

void NodeOps::on_book_gap(int64_t now_ns) noexcept {
  ops_.metrics().message_error(MsgTopic::kOrderbook);
  (void)log_event(ops_.hot_log(), LiveEvent::kBookGap, now_ns, "", 0, 0);
}

void NodeOps::on_ack(std::string_view link_id, int32_t ret_code, int64_t latency_ns,
                     int64_t now_ns) noexcept {
  LiveMetrics& m = ops_.metrics();
  m.message(MsgTopic::kTrade);
  m.order_ack_ns(latency_ns);
  (void)log_event(ops_.hot_log(), LiveEvent::kOrderAck, now_ns, link_id, static_cast<int64_t>(ret_code),
                  latency_ns);
}

void NodeOps::on_reject(std::string_view link_id, int32_t ret_code, int64_t now_ns) noexcept {
  ops_.metrics().order_reject(ret_code);
  (void)log_event(ops_.hot_log(), LiveEvent::kOrderReject, now_ns, link_id, static_cast<int64_t>(ret_code));
}

void NodeOps::on_timer(int64_t now_ns, const NodeState& s) noexcept {
  OpsSnapshot snap;
  snap.now_ns = now_ns;
  if (s.counters != nullptr) {
    snap.creates = s.counters->creates;
    snap.amends = s.counters->amends;
    snap.cancels = s.counters->cancels;
    snap.cancel_alls = s.counters->cancel_alls;
  }
  if (s.limiter != nullptr) {
    // OrderAction and RateClass share their first four values (create, amend, cancel, cancel-all).
    for (size_t i = 0; i < snap.rate_remaining.size(); ++i) {
      TokenBucket& b = s.limiter->bucket(static_cast<RateClass>(i));
      if (b.burst() > 0) snap.rate_remaining[i] = b.available_milli(now_ns) / TokenBucket::kMilli;
    }
  }
  snap.reconnects_public = s.reconnects_public;
  snap.reconnects_private = s.reconnects_private;
  snap.reconnects_trade = s.reconnects_trade;
  if (s.position != nullptr) {
    const Position& p = *s.position;
    snap.position_lots = p.lots();
    Money m;
    if (p.realized(m) == PositionError::kOk) snap.realized = m.units;
    snap.fees = p.fees().units;
    if (s.mid_ticks > 0) {
      if (p.unrealized(Price{s.mid_ticks}, m) == PositionError::kOk) snap.unrealized = m.units;
      const int64_t lots = p.lots();
      if (instrument_ != nullptr &&
          notional(*instrument_, Price{s.mid_ticks}, Qty{lots < 0 ? -lots : lots}, m))
        snap.inventory_value = lots < 0 ? -m.units : m.units;
    }
  }
  if (s.orders != nullptr) {
    bool bid = false, ask = false;
    s.orders->for_each([&](OrderHandle, const OwnOrder& o) noexcept {
      if (is_terminal(o.state())) return;
      (o.side == Side::kBuy ? bid : ask) = true;
    });
    snap.both_sides_quoted = bid && ask;
  }
  if (s.risk != nullptr) {
    snap.state = s.risk->state();
    check_breakers(*s.risk);
  }
  ops_.publish(snap);
  fill_page(snap, s);
  check_reconnects(now_ns, s.reconnects_public + s.reconnects_private + s.reconnects_trade);
}

void NodeOps::on_fill(const Execution& e, int64_t now_ns) noexcept {
  PageFill& f = fills_[fills_total_++ % kPageFills];
  f.ts_ns = now_ns;
  f.side = e.side;
  f.maker = e.is_maker;
  f.price_ticks = e.exec_price.ticks;
  f.lots = e.exec_qty.lots;
  f.fee = e.exec_fee.units;
}

PageControl NodeOps::take_control() noexcept {
  LivePage* page = ops_.page();
  return page != nullptr ? page->take_control() : PageControl{};
}

void NodeOps::fill_page(const OpsSnapshot& snap, const NodeState& s) noexcept {
  LivePage* page = ops_.page();
  if (page == nullptr) return;
  PageSnapshot& p = page->write_slot();
  p.now_ns = snap.now_ns;
  p.bid_count = p.ask_count = 0;
  if (s.book != nullptr) {
    std::array<PriceLevel, kPageDepth> lv;
    p.bid_count = static_cast<uint32_t>(s.book->top(Side::kBuy, kPageDepth, lv.data()));
    for (uint32_t i = 0; i < p.bid_count; ++i) p.bids[i] = {lv[i].price.ticks, lv[i].qty.lots};
    p.ask_count = static_cast<uint32_t>(s.book->top(Side::kSell, kPageDepth, lv.data()));
    for (uint32_t i = 0; i < p.ask_count; ++i) p.asks[i] = {lv[i].price.ticks, lv[i].qty.lots};
  }
  p.order_count = 0;
  if (s.orders != nullptr) {
    s.orders->for_each([&](OrderHandle, const OwnOrder& o) noexcept {
      if (is_terminal(o.state()) || p.order_count == kPageOrders) return;
      p.orders[p.order_count++] = {o.side, o.price.ticks, o.leaves.lots};
    });
  }
  const uint64_t shown = fills_total_ < kPageFills ? fills_total_ : kPageFills;
  for (uint64_t i = 0; i < shown; ++i) p.fills[i] = fills_[(fills_total_ - 1 - i) % kPageFills];
  p.fill_count = static_cast<uint32_t>(shown);
  p.fills_total = fills_total_;
  p.position_lots = snap.position_lots;
  p.realized = snap.realized;
  p.unrealized = snap.unrealized;
  p.fees = snap.fees;
  p.state = snap.state;
  p.killed = s.risk != nullptr && s.risk->killed();
  p.quoting = snap.both_sides_quoted;
  page->publish();
}

void NodeOps::check_breakers(const RiskEngine& risk) noexcept {
  for (size_t i = 1; i < trips_seen_.size(); ++i) {
    const auto b = static_cast<Breaker>(i);
    const uint64_t trips = risk.trips(b);
    if (trips == trips_seen_[i]) continue;
    trips_seen_[i] = trips;
    if (!ops_.alerts_on()) continue;
    try {
      if (b == Breaker::kKillSwitch) {
        ops_.alert(AlertKind::kKillSwitch, "kill switch engaged: trading halted, orders cancelled");
      } else {
        std::string text = "breaker ";
        text += to_string(b);
        text += " tripped (trading state ";
        text += to_string(risk.state());
        text += ")";
        ops_.alert(AlertKind::kBreakerTrip, text);
      }
    } catch (...) {
      // Out of memory for the text: the trip is still in the metrics and the risk_state record.
    }
  }
}

void NodeOps::check_reconnects(int64_t now_ns, uint64_t total) noexcept {
  // Each new reconnect gets the timer's stamp (the resolution that matters for a one-minute window).
  for (; reconnects_seen_ < total; ++reconnects_seen_) {
    reconnect_times_[reconnect_next_++ % kReconnectStormCount] = now_ns;
  }
  if (reconnects_seen_ < kReconnectStormCount) return;
  const int64_t oldest = reconnect_times_[reconnect_next_ % kReconnectStormCount];
  if (now_ns - oldest > kReconnectStormWindowNs) return;
  if (storm_alerted_ns_ >= 0 && now_ns - storm_alerted_ns_ < kReconnectStormWindowNs) return;
  storm_alerted_ns_ = now_ns;
  ops_.alert(AlertKind::kReconnectStorm, "5 or more reconnects within 60 s");
}

void NodeOps::shutdown_unconfirmed(std::string_view text) noexcept {
  ops_.alert(AlertKind::kShutdownUnconfirmed, text);
}

}  // namespace mm
