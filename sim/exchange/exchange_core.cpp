// SimExchange's accounts, keys, signatures, rate limits, timers, DCP, faults and counters; the public class's
// forwarding. Order logic: exchange_orders.cpp; JSON: exchange_render.cpp; transports: exchange_rest.cpp,
// exchange_ws.cpp.
#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "sim/exchange/exchange_core.h"

namespace mm::simx {

std::string_view default_message(int32_t code) noexcept {
  switch (code) {
    case kOk:
      return "OK";
    case kParamError:
      return "Params Error";
    case kRecvWindow:
      return "invalid request, please check your server timestamp or recv_window param";
    case kBadKey:
      return "API key is invalid.";
    case kBadSign:
      return "Error sign, please check your signature generation algorithm.";
    case kPermissionDenied:
      return "Permission denied, please check your API key permissions.";
    case kTooManyVisits:
      return "Too many visits!";
    case kUnmatchedIp:
      return "Unmatched IP, please check your API key's bound IP addresses.";
    case kServerError:
      return "System error. Please try again later.";
    case kTradeRestarting:
      return "ws trade service is restarting, do not accept new request";
    case kOpNotFound:
      return "op not found";
    case kRepeatAuth:
      return "Repeat auth";
    case kDuplicateReqId:
      return "reqId is duplicated";
    case kOrderNotExists:
      return "order not exists or too late to cancel";
    case kPriceOutOfRange:
      return "Order price is out of permissible range";
    case kOrderFinished:
      return "The order has been finished or canceled";
    case kReduceOnlyRule:
      return "Reduce-only rule not satisfied";
    case kTooManyOrders:
      return "Not allowed to have more than 500 active orders per symbol";
    case kLeverageNotModified:
      return "leverage not modified";
    case kDuplicateLinkId:
      return "OrderLinkedID is duplicate";
    case kOrderProcessing:
      return "The order is processing and can not be operated, please try again later";
    case kBelowMinNotional:
      return "Order does not meet minimum order value";
    case kSpotPriceDecimals:
      return "Order price decimal too long.";
    case kSpotQtyUpper:
      return "Order quantity exceeded upper limit.";
    case kSpotQtyLower:
      return "Order quantity below the lower limit.";
    case kSpotQtyDecimals:
      return "Order quantity decimal too long.";
    case kSpotValueLower:
      return "Order value exceeded lower limit.";
    case kSpotDuplicateLinkId:
      return "Duplicate clientOrderId.";
    case kSpotOrderNotExists:
      return "Order does not exist.";
    default:
      return "Error";
  }
}

std::string_view to_string(OrdStatus s) noexcept {
  switch (s) {
    case OrdStatus::kPending:
      return "Created";
    case OrdStatus::kNew:
      return "New";
    case OrdStatus::kPartiallyFilled:
      return "PartiallyFilled";
    case OrdStatus::kFilled:
      return "Filled";
    case OrdStatus::kCancelled:
      return "Cancelled";
    case OrdStatus::kPartiallyFilledCanceled:
      return "PartiallyFilledCanceled";
    case OrdStatus::kRejected:
      return "Rejected";
  }
  return "?";
}

namespace {

bool equal_hex_nocase(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace

ExchangeCore::ExchangeCore(const ExchangeConfig& config, const InstrumentRegistry& instruments, WsOutput& out)
    : cfg_(config),
      reg_(instruments),
      out_(out),
      order_by_seq_(config.order_history),
      order_by_link_(config.order_history),
      parser_(std::make_unique<simdjson::ondemand::parser>()) {
  if (cfg_.keys.empty()) cfg_.keys = default_keys();
  if (std::string e = cfg_.validate(); !e.empty()) throw std::invalid_argument(e);
  salt_ = static_cast<uint32_t>(FlatIndex::mix(cfg_.seed ^ 0x6d6d73696dULL));
  for (const KeyConfig& k : cfg_.keys) {
    uint32_t acct = 0;
    while (acct < accounts_.size() && accounts_[acct].uid != k.uid) ++acct;
    if (acct == accounts_.size()) {
      Account a;
      a.uid = k.uid;
      for (const CoinBalance& b : k.balances) a.coins.push_back({b.coin, b.amount});
      a.positions.resize(reg_.size());
      for (DcpState& d : a.dcp) d.window_ns = cfg_.dcp_default_window_s * 1'000'000'000;
      a.private_conns.reserve(16);
      accounts_.push_back(std::move(a));
    }
    ApiKey key;
    key.signer = std::make_unique<Signer>();
    if (key.signer->init(k.api_key, k.secret) != SignerError::kOk)
      throw std::invalid_argument("key '" + k.api_key + "': invalid api_key or secret");
    key.api_key = k.api_key;
    key.account = acct;
    key.permissions = k.permissions;
    key.read_only = k.read_only;
    key.ips = k.ip_whitelist;
    keys_.push_back(std::move(key));
  }
  markets_.resize(reg_.size());
  orders_ = std::make_unique<OrderRec[]>(cfg_.order_history);
  execs_ = std::make_unique<ExecRec[]>(cfg_.execution_history);
  pending_.resize(1024);
  dirty_orders_.reserve(256);
  dirty_positions_.reserve(64);
  dirty_wallets_.reserve(16);
  padded_.reserve(64 * 1024);
  buf_.reserve(64 * 1024);
  data_.reserve(16 * 1024);
  push_buf_.reserve(16 * 1024);
  tmp_.reserve(16 * 1024);
  msg_.reserve(256);
  query_scratch_.reserve(1024);
  seqs_.reserve(1024);
  counters_.requests.reserve(64);
  counters_.rejects_by_code.reserve(64);
}

ExchangeCore::~ExchangeCore() = default;

// ---------------------------------------------------------------------------------------------------------
// Keys, signatures, recv window, rate limits

int32_t ExchangeCore::find_key(std::string_view api_key) const noexcept {
  for (size_t i = 0; i < keys_.size(); ++i)
    if (keys_[i].api_key == api_key) return static_cast<int32_t>(i);
  return -1;
}

Verdict ExchangeCore::check_recv_window(std::string_view timestamp, std::string_view recv_window,
                                        int64_t now_ns) {
  const int64_t server_ms = to_ms(now_ns);
  int64_t ts = -1, window = 5000;
  const bool ts_ok = parse_count(timestamp, ts);
  const bool window_ok = recv_window.empty() || parse_count(recv_window, window);
  if (ts_ok && window_ok && server_ms - window <= ts && ts < server_ms + 1000) return {};
  // Bybit's text: "invalid request, please check your server timestamp or recv_window param.
  // req_timestamp[1706972576658],server_timestamp[1706972587026],recv_window[5000]"
  msg_.assign("invalid request, please check your server timestamp or recv_window param. req_timestamp[");
  msg_.append(timestamp);
  msg_.append("],server_timestamp[");
  char b[24];
  msg_.append(b, JsonOut::format_i64(server_ms, b));
  msg_.append("],recv_window[");
  if (recv_window.empty())
    msg_.append("5000");
  else
    msg_.append(recv_window);
  msg_.append("]");
  return {kRecvWindow, msg_};
}

Verdict ExchangeCore::check_rest_auth(const RestRequest& r, int64_t now_ns, int32_t& key_out) {
  const int32_t k = find_key(r.api_key);
  if (k < 0) return {kBadKey, default_message(kBadKey)};
  if (Verdict v = check_recv_window(r.timestamp, r.recv_window, now_ns); !v.ok()) return v;
  const ApiKey& key = keys_[static_cast<size_t>(k)];
  const std::string_view payload = r.method == "GET" ? r.query : r.body;
  char sig[kSignatureHexLen];
  if (key.signer->sign({r.timestamp, r.api_key, r.recv_window, payload}, sig) != SignerError::kOk ||
      !equal_hex_nocase(std::string_view(sig, kSignatureHexLen), r.sign)) {
    // Bybit's text names the string it signed: "error sign!
    // origin_string[<timestamp><key><window><payload>]".
    msg_.assign("error sign! origin_string[");
    msg_.append(r.timestamp).append(r.api_key).append(r.recv_window).append(payload).append("]");
    return {kBadSign, msg_};
  }
  if (!key.ips.empty() && std::find(key.ips.begin(), key.ips.end(), r.peer_ip) == key.ips.end())
    return {kUnmatchedIp, default_message(kUnmatchedIp)};
  key_out = k;
  return {};
}

int32_t ExchangeCore::rate_limit_of(RateClass c, bool spot) const noexcept {
  switch (c) {
    case RateClass::kCreate:
      return cfg_.create_per_second * (spot ? 2 : 1);
    case RateClass::kAmend:
      return cfg_.amend_per_second;
    case RateClass::kCancel:
      return cfg_.cancel_per_second * (spot ? 2 : 1);
    case RateClass::kCancelAll:
      return cfg_.cancel_all_per_second * (spot ? 2 : 1);
    // A batch endpoint's own window, at its single endpoint's limit (ExchangeConfig).
    case RateClass::kCreateBatch:
      return cfg_.create_per_second * (spot ? 2 : 1);
    case RateClass::kAmendBatch:
      return cfg_.amend_per_second * (spot ? 2 : 1);
    case RateClass::kCancelBatch:
      return cfg_.cancel_per_second * (spot ? 2 : 1);
    case RateClass::kQueryRealtime:
    case RateClass::kQueryHistory:
    case RateClass::kQueryExecutions:
    case RateClass::kQueryPositions:
    case RateClass::kQueryWallet:
    case RateClass::kQueryFeeRate:
    case RateClass::kQueryApi:
      return cfg_.query_per_second;
    case RateClass::kTradingStop:
    case RateClass::kSetLeverage:
      return cfg_.setting_per_second;
    case RateClass::kDcp:
      return cfg_.dcp_per_second;
    case RateClass::kCount:
      break;
  }
  return 1;
}

void ExchangeCore::take_rate(uint32_t account, RateClass c, bool spot, int32_t n, int64_t now_ns,
                             int32_t& granted, RateState& state) {
  RateWindow& w = accounts_[account].rate[spot ? 1 : 0][static_cast<size_t>(c)];
  const int64_t now_ms = to_ms(now_ns);
  const int32_t limit = rate_limit_of(c, spot);
  granted = w.take(now_ms, limit, n);
  state.limit = limit;
  state.remaining = limit - w.used;
  state.over = granted < n;
  // Bybit: the reset time when over the limit, otherwise simply the current time.
  state.reset_ms = state.over ? w.reset_ms() : now_ms;
}

std::optional<Verdict> ExchangeCore::injected(bool trade_ws, int64_t now_ns) {
  if (now_ns < restart_until_ns_) {
    const int32_t code = trade_ws ? kTradeRestarting : kServerError;
    return Verdict{code, default_message(code)};
  }
  if (fail_left_ == 0) return std::nullopt;
  --fail_left_;
  if (fail_code_ == kRecvWindow) {
    char b[24];
    const std::string_view ts(b, JsonOut::format_i64(to_ms(now_ns) - 60'000, b));
    tmp_.assign(ts);  // check_recv_window writes msg_; the timestamp must outlive it
    return check_recv_window(tmp_, "5000", now_ns);
  }
  return Verdict{fail_code_, default_message(fail_code_)};
}

// ---------------------------------------------------------------------------------------------------------
// Markets

Market& ExchangeCore::market(InstrumentId id) {
  Market& m = markets_[id];
  if (!m.engine) {
    FillEngineConfig fc;
    fc.queue = cfg_.queue;
    fc.max_orders = cfg_.max_orders_per_symbol;
    fc.book_window_ticks = cfg_.book_window_ticks;
    m.engine = std::make_unique<FillEngine>(fc);
  }
  return m;
}

void ExchangeCore::on_book(const BookUpdate& u, int64_t now_ns) {
  if (u.instrument >= markets_.size()) return;
  const Instrument& in = reg_.get(u.instrument);
  if (in.category != Category::kLinear && in.category != Category::kSpot) return;
  Market& m = market(u.instrument);
  if (!filling_) {
    // Matching is stopped: the market goes to the shadow book only (set_filling replays it on resume).
    if (u.snapshot)
      (void)m.shadow->apply_snapshot(u.bids, u.bid_count, u.asks, u.ask_count);
    else
      (void)m.shadow->apply_delta(u.bids, u.bid_count, u.asks, u.ask_count);
    return;
  }
  // Order actions due by now reach the engine before this market event, in time order (the backtest's
  // venue does the same): without this an action waited for the next timer or request, and the event met
  // the order's old terms.
  run_due(now_ns);
  fill_now_ns_ = now_ns;
  (void)m.engine->on_book(u, *this);
  flush(now_ns);
}

void ExchangeCore::on_trade(const TradeEvent& t, int64_t now_ns) {
  if (t.instrument >= markets_.size()) return;
  const Instrument& in = reg_.get(t.instrument);
  if (in.category != Category::kLinear && in.category != Category::kSpot) return;
  Market& m = market(t.instrument);
  if (t.price.ticks > 0) m.last_trade = t.price;
  if (!filling_) return;
  run_due(now_ns);  // as on_book: the actions due first
  fill_now_ns_ = now_ns;
  m.engine->on_trade(t, *this);
  flush(now_ns);
}

Price ExchangeCore::reference_price(InstrumentId id) const noexcept {
  const Market& m = markets_[id];
  if (!m.engine) return m.last_trade;
  const auto bid = m.engine->book().best_bid();
  const auto ask = m.engine->book().best_ask();
  if (bid && ask) return Price{(bid->price.ticks + ask->price.ticks) / 2};
  if (m.last_trade.ticks > 0) return m.last_trade;
  if (bid) return bid->price;
  if (ask) return ask->price;
  return Price{0};
}

// ---------------------------------------------------------------------------------------------------------
// Timers, DCP

void ExchangeCore::on_timer(int64_t now_ns) {
  if (restart_until_ns_ != 0 && now_ns >= restart_until_ns_) restart_until_ns_ = 0;
  if (reorder_holding_ && now_ns >= reorder_deadline_ns()) release_reorder(now_ns);
  run_due(now_ns);
  check_dcp(now_ns);
}

int64_t ExchangeCore::next_deadline_ns() const {
  int64_t t = INT64_MAX;
  if (filling_ && pending_count_ != 0) t = std::min(t, pending_[pending_head_].due_ns);
  if (restart_until_ns_ != 0) t = std::min(t, restart_until_ns_);
  if (reorder_holding_) t = std::min(t, reorder_deadline_ns());
  for (const Account& a : accounts_)
    for (const DcpState& d : a.dcp)
      if (d.armed && d.live == 0) t = std::min(t, d.dead_since_ns + d.window_ns);
  return t;
}

void ExchangeCore::check_dcp(int64_t now_ns) {
  for (uint32_t acct = 0; acct < accounts_.size(); ++acct) {
    for (uint8_t p = 0; p < kProductCount; ++p) {
      DcpState& d = accounts_[acct].dcp[p];
      if (!d.armed || d.live != 0 || now_ns - d.dead_since_ns < d.window_ns) continue;
      d.armed = false;  // fires once; a new dcp subscription arms it again
      cancel_all_by(acct, static_cast<Product>(p), "CancelByDCP", now_ns);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Faults

std::string ExchangeCore::reorder_order(std::string_view order, int64_t now_ns) {
  if (order.empty()) {
    release_reorder(now_ns);
    reorder_next_created_ = true;  // create_order takes it
    return "";
  }
  uint32_t slot = FlatIndex::kMissing;
  for (uint32_t a = 0; a < accounts_.size() && slot == FlatIndex::kMissing; ++a)
    slot = find_order_text(a, order);
  if (slot == FlatIndex::kMissing) return "reorder_order: no order '" + std::string(order) + "'";
  if (!orders_[slot].live())
    return "reorder_order: order '" + std::string(order) + "' is " +
           std::string(to_string(orders_[slot].status));
  release_reorder(now_ns);
  reorder_slot_ = slot;
  return "";
}

int64_t ExchangeCore::reorder_deadline_ns() const noexcept {
  return reorder_since_ns_ +
         (reorder_until_final_ ? SimExchange::kReorderFinalHoldNs : SimExchange::kReorderHoldNs);
}

void ExchangeCore::release_reorder(int64_t now_ns) {
  reorder_slot_ = UINT32_MAX;
  reorder_next_created_ = false;
  reorder_until_final_ = false;
  if (!reorder_holding_) return;
  reorder_holding_ = false;
  for (const HeldOrderMessage& m : reorder_held_)
    push(reorder_account_, kStreamOrder, reorder_cat_, m.data, now_ns);
  reorder_held_.clear();
}

void ExchangeCore::push_order(uint32_t slot, int64_t now_ns) {
  const OrderRec& o = orders_[slot];
  const Category cat = reg_.get(o.inst).category;
  if (slot != reorder_slot_) {
    push(o.account, kStreamOrder, cat, data_, now_ns);
    return;
  }
  const bool final_message = !o.live();
  if (!reorder_holding_ || (reorder_until_final_ && !final_message)) {
    if (!reorder_holding_) {
      reorder_holding_ = true;
      reorder_since_ns_ = now_ns;
      reorder_account_ = o.account;
      reorder_cat_ = cat;
    }
    reorder_held_.push_back({o.status == OrdStatus::kNew, data_});
    return;
  }
  push(o.account, kStreamOrder, cat, data_, now_ns);
  // The held, older states now go after this one.
  if (final_message) {
    counters_.late_order_messages += reorder_held_.size();
    for (const HeldOrderMessage& m : reorder_held_) counters_.late_new_messages += m.is_new ? 1 : 0;
  }
  release_reorder(now_ns);
}

std::string ExchangeCore::fill_partially(std::string_view order, std::string_view qty, int64_t now_ns) {
  uint32_t slot = FlatIndex::kMissing;
  if (order.empty()) {
    // No order named: the oldest order resting in a matching engine.
    uint64_t oldest = UINT64_MAX;
    for (uint32_t s = 0, used = used_order_slots(); s < used; ++s)
      if (orders_[s].in_engine && orders_[s].seq < oldest) {
        oldest = orders_[s].seq;
        slot = s;
      }
    if (slot == FlatIndex::kMissing) return "fill_partially: no order is resting";
  }
  for (uint32_t a = 0; a < accounts_.size() && slot == FlatIndex::kMissing; ++a)
    slot = find_order_text(a, order);
  if (slot == FlatIndex::kMissing) return "fill_partially: no order '" + std::string(order) + "'";
  OrderRec& o = orders_[slot];
  if (!o.live())
    return "fill_partially: order '" + std::string(order) + "' is " + std::string(to_string(o.status));
  if (!o.in_engine)
    return "fill_partially: order '" + std::string(order) + "' is not in the matching engine yet";
  const Instrument& in = reg_.get(o.inst);
  const int64_t leaves = o.qty.lots - o.cum.lots;
  int64_t lots = std::max<int64_t>(1, leaves / 2);
  if (!qty.empty()) {
    Qty q;
    if (to_qty(in, qty, q) != DecimalError::kOk || q.lots <= 0)
      return "fill_partially: qty '" + std::string(qty) + "' is not a positive quantity on the lot grid";
    if (q.lots > leaves)
      return "fill_partially: qty '" + std::string(qty) + "' is more than the order's leaves";
    lots = q.lots;
  }
  Market& m = market(o.inst);
  if (lots == leaves) {
    (void)m.engine->cancel(o.seq);
  } else {
    const Qty engine_qty{o.qty.lots - o.forced_lots - lots};
    if (m.engine->amend(o.seq, std::nullopt, engine_qty, *this) != AmendResult::kOk)
      return "fill_partially: the matching engine refused to reduce the order";
  }
  o.forced_lots += lots;
  apply_fill(o, o.price, Qty{lots}, true, now_ns);
  flush(now_ns);
  return "";
}

void ExchangeCore::set_filling(bool on, int64_t now_ns) {
  if (on == filling_) return;
  if (!on) {
    // Copy each engine's book into its shadow: the shadow follows the market while matching is stopped.
    for (Market& m : markets_) {
      if (!m.engine) continue;
      if (!m.shadow) m.shadow = std::make_unique<OrderBook>(cfg_.book_window_ticks);
      m.shadow->clear();
      for (Side s : {Side::kBuy, Side::kSell})
        m.engine->book().for_each(s,
                                  [&](const PriceLevel& l) { (void)m.shadow->set_level(s, l.price, l.qty); });
    }
    filling_ = false;
    return;
  }
  filling_ = true;
  // Resume: the engine takes the market as it is now (a snapshot of the shadow: orders the market moved
  // through fill, queue positions restart from the displayed sizes), then the requests that waited.
  std::vector<PriceLevel> bids, asks;
  for (InstrumentId id = 0; id < markets_.size(); ++id) {
    Market& m = markets_[id];
    if (!m.engine || !m.shadow) continue;
    bids.clear();
    asks.clear();
    m.shadow->for_each(Side::kBuy, [&](const PriceLevel& l) { bids.push_back(l); });
    m.shadow->for_each(Side::kSell, [&](const PriceLevel& l) { asks.push_back(l); });
    BookUpdate snap;
    snap.instrument = id;
    snap.snapshot = true;
    snap.bids = bids.data();
    snap.bid_count = static_cast<uint32_t>(bids.size());
    snap.asks = asks.data();
    snap.ask_count = static_cast<uint32_t>(asks.size());
    fill_now_ns_ = now_ns;
    (void)m.engine->on_book(snap, *this);
  }
  flush(now_ns);
  run_due(now_ns);
}

void ExchangeCore::restart_matching(int64_t duration_ns, int64_t now_ns) {
  restart_until_ns_ = now_ns + std::max<int64_t>(duration_ns, 1);
  std::vector<ConnId> ids;
  ids.reserve(conns_.size());
  for (const auto& [id, c] : conns_) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  for (ConnId id : ids) out_.close(id, 1012, "service restart");
}

// ---------------------------------------------------------------------------------------------------------
// Counters

void ExchangeCore::count_request(std::string_view name) {
  for (auto& [n, c] : counters_.requests)
    if (n == name) {
      ++c;
      return;
    }
  counters_.requests.emplace_back(std::string(name), 1);
}

void ExchangeCore::count_reject(int32_t code) {
  for (auto& [k, c] : counters_.rejects_by_code)
    if (k == code) {
      ++c;
      return;
    }
  counters_.rejects_by_code.emplace_back(code, 1);
}

ExchangeStats ExchangeCore::stats() const {
  ExchangeStats s = counters_;
  std::sort(s.rejects_by_code.begin(), s.rejects_by_code.end());
  std::sort(s.requests.begin(), s.requests.end());
  return s;
}

// ---------------------------------------------------------------------------------------------------------
// Ids: UUID-shaped, as Bybit's derivatives orderIds are, with the run's salt first and the sequence last.

namespace {
void put_hex(uint64_t v, int digits, char* out) noexcept {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = digits - 1; i >= 0; --i) {
    out[i] = kHex[v & 15];
    v >>= 4;
  }
}
void format_uuid(uint32_t salt, std::string_view middle, uint64_t seq, char* out) noexcept {
  put_hex(salt, 8, out);
  std::memcpy(out + 8, middle.data(), 16);  // "-0000-4000-8000-"
  put_hex(seq, 12, out + 24);
}
}  // namespace

void ExchangeCore::trace_id(char* out) noexcept {
  ++trace_seq_;
  put_hex(FlatIndex::mix(trace_seq_ ^ salt_), 16, out);
  put_hex(trace_seq_, 16, out + 16);
}

void ExchangeCore::format_order_id(uint64_t seq, char* out) const noexcept {
  format_uuid(salt_, "-0000-4000-8000-", seq, out);
}

void ExchangeCore::format_exec_id(uint64_t seq, char* out) const noexcept {
  format_uuid(salt_, "-0000-5000-9000-", seq, out);
}

uint64_t ExchangeCore::parse_order_id(std::string_view s) const noexcept {
  if (s.size() != 36) return 0;
  char expect[36];
  format_order_id(0, expect);
  if (std::memcmp(s.data(), expect, 24) != 0) return 0;
  uint64_t v = 0;
  for (size_t i = 24; i < 36; ++i) {
    const char c = s[i];
    int d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (c >= 'a' && c <= 'f')
      d = c - 'a' + 10;
    else
      return 0;
    v = v * 16 + static_cast<uint64_t>(d);
  }
  return v;
}

// ---------------------------------------------------------------------------------------------------------
// SimExchange: forwards to the core.

SimExchange::SimExchange(const ExchangeConfig& config, const InstrumentRegistry& instruments, WsOutput& out)
    : core_(std::make_unique<ExchangeCore>(config, instruments, out)) {}
SimExchange::~SimExchange() = default;
void SimExchange::on_book(const BookUpdate& update, int64_t now_ns) {
  core_->on_book(update, now_ns);
}
void SimExchange::on_trade(const TradeEvent& trade, int64_t now_ns) {
  core_->on_trade(trade, now_ns);
}
bool SimExchange::handles_rest(std::string_view path) const {
  return core_->handles_rest(path);
}
void SimExchange::on_rest(const RestRequest& request, int64_t now_ns, RestReply& out) {
  core_->on_rest(request, now_ns, out);
}
RestReply SimExchange::on_rest(const RestRequest& request, int64_t now_ns) {
  RestReply out;
  core_->on_rest(request, now_ns, out);
  return out;
}
void SimExchange::on_ws_open(ConnId conn, WsChannel channel, std::string_view peer_ip, int64_t now_ns) {
  core_->on_ws_open(conn, channel, peer_ip, now_ns);
}
void SimExchange::on_ws_text(ConnId conn, std::string_view text, int64_t now_ns) {
  core_->on_ws_text(conn, text, now_ns);
}
void SimExchange::on_ws_close(ConnId conn, int64_t now_ns) {
  core_->on_ws_close(conn, now_ns);
}
void SimExchange::on_timer(int64_t now_ns) {
  core_->on_timer(now_ns);
}
int64_t SimExchange::next_deadline_ns() const {
  return core_->next_deadline_ns();
}
void SimExchange::fail_next(int32_t ret_code, uint32_t count) {
  core_->fail_code_ = ret_code;
  core_->fail_left_ = count;
}
std::string SimExchange::fill_partially(std::string_view order, std::string_view qty, int64_t now_ns) {
  return core_->fill_partially(order, qty, now_ns);
}
void SimExchange::set_filling(bool on, int64_t now_ns) {
  core_->set_filling(on, now_ns);
}
void SimExchange::restart_matching(int64_t duration_ns, int64_t now_ns) {
  core_->restart_matching(duration_ns, now_ns);
}
void SimExchange::cross_post_only(uint32_t count) {
  core_->cross_post_only_left_ = count;
}
void SimExchange::duplicate_executions(uint32_t count) {
  core_->duplicate_exec_left_ = count;
}
std::string SimExchange::reorder_order(std::string_view order, int64_t now_ns) {
  return core_->reorder_order(order, now_ns);
}
ExchangeStats SimExchange::stats() const {
  return core_->stats();
}

}  // namespace mm::simx
