#include "runtime/paper_node.h"

#include <chrono>
#include <stdexcept>

#include "core/clock.h"
#include "core/instrument.h"
#include "net/bybit_codec.h"
#include "net/public_ws.h"
#include "risk/risk_engine.h"
#include "runtime/ops/node_ops.h"
#include "runtime/public_feed.h"
#include "strategy/avellaneda_stoikov.h"
#include "strategy/fixed_spread.h"
#include "strategy/glft.h"
#include "strategy/inventory_mm.h"
#include "strategy/trader.h"

namespace mm {

namespace {

// The clocks of core/clock.h.
int64_t wall_ns() noexcept {
  return WallClock{}.now_ns();
}
int64_t mono_ns() noexcept {
  return MonotonicClock{}.now_ns();
}

// The summary's order counts, taken from the answers of the simulated exchange on their way to the Trader
// (the same events mm run counts from the trade and private streams).
struct PaperCounts {
  uint64_t created = 0, amended = 0, cancelled = 0, rejected = 0, filled = 0, fills = 0;
};

// The Trader and its simulated exchange, with the strategy fixed at compile time (one virtual call per
// event selects the instantiation, as runtime/live_trader.h does for the live node).
class PaperEngine {
 public:
  virtual ~PaperEngine() = default;
  // Market data received at `now`: the exchange first, then due answers, then the Trader. on_book returns
  // the Trader's action count for the update.
  virtual uint32_t on_book(const BookUpdate& u, int64_t now) noexcept = 0;
  virtual void on_trade(const TradeEvent& t, int64_t now) noexcept = 0;
  // Runs the simulated exchange to `now` and delivers every answer due. Returns the answers delivered.
  virtual uint32_t step(int64_t now) noexcept = 0;
  virtual void on_timer(int64_t now) noexcept = 0;
  virtual void set_quoting(bool on) noexcept = 0;
  virtual bool cancel_all_now() noexcept = 0;
  virtual void kill() noexcept = 0;  // the risk engine's kill switch; its cancel-all goes at on_timer()
  // Where fills are reported for the live page (NodeOps::on_fill); null: nowhere.
  virtual void set_ops(NodeOps* ops) noexcept = 0;
  virtual void reset_book() noexcept = 0;
  virtual bool take_resubscribe() noexcept = 0;
  virtual uint32_t open_order_count() const noexcept = 0;
  virtual const OrderTable& orders() const noexcept = 0;
  virtual const Position& position() const noexcept = 0;
  virtual const OrderBook& book() const noexcept = 0;
  virtual TraderFault fault() const noexcept = 0;
  virtual const RiskEngine& risk() const noexcept = 0;
  virtual const TraderCounters& trader_counters() const noexcept = 0;
  virtual const SimVenueCounters& venue_counters() const noexcept = 0;
  virtual const PaperCounts& counts() const noexcept = 0;
};

template <class S, class C>
class PaperEngineImpl final : public PaperEngine {
 public:
  PaperEngineImpl(const MmConfig& cfg, const C& scfg, const Instrument& in, InstrumentId id, int64_t start_ns)
      : cfg_(cfg),
        venue_(in, id, cfg.backtest.sim),
        strategy_(scfg),
        risk_(cfg.risk, in, id),
        trader_(in, id, venue_, strategy_, risk_, trader_config()),
        sink_{trader_, counts_, nullptr} {
    venue_.set_local_time(start_ns);
    venue_.set_position_limit(cfg.trader.max_position_lots);
    venue_.start(start_ns);
  }

  uint32_t on_book(const BookUpdate& u, int64_t now) noexcept override {
    venue_.advance_exchange_to(now);
    venue_.on_book(u);
    (void)venue_.deliver_until(now, sink_);
    (void)trader_.on_book(u, now);
    return trader_.last_action_count();
  }
  void on_trade(const TradeEvent& t, int64_t now) noexcept override {
    venue_.advance_exchange_to(now);
    venue_.on_trade(t);
    (void)venue_.deliver_until(now, sink_);
    trader_.on_trade(t);
  }
  uint32_t step(int64_t now) noexcept override {
    venue_.advance_exchange_to(now);
    return venue_.deliver_until(now, sink_);
  }
  void on_timer(int64_t now) noexcept override {
    (void)step(now);
    trader_.on_timer();
  }
  void set_quoting(bool on) noexcept override { trader_.set_quoting(on); }
  bool cancel_all_now() noexcept override { return trader_.cancel_all_now(); }
  void kill() noexcept override { risk_.kill(); }
  void set_ops(NodeOps* ops) noexcept override { sink_.ops = ops; }
  void reset_book() noexcept override { trader_.reset_book(); }
  bool take_resubscribe() noexcept override { return trader_.take_resubscribe(); }
  uint32_t open_order_count() const noexcept override { return trader_.open_order_count(); }
  const OrderTable& orders() const noexcept override { return trader_.orders(); }
  const Position& position() const noexcept override { return trader_.position(); }
  const OrderBook& book() const noexcept override { return trader_.book(); }
  TraderFault fault() const noexcept override { return trader_.fault(); }
  const RiskEngine& risk() const noexcept override { return risk_; }
  const TraderCounters& trader_counters() const noexcept override { return trader_.counters(); }
  const SimVenueCounters& venue_counters() const noexcept override { return venue_.counters(); }
  const PaperCounts& counts() const noexcept override { return counts_; }

 private:
  using T = Trader<SimVenue, S>;
  // Counts each answer, then hands it to the Trader.
  struct CountingSink {
    T& trader;
    PaperCounts& n;
    NodeOps* ops = nullptr;
    void on_acked(std::string_view link, OrderEventKind k, std::string_view oid) noexcept {
      if (k == OrderEventKind::kCreateAcked) ++n.created;
      if (k == OrderEventKind::kAmendAcked) ++n.amended;
      trader.on_acked(link, k, oid);
    }
    void on_create_rejected(std::string_view link) noexcept {
      ++n.rejected;
      trader.on_create_rejected(link);
    }
    void on_rejected(std::string_view link, OrderEventKind k) noexcept { trader.on_rejected(link, k); }
    void on_order(const OrderUpdate& u) noexcept {
      if (u.status == OrderStatus::kCancelled || u.status == OrderStatus::kPartiallyFilledCanceled)
        ++n.cancelled;
      if (u.status == OrderStatus::kFilled) ++n.filled;
      if (u.status == OrderStatus::kRejected) ++n.rejected;
      trader.on_order(u);
    }
    void on_execution(const Execution& e) noexcept {
      ++n.fills;
      if (ops != nullptr) ops->on_fill(e, wall_ns());
      trader.on_execution(e);
    }
  };

  TraderConfig trader_config() const {
    TraderConfig t = cfg_.trader;
    t.quoter.link_id_prefix = cfg_.link_id_prefix;  // a view: point it at this object's own copy
    return t;
  }

  MmConfig cfg_;
  SimVenue venue_;
  S strategy_;
  RiskEngine risk_;
  T trader_;
  PaperCounts counts_;
  CountingSink sink_;
};

template <class S, class C>
std::unique_ptr<PaperEngine> build(const MmConfig& cfg, const C& scfg, const Instrument& in, InstrumentId id,
                                   int64_t start_ns, std::string& error) {
  if (std::string e = scfg.validate(); !e.empty()) {
    error = e;
    return nullptr;
  }
  RiskLimits limits;
  if (std::string e = resolve_limits(cfg.risk, in, limits); !e.empty()) {
    error = e;
    return nullptr;
  }
  try {
    return std::make_unique<PaperEngineImpl<S, C>>(cfg, scfg, in, id, start_ns);
  } catch (const std::exception& e) {
    error = e.what();  // the venue's latency files, the quoter's settings: each names its key
    return nullptr;
  }
}

std::unique_ptr<PaperEngine> make_paper_engine(const MmConfig& cfg, const Instrument& in, InstrumentId id,
                                               int64_t start_ns, std::string& error) {
  switch (cfg.strategy) {
    case StrategyKind::kFixed:
      return build<FixedSpread>(cfg, cfg.fixed, in, id, start_ns, error);
    case StrategyKind::kInventory:
      return build<InventoryMM>(cfg, cfg.inventory, in, id, start_ns, error);
    case StrategyKind::kAvellaneda:
      return build<AvellanedaStoikov>(cfg, cfg.avellaneda, in, id, start_ns, error);
    case StrategyKind::kGlft:
      return build<Glft>(cfg, cfg.glft, in, id, start_ns, error);
  }
  error = "strategy.kind: unknown";
  return nullptr;
}

}  // namespace

struct PaperNode::Impl final : PublicWsSink {
  explicit Impl(PaperOptions o) : opt(std::move(o)) {
    opt.config.trader.quoter.link_id_prefix = opt.config.link_id_prefix;
  }

  PaperOptions opt;
  LiveSummary sum;
  PublicVenue pv;
  std::unique_ptr<BybitCodec> codec;
  std::unique_ptr<PublicWs> pub;
  std::unique_ptr<PaperEngine> engine;
  std::unique_ptr<NodeOps> ops;  // [ops]: metrics, page, logs, alerts (runtime/ops/node_ops.h)
  std::string topic;
  bool pulled = false;
  std::string sim_summary;

  LiveError prepare();
  LiveError run(LiveSummary& out);
  LiveError shutdown(int64_t deadline);
  void fill_summary(double seconds);
  NodeState node_state() const noexcept;

  void on_public(const BybitCodec& c, MsgKind kind, int64_t recv_ns) noexcept override;
  void on_connected() noexcept override { engine->reset_book(); }
  // Parse errors count in mm_message_errors_total by topic (NodeOps keeps the frame's first bytes).
  void on_frame(std::string_view text, int64_t) noexcept override { ops->on_public_frame(text); }
  void on_public_error(CodecError, int64_t) noexcept override { ops->on_public_error(); }
};

LiveError PaperNode::Impl::prepare() {
  const MmConfig& c = opt.config;
  if (const PublicVenueError e = open_public_venue(c, opt.sim, pv); e.code != 0) return {e.code, e.message};
  const Instrument& in = pv.registry.get(pv.id);
  topic = book_topic(in.name());
  PublicWsConfig pc;
  if (std::string e =
          public_ws_config(pv, c.category, {topic, "publicTrade." + std::string(in.name())}, 11, pc);
      !e.empty()) {
    return {2, e};
  }
  codec = std::make_unique<BybitCodec>(pv.registry);
  pub = std::make_unique<PublicWs>(pc, *codec);
  std::string error;
  engine = make_paper_engine(c, in, pv.id, wall_ns(), error);
  if (!engine) return {2, error};
  if (std::string e = NodeOps::start(c, in, {}, ops); !e.empty()) return {2, e};
  engine->set_ops(ops.get());
  sum.venue = "paper " + std::string(to_string(c.venue.endpoint)) + " " + pv.urls.public_ws;
  return {};
}

void PaperNode::Impl::on_public(const BybitCodec& c, MsgKind kind, int64_t recv_ns) noexcept {
  if (kind == MsgKind::kTrade) {
    ops->on_message(MsgTopic::kPublicTrade);
    for (const TradeEvent& t : c.trades()) {
      if (t.instrument == pv.id) engine->on_trade(t, recv_ns);
    }
    return;
  }
  if (kind != MsgKind::kBook) return;
  ops->on_message(MsgTopic::kOrderbook);
  const BookUpdate& u = c.book();
  if (u.instrument != pv.id) return;
  const int64_t t0 = mono_ns();
  if (engine->on_book(u, recv_ns) > 0) {
    const int64_t ttq = mono_ns() - t0;
    sum.tick_to_quote.record(ttq);
    ops->on_quoted(ttq);
  }
  if (engine->take_resubscribe()) {
    ops->on_book_gap(recv_ns);
    (void)pub->resubscribe(topic);
  }
}

LiveError PaperNode::Impl::shutdown(int64_t deadline) {
  engine->set_quoting(false);
  int64_t next_timer = 0;
  for (int64_t now = wall_ns(); now < deadline; now = wall_ns()) {
    (void)pub->do_work(now, *this);
    (void)engine->step(now);
    if (engine->open_order_count() == 0) break;
    if (now >= next_timer) {
      engine->on_timer(now);  // with quoting off the quoter cancels what is live
      next_timer = now + 50'000'000;
    }
  }
  engine->orders().for_each([&](OrderHandle, const OwnOrder& o) noexcept {
    if (!is_terminal(o.state())) sum.unconfirmed.emplace_back(o.link_id.view());
  });
  sum.open_orders_after = static_cast<uint32_t>(sum.unconfirmed.size());
  sum.cancel_all = sum.open_orders_after == 0;
  if (sum.open_orders_after == 0) return {};
  std::string list;
  for (const std::string& s : sum.unconfirmed) list += (list.empty() ? "" : ", ") + s;
  return {3, "shutdown: cancellation of " + std::to_string(sum.open_orders_after) +
                 " paper order(s) could not be confirmed by the fill engine: " + list};
}

void PaperNode::Impl::fill_summary(double seconds) {
  const PaperCounts& n = engine->counts();
  sum.duration_s = seconds;
  sum.created = n.created;
  sum.amended = n.amended;
  sum.cancelled = n.cancelled;
  sum.rejected = n.rejected;
  sum.filled = n.filled;
  sum.fills = n.fills;
  const Instrument& in = pv.registry.get(pv.id);
  const Position& p = engine->position();
  char buf[32];
  const int64_t lots = p.lots();
  const size_t len = format_qty(in, Qty{lots < 0 ? -lots : lots}, buf);
  sum.position = (lots < 0 ? "-" : "") + std::string(buf, len);
  (void)p.realized(sum.realized);
  const auto bid = engine->book().best_bid();
  const auto ask = engine->book().best_ask();
  if (bid && ask) (void)p.unrealized(Price{(bid->price.ticks + ask->price.ticks) / 2}, sum.unrealized);
  sum.fees = p.fees();
  sum.net = Money{sum.realized.units + sum.unrealized.units - sum.fees.units};
  sum.reconnects = pub->session().reconnects();
  if (engine->fault() != TraderFault::kNone) sum.fault = std::string(to_string(engine->fault()));
  const std::string_view name = in.name();
  for (const std::string_view quote : {"USDT", "USDC", "USD", "PERP"}) {
    if (name.size() > quote.size() && name.substr(name.size() - quote.size()) == quote) {
      sum.base_coin = std::string(name.substr(0, name.size() - quote.size()));
      sum.settle_coin = quote == "PERP" ? "USDC" : std::string(quote);
      break;
    }
  }
}

NodeState PaperNode::Impl::node_state() const noexcept {
  NodeState s;
  s.book = &engine->book();
  s.orders = &engine->orders();
  s.position = &engine->position();
  s.risk = &engine->risk();
  s.counters = &engine->trader_counters();
  s.mid_ticks = mid_ticks(engine->book());
  s.reconnects_public = pub->session().reconnects();
  return s;
}

LiveError PaperNode::Impl::run(LiveSummary& out) {
  const LiveSettings& l = opt.config.live;
  const int64_t start = wall_ns();
  const int64_t end = opt.duration_ns > 0 ? start + opt.duration_ns : INT64_MAX;
  pub->start(start);
  const int64_t timer_ns = l.timer_ms * 1'000'000;
  int64_t next_timer = start + timer_ns;
  for (int64_t now = start; now < end && !(opt.stop != nullptr && opt.stop->load(std::memory_order_relaxed));
       now = wall_ns()) {
    (void)pub->do_work(now, *this);
    (void)engine->step(now);
    if (now >= next_timer) {
      // Dead-man switch of our own, as mm run: no quotes on a silent feed.
      // The operator's actions from the live page, as mm run (runtime/ops/live_page.h).
      const PageControl ctl = ops->take_control();
      if (ctl.kill) engine->kill();
      if (ctl.cancel_all && !ctl.kill) (void)engine->cancel_all_now();
      const bool pull = pub->silence_ns(now) > l.feed_quiet_ms * 1'000'000 || ctl.paused;
      if (pull != pulled) {
        pulled = pull;
        engine->set_quoting(!pull);
      }
      engine->on_timer(now);
      ops->on_timer(now, node_state());
      next_timer = now + timer_ns;
    }
  }
  LiveError result = shutdown(wall_ns() + l.shutdown_timeout_ms * 1'000'000);
  fill_summary(static_cast<double>(wall_ns() - start) / 1e9);
  ops->on_timer(wall_ns(), node_state());
  if (result.code == 3) ops->shutdown_unconfirmed(result.message);
  pub->stop();
  if (opt.config.venue.endpoint == VenueEndpoint::kSim) {
    pv.sim.stop();
    sim_summary = pv.sim.summary_json();
  }
  ops->stop();
  out = std::move(sum);
  return result;
}

PaperNode::PaperNode(PaperOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
PaperNode::~PaperNode() = default;
LiveError PaperNode::prepare() {
  return impl_->prepare();
}
LiveError PaperNode::run(LiveSummary& out) {
  return impl_->run(out);
}
const SimVenueCounters& PaperNode::venue_counters() const noexcept {
  return impl_->engine->venue_counters();
}
std::string PaperNode::sim_summary_json() const {
  return impl_->sim_summary;
}

}  // namespace mm
