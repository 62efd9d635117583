// Private topics: order, execution (and execution.fast), position, wallet. Each `data` is an array of
// items; an item's fields are collected first (any key order) and converted once its category and
// symbol are known. Items of symbols missing from the registry are skipped and counted
// (stats().skipped_private_items): the account may trade symbols this process does not track.
#include "net/detail/codec_impl.h"

namespace mm::detail {

namespace {

// Keeps the first error of a run of conversions; absent tokens ("" view: key not sent) are skipped.
struct Conv {
  const Instrument* in = nullptr;
  CodecStats* st = nullptr;
  CodecError err = CodecError::kOk;

  void keep(CodecError e) noexcept {
    if (err == CodecError::kOk) err = e;
  }
  void price(std::string_view tok, Price& out) noexcept {
    if (!tok.empty()) keep(token_price(*in, tok, out, *st, true));
  }
  void qty(std::string_view tok, Qty& out) noexcept {
    if (!tok.empty()) keep(token_qty(*in, tok, out, *st, true));
  }
  void fixed(std::string_view tok, int scale, int64_t& out) noexcept {
    if (!tok.empty()) keep(token_fixed(tok, scale, out, *st));
  }
  void money(std::string_view tok, Money& out) noexcept {
    if (!tok.empty()) keep(token_money(tok, out, *st));
  }
  void i64(std::string_view tok, int64_t& out) noexcept {
    if (!tok.empty()) keep(token_i64(tok, out));
  }
  void boolean(std::string_view tok, bool& out) noexcept {
    if (!tok.empty()) keep(token_bool(tok, out));
  }
  void u8(std::string_view tok, uint8_t& out) noexcept {
    if (tok.empty()) return;
    int64_t v = 0;
    const CodecError e = token_i64(tok, v);
    if (e == CodecError::kOk && (v < 0 || v > 255)) return keep(CodecError::kBadNumber);
    keep(e);
    if (e == CodecError::kOk) out = static_cast<uint8_t>(v);
  }
  template <size_t N>
  void id(std::string_view tok, FixedString<N>& out) noexcept {
    if (!tok.empty()) keep(token_id(tok, out));
  }
  template <size_t N>
  void text(std::string_view tok, FixedString<N>& out) noexcept {
    if (!tok.empty()) keep(token_text(tok, out));
  }
  // An enumerated string through `fn(std::string_view, T&) -> bool`; unknown spellings keep the default.
  template <typename T, typename Fn>
  void enumerated(std::string_view tok, T& out, Fn fn) noexcept {
    if (tok.empty()) return;
    std::string_view s;
    const CodecError e = token_string(tok, s);
    if (e != CodecError::kOk) return keep(e);
    fn(s, out);
  }
  void side(std::string_view tok, Side& out) noexcept {
    if (tok.empty()) return keep(CodecError::kMissingField);
    std::string_view s;
    const CodecError e = token_string(tok, s);
    keep(e != CodecError::kOk ? e : parse_side(s, out));
  }
};

void order_status(std::string_view s, OrderStatus& o) noexcept {
  if (s == "New") o = OrderStatus::kNew;
  else if (s == "PartiallyFilled") o = OrderStatus::kPartiallyFilled;
  else if (s == "Filled") o = OrderStatus::kFilled;
  else if (s == "Cancelled") o = OrderStatus::kCancelled;
  else if (s == "Rejected") o = OrderStatus::kRejected;
  else if (s == "PartiallyFilledCanceled") o = OrderStatus::kPartiallyFilledCanceled;
  else if (s == "Untriggered") o = OrderStatus::kUntriggered;
  else if (s == "Triggered") o = OrderStatus::kTriggered;
  else if (s == "Deactivated") o = OrderStatus::kDeactivated;
  else if (s == "Created") o = OrderStatus::kCreated;
  else if (s == "Active") o = OrderStatus::kActive;
  else o = OrderStatus::kUnknown;
}

void order_type(std::string_view s, ReportedOrderType& o) noexcept {
  o = s == "Limit" ? ReportedOrderType::kLimit : s == "Market" ? ReportedOrderType::kMarket : ReportedOrderType::kUnknown;
}

void time_in_force(std::string_view s, ReportedTimeInForce& o) noexcept {
  if (s == "GTC") o = ReportedTimeInForce::kGTC;
  else if (s == "IOC") o = ReportedTimeInForce::kIOC;
  else if (s == "FOK") o = ReportedTimeInForce::kFOK;
  else if (s == "PostOnly") o = ReportedTimeInForce::kPostOnly;
  else if (s == "RPI") o = ReportedTimeInForce::kRPI;
  else o = ReportedTimeInForce::kUnknown;
}

void cancel_type(std::string_view s, CancelType& o) noexcept {
  if (s.empty() || s == "UNKNOWN") o = CancelType::kNone;
  else if (s == "CancelByUser") o = CancelType::kByUser;
  else if (s == "CancelByReduceOnly") o = CancelType::kByReduceOnly;
  else if (s == "CancelByPrepareLiq") o = CancelType::kByPrepareLiq;
  else if (s == "CancelAllBeforeLiq") o = CancelType::kAllBeforeLiq;
  else if (s == "CancelByPrepareAdl") o = CancelType::kByPrepareAdl;
  else if (s == "CancelAllBeforeAdl") o = CancelType::kAllBeforeAdl;
  else if (s == "CancelByAdmin") o = CancelType::kByAdmin;
  else if (s == "CancelBySettle") o = CancelType::kBySettle;
  else if (s == "CancelByTpSlTsClear") o = CancelType::kByTpSlTsClear;
  else if (s == "CancelBySmp") o = CancelType::kBySmp;
  else if (s == "CancelByDCP") o = CancelType::kByDcp;
  else o = CancelType::kOther;
}

void reject_reason(std::string_view s, RejectReason& o) noexcept {
  if (s.empty() || s == "EC_NoError") o = RejectReason::kNone;
  else if (s == "EC_PostOnlyWillTakeLiquidity") o = RejectReason::kPostOnlyWillTakeLiquidity;
  else o = RejectReason::kOther;
}

void exec_type(std::string_view s, ExecType& o) noexcept {
  if (s == "Trade") o = ExecType::kTrade;
  else if (s == "AdlTrade") o = ExecType::kAdlTrade;
  else if (s == "Funding") o = ExecType::kFunding;
  else if (s == "BustTrade") o = ExecType::kBustTrade;
  else if (s == "Delivery") o = ExecType::kDelivery;
  else if (s == "Settle") o = ExecType::kSettle;
  else if (s == "BlockTrade") o = ExecType::kBlockTrade;
  else if (s == "MovePosition") o = ExecType::kMovePosition;
  else o = ExecType::kUnknown;
}

void position_side(std::string_view s, PositionSide& o) noexcept {
  o = s == "Buy" ? PositionSide::kBuy : s == "Sell" ? PositionSide::kSell : PositionSide::kNone;
}

void position_status(std::string_view s, PositionStatus& o) noexcept {
  if (s == "Normal") o = PositionStatus::kNormal;
  else if (s == "Liq") o = PositionStatus::kLiq;
  else if (s == "Adl") o = PositionStatus::kAdl;
  else o = PositionStatus::kUnknown;
}

void account_type(std::string_view s, AccountType& o) noexcept {
  if (s == "UNIFIED") o = AccountType::kUnified;
  else if (s == "CONTRACT") o = AccountType::kContract;
  else if (s == "SPOT") o = AccountType::kSpot;
  else o = AccountType::kUnknown;
}

// Resolves an item's (category, symbol). Returns kOk with id == kNoInstrument when the symbol is not
// in the registry (the caller skips the item).
CodecError item_instrument(const InstrumentRegistry& reg, std::string_view cat_tok, std::string_view sym_tok,
                           Category& cat, InstrumentId& id) noexcept {
  if (cat_tok.empty() || sym_tok.empty()) return CodecError::kMissingField;
  std::string_view cs, ss;
  if (auto e = token_string(cat_tok, cs); e != CodecError::kOk) return e;
  if (auto e = token_string(sym_tok, ss); e != CodecError::kOk) return e;
  if (!parse_category(cs, cat)) return CodecError::kBadValue;
  id = reg.find(cat, ss);
  return CodecError::kOk;
}

// Runs `fn(item, slot)` for each item of the data array into buffer slots [0, n).
template <typename Fn>
CodecError each_item(uint32_t& count, uint32_t cap, od::value data, Fn&& fn) noexcept {
  uint32_t n = 0;
  count = 0;
  const CodecError e = for_items(data, [&](od::value item) noexcept {
    if (n == cap) return CodecError::kTooManyItems;
    bool keep = true;
    if (auto err = fn(item, n, keep); err != CodecError::kOk) return err;
    if (keep) ++n;
    return CodecError::kOk;
  });
  if (e != CodecError::kOk) return e;
  count = n;
  return CodecError::kOk;
}

enum OrderKey : int {
  kOCategory, kOSymbol, kOOrderId, kOOrderLinkId, kOSide, kOOrderType, kOPrice, kOQty, kOLeavesQty,
  kOCumExecQty, kOCumExecValue, kOCumExecFee, kOAvgPrice, kOOrderStatus, kOTimeInForce, kOCancelType,
  kORejectReason, kOReduceOnly, kOCloseOnTrigger, kOTriggerPrice, kOTakeProfit, kOStopLoss, kOCreatedTime,
  kOUpdatedTime, kOPositionIdx, kOrderKeyCount,
};
constexpr std::array<std::string_view, kOrderKeyCount> kOrderKeyNames = {
    "category", "symbol", "orderId", "orderLinkId", "side", "orderType", "price", "qty", "leavesQty",
    "cumExecQty", "cumExecValue", "cumExecFee", "avgPrice", "orderStatus", "timeInForce", "cancelType",
    "rejectReason", "reduceOnly", "closeOnTrigger", "triggerPrice", "takeProfit", "stopLoss", "createdTime",
    "updatedTime", "positionIdx"};
constexpr KeyTable<kOrderKeyCount> kOrderKeys{kOrderKeyNames};

enum ExecKey : int {
  kECategory, kESymbol, kEExecId, kEOrderId, kEOrderLinkId, kESide, kEExecPrice, kEExecQty, kEExecValue,
  kEExecFee, kEFeeRate, kEIsMaker, kEExecType, kEOrderType, kELeavesQty, kEOrderPrice, kEOrderQty,
  kEMarkPrice, kEExecTime, kESeq, kExecKeyCount,
};
constexpr std::array<std::string_view, kExecKeyCount> kExecKeyNames = {
    "category", "symbol", "execId", "orderId", "orderLinkId", "side", "execPrice", "execQty", "execValue",
    "execFee", "feeRate", "isMaker", "execType", "orderType", "leavesQty", "orderPrice", "orderQty",
    "markPrice", "execTime", "seq"};
constexpr KeyTable<kExecKeyCount> kExecKeys{kExecKeyNames};

enum PositionKey : int {
  kPCategory, kPSymbol, kPSide, kPSize, kPEntryPrice, kPAvgPrice, kPMarkPrice, kPLiqPrice, kPBustPrice,
  kPLeverage, kPPositionValue, kPPositionIM, kPPositionMM, kPTakeProfit, kPStopLoss, kPTrailingStop,
  kPUnrealisedPnl, kPCurRealisedPnl, kPCumRealisedPnl, kPCreatedTime, kPUpdatedTime, kPSeq, kPPositionIdx,
  kPPositionStatus, kPIsReduceOnly, kPositionKeyCount,
};
constexpr std::array<std::string_view, kPositionKeyCount> kPositionKeyNames = {
    "category", "symbol", "side", "size", "entryPrice", "avgPrice", "markPrice", "liqPrice", "bustPrice",
    "leverage", "positionValue", "positionIM", "positionMM", "takeProfit", "stopLoss", "trailingStop",
    "unrealisedPnl", "curRealisedPnl", "cumRealisedPnl", "createdTime", "updatedTime", "seq", "positionIdx",
    "positionStatus", "isReduceOnly"};
constexpr KeyTable<kPositionKeyCount> kPositionKeys{kPositionKeyNames};

enum WalletKey : int {
  kWAccountType, kWIMRate, kWMMRate, kWTotalEquity, kWTotalWalletBalance, kWTotalMarginBalance,
  kWTotalAvailableBalance, kWTotalPerpUPL, kWTotalInitialMargin, kWTotalMaintenanceMargin, kWCoin,
  kWalletKeyCount,
};
constexpr std::array<std::string_view, kWalletKeyCount> kWalletKeyNames = {
    "accountType", "accountIMRate", "accountMMRate", "totalEquity", "totalWalletBalance", "totalMarginBalance",
    "totalAvailableBalance", "totalPerpUPL", "totalInitialMargin", "totalMaintenanceMargin", "coin"};
constexpr KeyTable<kWalletKeyCount> kWalletKeys{kWalletKeyNames};

enum CoinKey : int {
  kCCoin, kCEquity, kCWalletBalance, kCUsdValue, kCAvailableToWithdraw, kCLocked, kCBorrowAmount,
  kCAccruedInterest, kCTotalOrderIM, kCTotalPositionIM, kCTotalPositionMM, kCUnrealisedPnl, kCCumRealisedPnl,
  kCMarginCollateral, kCCollateralSwitch, kCoinKeyCount,
};
constexpr std::array<std::string_view, kCoinKeyCount> kCoinKeyNames = {
    "coin", "equity", "walletBalance", "usdValue", "availableToWithdraw", "locked", "borrowAmount",
    "accruedInterest", "totalOrderIM", "totalPositionIM", "totalPositionMM", "unrealisedPnl", "cumRealisedPnl",
    "marginCollateral", "collateralSwitch"};
constexpr KeyTable<kCoinKeyCount> kCoinKeys{kCoinKeyNames};

CodecError parse_coin(od::value item, const char* input_end, CoinBalance& b, CodecStats& st) noexcept {
  std::array<std::string_view, kCoinKeyCount> t;
  if (auto e = collect_tokens(item, input_end, kCoinKeys, t); e != CodecError::kOk) return e;
  if (t[kCCoin].empty()) return CodecError::kMissingField;
  b = CoinBalance{};
  Conv cv{nullptr, &st};
  cv.id(t[kCCoin], b.coin);
  cv.money(t[kCEquity], b.equity);
  cv.money(t[kCWalletBalance], b.wallet_balance);
  cv.money(t[kCUsdValue], b.usd_value);
  cv.money(t[kCAvailableToWithdraw], b.available_to_withdraw);
  cv.money(t[kCLocked], b.locked);
  cv.money(t[kCBorrowAmount], b.borrow_amount);
  cv.money(t[kCAccruedInterest], b.accrued_interest);
  cv.money(t[kCTotalOrderIM], b.total_order_im);
  cv.money(t[kCTotalPositionIM], b.total_position_im);
  cv.money(t[kCTotalPositionMM], b.total_position_mm);
  cv.money(t[kCUnrealisedPnl], b.unrealised_pnl);
  cv.money(t[kCCumRealisedPnl], b.cum_realised_pnl);
  cv.boolean(t[kCMarginCollateral], b.margin_collateral);
  cv.boolean(t[kCCollateralSwitch], b.collateral_switch);
  return cv.err;
}

}  // namespace

CodecError CodecImpl::order_data(BybitCodec& c, Frame& f, od::value data) noexcept {
  (void)f;
  return each_item(c.item_count_, c.limits_.max_items, data, [&](od::value item, uint32_t n, bool& keep) noexcept {
    std::array<std::string_view, kOrderKeyCount> t;
    if (auto e = collect_tokens(item, f.input_end, kOrderKeys, t); e != CodecError::kOk) return e;
    OrderUpdate& o = c.orders_[n];
    o = OrderUpdate{};
    if (auto e = item_instrument(c.registry_, t[kOCategory], t[kOSymbol], o.category, o.instrument);
        e != CodecError::kOk) {
      return e;
    }
    if (o.instrument == kNoInstrument) {
      keep = false;
      ++c.stats_.skipped_private_items;
      return CodecError::kOk;
    }
    const Instrument& in = c.registry_.get(o.instrument);
    o.ref_scale = static_cast<int8_t>(ref_price_scale(in.price_scale));
    if (t[kOOrderId].empty() || t[kOOrderStatus].empty()) return CodecError::kMissingField;
    Conv cv{&in, &c.stats_};
    cv.side(t[kOSide], o.side);
    cv.id(t[kOOrderId], o.order_id);
    cv.id(t[kOOrderLinkId], o.order_link_id);
    cv.enumerated(t[kOOrderType], o.order_type, order_type);
    cv.enumerated(t[kOOrderStatus], o.status, order_status);
    cv.enumerated(t[kOTimeInForce], o.time_in_force, time_in_force);
    cv.enumerated(t[kOCancelType], o.cancel_type, cancel_type);
    cv.enumerated(t[kORejectReason], o.reject_reason, reject_reason);
    cv.text(t[kORejectReason], o.reject_text);
    cv.boolean(t[kOReduceOnly], o.reduce_only);
    cv.boolean(t[kOCloseOnTrigger], o.close_on_trigger);
    cv.u8(t[kOPositionIdx], o.position_idx);
    cv.price(t[kOPrice], o.price);
    cv.qty(t[kOQty], o.qty);
    cv.qty(t[kOLeavesQty], o.leaves_qty);
    cv.qty(t[kOCumExecQty], o.cum_exec_qty);
    cv.money(t[kOCumExecValue], o.cum_exec_value);
    cv.money(t[kOCumExecFee], o.cum_exec_fee);
    cv.fixed(t[kOAvgPrice], o.ref_scale, o.avg_price);
    cv.price(t[kOTriggerPrice], o.trigger_price);
    cv.price(t[kOTakeProfit], o.take_profit);
    cv.price(t[kOStopLoss], o.stop_loss);
    cv.i64(t[kOCreatedTime], o.created_time_ms);
    cv.i64(t[kOUpdatedTime], o.updated_time_ms);
    return cv.err;
  });
}

CodecError CodecImpl::execution_data(BybitCodec& c, Frame& f, od::value data) noexcept {
  const bool fast = f.topic == Topic::kExecutionFast;
  return each_item(c.item_count_, c.limits_.max_items, data, [&](od::value item, uint32_t n, bool& keep) noexcept {
    std::array<std::string_view, kExecKeyCount> t;
    if (auto e = collect_tokens(item, f.input_end, kExecKeys, t); e != CodecError::kOk) return e;
    Execution& x = c.executions_[n];
    x = Execution{};
    x.fast = fast;
    if (auto e = item_instrument(c.registry_, t[kECategory], t[kESymbol], x.category, x.instrument);
        e != CodecError::kOk) {
      return e;
    }
    if (x.instrument == kNoInstrument) {
      keep = false;
      ++c.stats_.skipped_private_items;
      return CodecError::kOk;
    }
    const Instrument& in = c.registry_.get(x.instrument);
    x.ref_scale = static_cast<int8_t>(ref_price_scale(in.price_scale));
    if (t[kEExecId].empty() || t[kEExecPrice].empty() || t[kEExecQty].empty()) return CodecError::kMissingField;
    Conv cv{&in, &c.stats_};
    cv.side(t[kESide], x.side);
    cv.id(t[kEExecId], x.exec_id);
    cv.id(t[kEOrderId], x.order_id);
    cv.id(t[kEOrderLinkId], x.order_link_id);
    cv.enumerated(t[kEExecType], x.exec_type, exec_type);
    cv.enumerated(t[kEOrderType], x.order_type, order_type);
    cv.boolean(t[kEIsMaker], x.is_maker);
    cv.price(t[kEExecPrice], x.exec_price);
    cv.qty(t[kEExecQty], x.exec_qty);
    cv.money(t[kEExecValue], x.exec_value);
    cv.money(t[kEExecFee], x.exec_fee);
    cv.fixed(t[kEFeeRate], kRateScale, x.fee_rate);
    cv.qty(t[kELeavesQty], x.leaves_qty);
    cv.price(t[kEOrderPrice], x.order_price);
    cv.qty(t[kEOrderQty], x.order_qty);
    cv.fixed(t[kEMarkPrice], x.ref_scale, x.mark_price);
    cv.i64(t[kEExecTime], x.exec_time_ms);
    cv.i64(t[kESeq], x.seq);
    return cv.err;
  });
}

CodecError CodecImpl::position_data(BybitCodec& c, Frame& f, od::value data) noexcept {
  (void)f;
  return each_item(c.item_count_, c.limits_.max_items, data, [&](od::value item, uint32_t n, bool& keep) noexcept {
    std::array<std::string_view, kPositionKeyCount> t;
    if (auto e = collect_tokens(item, f.input_end, kPositionKeys, t); e != CodecError::kOk) return e;
    PositionUpdate& p = c.positions_[n];
    p = PositionUpdate{};
    if (auto e = item_instrument(c.registry_, t[kPCategory], t[kPSymbol], p.category, p.instrument);
        e != CodecError::kOk) {
      return e;
    }
    if (p.instrument == kNoInstrument) {
      keep = false;
      ++c.stats_.skipped_private_items;
      return CodecError::kOk;
    }
    const Instrument& in = c.registry_.get(p.instrument);
    p.ref_scale = static_cast<int8_t>(ref_price_scale(in.price_scale));
    if (t[kPSize].empty()) return CodecError::kMissingField;
    Conv cv{&in, &c.stats_};
    cv.enumerated(t[kPSide], p.side, position_side);
    cv.enumerated(t[kPPositionStatus], p.status, position_status);
    cv.qty(t[kPSize], p.size);
    // Bybit renamed avgPrice to entryPrice; accept either, entryPrice wins.
    cv.fixed(t[kPAvgPrice], p.ref_scale, p.entry_price);
    cv.fixed(t[kPEntryPrice], p.ref_scale, p.entry_price);
    cv.fixed(t[kPMarkPrice], p.ref_scale, p.mark_price);
    cv.fixed(t[kPLiqPrice], p.ref_scale, p.liq_price);
    cv.fixed(t[kPBustPrice], p.ref_scale, p.bust_price);
    cv.fixed(t[kPLeverage], kRateScale, p.leverage);
    cv.money(t[kPPositionValue], p.position_value);
    cv.money(t[kPPositionIM], p.position_im);
    cv.money(t[kPPositionMM], p.position_mm);
    cv.price(t[kPTakeProfit], p.take_profit);
    cv.price(t[kPStopLoss], p.stop_loss);
    cv.price(t[kPTrailingStop], p.trailing_stop);
    cv.money(t[kPUnrealisedPnl], p.unrealised_pnl);
    cv.money(t[kPCurRealisedPnl], p.cur_realised_pnl);
    cv.money(t[kPCumRealisedPnl], p.cum_realised_pnl);
    cv.i64(t[kPCreatedTime], p.created_time_ms);
    cv.i64(t[kPUpdatedTime], p.updated_time_ms);
    cv.i64(t[kPSeq], p.seq);
    cv.u8(t[kPPositionIdx], p.position_idx);
    cv.boolean(t[kPIsReduceOnly], p.is_reduce_only);
    return cv.err;
  });
}

CodecError CodecImpl::wallet_data(BybitCodec& c, Frame& f, od::value data) noexcept {
  (void)f;
  uint32_t coins = 0;
  return each_item(c.item_count_, c.limits_.max_items, data, [&](od::value item, uint32_t n, bool& keep) noexcept {
    (void)keep;
    WalletUpdate& w = c.wallets_[n];
    w = WalletUpdate{};
    w.coins = c.coins_.data() + coins;
    std::array<std::string_view, kWalletKeyCount> t{};
    const CodecError e = for_fields(item, [&](std::string_view key, od::value v) noexcept {
      const int k = kWalletKeys.find(key);
      if (k < 0) return CodecError::kOk;
      if (k != kWCoin) return raw_token(v, f.input_end, t[static_cast<size_t>(k)]);
      // Coins are parsed in place: they need no instrument.
      return for_items(v, [&](od::value coin) noexcept {
        if (coins == c.limits_.max_coins) return CodecError::kTooManyItems;
        if (auto err = parse_coin(coin, f.input_end, c.coins_[coins], c.stats_); err != CodecError::kOk)
          return err;
        ++coins;
        ++w.coin_count;
        return CodecError::kOk;
      });
    });
    if (e != CodecError::kOk) return e;
    Conv cv{nullptr, &c.stats_};
    cv.enumerated(t[kWAccountType], w.account_type, account_type);
    cv.fixed(t[kWIMRate], kRateScale, w.account_im_rate);
    cv.fixed(t[kWMMRate], kRateScale, w.account_mm_rate);
    cv.money(t[kWTotalEquity], w.total_equity);
    cv.money(t[kWTotalWalletBalance], w.total_wallet_balance);
    cv.money(t[kWTotalMarginBalance], w.total_margin_balance);
    cv.money(t[kWTotalAvailableBalance], w.total_available_balance);
    cv.money(t[kWTotalPerpUPL], w.total_perp_upl);
    cv.money(t[kWTotalInitialMargin], w.total_initial_margin);
    cv.money(t[kWTotalMaintenanceMargin], w.total_maintenance_margin);
    return cv.err;
  });
}

void CodecImpl::finish_private(BybitCodec& c, Frame& f) noexcept {
  const int64_t t = f.creation_time;
  for (uint32_t i = 0; i < c.item_count_; ++i) {
    switch (f.topic) {
      case Topic::kOrder: c.orders_[i].creation_time_ms = t; break;
      case Topic::kExecution:
      case Topic::kExecutionFast: c.executions_[i].creation_time_ms = t; break;
      case Topic::kPosition: c.positions_[i].creation_time_ms = t; break;
      case Topic::kWallet: c.wallets_[i].creation_time_ms = t; break;
      default: break;
    }
  }
}

}  // namespace mm::detail
