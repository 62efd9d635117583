#include "sim/sim_venue.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <utility>

namespace mm {

namespace {

constexpr int kCreate = 0, kAmend = 1, kCancel = 2, kCancelAllClass = 3;
// A batch request's items count in the batch endpoint's window: class + kBatchClass (create-, amend- and
// cancel-batch), as the exchange simulator and Bybit keep one window per endpoint.
constexpr int kBatchClass = 4;

size_t pow2_at_least(size_t n) {
  size_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

// floor(a / b) for b > 0.
Int128 floor_div(Int128 a, Int128 b) noexcept {
  Int128 q = a / b;
  if ((a % b != 0) && (a < 0)) --q;
  return q;
}

int64_t first_grid_after(int64_t t, int64_t step) noexcept {
  // The first multiple of step strictly after t (times are positive epoch ns).
  int64_t q = t / step;
  if (t < 0 && t % step != 0) --q;
  return (q + 1) * step;
}

}  // namespace

SimVenue::SimVenue(const Instrument& instrument, InstrumentId id, const SimConfig& cfg)
    : instrument_(instrument), id_(id), cfg_(cfg) {
  if (std::string e = cfg.validate(); !e.empty()) throw std::invalid_argument(e);
  entry_ = make_latency_model(cfg.entry_latency);
  response_ = make_latency_model(cfg.response_latency);
  entry_.seed(derive_stream_seed(cfg.seed, kEntryLatencyStream));
  response_.seed(derive_stream_seed(cfg.seed, kResponseLatencyStream));
  FillEngineConfig ec;
  ec.queue = cfg.queue;
  ec.fill_rule = cfg.fill_rule;
  ec.max_orders = cfg.max_orders;
  ec.book_window_ticks = cfg.book_window_ticks;
  engine_ = std::make_unique<FillEngine>(ec);
  account_ = std::make_unique<Position>(instrument);

  const size_t acap = pow2_at_least(cfg.action_capacity);
  act_.resize(acap);
  act_mask_ = acap - 1;
  const size_t rcap = pow2_at_least(cfg.response_capacity);
  resp_.resize(rcap);
  resp_mask_ = rcap - 1;

  orders_.resize(cfg.max_orders);
  live_.resize(cfg.max_orders);
  live_pos_.resize(cfg.max_orders);
  free_.reserve(cfg.max_orders);
  for (uint32_t i = cfg.max_orders; i-- > 0;) free_.push_back(i);

  int64_t r = instrument.tick_units;
  const int extra = ref_price_scale(instrument.price_scale) - instrument.price_scale;
  for (int i = 0; i < extra; ++i) r *= 10;
  ref_per_tick_ = r;

  update_.instrument = id;
  update_.category = instrument.category;
  exec_.instrument = id;
  exec_.category = instrument.category;
  exec_.exec_type = ExecType::kTrade;
}

SimVenue::~SimVenue() = default;

void SimVenue::attach_series(BacktestSeries* s) {
  series_ = s;
  if (s == nullptr) return;
  s->instrument = instrument_;
  s->sample_ns = cfg_.sample_ns;
  s->fills.reserve(cfg_.fill_reserve);
  s->funding.reserve(4096);
}

void SimVenue::start(int64_t t) noexcept {
  if (started_) return;
  started_ = true;
  exch_ns_ = t;
  integral_since_ = t;
  if (local_ns_ < t) local_ns_ = t;
  if (series_ != nullptr) {
    series_->start_ns = t;
    // Samples on the epoch grid of sample_ns, the first at or after the start.
    next_sample_ns_ = (t % cfg_.sample_ns == 0) ? t : first_grid_after(t, cfg_.sample_ns);
  }
  if (cfg_.funding != FundingMode::kNone) next_funding_ns_ = first_grid_after(t, cfg_.funding_interval_ns);
  recompute_wakeup();
}

// ---------------------------------------------------------------------------------------------------------
// Trader side.

template <class Fn>
bool SimVenue::enqueue(size_t n, ActionKind kind, Fn&& fill) noexcept {
  if (n == 0) return true;
  if (act_count_ + n > act_.size()) {
    counters_.refused_local += n;
    return false;
  }
  const bool was_empty = act_count_ == 0;
  bool batch = false;
  for (size_t i = 0; i < n; ++i) {
    if (i % kMaxBatch == 0) {
      // More than one action in this request: a batch request (the Trader's venue sends one action alone).
      batch = n - i > 1;
      // One request per batch: one entry-latency draw; FIFO on the connection.
      int64_t at = local_ns_ + entry_.sample();
      if (at < last_arrival_) at = last_arrival_;
      last_arrival_ = at;
      ++counters_.requests_sent;
    }
    Action& a = act_[(act_head_ + act_count_) & act_mask_];
    a.at = last_arrival_;
    a.kind = kind;
    a.batch = batch;
    fill(a, i);
    ++act_count_;
  }
  counters_.actions_sent += n;
  if (was_empty) recompute_wakeup();
  return true;
}

bool SimVenue::send_creates(std::span<const OrderCreate> a) noexcept {
  return enqueue(a.size(), ActionKind::kCreate, [&](Action& x, size_t i) noexcept { x.create = a[i]; });
}

bool SimVenue::send_amends(std::span<const OrderAmend> a) noexcept {
  return enqueue(a.size(), ActionKind::kAmend, [&](Action& x, size_t i) noexcept { x.amend = a[i]; });
}

bool SimVenue::send_cancels(std::span<const OrderCancel> a) noexcept {
  return enqueue(a.size(), ActionKind::kCancel, [&](Action& x, size_t i) noexcept {
    x.amend.instrument = a[i].instrument;
    x.amend.id_kind = a[i].id_kind;
    x.amend.link_id = a[i].link_id;
    x.amend.price.reset();
    x.amend.qty.reset();
  });
}

bool SimVenue::send_cancel_all(const CancelAll& a) noexcept {
  return enqueue(1, ActionKind::kCancelAll, [&](Action& x, size_t) noexcept {
    x.create = OrderCreate{};
    x.create.instrument = a.instrument;
  });
}

// ---------------------------------------------------------------------------------------------------------
// Exchange clock.

void SimVenue::recompute_wakeup() noexcept {
  int64_t w = next_funding_ns_;
  if (act_count_ != 0 && act_[act_head_].at < w) w = act_[act_head_].at;
  if (next_sample_ns_ < w) w = next_sample_ns_;
  if (series_ != nullptr) {
    const size_t n = series_->fills.size();
    for (int h = 0; h < 3; ++h) {
      if (markout_cursor_[h] < n) {
        const int64_t due = series_->fills[markout_cursor_[h]].ts_ns + kMarkoutHorizonsNs[h];
        if (due < w) w = due;
      }
    }
  }
  next_wakeup_ = w;
}

void SimVenue::markouts_until(int64_t t) noexcept {
  if (series_ == nullptr) return;
  std::vector<FillRecord>& fills = series_->fills;
  const int64_t m = mid_half_ticks();
  const int64_t mid = m != 0 ? m : last_mid_;
  for (int h = 0; h < 3; ++h) {
    size_t& c = markout_cursor_[h];
    while (c < fills.size() && fills[c].ts_ns + kMarkoutHorizonsNs[h] <= t) {
      fills[c].mid_after_half_ticks[h] = mid;
      ++c;
    }
  }
}

void SimVenue::run_until(int64_t t) noexcept {
  for (;;) {
    const int64_t ta = act_count_ != 0 ? act_[act_head_].at : std::numeric_limits<int64_t>::max();
    const int64_t tf = next_funding_ns_;
    const int64_t ts = next_sample_ns_;
    int64_t next = ta < tf ? ta : tf;
    if (ts < next) next = ts;
    if (next > t) break;
    if (next > exch_ns_) exch_ns_ = next;
    markouts_until(exch_ns_);
    if (ts == next) {
      take_sample(ts);
      next_sample_ns_ = ts + cfg_.sample_ns;
    } else if (tf == next) {
      settle_funding();
    } else {
      const Action a = act_[act_head_];
      act_head_ = (act_head_ + 1) & act_mask_;
      --act_count_;
      process(a);
    }
  }
  exch_ns_ = t;
  markouts_until(t);
  recompute_wakeup();
}

void SimVenue::account_time() noexcept {
  const int64_t dt = exch_ns_ - integral_since_;
  if (dt <= 0) return;
  integral_since_ = exch_ns_;
  if (live_side_[0] != 0 && live_side_[1] != 0) quoted_both_ns_ += dt;
  if (live_side_[0] != 0 || live_side_[1] != 0) quoted_any_ns_ += dt;
  if (max_position_lots_ > 0) {
    const int64_t p = account_->lots();
    if ((p < 0 ? -p : p) >= max_position_lots_) at_limit_ns_ += dt;
  }
}

bool SimVenue::rate_ok(int cls, int64_t limit) noexcept {
  constexpr int64_t kMsNs = 1'000'000;
  const int64_t now_ms = exch_ns_ >= 0 ? exch_ns_ / kMsNs : (exch_ns_ - kMsNs + 1) / kMsNs;
  const auto lim = static_cast<int32_t>(std::min<int64_t>(limit, std::numeric_limits<int32_t>::max()));
  return rate_[cls].take(now_ms, lim, 1) == 1;
}

// ---------------------------------------------------------------------------------------------------------
// Answers.

SimVenue::Response* SimVenue::push_response() noexcept {
  if (resp_count_ == resp_.size()) {
    ++counters_.responses_dropped;
    return nullptr;
  }
  if (drawn_step_ != step_) {
    step_latency_ = response_.sample();
    drawn_step_ = step_;
  }
  int64_t at = exch_ns_ + step_latency_;
  if (at < last_delivery_) at = last_delivery_;
  last_delivery_ = at;
  Response* r = &resp_[(resp_head_ + resp_count_) & resp_mask_];
  ++resp_count_;
  ++counters_.responses_queued;
  *r = Response{};
  r->at = at;
  r->exch_ns = exch_ns_;
  return r;
}

void SimVenue::push_ack(OrderEventKind kind, const OrderLinkId& link, uint64_t order_seq) noexcept {
  Response* r = push_response();
  if (r == nullptr) return;
  r->kind = ResponseKind::kAck;
  r->ack_kind = kind;
  r->link_id = link;
  r->order_seq = order_seq;
}

void SimVenue::push_reject(ResponseKind kind, OrderEventKind ack_kind, const OrderLinkId& link,
                           int32_t code) noexcept {
  Response* r = push_response();
  if (r == nullptr) return;
  r->kind = kind;
  r->ack_kind = ack_kind;
  r->link_id = link;
  r->ret_code = code;
}

void SimVenue::push_order(const SimOrder& o, OrderStatus status, RejectReason reason, CancelType ct) noexcept {
  Response* r = push_response();
  if (r == nullptr) return;
  r->kind = ResponseKind::kOrder;
  r->status = status;
  r->reason = reason;
  r->cancel_type = ct;
  r->side = o.side;
  r->type = o.type;
  r->tif = o.tif;
  r->order_seq = o.order_seq;
  r->link_id = o.link_id;
  r->price = o.price;
  r->qty = o.qty;
  r->cum = o.cum;
  const bool closed = status == OrderStatus::kCancelled || status == OrderStatus::kFilled ||
                      status == OrderStatus::kRejected;
  r->leaves = closed ? Qty{0} : Qty{o.qty.lots - o.cum.lots};
  r->cum_value = o.cum_value;
  r->cum_fee = o.cum_fee;
}

std::string_view SimVenue::order_id_text(uint64_t seq) noexcept {
  if (seq == 0) return {};
  char digits[20];
  size_t d = 0;
  do {
    digits[d++] = static_cast<char>('0' + seq % 10);
    seq /= 10;
  } while (seq != 0);
  size_t n = 0;
  while (d > 0) order_id_buf_[n++] = digits[--d];
  return {order_id_buf_, n};
}

const OrderUpdate& SimVenue::make_order_update(const Response& r) noexcept {
  OrderUpdate& u = update_;
  u.side = r.side;
  u.order_type = r.type == OrderType::kMarket ? ReportedOrderType::kMarket : ReportedOrderType::kLimit;
  u.status = r.status;
  switch (r.tif) {
    case TimeInForce::kGtc: u.time_in_force = ReportedTimeInForce::kGTC; break;
    case TimeInForce::kIoc: u.time_in_force = ReportedTimeInForce::kIOC; break;
    case TimeInForce::kFok: u.time_in_force = ReportedTimeInForce::kFOK; break;
    case TimeInForce::kPostOnly: u.time_in_force = ReportedTimeInForce::kPostOnly; break;
  }
  u.cancel_type = r.cancel_type;
  u.reject_reason = r.reason;
  (void)u.reject_text.set(r.reason == RejectReason::kPostOnlyWillTakeLiquidity ? "EC_PostOnlyWillTakeLiquidity"
                                                                               : "EC_NoError");
  (void)u.order_id.set(order_id_text(r.order_seq));
  (void)u.order_link_id.set(r.link_id.view());
  u.price = r.price;
  u.qty = r.qty;
  u.leaves_qty = r.leaves;
  u.cum_exec_qty = r.cum;
  u.cum_exec_value = r.cum_value;
  u.cum_exec_fee = r.cum_fee;
  u.updated_time_ms = r.exch_ns / 1'000'000;
  u.creation_time_ms = u.updated_time_ms;
  return u;
}

const Execution& SimVenue::make_execution(const Response& r) noexcept {
  Execution& e = exec_;
  e.side = r.side;
  e.order_type = r.type == OrderType::kMarket ? ReportedOrderType::kMarket : ReportedOrderType::kLimit;
  e.is_maker = r.maker;
  (void)e.exec_id.set(order_id_text(r.exec_seq));
  (void)e.order_id.set(order_id_text(r.order_seq));
  (void)e.order_link_id.set(r.link_id.view());
  e.exec_price = r.exec_price;
  e.exec_qty = r.exec_qty;
  e.exec_value = r.exec_value;
  e.exec_fee = r.fee;
  e.fee_rate = r.fee_rate;
  e.leaves_qty = r.leaves;
  e.order_price = r.price;
  e.order_qty = r.qty;
  e.exec_time_ms = r.exch_ns / 1'000'000;
  e.seq = static_cast<int64_t>(r.exec_seq);
  e.creation_time_ms = e.exec_time_ms;
  return e;
}

// ---------------------------------------------------------------------------------------------------------
// Orders at the exchange.

int32_t SimVenue::find_slot(OrderIdKind kind, std::string_view id) const noexcept {
  if (kind == OrderIdKind::kOrderId) {
    uint64_t seq = 0;
    if (id.empty() || id.size() > 19) return -1;
    for (char c : id) {
      if (c < '0' || c > '9') return -1;
      seq = seq * 10 + static_cast<uint64_t>(c - '0');
    }
    for (uint32_t k = 0; k < live_count_; ++k) {
      if (orders_[live_[k]].order_seq == seq) return static_cast<int32_t>(live_[k]);
    }
    return -1;
  }
  for (uint32_t k = 0; k < live_count_; ++k) {
    if (orders_[live_[k]].link_id.view() == id) return static_cast<int32_t>(live_[k]);
  }
  return -1;
}

const SimOrder* SimVenue::find_live(std::string_view link_id) const noexcept {
  const int32_t s = find_slot(OrderIdKind::kLinkId, link_id);
  return s < 0 ? nullptr : &orders_[static_cast<size_t>(s)];
}

void SimVenue::free_slot(uint32_t slot) noexcept {
  SimOrder& o = orders_[slot];
  if (!o.live) return;
  account_time();
  o.live = false;
  --live_side_[o.side == Side::kBuy ? 0 : 1];
  const uint32_t pos = live_pos_[slot];
  const uint32_t last = live_[live_count_ - 1];
  live_[pos] = last;
  live_pos_[last] = pos;
  --live_count_;
  free_.push_back(slot);  // capacity reserved: never allocates
}

// What the action was about, before the exchange handles it (an amend or cancel reads the live order).
OrderRecord SimVenue::describe(const Action& a) const noexcept {
  OrderRecord r;
  r.ts_ns = exch_ns_;
  switch (a.kind) {
    case ActionKind::kCreate:
      r.action = "create";
      r.link_id = a.create.link_id;
      r.side = to_string(a.create.side);
      r.price_ticks = a.create.type == OrderType::kMarket ? 0 : a.create.price.ticks;
      r.qty_lots = a.create.qty.lots;
      return r;
    case ActionKind::kAmend:
    case ActionKind::kCancel: {
      const bool amend = a.kind == ActionKind::kAmend;
      r.action = amend ? "amend" : "cancel";
      r.link_id = a.amend.link_id;
      const int32_t s = a.amend.instrument == id_ ? find_slot(a.amend.id_kind, a.amend.link_id.view()) : -1;
      if (s < 0) return r;
      const SimOrder& o = orders_[static_cast<size_t>(s)];
      r.side = to_string(o.side);
      r.price_ticks = amend && a.amend.price ? a.amend.price->ticks : o.price.ticks;
      r.qty_lots = amend && a.amend.qty ? a.amend.qty->lots : o.qty.lots;
      return r;
    }
    case ActionKind::kCancelAll:
      r.action = "cancel_all";
      return r;
  }
  return r;
}

void SimVenue::process(const Action& a) noexcept {
  ++step_;
  mid_before_ = mid_half_ticks();
  if (series_ != nullptr && series_->record_orders) [[unlikely]] {
    // The outcome is read from the refusal counters the handler moves (one handler, one outcome).
    OrderRecord r = describe(a);
    const SimVenueCounters before = counters_;
    dispatch(a);
    if (counters_.rejected_rate_limit != before.rejected_rate_limit) {
      r.result = "rate_limit";
    } else if (counters_.rejected_post_only != before.rejected_post_only) {
      r.result = "post_only";
    } else if (counters_.rejected_not_found != before.rejected_not_found) {
      r.result = "not_found";
    } else if (counters_.rejected_invalid != before.rejected_invalid) {
      r.result = "invalid";
    } else {
      r.result = "accepted";
    }
    series_->orders.push_back(r);  // cold: only with --export, at order rate
  } else {
    dispatch(a);
  }
  const int64_t m = mid_half_ticks();
  if (m != 0) last_mid_ = m;
}

void SimVenue::dispatch(const Action& a) noexcept {
  switch (a.kind) {
    case ActionKind::kCreate:
      do_create(a.create, a.batch);
      break;
    case ActionKind::kAmend:
      do_amend(a.amend, a.batch);
      break;
    case ActionKind::kCancel:
      do_cancel(a.amend.instrument, a.amend.id_kind, a.amend.link_id, a.batch);
      break;
    case ActionKind::kCancelAll: {
      CancelAll all;
      all.instrument = a.create.instrument;
      do_cancel_all(all);
      break;
    }
  }
}

void SimVenue::do_create(const OrderCreate& c, bool batch) noexcept {
  ++counters_.creates_arrived;
  if (!rate_ok(kCreate + (batch ? kBatchClass : 0), cfg_.create_per_second)) {
    ++counters_.rejected_rate_limit;
    push_reject(ResponseKind::kCreateRejected, OrderEventKind::kCreateRejected, c.link_id, kRetRateLimit);
    return;
  }
  const bool invalid = c.instrument != id_ || c.qty.lots <= 0 || (c.type == OrderType::kLimit && c.price.ticks <= 0);
  if (invalid || free_.empty()) {
    ++counters_.rejected_invalid;
    push_reject(ResponseKind::kCreateRejected, OrderEventKind::kCreateRejected, c.link_id, kRetParamError);
    return;
  }
  if (find_slot(OrderIdKind::kLinkId, c.link_id.view()) >= 0) {
    ++counters_.rejected_invalid;
    push_reject(ResponseKind::kCreateRejected, OrderEventKind::kCreateRejected, c.link_id, kRetDuplicateLinkId);
    return;
  }
  account_time();
  const uint32_t slot = free_.back();
  free_.pop_back();
  SimOrder& o = orders_[slot];
  o = SimOrder{};
  o.link_id = c.link_id;
  o.order_seq = ++order_seq_;
  o.side = c.side;
  o.type = c.type;
  o.tif = c.type == OrderType::kMarket ? TimeInForce::kIoc : c.tif;
  o.reduce_only = c.reduce_only;
  o.price = c.type == OrderType::kMarket ? Price{0} : c.price;
  o.qty = c.qty;
  o.live = true;
  live_[live_count_] = slot;
  live_pos_[slot] = live_count_;
  ++live_count_;
  ++live_side_[o.side == Side::kBuy ? 0 : 1];

  push_ack(OrderEventKind::kCreateAcked, o.link_id, o.order_seq);
  Response* ack = resp_count_ != 0 ? &resp_[(resp_head_ + resp_count_ - 1) & resp_mask_] : nullptr;
  const uint64_t engine_id = (o.order_seq << 16) | slot;
  const SubmitResult r = engine_->submit(engine_id, c.side, c.type, c.tif, c.price, c.qty, *this);
  switch (r) {
    case SubmitResult::kRested:
      ++counters_.creates_accepted;
      push_order(o, OrderStatus::kNew);
      break;
    case SubmitResult::kFilled:
    case SubmitResult::kPartiallyFilledRested:
      ++counters_.creates_accepted;
      break;
    case SubmitResult::kPartiallyFilledCancelled:
    case SubmitResult::kNoLiquidity:
      // Bybit: an IOC / market remainder is cancelled (derivatives report Cancelled, with the filled part).
      ++counters_.creates_accepted;
      push_order(o, OrderStatus::kCancelled);
      free_slot(slot);
      break;
    case SubmitResult::kRejectedPostOnly:
      // Bybit acks the create, then the order stream cancels it with EC_PostOnlyWillTakeLiquidity.
      ++counters_.creates_accepted;
      ++counters_.rejected_post_only;
      push_order(o, OrderStatus::kCancelled, RejectReason::kPostOnlyWillTakeLiquidity, CancelType::kNone);
      free_slot(slot);
      break;
    case SubmitResult::kRejectedFull:
    case SubmitResult::kRejectedDuplicate:
    case SubmitResult::kRejectedInvalid:
      // Checked above; the engine has the last word: turn the ack (the last answer, no fill followed) into a
      // rejection.
      ++counters_.rejected_invalid;
      if (ack != nullptr) {
        ack->kind = ResponseKind::kCreateRejected;
        ack->ack_kind = OrderEventKind::kCreateRejected;
        ack->ret_code = kRetParamError;
      }
      free_slot(slot);
      break;
  }
}

void SimVenue::do_amend(const OrderAmend& a, bool batch) noexcept {
  ++counters_.amends_arrived;
  if (!rate_ok(kAmend + (batch ? kBatchClass : 0), cfg_.amend_per_second)) {
    ++counters_.rejected_rate_limit;
    push_reject(ResponseKind::kRejected, OrderEventKind::kAmendRejected, a.link_id, kRetRateLimit);
    return;
  }
  const int32_t s = a.instrument == id_ ? find_slot(a.id_kind, a.link_id.view()) : -1;
  if (s < 0) {
    ++counters_.rejected_not_found;
    push_reject(ResponseKind::kRejected, OrderEventKind::kAmendRejected, a.link_id, kRetOrderNotExists);
    return;
  }
  const auto slot = static_cast<uint32_t>(s);
  SimOrder& o = orders_[slot];
  const uint64_t engine_id = (o.order_seq << 16) | slot;
  const Price old_price = o.price;
  const Qty old_qty = o.qty;
  if (a.price) o.price = *a.price;
  if (a.qty) o.qty = *a.qty;
  push_ack(OrderEventKind::kAmendAcked, a.link_id, o.order_seq);
  Response* ack = resp_count_ != 0 ? &resp_[(resp_head_ + resp_count_ - 1) & resp_mask_] : nullptr;
  const AmendResult r = engine_->amend(engine_id, a.price, a.qty, *this);
  if (r == AmendResult::kOk) {
    ++counters_.amends_accepted;
    // A crossing GTC amend may have filled the order completely (the slot is then free).
    if (o.live && o.order_seq == (engine_id >> 16)) {
      push_order(o, o.cum.lots > 0 ? OrderStatus::kPartiallyFilled : OrderStatus::kNew);
    }
    return;
  }
  o.price = old_price;
  o.qty = old_qty;
  if (r == AmendResult::kNotFound) {
    ++counters_.rejected_not_found;
  } else {
    ++counters_.rejected_invalid;
  }
  if (ack != nullptr) {
    ack->kind = ResponseKind::kRejected;
    ack->ack_kind = OrderEventKind::kAmendRejected;
    ack->ret_code = r == AmendResult::kNotFound ? kRetOrderNotExists : kRetParamError;
  }
}

void SimVenue::do_cancel(InstrumentId instrument, OrderIdKind kind, const OrderLinkId& id,
                         bool batch) noexcept {
  ++counters_.cancels_arrived;
  if (!rate_ok(kCancel + (batch ? kBatchClass : 0), cfg_.cancel_per_second)) {
    ++counters_.rejected_rate_limit;
    push_reject(ResponseKind::kRejected, OrderEventKind::kCancelRejected, id, kRetRateLimit);
    return;
  }
  const int32_t s = instrument == id_ ? find_slot(kind, id.view()) : -1;
  if (s < 0) {
    ++counters_.rejected_not_found;
    push_reject(ResponseKind::kRejected, OrderEventKind::kCancelRejected, id, kRetOrderNotExists);
    return;
  }
  const auto slot = static_cast<uint32_t>(s);
  SimOrder& o = orders_[slot];
  if (engine_->cancel((o.order_seq << 16) | slot) != CancelResult::kOk) {
    ++counters_.rejected_not_found;
    push_reject(ResponseKind::kRejected, OrderEventKind::kCancelRejected, id, kRetOrderNotExists);
    return;
  }
  ++counters_.cancels_accepted;
  push_ack(OrderEventKind::kCancelAcked, o.link_id, o.order_seq);
  push_order(o, OrderStatus::kCancelled, RejectReason::kNone, CancelType::kByUser);
  free_slot(slot);
}

void SimVenue::do_cancel_all(const CancelAll& a) noexcept {
  ++counters_.cancel_alls_arrived;
  if (a.instrument != id_ && a.instrument != kNoInstrument) return;  // another instrument: none of ours
  const bool allowed = rate_ok(kCancelAllClass, cfg_.cancel_all_per_second);
  if (!allowed) ++counters_.rejected_rate_limit;
  // Backwards: free_slot moves the last live order into the freed position.
  for (uint32_t k = live_count_; k-- > 0;) {
    const uint32_t slot = live_[k];
    SimOrder& o = orders_[slot];
    if (!allowed) {
      push_reject(ResponseKind::kRejected, OrderEventKind::kCancelRejected, o.link_id, kRetRateLimit);
      continue;
    }
    (void)engine_->cancel((o.order_seq << 16) | slot);
    ++counters_.cancels_accepted;
    push_ack(OrderEventKind::kCancelAcked, o.link_id, o.order_seq);
    push_order(o, OrderStatus::kCancelled, RejectReason::kNone, CancelType::kByUser);
    free_slot(slot);
  }
}

void SimVenue::on_fill(const EngineFill& f) noexcept {
  const auto slot = static_cast<uint32_t>(f.order_id & 0xFFFF);
  SimOrder& o = orders_[slot];
  account_time();
  const int64_t rate = f.maker ? cfg_.maker_fee_rate : cfg_.taker_fee_rate;
  Money fee{0};
  Money value{0};
  if (account_->fee_at_rate(f.price, f.qty, rate, fee) != PositionError::kOk) ++counters_.account_errors;
  if (!notional(instrument_, f.price, f.qty, value)) ++counters_.account_errors;
  if (account_->on_fill(o.side, f.price, f.qty, fee) != PositionError::kOk) ++counters_.account_errors;
  o.cum.lots += f.qty.lots;
  // The order's running totals (the stream's cumExecValue / cumExecFee): a sum that does not fit keeps the
  // last one that did and is counted, as every other account error.
  if (!checked_add(o.cum_value, value, o.cum_value)) ++counters_.account_errors;
  if (!checked_add(o.cum_fee, fee, o.cum_fee)) ++counters_.account_errors;
  if (!o.filled_once) {
    o.filled_once = true;
    ++counters_.orders_filled;
  }
  ++counters_.fills;
  if (f.maker) {
    ++counters_.maker_fills;
  } else {
    ++counters_.taker_fills;
  }
  if (series_ != nullptr) {
    FillRecord fr;
    fr.ts_ns = exch_ns_;
    fr.side = o.side;
    fr.maker = f.maker;
    fr.price_ticks = f.price.ticks;
    fr.qty_lots = f.qty.lots;
    fr.fee_units = fee.units;
    fr.mid_half_ticks = mid_before_;
    fr.position_after_lots = account_->lots();
    fr.equity_after_units = equity_units(mid_before_);
    series_->fills.push_back(fr);
  }
  if (Response* r = push_response()) {
    r->kind = ResponseKind::kExecution;
    r->side = o.side;
    r->type = o.type;
    r->tif = o.tif;
    r->maker = f.maker;
    r->order_seq = o.order_seq;
    r->exec_seq = ++exec_seq_;
    r->link_id = o.link_id;
    r->price = o.price;
    r->qty = o.qty;
    r->cum = o.cum;
    r->leaves = f.leaves_after;
    r->exec_price = f.price;
    r->exec_qty = f.qty;
    r->exec_value = value;
    r->fee = fee;
    r->fee_rate = rate;
    r->cum_value = o.cum_value;
    r->cum_fee = o.cum_fee;
  }
  push_order(o, f.leaves_after.lots == 0 ? OrderStatus::kFilled : OrderStatus::kPartiallyFilled);
  if (f.leaves_after.lots == 0) free_slot(slot);
}

// ---------------------------------------------------------------------------------------------------------
// Market data, funding, samples.

int64_t SimVenue::mid_half_ticks() const noexcept {
  const OrderBook& b = engine_->book();
  const auto bid = b.best_bid();
  const auto ask = b.best_ask();
  if (!bid || !ask) return 0;
  return bid->price.ticks + ask->price.ticks;
}

int64_t SimVenue::equity_units(int64_t mark_half) noexcept {
  Money eq{0};
  if (mark_half > 0) {
    // Equity is linear in the mark (linear contracts): at a half tick it is the mean of the two neighbours,
    // rounded down (never in our favour).
    Money lo;
    Money hi;
    const int64_t t = mark_half / 2;
    if (account_->equity_change(Price{t}, lo) != PositionError::kOk ||
        account_->equity_change(Price{t + mark_half % 2}, hi) != PositionError::kOk) {
      ++counters_.account_errors;
      return 0;
    }
    eq.units = static_cast<int64_t>(floor_div(static_cast<Int128>(lo.units) + hi.units, 2));
  } else if (account_->flat()) {
    Money realized;
    Money net;
    if (account_->realized(realized) == PositionError::kOk) {
      if (checked_sub(realized, account_->fees(), net) && checked_add(net, account_->funding(), net)) {
        eq = net;
      } else {
        ++counters_.account_errors;
      }
    }
  }
  return eq.units;
}

int64_t SimVenue::best_own_bid() const noexcept {
  int64_t best = 0;
  for (uint32_t k = 0; k < live_count_; ++k) {
    const SimOrder& o = orders_[live_[k]];
    if (o.side == Side::kBuy && o.price.ticks > best) best = o.price.ticks;
  }
  return best;
}

int64_t SimVenue::best_own_ask() const noexcept {
  int64_t best = 0;
  for (uint32_t k = 0; k < live_count_; ++k) {
    const SimOrder& o = orders_[live_[k]];
    if (o.side == Side::kSell && (best == 0 || o.price.ticks < best)) best = o.price.ticks;
  }
  return best;
}

void SimVenue::on_book(const BookUpdate& u) noexcept {
  ++step_;
  mid_before_ = last_mid_;
  const uint64_t fills = counters_.fills;
  (void)engine_->on_book(u, *this);
  const int64_t m = mid_half_ticks();
  if (m != 0) last_mid_ = m;
  if (counters_.fills != fills) recompute_wakeup();
}

void SimVenue::on_trade(const TradeEvent& t) noexcept {
  ++step_;
  mid_before_ = last_mid_;
  if (series_ != nullptr && series_->record_trades) [[unlikely]] {
    keep_trade_print(*series_, {t.trade_ts_ms * 1'000'000, t.price.ticks, t.qty.lots, t.taker_side});
  }
  const uint64_t fills = counters_.fills;
  engine_->on_trade(t, *this);
  if (counters_.fills != fills) recompute_wakeup();
}

void SimVenue::on_funding(int64_t rate, int64_t next_funding_ms) noexcept {
  if (cfg_.funding != FundingMode::kData) return;
  funding_rate_ = rate;
  funding_rate_seen_ = true;
  if (next_funding_ms > 0) {
    const int64_t t = next_funding_ms * 1'000'000;
    if (t > last_settlement_ns_ && t >= exch_ns_ && t != next_funding_ns_) {
      data_next_funding_ns_ = t;
      next_funding_ns_ = t;
      recompute_wakeup();
    }
  }
}

void SimVenue::on_mark(int64_t mark_ref) noexcept {
  if (mark_ref > 0) mark_ref_ = mark_ref;
}

int64_t SimVenue::mark_ticks() const noexcept {
  if (mark_ref_ > 0) return (mark_ref_ + ref_per_tick_ / 2) / ref_per_tick_;
  const int64_t m = mid_half_ticks() != 0 ? mid_half_ticks() : last_mid_;
  return (m + 1) / 2;  // a half-tick mid rounded up to a whole tick (funding is paid on whole ticks)
}

void SimVenue::settle_funding() noexcept {
  ++step_;
  const int64_t t = next_funding_ns_;
  last_settlement_ns_ = t;
  next_funding_ns_ = t + cfg_.funding_interval_ns;
  if (data_next_funding_ns_ > t) next_funding_ns_ = data_next_funding_ns_;
  int64_t rate = cfg_.funding_rate;
  if (cfg_.funding == FundingMode::kData) {
    if (!funding_rate_seen_) {
      ++counters_.funding_skipped;
      return;
    }
    rate = funding_rate_;
  }
  const int64_t pos = account_->lots();
  const int64_t mark = mark_ticks();
  int64_t payment = 0;
  if (pos != 0 && mark > 0) {
    Money value;
    if (!notional(instrument_, Price{mark}, Qty{pos < 0 ? -pos : pos}, value)) {
      ++counters_.account_errors;
      return;
    }
    // -position * mark * rate; longs pay when rate > 0. Rounded down: toward the exchange.
    const Int128 num = static_cast<Int128>(value.units) * rate * (pos > 0 ? -1 : 1);
    payment = static_cast<int64_t>(floor_div(num, kRateOne));
    if (account_->apply_funding(Money{payment}) != PositionError::kOk) ++counters_.account_errors;
  }
  ++counters_.funding_settlements;
  if (series_ != nullptr) {
    FundingRecord fr;
    fr.ts_ns = t;
    fr.rate = rate;
    fr.position_lots = pos;
    fr.mark_ticks = mark;
    fr.payment_units = payment;
    series_->funding.push_back(fr);
  }
}

void SimVenue::take_sample(int64_t ts) noexcept {
  if (series_ == nullptr) return;
  SeriesSample s;
  s.ts_ns = ts;
  s.mid_half_ticks = mid_half_ticks();
  s.bid_quote_ticks = best_own_bid();
  s.ask_quote_ticks = best_own_ask();
  s.position_lots = account_->lots();
  s.equity_units = equity_units(s.mid_half_ticks != 0 ? s.mid_half_ticks : last_mid_);
  s.fees_units = account_->fees().units;
  s.funding_units = account_->funding().units;
  series_->samples.push_back(s);
}

void SimVenue::finish(int64_t t) noexcept {
  if (!started_) start(t);
  advance_exchange_to(t);
  account_time();
  if (series_ == nullptr) return;
  if (series_->samples.empty() || series_->samples.back().ts_ns != exch_ns_) take_sample(exch_ns_);
  series_->end_ns = exch_ns_;
  series_->orders_created = counters_.creates_arrived;
  series_->orders_amended = counters_.amends_accepted;
  series_->orders_cancelled = counters_.cancels_accepted;
  series_->orders_rejected = counters_.rejected_rate_limit + counters_.rejected_post_only +
                             counters_.rejected_not_found + counters_.rejected_invalid;
  series_->rejects = {{"post_only", counters_.rejected_post_only},
                      {"rate_limit", counters_.rejected_rate_limit},
                      {"not_found", counters_.rejected_not_found},
                      {"invalid", counters_.rejected_invalid}};
  series_->orders_filled = counters_.orders_filled;
  series_->quoted_both_ns = quoted_both_ns_;
  series_->quoted_any_ns = quoted_any_ns_;
  series_->max_position_lots = max_position_lots_;
  series_->time_at_limit_ns = at_limit_ns_;
}

}  // namespace mm
