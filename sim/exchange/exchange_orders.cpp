// SimExchange's orders: validation with Bybit's retCodes, the order store, the matching engine work queue,
// fills -> executions, positions and wallets.
#include <algorithm>
#include <cstring>

#include "sim/exchange/exchange_core.h"

namespace mm::simx {

namespace {

bool valid_link(std::string_view s) noexcept {
  if (s.empty() || s.size() > kMaxLinkIdLen) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
      return false;
  return true;
}

bool truthy(std::string_view v) noexcept {
  return v == "true" || v == "1" || v == "True";
}

// The quote coins a spot symbol can end with, longest first where one is a suffix of another.
constexpr std::string_view kQuotes[] = {"USDT", "USDC", "USDE", "FDUSD", "EUR", "BRL",
                                        "PLN",  "TRY",  "BTC",  "ETH",   "DAI"};

}  // namespace

std::string_view ExchangeCore::settle_coin(const Instrument& in) const noexcept {
  const std::string_view s = in.name();
  if (in.category == Category::kSpot) {
    for (std::string_view q : kQuotes)
      if (s.size() > q.size() && s.substr(s.size() - q.size()) == q) return q;
    return "USDT";
  }
  if (s.size() > 4 && (s.substr(s.size() - 4) == "USDC" || s.substr(s.size() - 4) == "PERP")) return "USDC";
  return "USDT";
}

int64_t ExchangeCore::fee_rate(const Instrument& in, bool maker) const noexcept {
  if (in.category == Category::kSpot) return maker ? cfg_.spot_maker_fee_rate : cfg_.spot_taker_fee_rate;
  return maker ? cfg_.maker_fee_rate : cfg_.taker_fee_rate;
}

void ExchangeCore::credit(uint32_t account, std::string_view coin, Money delta) {
  Account& a = accounts_[account];
  for (Coin& c : a.coins)
    if (c.name == coin) {
      if (!checked_add(c.wallet, delta, c.wallet)) c.wallet.units = delta.units > 0 ? INT64_MAX : INT64_MIN;
      a.wallet_dirty = true;
      return;
    }
  a.coins.push_back({std::string(coin), delta});  // a coin the account never held (cold: first time only)
  a.wallet_dirty = true;
}

PositionSlot& ExchangeCore::position_slot(uint32_t account, InstrumentId id) {
  PositionSlot& p = accounts_[account].positions[id];
  if (!p.pos) p.pos = std::make_unique<Position>(reg_.get(id));
  return p;
}

uint64_t ExchangeCore::link_key(uint32_t account, std::string_view link) const noexcept {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a, then mixed with the account
  for (char c : link) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return FlatIndex::mix(h ^ FlatIndex::mix(account + 1)) | 1;
}

uint32_t ExchangeCore::find_order_text(uint32_t account, std::string_view id) const noexcept {
  if (const uint64_t seq = parse_order_id(id); seq != 0) {
    const uint32_t slot = order_by_seq_.get(seq);
    if (slot != FlatIndex::kMissing && orders_[slot].account == account) return slot;
  }
  if (!valid_link(id)) return FlatIndex::kMissing;
  const uint32_t slot = order_by_link_.get(link_key(account, id));
  if (slot != FlatIndex::kMissing && orders_[slot].account == account && orders_[slot].link.view() == id)
    return slot;
  return FlatIndex::kMissing;
}

uint32_t ExchangeCore::find_order(uint32_t account, const RequestFields& f) const noexcept {
  if (f.has(Field::kOrderId) && !f.get(Field::kOrderId).empty()) {
    const uint64_t seq = parse_order_id(f.get(Field::kOrderId));
    const uint32_t slot = seq == 0 ? FlatIndex::kMissing : order_by_seq_.get(seq);
    if (slot == FlatIndex::kMissing || orders_[slot].account != account) return FlatIndex::kMissing;
    return slot;
  }
  const std::string_view link = f.get(Field::kOrderLinkId);
  if (!valid_link(link)) return FlatIndex::kMissing;
  const uint32_t slot = order_by_link_.get(link_key(account, link));
  if (slot != FlatIndex::kMissing && orders_[slot].account == account && orders_[slot].link.view() == link)
    return slot;
  return FlatIndex::kMissing;
}

OrderRec& ExchangeCore::new_order_slot(uint32_t& slot_out) {
  // The ring forgets the oldest finished order; live orders are skipped (never forgotten).
  const uint32_t cap = cfg_.order_history;
  for (uint32_t tries = 0; tries < cap; ++tries) {
    const uint32_t s = order_next_;
    order_next_ = order_next_ + 1 == cap ? 0 : order_next_ + 1;
    OrderRec& o = orders_[s];
    if (o.seq != 0 && o.live()) continue;
    if (o.seq != 0) {
      order_by_seq_.erase(o.seq);
      if (!o.link.empty()) {
        const uint64_t lk = link_key(o.account, o.link.view());
        if (order_by_link_.get(lk) == s) order_by_link_.erase(lk);
      }
    }
    o = OrderRec{};
    slot_out = s;
    return o;
  }
  slot_out = FlatIndex::kMissing;
  return orders_[0];
}

// ---------------------------------------------------------------------------------------------------------
// Validation shared by create and amend

namespace {

struct Parsed {
  Category cat = Category::kLinear;
  InstrumentId id = kNoInstrument;
};

}  // namespace

// Category and symbol of a request: 10001 for a missing/unknown category or symbol; linear and spot only.
static Verdict parse_target(const InstrumentRegistry& reg, const RequestFields& f, Parsed& p) {
  if (!parse_category(f.get(Field::kCategory), p.cat)) return {kParamError, "Illegal category"};
  if (p.cat != Category::kLinear && p.cat != Category::kSpot)
    return {kParamError, "category not supported by mm sim (linear and spot only)"};
  if (!f.has(Field::kSymbol)) return {kParamError, "params error: symbol is required"};
  p.id = reg.find(p.cat, f.get(Field::kSymbol));
  if (p.id == kNoInstrument) return {kParamError, "params error: symbol invalid"};
  return {};
}

static Verdict parse_qty(const Instrument& in, std::string_view s, Qty& q) {
  const bool spot = in.category == Category::kSpot;
  switch (to_qty(in, s, q)) {
    case DecimalError::kOk:
      break;
    case DecimalError::kTooManyDecimals:
    case DecimalError::kOffGrid:
      return spot ? Verdict{kSpotQtyDecimals, default_message(kSpotQtyDecimals)}
                  : Verdict{kParamError, "Qty invalid: not a multiple of the qtyStep"};
    default:
      return {kParamError, "params error: qty invalid"};
  }
  if (q.lots <= 0) return {kParamError, "params error: qty invalid"};
  if (q < in.min_qty)
    return spot ? Verdict{kSpotQtyLower, default_message(kSpotQtyLower)}
                : Verdict{kParamError, "The number of contracts exceeds minimum limit allowed"};
  if (in.max_qty.lots > 0 && q > in.max_qty)
    return spot ? Verdict{kSpotQtyUpper, default_message(kSpotQtyUpper)}
                : Verdict{kParamError, "The number of contracts exceeds maximum limit allowed"};
  return {};
}

static Verdict parse_price(const Instrument& in, std::string_view s, Price& p) {
  const bool spot = in.category == Category::kSpot;
  switch (to_price(in, s, p)) {
    case DecimalError::kOk:
      break;
    case DecimalError::kTooManyDecimals:
    case DecimalError::kOffGrid:
      return spot ? Verdict{kSpotPriceDecimals, default_message(kSpotPriceDecimals)}
                  : Verdict{kParamError, "Price invalid: not a multiple of the tickSize"};
    default:
      return {kParamError, "params error: price invalid"};
  }
  if (p.ticks <= 0) return {kParamError, "params error: price invalid"};
  return {};
}

// ---------------------------------------------------------------------------------------------------------
// create / amend / cancel

Verdict ExchangeCore::create_order(uint32_t account, const RequestFields& f, int64_t now_ns,
                                   uint64_t& seq_out) {
  Parsed t;
  if (Verdict v = parse_target(reg_, f, t); !v.ok()) return v;
  const Instrument& in = reg_.get(t.id);
  const bool spot = t.cat == Category::kSpot;
  Side side;
  if (f.get(Field::kSide) == "Buy")
    side = Side::kBuy;
  else if (f.get(Field::kSide) == "Sell")
    side = Side::kSell;
  else
    return {kParamError, "params error: side invalid"};
  OrderType type;
  if (f.get(Field::kOrderType) == "Limit")
    type = OrderType::kLimit;
  else if (f.get(Field::kOrderType) == "Market")
    type = OrderType::kMarket;
  else
    return {kParamError, "params error: orderType invalid"};
  TimeInForce tif = TimeInForce::kGtc;
  if (f.has(Field::kTimeInForce)) {
    const std::string_view s = f.get(Field::kTimeInForce);
    if (s == "GTC")
      tif = TimeInForce::kGtc;
    else if (s == "IOC")
      tif = TimeInForce::kIoc;
    else if (s == "FOK")
      tif = TimeInForce::kFok;
    else if (s == "PostOnly")
      tif = TimeInForce::kPostOnly;
    else
      return {kParamError, "params error: timeInForce invalid"};
  }
  if (spot && type == OrderType::kMarket && side == Side::kBuy && f.get(Field::kMarketUnit) != "baseCoin") {
    // Bybit reads a spot market buy's qty in the quote coin unless marketUnit=baseCoin; the simulator only
    // takes base-coin quantities, so it refuses rather than misread the amount.
    return {kParamError, "mm sim: a spot market buy needs marketUnit=baseCoin (qty in the base coin)"};
  }
  if (type == OrderType::kMarket) {
    if (tif == TimeInForce::kPostOnly) return {kParamError, "params error: Market order cannot be PostOnly"};
    if (tif == TimeInForce::kGtc) tif = TimeInForce::kIoc;  // Bybit runs market orders as IOC
  }
  Qty qty;
  if (!f.has(Field::kQty)) return {kParamError, "params error: qty is required"};
  if (Verdict v = parse_qty(in, f.get(Field::kQty), qty); !v.ok()) return v;
  Price price{0};
  if (type == OrderType::kLimit) {
    if (!f.has(Field::kPrice)) return {kParamError, "params error: price is required for a Limit order"};
    if (Verdict v = parse_price(in, f.get(Field::kPrice), price); !v.ok()) return v;
  }
  if (f.has(Field::kPositionIdx) && f.get(Field::kPositionIdx) != "0") {
    const std::string_view p = f.get(Field::kPositionIdx);
    if (p == "1" || p == "2") return {kParamError, "position idx not match position mode"};
    return {kParamError, "params error: positionIdx invalid"};
  }
  OrderLinkId link;
  if (f.has(Field::kOrderLinkId) && !f.get(Field::kOrderLinkId).empty()) {
    const std::string_view l = f.get(Field::kOrderLinkId);
    if (!valid_link(l))
      return {kParamError, "params error: orderLinkId invalid (at most 36 of [A-Za-z0-9-_])"};
    std::memcpy(link.data, l.data(), l.size());
    link.len = static_cast<uint8_t>(l.size());
    const uint32_t dup = order_by_link_.get(link_key(account, l));
    if (dup != FlatIndex::kMissing && orders_[dup].account == account && orders_[dup].link.view() == l)
      return spot ? Verdict{kSpotDuplicateLinkId, default_message(kSpotDuplicateLinkId)}
                  : Verdict{kDuplicateLinkId, default_message(kDuplicateLinkId)};
  }
  const bool reduce_only =
      !spot && (truthy(f.get(Field::kReduceOnly)) || truthy(f.get(Field::kCloseOnTrigger)));
  if (reduce_only) {
    const PositionSlot& ps = accounts_[account].positions[t.id];
    const int64_t lots = ps.pos ? ps.pos->lots() : 0;
    if (lots == 0) return {kReduceOnlyRule, "current position is zero, cannot fix reduce-only order qty"};
    if ((side == Side::kBuy) == (lots > 0)) return {kReduceOnlyRule, default_message(kReduceOnlyRule)};
    qty.lots = std::min(qty.lots, lots > 0 ? lots : -lots);  // Bybit cuts a reduce-only order to the position
  }
  const Price ref = reference_price(t.id);
  Price notional_px = price;
  if (type == OrderType::kMarket) {
    const Market& m = markets_[t.id];
    std::optional<PriceLevel> opp;
    if (m.engine) opp = side == Side::kBuy ? m.engine->book().best_ask() : m.engine->book().best_bid();
    notional_px = opp ? opp->price : ref;
  }
  Money value;
  if (in.min_notional.units > 0 && notional_px.ticks > 0 && notional(in, notional_px, qty, value) &&
      value < in.min_notional) {
    if (spot) return {kSpotValueLower, default_message(kSpotValueLower)};
    char b[32];
    msg_.assign("Order does not meet minimum order value ");
    msg_.append(b, format_fixed(in.min_notional.units, kMoneyScale, 0, b));
    msg_.append(settle_coin(in));
    return {kBelowMinNotional, msg_};
  }
  if (type == OrderType::kLimit && ref.ticks > 0 && cfg_.price_band_bps > 0) {
    const int64_t band = static_cast<int64_t>(static_cast<Int128>(ref.ticks) * cfg_.price_band_bps / 10'000);
    char b[32];
    if (side == Side::kBuy && price.ticks > ref.ticks + band) {
      msg_.assign("Buy order price cannot be higher than ");
      msg_.append(b, format_price(in, Price{ref.ticks + band}, b)).append(".");
      return {kPriceOutOfRange, msg_};
    }
    if (side == Side::kSell && price.ticks < ref.ticks - band) {
      msg_.assign("Sell order price cannot be lower than ");
      msg_.append(b, format_price(in, Price{std::max<int64_t>(1, ref.ticks - band)}, b)).append(".");
      return {kPriceOutOfRange, msg_};
    }
  }
  Market& m = market(t.id);
  if (m.engine->live_orders() + m.pending_creates >= cfg_.max_orders_per_symbol)
    return {kTooManyOrders, default_message(kTooManyOrders)};

  uint32_t slot;
  OrderRec& o = new_order_slot(slot);
  if (slot == FlatIndex::kMissing) return {kServerError, default_message(kServerError)};
  o.seq = ++order_seq_;
  o.account = account;
  o.inst = t.id;
  o.side = side;
  o.type = type;
  o.tif = tif;
  o.reduce_only = reduce_only;
  o.close_on_trigger = truthy(f.get(Field::kCloseOnTrigger));
  o.price = price;
  o.qty = qty;
  o.link = link;
  o.created_ms = o.updated_ms = to_ms(now_ns);
  order_by_seq_.put(o.seq, slot);
  if (!link.empty()) order_by_link_.put(link_key(account, link.view()), slot);
  if (reorder_next_created_) {  // reorder_order(""): this order's messages are held until its final one
    reorder_next_created_ = false;
    reorder_slot_ = slot;
    reorder_until_final_ = true;
  }
  ++m.pending_creates;
  if (reduce_only) ++accounts_[account].live_reduce_only;
  ++counters_.orders_created;
  seq_out = o.seq;
  PendingAction a;
  a.kind = ActionKind::kSubmit;
  a.seq = o.seq;
  schedule(a, now_ns);
  return {};
}

Verdict ExchangeCore::amend_order(uint32_t account, const RequestFields& f, int64_t now_ns,
                                  uint64_t& seq_out) {
  Parsed t;
  if (Verdict v = parse_target(reg_, f, t); !v.ok()) return v;
  const Instrument& in = reg_.get(t.id);
  const bool spot = t.cat == Category::kSpot;
  if (f.get(Field::kOrderId).empty() && f.get(Field::kOrderLinkId).empty())
    return {kParamError, "params error: orderId or orderLinkId is required"};
  const uint32_t slot = find_order(account, f);
  if (slot == FlatIndex::kMissing || orders_[slot].inst != t.id)
    return spot ? Verdict{kSpotOrderNotExists, default_message(kSpotOrderNotExists)}
                : Verdict{kOrderNotExists, "order not exists or too late to amend"};
  OrderRec& o = orders_[slot];
  if (!o.live())
    return spot ? Verdict{kSpotOrderNotExists, default_message(kSpotOrderNotExists)}
                : Verdict{kOrderFinished, default_message(kOrderFinished)};
  if (o.type == OrderType::kMarket) return {kParamError, "params error: a Market order cannot be amended"};
  std::optional<Price> new_price;
  std::optional<Qty> new_qty;
  if (f.has(Field::kPrice) && !f.get(Field::kPrice).empty()) {
    Price p;
    if (Verdict v = parse_price(in, f.get(Field::kPrice), p); !v.ok()) return v;
    if (p != o.price) new_price = p;
  }
  if (f.has(Field::kQty) && !f.get(Field::kQty).empty()) {
    Qty q;
    if (Verdict v = parse_qty(in, f.get(Field::kQty), q); !v.ok()) return v;
    if (q.lots <= o.cum.lots)
      return {kParamError, "params error: the amended qty must be greater than the filled qty"};
    if (q != o.qty) new_qty = q;
  }
  if (!new_price && !new_qty)
    return {kParamError, "The order remains unchanged as the parameters entered match the existing ones."};
  if (new_price) {
    const Price ref = reference_price(t.id);
    if (ref.ticks > 0 && cfg_.price_band_bps > 0) {
      const int64_t band =
          static_cast<int64_t>(static_cast<Int128>(ref.ticks) * cfg_.price_band_bps / 10'000);
      if ((o.side == Side::kBuy && new_price->ticks > ref.ticks + band) ||
          (o.side == Side::kSell && new_price->ticks < ref.ticks - band))
        return {kPriceOutOfRange, default_message(kPriceOutOfRange)};
    }
  }
  ++counters_.orders_amended;
  seq_out = o.seq;
  PendingAction a;
  a.kind = ActionKind::kAmend;
  a.seq = o.seq;
  a.price = new_price;
  a.qty = new_qty;
  schedule(a, now_ns);
  return {};
}

Verdict ExchangeCore::cancel_order(uint32_t account, const RequestFields& f, int64_t now_ns,
                                   uint64_t& seq_out) {
  Parsed t;
  if (Verdict v = parse_target(reg_, f, t); !v.ok()) return v;
  const bool spot = t.cat == Category::kSpot;
  if (f.get(Field::kOrderId).empty() && f.get(Field::kOrderLinkId).empty())
    return {kParamError, "params error: orderId or orderLinkId is required"};
  const uint32_t slot = find_order(account, f);
  // Unknown, filled or already cancelled: the fill-vs-cancel race ends here (the fill won).
  if (slot == FlatIndex::kMissing || orders_[slot].inst != t.id || !orders_[slot].live())
    return spot ? Verdict{kSpotOrderNotExists, default_message(kSpotOrderNotExists)}
                : Verdict{kOrderNotExists, default_message(kOrderNotExists)};
  seq_out = orders_[slot].seq;
  PendingAction a;
  a.kind = ActionKind::kCancel;
  a.seq = seq_out;
  a.cancel_type = "CancelByUser";
  schedule(a, now_ns);
  return {};
}

Verdict ExchangeCore::cancel_all(uint32_t account, const RequestFields& f, int64_t now_ns,
                                 std::vector<uint64_t>& out) {
  out.clear();
  Category cat;
  if (!parse_category(f.get(Field::kCategory), cat)) return {kParamError, "Illegal category"};
  if (cat != Category::kLinear && cat != Category::kSpot)
    return {kParamError, "category not supported by mm sim (linear and spot only)"};
  InstrumentId only = kNoInstrument;
  if (f.has(Field::kSymbol) && !f.get(Field::kSymbol).empty()) {
    only = reg_.find(cat, f.get(Field::kSymbol));
    if (only == kNoInstrument) return {kParamError, "params error: symbol invalid"};
  }
  const std::string_view base = f.get(Field::kBaseCoin), settle = f.get(Field::kSettleCoin);
  for (uint32_t s = 0, used = used_order_slots(); s < used; ++s) {
    const OrderRec& o = orders_[s];
    if (o.seq == 0 || o.account != account || !o.live()) continue;
    const Instrument& in = reg_.get(o.inst);
    if (in.category != cat || (only != kNoInstrument && o.inst != only)) continue;
    if (!settle.empty() && settle_coin(in) != settle) continue;
    if (!base.empty() && in.name().substr(0, base.size()) != base) continue;
    out.push_back(o.seq);
  }
  std::sort(out.begin(), out.end());
  for (uint64_t seq : out) {
    PendingAction a;
    a.kind = ActionKind::kCancel;
    a.seq = seq;
    a.cancel_type = "CancelByUser";
    schedule(a, now_ns);
  }
  return {};
}

void ExchangeCore::cancel_all_by(uint32_t account, std::optional<Product> product,
                                 std::string_view cancel_type, int64_t now_ns) {
  for (uint32_t s = 0, used = used_order_slots(); s < used; ++s) {
    OrderRec& o = orders_[s];
    if (o.seq == 0 || o.account != account || !o.live()) continue;
    const Category cat = reg_.get(o.inst).category;
    const Product p = cat == Category::kSpot     ? kProductSpot
                      : cat == Category::kOption ? kProductOptions
                                                 : kProductDerivatives;
    if (product && *product != p) continue;
    if (o.in_engine)
      (void)market(o.inst).engine->cancel(o.seq);
    else if (o.status == OrdStatus::kPending)
      --market(o.inst).pending_creates;  // its submit will skip it
    finish_cancelled(o, cancel_type, "EC_PerCancelRequest", now_ns);
  }
  flush(now_ns);
}

// ---------------------------------------------------------------------------------------------------------
// The engine work queue

void ExchangeCore::schedule(PendingAction a, int64_t now_ns) {
  a.due_ns = now_ns + cfg_.matching_latency_ns;
  if (pending_count_ == pending_.size()) {
    // Full: grow (cold; the ring is sized for bursts, this happens only past them).
    std::vector<PendingAction> bigger(pending_.size() * 2);
    for (size_t i = 0; i < pending_count_; ++i) bigger[i] = pending_[(pending_head_ + i) % pending_.size()];
    pending_.swap(bigger);
    pending_head_ = 0;
  }
  pending_[(pending_head_ + pending_count_) % pending_.size()] = a;
  ++pending_count_;
}

void ExchangeCore::run_due(int64_t now_ns) {
  while (filling_ && pending_count_ != 0 && pending_[pending_head_].due_ns <= now_ns) {
    const PendingAction a = pending_[pending_head_];
    pending_head_ = (pending_head_ + 1) % pending_.size();
    --pending_count_;
    perform(a, now_ns);
  }
  flush(now_ns);
}

void ExchangeCore::perform(const PendingAction& a, int64_t now_ns) {
  const uint32_t slot = order_by_seq_.get(a.seq);
  if (slot == FlatIndex::kMissing) return;
  OrderRec& o = orders_[slot];
  Market& m = market(o.inst);
  fill_now_ns_ = now_ns;
  switch (a.kind) {
    case ActionKind::kSubmit: {
      if (o.status != OrdStatus::kPending) return;  // cancelled (DCP) before it reached the engine
      --m.pending_creates;
      if (o.tif == TimeInForce::kPostOnly && cross_post_only_left_ > 0) {
        // The post_only_cross fault: as if the market had moved through the price meanwhile.
        --cross_post_only_left_;
        finish_cancelled(o, "UNKNOWN", "EC_PostOnlyWillTakeLiquidity", now_ns);
        return;
      }
      const SubmitResult r = m.engine->submit(o.seq, o.side, o.type, o.tif, o.price, o.qty, *this);
      o.updated_ms = to_ms(now_ns);
      switch (r) {
        case SubmitResult::kRested:
          o.status = OrdStatus::kNew;
          o.in_engine = true;
          dirty_orders_.push_back(slot);
          break;
        case SubmitResult::kPartiallyFilledRested:
          o.in_engine = true;
          break;  // fills set the status
        case SubmitResult::kFilled:
          break;
        case SubmitResult::kPartiallyFilledCancelled:
          finish_cancelled(o, "UNKNOWN", "EC_CancelForNoFullFill", now_ns);
          break;
        case SubmitResult::kNoLiquidity:
          finish_cancelled(o, "UNKNOWN",
                           o.tif == TimeInForce::kFok ? "EC_NoEnoughQtyToFill" : "EC_NoImmediateQtyToFill",
                           now_ns);
          break;
        case SubmitResult::kRejectedPostOnly:
          // Bybit acknowledged it (retCode 0); the order stream now shows it cancelled.
          finish_cancelled(o, "UNKNOWN", "EC_PostOnlyWillTakeLiquidity", now_ns);
          break;
        case SubmitResult::kRejectedFull:
        case SubmitResult::kRejectedDuplicate:
        case SubmitResult::kRejectedInvalid:
          o.status = OrdStatus::kRejected;
          if (o.reduce_only) --accounts_[o.account].live_reduce_only;
          o.reject_reason = "EC_Others";
          dirty_orders_.push_back(slot);
          break;
      }
      return;
    }
    case ActionKind::kAmend: {
      if (!o.live() || !o.in_engine)
        return;  // filled or cancelled meanwhile: the amend has nothing to act on
      const std::optional<Qty> engine_qty =
          a.qty ? std::optional<Qty>(Qty{a.qty->lots - o.forced_lots}) : std::nullopt;
      const Qty before_cum = o.cum;
      const AmendResult r = m.engine->amend(o.seq, a.price, engine_qty, *this);
      if (r == AmendResult::kOk) {
        if (a.price) o.price = *a.price;
        if (a.qty) o.qty = *a.qty;
        o.updated_ms = to_ms(now_ns);
        if (o.cum == before_cum) dirty_orders_.push_back(slot);
      } else if (r == AmendResult::kRejectedPostOnly) {
        (void)m.engine->cancel(o.seq);
        finish_cancelled(o, "UNKNOWN", "EC_PostOnlyWillTakeLiquidity", now_ns);
      }
      return;
    }
    case ActionKind::kCancel: {
      if (!o.live()) return;  // the fill got there first: the order stream already says Filled
      if (o.in_engine) {
        if (m.engine->cancel(o.seq) != CancelResult::kOk) return;
      } else if (o.status == OrdStatus::kPending) {
        --m.pending_creates;
      }
      finish_cancelled(o, a.cancel_type, "EC_PerCancelRequest", now_ns);
      return;
    }
  }
}

void ExchangeCore::finish_cancelled(OrderRec& o, std::string_view cancel_type, std::string_view reject_reason,
                                    int64_t now_ns) {
  const bool spot = reg_.get(o.inst).category == Category::kSpot;
  o.status = spot && o.cum.lots > 0 ? OrdStatus::kPartiallyFilledCanceled : OrdStatus::kCancelled;
  if (o.reduce_only) --accounts_[o.account].live_reduce_only;
  o.cancel_type = cancel_type;
  o.reject_reason = reject_reason;
  o.in_engine = false;
  o.updated_ms = to_ms(now_ns);
  ++counters_.orders_cancelled;
  dirty_orders_.push_back(order_by_seq_.get(o.seq));
}

// ---------------------------------------------------------------------------------------------------------
// Fills

void ExchangeCore::on_fill(const EngineFill& fill) noexcept {
  const uint32_t slot = order_by_seq_.get(fill.order_id);
  if (slot == FlatIndex::kMissing) return;
  apply_fill(orders_[slot], fill.price, fill.qty, fill.maker, fill_now_ns_);
}

void ExchangeCore::apply_fill(OrderRec& o, Price price, Qty qty, bool maker, int64_t now_ns) {
  const Instrument& in = reg_.get(o.inst);
  const bool spot = in.category == Category::kSpot;
  const int64_t rate = fee_rate(in, maker);
  PositionSlot& ps = position_slot(o.account, o.inst);
  Money fee, value, r0, r1;
  (void)ps.pos->fee_at_rate(price, qty, rate, fee);
  (void)notional(in, price, qty, value);
  (void)ps.pos->realized(r0);
  (void)ps.pos->on_fill(o.side, price, qty, fee);
  (void)ps.pos->realized(r1);
  const int64_t now_ms = to_ms(now_ns);
  if (ps.created_ms == 0) ps.created_ms = now_ms;
  ps.updated_ms = now_ms;
  if (spot) {
    // Spot moves coins: base by the quantity, quote by the value, the fee paid in the quote coin.
    const std::string_view quote = settle_coin(in);
    const std::string_view base = in.name().substr(0, in.name().size() - quote.size());
    Int128 base_units = static_cast<Int128>(qty.lots) * in.lot_units;
    base_units = in.qty_scale <= kMoneyScale ? base_units * pow10_i64(kMoneyScale - in.qty_scale)
                                             : base_units / pow10_i64(in.qty_scale - kMoneyScale);
    const Money b{static_cast<int64_t>(base_units)};
    credit(o.account, base, o.side == Side::kBuy ? b : Money{-b.units});
    credit(o.account, quote, Money{(o.side == Side::kBuy ? -value.units : value.units) - fee.units});
  } else {
    credit(o.account, settle_coin(in), Money{r1.units - r0.units - fee.units});
  }
  o.cum.lots += qty.lots;
  o.cum_ticklots += static_cast<Int128>(price.ticks) * qty.lots;
  o.cum_value.units += value.units;
  o.cum_fee.units += fee.units;
  o.updated_ms = now_ms;
  if (o.cum.lots >= o.qty.lots) {
    o.status = OrdStatus::kFilled;
    if (o.reduce_only) --accounts_[o.account].live_reduce_only;
    o.in_engine = false;
    ++counters_.orders_filled;
  } else {
    o.status = OrdStatus::kPartiallyFilled;
  }
  ++counters_.fills;

  ExecRec& e = execs_[exec_seq_ % cfg_.execution_history];
  e = ExecRec{};
  e.seq = ++exec_seq_;
  e.order_seq = o.seq;
  e.account = o.account;
  e.inst = o.inst;
  e.side = o.side;
  e.order_type = o.type;
  e.maker = maker;
  e.price = price;
  e.order_price = o.price;
  e.qty = qty;
  e.order_qty = o.qty;
  e.leaves = Qty{o.qty.lots - o.cum.lots};
  e.fee = fee;
  e.value = value;
  e.fee_rate = rate;
  e.time_ms = now_ms;
  e.mark = reference_price(o.inst);
  e.link = o.link;
  ps.seq = static_cast<int64_t>(e.seq);

  data_.clear();
  JsonOut j(data_);
  render_execution(j, e);
  push(o.account, kStreamExecution, in.category, data_, now_ns);
  if (duplicate_exec_left_ > 0) {  // the duplicate_execution fault: the same message again
    --duplicate_exec_left_;
    push(o.account, kStreamExecution, in.category, data_, now_ns);
  }
  dirty_orders_.push_back(order_by_seq_.get(o.seq));
  if (!spot) dirty_positions_.emplace_back(o.account, o.inst);
  accounts_[o.account].wallet_dirty = true;
}

void ExchangeCore::enforce_reduce_only(uint32_t account, InstrumentId id, int64_t now_ns) {
  const PositionSlot& ps = accounts_[account].positions[id];
  const int64_t lots = ps.pos ? ps.pos->lots() : 0;
  const int64_t size = lots < 0 ? -lots : lots;
  for (uint32_t s = 0, used = used_order_slots(); s < used && accounts_[account].live_reduce_only != 0; ++s) {
    OrderRec& o = orders_[s];
    if (o.seq == 0 || o.account != account || o.inst != id || !o.reduce_only || !o.live()) continue;
    Market& m = market(id);
    if (lots == 0 || (o.side == Side::kBuy) == (lots > 0)) {
      // Nothing left to reduce on this side: Bybit cancels the order.
      if (o.in_engine)
        (void)m.engine->cancel(o.seq);
      else if (o.status == OrdStatus::kPending)
        --m.pending_creates;
      finish_cancelled(o, "CancelByReduceOnly", "EC_NoError", now_ns);
    } else if (o.qty.lots - o.cum.lots > size && o.in_engine) {
      // Larger than the position: cut to it (a qty decrease keeps the order's queue place).
      const Qty total{o.cum.lots + size};
      if (m.engine->amend(o.seq, std::nullopt, Qty{total.lots - o.forced_lots}, *this) == AmendResult::kOk) {
        o.qty = total;
        o.updated_ms = to_ms(now_ns);
        dirty_orders_.push_back(s);
      }
    }
  }
}

void ExchangeCore::flush(int64_t now_ns) {
  // Reduce-only orders follow their position first, so their changes go out with this batch.
  for (size_t i = 0; i < dirty_positions_.size(); ++i) {
    const auto [acct, id] = dirty_positions_[i];
    if (accounts_[acct].live_reduce_only != 0) enforce_reduce_only(acct, id, now_ns);
  }
  // One order message per changed order (its latest state), then positions, then wallets.
  for (size_t i = 0; i < dirty_orders_.size(); ++i) {
    const uint32_t slot = dirty_orders_[i];
    if (slot == FlatIndex::kMissing) continue;
    bool seen = false;
    for (size_t k = 0; k < i && !seen; ++k) seen = dirty_orders_[k] == slot;
    if (seen) continue;
    const OrderRec& o = orders_[slot];
    data_.clear();
    JsonOut j(data_);
    render_order(j, o);
    push_order(slot, now_ns);
  }
  dirty_orders_.clear();
  for (size_t i = 0; i < dirty_positions_.size(); ++i) {
    bool seen = false;
    for (size_t k = 0; k < i && !seen; ++k) seen = dirty_positions_[k] == dirty_positions_[i];
    if (seen) continue;
    const auto [acct, id] = dirty_positions_[i];
    data_.clear();
    JsonOut j(data_);
    render_position(j, acct, id);
    push(acct, kStreamPosition, reg_.get(id).category, data_, now_ns);
  }
  dirty_positions_.clear();
  for (uint32_t a = 0; a < accounts_.size(); ++a) {
    if (!accounts_[a].wallet_dirty) continue;
    accounts_[a].wallet_dirty = false;
    data_.clear();
    JsonOut j(data_);
    render_wallet(j, a, "");
    push(a, kStreamWallet, Category::kLinear, data_, now_ns);
  }
}

}  // namespace mm::simx
