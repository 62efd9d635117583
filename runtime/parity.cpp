#include "runtime/parity.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <tuple>

#include "core/clock.h"
#include "core/instrument.h"
#include "runtime/backtest.h"
#include "runtime/embedded_sim.h"
#include "runtime/live_node.h"
#include "runtime/venue_view.h"
#include "sim/event_data.h"

namespace mm {

namespace {

constexpr std::string_view kSimKey = "mmsim-test-key";  // the simulator's built-in key (docs/sim.md)
constexpr std::string_view kSimSecret = "mmsim-test-secret";
constexpr int32_t kTooManyVisits = 10006;  // Bybit's retCode over a rate limit
// The live node runs this long past the window's end: the last fills' messages arrive and the node stops
// (cancel-all confirmed) on a market that no longer moves, so nothing fills after the window.
constexpr double kTailSeconds = 0.5;

// The venue's per-second limits the backtest ran with ([backtest], the simulator's too).
struct SimSettingsLimits {
  int64_t create_per_second = 0;
  int64_t amend_per_second = 0;
};

// What the live run leaves for the comparison.
struct LiveRun {
  LiveSummary summary;
  std::vector<VenueExecution> execs;
  int64_t run_start_wall_ns = 0;
  int64_t market_start_ns = 0;      // wall clock of the market's first record (EmbeddedSim::market_start_ns)
  int64_t first_order_ms = 0;       // when the node's first order reached the venue (0: it placed none)
  uint64_t rate_limit_rejects = 0;  // the simulator's 10006 answers
};

std::string fmt_fill(const Instrument& in, const ParityFill& f) {
  char p[32], q[32];
  const size_t pn = format_price(in, Price{f.price_ticks}, p);
  const size_t qn = format_qty(in, Qty{f.qty_lots}, q);
  char buf[160];
  std::snprintf(buf, sizeof buf, "%s %.*s @ %.*s at %.3f s", f.side == Side::kBuy ? "Buy" : "Sell",
                static_cast<int>(qn), q, static_cast<int>(pn), p, static_cast<double>(f.t_ns) / 1e9);
  return buf;
}

double money(Money m) {
  return static_cast<double>(m.units) / 1e8;
}

// The live node of `mm run` against `sim`, for `seconds` of wall time, then the venue's executions.
std::string run_live(const ParityOptions& o, EmbeddedSim& sim, double seconds, LiveRun& out) {
  MmConfig c = o.config;
  const std::string url = sim.url();
  const std::string host = url.substr(std::string("http://").size());
  c.venue.endpoint = VenueEndpoint::kCustom;
  c.venue.rest_url = url;
  c.venue.public_ws_url = "ws://" + host + "/v5/public/" + std::string(to_string(c.category));
  c.venue.private_ws_url = "ws://" + host + "/v5/private";
  c.venue.trade_ws_url = "ws://" + host + "/v5/trade";
  c.trader.quoter.link_id_prefix = c.link_id_prefix;
  c.live.journal = o.work_dir + "/parity.journal";
  std::error_code ec;
  std::filesystem::remove(c.live.journal, ec);
  c.live.dcp_window_s = 0;
  c.ops.http_listen.clear();  // no /metrics server on a fixed port

  std::atomic<bool> stop{false};
  LiveOptions lo;
  lo.config = c;
  lo.stop = &stop;
  lo.api_key = std::string(kSimKey);
  lo.api_secret = std::string(kSimSecret);
  lo.duration_ns = static_cast<int64_t>(seconds * 1e9);
  LiveNode node(std::move(lo));
  if (const LiveError e = node.prepare(); e.code != 0) return "live node start-up: " + e.message;
  out.run_start_wall_ns = WallClock{}.now_ns();
  if (const LiveError e = node.run(out.summary); e.code != 0) return "live run: " + e.message;
  std::filesystem::remove(c.live.journal, ec);

  VenueView view;
  if (std::string e = view.open(url, kSimKey, kSimSecret, c.category, c.symbol, c.link_id_prefix); !e.empty())
    return "simulator: " + e;
  std::string why;
  if (!view.executions(out.execs, why)) return "simulator: " + why;
  if (!view.first_order_ms(out.first_order_ms, why)) return "simulator: " + why;
  return {};
}

// Market time of a venue wall-clock time: since the market's first record (the run's start when unknown).
int64_t live_market_ns(const LiveRun& r, int64_t wall_ns) {
  return wall_ns - (r.market_start_ns != 0 ? r.market_start_ns : r.run_start_wall_ns);
}

void fill_live_side(const Instrument& in, const LiveRun& r, ParitySide& s) {
  s.fills = r.execs.size();
  int64_t pos = 0;
  for (const VenueExecution& e : r.execs) {
    pos += e.side == Side::kBuy ? e.qty.lots : -e.qty.lots;
    ParityFill f;
    f.t_ns = live_market_ns(r, e.time_ms * 1'000'000);
    f.side = e.side;
    f.price_ticks = e.price.ticks;
    f.qty_lots = e.qty.lots;
    f.position_after_lots = pos;
    s.list.push_back(f);
    Money n;
    if (notional(in, e.price, e.qty, n)) s.volume.units += n.units;
  }
  s.position_lots = pos;
  s.net_pnl = r.summary.net;
  s.fees = r.summary.fees;
  s.trader = r.summary.trader;
  s.created = r.summary.created;
  s.amended = r.summary.amended;
  s.rate_limit_rejects = r.rate_limit_rejects;
  s.venue_rate_limited = r.summary.venue_rate_limited;
  s.venue_refused = r.summary.venue_refused;
}

void fill_backtest_side(const BacktestRun& r, int64_t first_ns, ParitySide& s) {
  s.fills = r.stats.fills;
  s.volume = r.stats.volume;
  // The simulator settles no funding: compare trading PnL net of fees.
  s.net_pnl = Money{r.stats.net_pnl.units - r.stats.funding.units};
  s.fees = Money{r.stats.fees.units - r.stats.rebates.units};
  for (const FillRecord& f : r.series.fills) {
    s.list.push_back({f.ts_ns - first_ns, f.side, f.price_ticks, f.qty_lots, f.position_after_lots});
  }
  s.position_lots = s.list.empty() ? 0 : s.list.back().position_after_lots;
  s.trader = r.trader;
  s.created = r.stats.orders_created;
  s.amended = r.stats.orders_amended;
  for (const NamedCount& c : r.series.rejects) {
    if (c.name == "rate_limit") s.rate_limit_rejects += c.count;
  }
}

void compare(const Instrument& in, const SimSettingsLimits& lim, const LiveRun& live, const BacktestRun& bt,
             ParityResult& r) {
  r.fills_pct = parity_pct(static_cast<double>(r.backtest.fills), static_cast<double>(r.live.fills));
  r.volume_pct = parity_pct(money(r.backtest.volume), money(r.live.volume));
  r.net_pnl_pct = parity_pct(money(r.backtest.net_pnl), money(r.live.net_pnl));
  const std::vector<ParityFill>& a = r.backtest.list;
  const std::vector<ParityFill>& b = r.live.list;
  const size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  while (i < n && a[i].side == b[i].side && a[i].price_ticks == b[i].price_ticks &&
         a[i].qty_lots == b[i].qty_lots)
    ++i;
  r.matched_fills = i;
  for (size_t k = 0; k < n; ++k) {
    r.max_position_diff_lots =
        std::max(r.max_position_diff_lots, std::abs(a[k].position_after_lots - b[k].position_after_lots));
  }
  if (i < n) {
    r.divergence = "fill #" + std::to_string(i + 1) + ": backtest " + fmt_fill(in, a[i]) + ", live " +
                   fmt_fill(in, b[i]);
  } else if (a.size() != b.size()) {
    const bool more_bt = a.size() > b.size();
    r.divergence = "fill #" + std::to_string(i + 1) + ": only the " + (more_bt ? "backtest" : "live run") +
                   " has it: " + fmt_fill(in, more_bt ? a[i] : b[i]);
  }
  const LiveSummary& s = live.summary;
  const BacktestStats& t = bt.stats;
  auto num = [](uint64_t v) { return std::to_string(v); };
  // Creates and amends only: the live node's shutdown cancels every order, the backtest ends with them
  // resting.
  if (s.created != t.orders_created || s.amended != t.orders_amended)
    r.why.push_back("order flow differs (creates/amends): backtest " + num(t.orders_created) + "/" +
                    num(t.orders_amended) + ", live " + num(s.created) + "/" + num(s.amended) +
                    ": the strategy decided at different moments (the live node also runs its decision path "
                    "every live.timer_ms and waits for its streams before the first quote)");
  // The Trader's own counters, side by side: where the decisions went (ticks that sent something, actions
  // the quoter held back for want of budget or because an order of the level had a request in flight,
  // actions the venue refused before they left).
  const TraderCounters& bc = r.backtest.trader;
  const TraderCounters& lc = r.live.trader;
  auto pair = [&](const char* what, uint64_t in_bt, uint64_t in_live) {
    return std::string(what) + " " + num(in_bt) + "/" + num(in_live);
  };
  r.why.push_back(
      "Trader counters (backtest/live): " + pair("ticks", bc.ticks, lc.ticks) + ", " +
      pair("ticks with actions", bc.ticks_with_actions, lc.ticks_with_actions) + ", " +
      pair("creates sent", bc.creates, lc.creates) + ", " + pair("amends sent", bc.amends, lc.amends) + ", " +
      pair("cancels sent", bc.cancels, lc.cancels) + ", " +
      pair("levels held by a request in flight", bc.quoter.pending_occupied, lc.quoter.pending_occupied) +
      ", " + pair("amends deferred (budget)", bc.quoter.deferred_amends, lc.quoter.deferred_amends) + ", " +
      pair("creates deferred (budget)", bc.quoter.deferred_creates, lc.quoter.deferred_creates) + ", " +
      pair("venue refused", bc.venue_refused, lc.venue_refused) + ", " +
      pair("skipped untrusted", bc.skipped_untrusted, lc.skipped_untrusted) + ", " +
      pair("risk blocked", bc.risk_blocked, lc.risk_blocked));
  if (r.live.venue_rate_limited > 0 || r.live.venue_refused > 0)
    r.why.push_back("the live node's venue held back " + num(r.live.venue_rate_limited) +
                    " requests on its own rate limiter (its buckets, tightened by the answers' X-Bapi-Limit "
                    "headers) and refused " +
                    num(r.live.venue_refused) + " for want of room (in-flight table, queue)");
  if (r.backtest.rate_limit_rejects != r.live.rate_limit_rejects)
    r.why.push_back("requests refused over the venue's rate limit (10006): backtest " +
                    num(r.backtest.rate_limit_rejects) + ", live " + num(r.live.rate_limit_rejects));
  if (s.rejected != t.orders_rejected)
    r.why.push_back("rejects: backtest " + num(t.orders_rejected) + ", live " + num(s.rejected));
  // A strategy at the venue's limit: which request goes through, and so which quote rests when the market
  // trades, turns on sub-millisecond timing that the two runs cannot share.
  for (const auto& [what, count, limit] : {std::tuple{"creates", t.orders_created, lim.create_per_second},
                                           std::tuple{"amends", t.orders_amended, lim.amend_per_second}}) {
    const double rate = r.window_s > 0 ? static_cast<double>(count) / r.window_s : 0;
    if (limit > 0 && rate >= 0.8 * static_cast<double>(limit)) {
      char at[64];
      std::snprintf(at, sizeof at, "%.1f/s of the venue's %lld/s", rate, static_cast<long long>(limit));
      r.why.push_back(std::string("the backtest's ") + what + " ran at " + at +
                      ": the strategy is bound by the rate limit, so which request goes through (and which "
                      "quote rests when the market trades) turns on timing the two runs do not share");
    }
  }
  if (s.reconnects > 0) r.why.push_back("the live node reconnected " + num(s.reconnects) + " times");
  if (s.rest_orders > 0) r.why.push_back(num(s.rest_orders) + " live order requests went over REST");
  if (s.tick_to_quote.count() > 0 && s.tick_to_quote.p99() > 1'000'000)
    r.why.push_back("live tick-to-quote p99 " + std::to_string(s.tick_to_quote.p99() / 1000) +
                    " us: the machine was busy, the live decisions lagged the market");
  if (!s.fault.empty()) r.why.push_back("live Trader fault: " + s.fault);
}

}  // namespace

double parity_pct(double backtest, double live) noexcept {
  if (backtest == 0) return live == 0 ? 0.0 : 100.0;
  return 100.0 * (live - backtest) / std::fabs(backtest);
}

std::string run_parity(const ParityOptions& o, ParityResult& out) {
  out = ParityResult{};
  const MmConfig& cfg = o.config;
  EventLoadOptions lo;
  lo.read.category = cfg.category;
  lo.symbols = {cfg.symbol};
  EventData data;
  std::string error;
  if (load_event_data({o.data}, lo, data, error) != EventDataError::kOk)
    return "--data " + o.data + ": " + error;
  const InstrumentId id = data.find(cfg.category, cfg.symbol);
  if (id == kNoInstrument || data.events().empty())
    return "--data " + o.data + ": no " + cfg.symbol + " records (the config's [market] symbol)";
  const int64_t first = data.first_ns();
  const int64_t last = data.last_ns();
  const int64_t to = o.seconds > 0 ? first + static_cast<int64_t>(o.seconds * 1e9) : last + 1;
  out.window_s = static_cast<double>(std::min(to, last + 1) - first) / 1e9;

  // Live first: the backtest then assumes the latency the live run measured.
  EmbeddedSim sim;
  EmbeddedSimOptions so;
  so.market.data = {o.data};
  so.market.speed = 1.0;
  so.market.max_speed = false;
  so.market.loop = false;
  so.market.seed = cfg.backtest.sim.seed;
  so.from_ns = first;
  so.to_ns = to;
  so.start_on_subscribe = true;  // the node connects after its start-up: it must not miss the first records
  if (std::string e = sim.start(so, cfg); !e.empty()) return "simulator: " + e;
  LiveRun live;
  std::string e = run_live(o, sim, out.window_s + kTailSeconds, live);
  sim.stop();
  if (!e.empty()) return e;
  live.rate_limit_rejects = sim.rejects_with_code(kTooManyVisits);
  live.market_start_ns = sim.market_start_ns();

  MmConfig bc = cfg;
  out.ack_p50_ns = live.summary.order_ack.count() > 0 ? live.summary.order_ack.p50() : 0;
  const int64_t matching = exchange_config_for(cfg).matching_latency_ns;
  // The live node's own decision time (book message read -> order request written, its tick-to-quote p50)
  // delays its orders too; the backtest decides at the book message's receive time, so it is added to the
  // entry latency (ParityOptions::model_decision).
  out.decision_p50_ns =
      o.model_decision && live.summary.tick_to_quote.count() > 0 ? live.summary.tick_to_quote.p50() : 0;
  out.entry_latency_ns = matching + out.ack_p50_ns / 2 + out.decision_p50_ns;
  out.response_latency_ns = out.ack_p50_ns / 2;
  bc.backtest.sim.entry_latency = LatencySpec{out.entry_latency_ns, {}};
  bc.backtest.sim.response_latency = LatencySpec{out.response_latency_ns, {}};
  if (o.align_feed) {
    // The simulator's matching engine sees a record when it serves it to the node (ParityOptions::
    // align_feed): one time for both sides in the backtest too.
    bc.backtest.sim.feed_time = FeedTime::kModel;
    bc.backtest.sim.feed_latency = LatencySpec{0, {}};
  }
  // The live node quotes only after its start-up (streams connected and authenticated) while the market
  // already plays; the backtest would quote on the first book. So the backtest's window starts where the
  // node decided its first order (its arrival at the venue less the one-way answer time), with the book
  // rebuilt from the records before: both start flat, on the same book, at the same market time.
  int64_t from = first;
  if (o.align_start && live.first_order_ms > 0) {
    const int64_t decided = live_market_ns(live, live.first_order_ms * 1'000'000) - out.response_latency_ns;
    from = std::clamp(first + decided, first, std::max(first, to - 1));
  }
  out.backtest_from_s = static_cast<double>(from - first) / 1e9;
  auto bt = std::make_unique<BacktestRun>();
  if (o.model_timer) bt->timer_ns = cfg.live.timer_ms * 1'000'000;
  if (std::string be = run_backtest_job(bc, data, from, to, *bt); !be.empty()) return "backtest: " + be;

  const Instrument& in = data.instruments().get(id);
  fill_backtest_side(*bt, first, out.backtest);
  fill_live_side(in, live, out.live);
  compare(in, SimSettingsLimits{bc.backtest.sim.create_per_second, bc.backtest.sim.amend_per_second}, live,
          *bt, out);
  return {};
}

}  // namespace mm
