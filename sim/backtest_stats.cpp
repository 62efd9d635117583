#include "sim/backtest_stats.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <stdexcept>
#include <utility>

#include "core/decimal.h"
#include "core/instrument.h"

namespace mm {

namespace {

// Bars beyond this would make the Sharpe loop run for minutes (e.g. bar_ns = 1 over a day): a config error.
constexpr int64_t kMaxBars = 1'000'000'000;

int side_sign(Side s) noexcept {
  return s == Side::kBuy ? 1 : -1;
}

double qty_of(const Instrument& in, double lots) noexcept {
  return lots * static_cast<double>(in.lot_units) / static_cast<double>(pow10_i64(in.qty_scale));
}

void add_money(Money& acc, int64_t v, const char* what) {
  if (!checked_add(acc, Money{v}, acc))
    throw std::overflow_error(std::string("stats: ") + what + " overflows");
}

double ratio(double num, double den) noexcept {
  return den == 0.0 ? 0.0 : num / den;
}

double pct_of_duration(int64_t ns, int64_t total) noexcept {
  return total <= 0 ? 0.0 : 100.0 * static_cast<double>(ns) / static_cast<double>(total);
}

// Sharpe and Sortino from the bar returns (streamed: no vector of K returns).
void bar_statistics(const BacktestSeries& s, const StatsConfig& cfg, BacktestStats& st) {
  const int64_t total = s.end_ns - s.start_ns;
  const int64_t k_bars = total / cfg.bar_ns;
  if (k_bars > kMaxBars) {
    throw std::invalid_argument("stats.bar_ns " + std::to_string(cfg.bar_ns) + " gives " +
                                std::to_string(k_bars) + " bars (more than 1e9): use a longer bar");
  }
  st.bars = static_cast<uint64_t>(k_bars);
  const double cap = static_cast<double>(cfg.capital.units);
  const double ppy = cfg.periods_per_year();
  const double rf = cfg.risk_free / ppy;
  // Welford's running mean/variance; downside sum of squares against rf.
  double mean = 0, m2 = 0, down = 0;
  size_t j = 0;
  int64_t eq = 0, prev = 0;
  for (int64_t k = 0; k <= k_bars; ++k) {
    const int64_t t = s.start_ns + k * cfg.bar_ns;
    while (j < s.samples.size() && s.samples[j].ts_ns <= t) eq = s.samples[j++].equity_units;
    if (k > 0) {
      const double r = (static_cast<double>(eq) - static_cast<double>(prev)) / cap;
      const double d = r - mean;
      mean += d / static_cast<double>(k);
      m2 += d * (r - mean);
      if (r < rf) down += (r - rf) * (r - rf);
    }
    prev = eq;
  }
  if (k_bars < 2) {
    st.undefined |= kSharpeUndefined | kSortinoUndefined;
    return;
  }
  const double sd = std::sqrt(m2 / static_cast<double>(k_bars - 1));
  if (sd > 0 && std::isfinite(sd)) {
    st.sharpe = (mean - rf) / sd * std::sqrt(ppy);
  } else {
    st.undefined |= kSharpeUndefined;
  }
  const double dd = std::sqrt(down / static_cast<double>(k_bars));
  if (dd > 0 && std::isfinite(dd)) {
    st.sortino = (mean - rf) / dd * std::sqrt(ppy);
  } else {
    st.undefined |= kSortinoUndefined;
  }
}

// The equity path: every sample and every fill (which carries the equity right after it), merged in time
// order (a fill and a sample at one time: the fill first, it happened before the sample was taken). A
// drawdown that opens and closes between two samples is still seen.
template <class F>
void for_each_equity_point(const BacktestSeries& s, F&& f) {
  size_t i = 0;
  size_t j = 0;
  while (i < s.samples.size() || j < s.fills.size()) {
    if (j < s.fills.size() && (i == s.samples.size() || s.fills[j].ts_ns <= s.samples[i].ts_ns)) {
      f(s.fills[j].ts_ns, s.fills[j].equity_after_units);
      ++j;
    } else {
      f(s.samples[i].ts_ns, s.samples[i].equity_units);
      ++i;
    }
  }
}

void drawdown_statistics(const BacktestSeries& s, BacktestStats& st) {
  int64_t peak = 0, peak_ts = s.start_ns, last_ts = s.start_ns;
  bool under = false;
  int64_t longest = 0;
  Money worst{0};
  for_each_equity_point(s, [&](int64_t ts, int64_t eq) {
    last_ts = ts;
    if (eq >= peak) {
      if (under) longest = std::max(longest, ts - peak_ts);
      under = false;
      peak = eq;
      peak_ts = ts;
    } else {
      under = true;
      Money dd;
      if (!checked_sub(Money{peak}, Money{eq}, dd)) throw std::overflow_error("stats: drawdown overflows");
      worst = std::max(worst, dd);
    }
  });
  if (under) longest = std::max(longest, last_ts - peak_ts);
  st.max_drawdown = worst;
  st.max_drawdown_duration_ns = longest;
}

// Mean and mean |.| over the (equally spaced) samples; the maximum over the exact path: every fill carries
// the position right after it, so a peak between two samples counts.
void inventory_statistics(const BacktestSeries& s, BacktestStats& st) {
  double sum = 0, sum_abs = 0;
  int64_t max_abs = 0;
  for (const SeriesSample& x : s.samples) {
    sum += static_cast<double>(x.position_lots);
    const int64_t a = x.position_lots < 0 ? -x.position_lots : x.position_lots;
    sum_abs += static_cast<double>(a);
    max_abs = std::max(max_abs, a);
  }
  for (const FillRecord& f : s.fills) {
    max_abs = std::max(max_abs, f.position_after_lots < 0 ? -f.position_after_lots : f.position_after_lots);
  }
  const double n = static_cast<double>(s.samples.size());
  if (n > 0) {
    st.inventory_mean = qty_of(s.instrument, sum / n);
    st.inventory_mean_abs = qty_of(s.instrument, sum_abs / n);
  }
  st.inventory_max_lots = max_abs;
  st.inventory_max = qty_of(s.instrument, static_cast<double>(max_abs));
}

void fill_statistics(const BacktestSeries& s, BacktestStats& st) {
  double sc_ticks = 0, sc_bps = 0;
  double mk_ticks[3][3] = {}, mk_bps[3][3] = {};
  for (const FillRecord& f : s.fills) {
    if (f.maker) {
      ++st.maker_fills;
    } else {
      ++st.taker_fills;
    }
    if (f.fee_units > 0) add_money(st.fees, f.fee_units, "fees");
    if (f.fee_units < 0) add_money(st.rebates, -f.fee_units, "rebates");
    Money n;
    if (!notional(s.instrument, Price{f.price_ticks}, Qty{f.qty_lots}, n)) {
      throw std::overflow_error("stats: fill notional overflows");
    }
    add_money(st.volume, n.units, "volume");
    const double sign = side_sign(f.side);
    const double price = static_cast<double>(f.price_ticks);
    // Mids are in half ticks: d = (mid_half / 2 - price) * sign, exact (no flooring of the mid).
    if (f.mid_half_ticks != 0) {
      const double d = 0.5 * static_cast<double>(f.mid_half_ticks - 2 * f.price_ticks) * sign;
      sc_ticks += d;
      sc_bps += 1e4 * d / price;
      ++st.spread_captured_count;
    }
    const int side = f.side == Side::kBuy ? kMarkoutBuy : kMarkoutSell;
    for (int h = 0; h < 3; ++h) {
      if (f.mid_after_half_ticks[h] == 0) continue;
      const double d = 0.5 * static_cast<double>(f.mid_after_half_ticks[h] - 2 * f.price_ticks) * sign;
      for (const int g : {side, kMarkoutAll}) {
        mk_ticks[g][h] += d;
        mk_bps[g][h] += 1e4 * d / price;
        ++st.markouts[g].count[h];
      }
    }
  }
  st.fills = s.fills.size();
  if (st.fills == 0) st.undefined |= kNoFills;
  st.maker_share = ratio(static_cast<double>(st.maker_fills), static_cast<double>(st.fills));
  if (st.spread_captured_count == 0) {
    st.undefined |= kNoSpreadCaptured;
  } else {
    st.spread_captured_ticks = sc_ticks / static_cast<double>(st.spread_captured_count);
    st.spread_captured_bps = sc_bps / static_cast<double>(st.spread_captured_count);
  }
  for (int g = 0; g < 3; ++g) {
    for (int h = 0; h < 3; ++h) {
      const uint64_t c = st.markouts[g].count[h];
      if (c == 0) {
        st.undefined |= kNoMarkout;
        continue;
      }
      st.markouts[g].ticks[h] = mk_ticks[g][h] / static_cast<double>(c);
      st.markouts[g].bps[h] = mk_bps[g][h] / static_cast<double>(c);
    }
  }
}

// Shortest round-trip decimal of a finite double; 0 for anything else (never NaN/Infinity in JSON).
void append_double(std::string& out, double v) {
  if (!std::isfinite(v) || v == 0.0) {
    out += '0';
    return;
  }
  char buf[40];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

class JsonObject {
 public:
  explicit JsonObject(std::string& out) : out_(out) { out_ += '{'; }
  void key(const char* k) {
    if (!first_) out_ += ',';
    first_ = false;
    out_ += '"';
    out_ += k;  // keys are our own literals: nothing to escape
    out_ += "\":";
  }
  void num(const char* k, double v) {
    key(k);
    append_double(out_, v);
  }
  void num(const char* k, uint64_t v) {
    key(k);
    out_ += std::to_string(v);
  }
  // null when the statistic is undefined on this run (listed in "undefined" too): never a misleading 0.
  void num_or_null(const char* k, double v, bool undefined) {
    key(k);
    if (undefined) {
      out_ += "null";
    } else {
      append_double(out_, v);
    }
  }
  void money(const char* k, Money m) {
    key(k);
    out_ += money_to_string(m);
  }
  void str(const char* k, std::string_view v) {
    key(k);
    out_ += '"';
    out_ += v;  // risk/'s and the venue's own identifiers: nothing to escape
    out_ += '"';
  }
  // {name: count, ...} of named counters.
  void counts(const char* k, const std::vector<NamedCount>& v) {
    key(k);
    JsonObject c(out_);
    for (const NamedCount& n : v) c.num(std::string(n.name).c_str(), n.count);
    c.close();
  }
  void close() { out_ += '}'; }

 private:
  std::string& out_;
  bool first_ = true;
};

}  // namespace

std::string StatsConfig::validate() const {
  if (bar_ns <= 0) return "stats.bar_ns must be > 0 (got " + std::to_string(bar_ns) + ")";
  if (capital.units <= 0) return "stats.capital must be > 0 (got " + money_to_string(capital) + ")";
  if (!std::isfinite(risk_free) || risk_free < 0) return "stats.risk_free must be a finite rate >= 0";
  return {};
}

std::string validate_series(const BacktestSeries& s) {
  if (s.end_ns < s.start_ns) return "series: end_ns is before start_ns";
  if (s.sample_ns <= 0) return "series: sample_ns must be > 0";
  const int64_t total = s.end_ns - s.start_ns;
  int64_t prev = s.start_ns;
  for (size_t i = 0; i < s.samples.size(); ++i) {
    const int64_t t = s.samples[i].ts_ns;
    if (t < prev || t > s.end_ns) {
      return "series: sample " + std::to_string(i) + " at " + std::to_string(t) +
             " is out of time order or outside [start_ns, end_ns]";
    }
    prev = t;
  }
  for (size_t i = 0; i < s.fills.size(); ++i) {
    if (s.fills[i].price_ticks <= 0 || s.fills[i].qty_lots <= 0) {
      return "series: fill " + std::to_string(i) + " has a price or quantity <= 0";
    }
  }
  if (s.quoted_both_ns < 0 || s.quoted_any_ns < 0 || s.time_at_limit_ns < 0 || s.quoted_both_ns > total ||
      s.quoted_any_ns > total || s.time_at_limit_ns > total) {
    return "series: quoted_both_ns, quoted_any_ns and time_at_limit_ns must lie in [0, end_ns - start_ns]";
  }
  if (s.max_position_lots < 0) return "series: max_position_lots must be >= 0";
  if (s.orders_filled > s.orders_created) return "series: orders_filled exceeds orders_created";
  return {};
}

CoinUnits coin_units(const Instrument& in) {
  const std::string_view sym = in.name();
  auto ends = [&](std::string_view q) {
    return sym.size() > q.size() && sym.substr(sym.size() - q.size()) == q;
  };
  auto base = [&](size_t quote_len) { return std::string(sym.substr(0, sym.size() - quote_len)); };
  if (in.category == Category::kInverse) {
    // Inverse contracts settle in the base coin; their quantity is a count of USD contracts.
    if (ends("USD")) return {base(3), "contracts"};
    return {"coin", "contracts"};
  }
  if (ends("PERP")) return {"USDC", base(4)};  // Bybit's USDC perpetuals: BTCPERP
  for (std::string_view q : {"USDT", "USDC", "USDE", "EUR", "BTC", "ETH"}) {
    if (ends(q)) return {std::string(q), base(q.size())};
  }
  return {"coin", "qty"};
}

namespace {

void risk_statistics(const BacktestSeries& s, BacktestStats& st) {
  st.start_ns = s.start_ns;
  st.risk_events = s.risk_events;
  st.risk_events_dropped = s.risk_events_dropped;
  for (const RiskEventRecord& e : s.risk_events) {
    if (e.state == "halted") ++st.halts;
    if (e.state == "reduce_only") ++st.reduce_only_entries;
    if (e.state == "active") ++st.resumes;
  }
  st.breaker_trips = s.breaker_trips;
  st.risk_blocked = s.risk_blocked;
  st.rejects = s.rejects;
  st.final_state = std::string(s.final_state);
  st.final_cause = std::string(s.final_cause);
  const int64_t left = s.fills.empty() ? 0 : s.fills.back().position_after_lots;
  st.final_position = qty_of(s.instrument, static_cast<double>(left));
  st.qty_per_lot = qty_of(s.instrument, 1.0);
}

}  // namespace

BacktestStats compute_stats(const BacktestSeries& s, const StatsConfig& cfg) {
  if (std::string e = cfg.validate(); !e.empty()) throw std::invalid_argument(e);
  if (std::string e = validate_series(s); !e.empty()) throw std::invalid_argument(e);
  if (s.sample_ns > cfg.bar_ns) {
    throw std::invalid_argument("stats.bar_ns " + std::to_string(cfg.bar_ns) +
                                " is shorter than the sample period " + std::to_string(s.sample_ns) +
                                " ns (sample_ms must not exceed bar_s)");
  }
  BacktestStats st;
  CoinUnits units = coin_units(s.instrument);
  st.money_unit = std::move(units.money);
  st.qty_unit = std::move(units.qty);
  st.duration_ns = s.end_ns - s.start_ns;
  st.samples = s.samples.size();
  const double cap = static_cast<double>(cfg.capital.units);

  fill_statistics(s, st);
  for (const FundingRecord& f : s.funding) add_money(st.funding, f.payment_units, "funding");

  if (s.samples.empty()) {
    st.undefined |= kNoSamples;
  } else {
    st.net_pnl = Money{s.samples.back().equity_units};
  }
  drawdown_statistics(s, st);
  inventory_statistics(s, st);
  // gross = net + fees - rebates - funding
  Money g = st.net_pnl;
  if (!checked_add(g, st.fees, g) || !checked_sub(g, st.rebates, g) || !checked_sub(g, st.funding, g)) {
    throw std::overflow_error("stats: gross_pnl overflows");
  }
  st.gross_pnl = g;
  st.return_on_capital = static_cast<double>(st.net_pnl.units) / cap;
  st.max_drawdown_pct = 100.0 * static_cast<double>(st.max_drawdown.units) / cap;
  st.turnover = static_cast<double>(st.volume.units) / cap;

  if (st.duration_ns <= 0) {
    st.undefined |= kNoDuration | kCalmarUndefined;
  } else {
    st.annualized_return =
        st.return_on_capital * static_cast<double>(kNsPerYear) / static_cast<double>(st.duration_ns);
    if (st.max_drawdown.units > 0) {
      st.calmar = st.annualized_return / (static_cast<double>(st.max_drawdown.units) / cap);
    } else {
      st.undefined |= kCalmarUndefined;
    }
  }
  bar_statistics(s, cfg, st);

  risk_statistics(s, st);
  st.orders_created = s.orders_created;
  st.orders_amended = s.orders_amended;
  st.orders_cancelled = s.orders_cancelled;
  st.orders_rejected = s.orders_rejected;
  st.orders_filled = s.orders_filled;
  if (s.orders_created == 0) st.undefined |= kNoOrders;
  st.fill_ratio = ratio(static_cast<double>(s.orders_filled), static_cast<double>(s.orders_created));
  if (st.fills == 0) {
    st.undefined |= kOrderToTradeUndefined;
  } else {
    st.order_to_trade = static_cast<double>(s.orders_created + s.orders_amended + s.orders_cancelled) /
                        static_cast<double>(st.fills);
  }
  st.time_at_limit_pct = s.max_position_lots > 0 ? pct_of_duration(s.time_at_limit_ns, st.duration_ns) : 0.0;
  st.quote_uptime_pct = pct_of_duration(s.quoted_both_ns, st.duration_ns);
  st.quote_uptime_any_pct = pct_of_duration(s.quoted_any_ns, st.duration_ns);
  return st;
}

std::string money_to_string(Money m) {
  char buf[48];
  const size_t n = format_fixed(m.units, kMoneyScale, 0, buf);
  return {buf, n};
}

std::vector<std::string> undefined_stats(const BacktestStats& st) {
  std::vector<std::string> out;
  const uint32_t u = st.undefined;
  auto add = [&](uint32_t bit, std::initializer_list<const char*> keys) {
    if ((u & bit) == 0) return;
    for (const char* k : keys) out.emplace_back(k);
  };
  add(kSharpeUndefined, {"sharpe"});
  add(kSortinoUndefined, {"sortino"});
  add(kCalmarUndefined, {"calmar"});
  add(kNoOrders, {"fill_ratio_pct"});
  add(kNoFills, {"maker_share_pct"});
  add(kNoSamples, {"inventory_mean", "inventory_mean_abs"});
  add(kNoDuration, {"time_at_limit_pct", "quote_uptime_pct"});
  add(kOrderToTradeUndefined, {"order_to_trade"});
  add(kNoSpreadCaptured, {"spread_captured_bps"});
  static constexpr const char* kSides[3] = {"buy", "sell", "all"};
  static constexpr const char* kHorizons[3] = {"1s", "5s", "30s"};
  for (int g = 0; g < 3; ++g) {
    for (int h = 0; h < 3; ++h) {
      if (st.markouts[g].count[h] == 0)
        out.push_back(std::string("markouts.") + kSides[g] + "." + kHorizons[h]);
    }
  }
  return out;
}

void write_stats_json(const BacktestStats& st, std::string& out) {
  const uint32_t u = st.undefined;
  JsonObject o(out);
  o.money("net_pnl", st.net_pnl);
  o.money("gross_pnl", st.gross_pnl);
  o.money("fees", st.fees);
  o.money("rebates", st.rebates);
  o.money("funding", st.funding);
  o.num("return_on_capital_pct", 100.0 * st.return_on_capital);
  o.num_or_null("sharpe", st.sharpe, (u & kSharpeUndefined) != 0);
  o.num_or_null("sortino", st.sortino, (u & kSortinoUndefined) != 0);
  o.money("max_drawdown", st.max_drawdown);
  o.num("max_drawdown_pct", st.max_drawdown_pct);
  o.num("max_drawdown_duration_s", static_cast<double>(st.max_drawdown_duration_ns) / 1e9);
  o.num_or_null("calmar", st.calmar, (u & kCalmarUndefined) != 0);
  // The caveat of the table's "(run < 1 day: extrapolated)": Sharpe, Sortino and Calmar scaled to a year
  // from less than a day of data.
  o.key("annualized_extrapolated");
  out += st.duration_ns < 86'400 * kNsPerSecond ? "true" : "false";
  o.num("fills", st.fills);
  o.num("maker_fills", st.maker_fills);
  o.num("taker_fills", st.taker_fills);
  o.num_or_null("fill_ratio_pct", 100.0 * st.fill_ratio, (u & kNoOrders) != 0);
  o.num_or_null("maker_share_pct", 100.0 * st.maker_share, (u & kNoFills) != 0);
  o.money("volume", st.volume);
  o.num("turnover", st.turnover);
  o.num_or_null("inventory_mean", st.inventory_mean, (u & kNoSamples) != 0);
  o.num_or_null("inventory_mean_abs", st.inventory_mean_abs, (u & kNoSamples) != 0);
  o.num("inventory_max", st.inventory_max);
  o.num_or_null("time_at_limit_pct", st.time_at_limit_pct, (u & kNoDuration) != 0);
  o.num_or_null("quote_uptime_pct", st.quote_uptime_pct, (u & kNoDuration) != 0);
  o.num_or_null("order_to_trade", st.order_to_trade, (u & kOrderToTradeUndefined) != 0);
  o.num("orders_created", st.orders_created);
  o.num("orders_amended", st.orders_amended);
  o.num("orders_cancelled", st.orders_cancelled);
  o.num("orders_rejected", st.orders_rejected);
  o.num_or_null("spread_captured_bps", st.spread_captured_bps, (u & kNoSpreadCaptured) != 0);
  o.key("markouts");
  {
    JsonObject m(out);
    static constexpr const char* kSides[3] = {"buy", "sell", "all"};
    static constexpr const char* kHorizons[3] = {"1s", "5s", "30s"};
    for (int g = 0; g < 3; ++g) {
      m.key(kSides[g]);
      JsonObject h(out);
      for (int k = 0; k < 3; ++k)
        h.num_or_null(kHorizons[k], st.markouts[g].bps[k], st.markouts[g].count[k] == 0);
      h.close();
    }
    m.close();
  }
  o.key("risk");
  {
    JsonObject r(out);
    r.str("final_state", st.final_state);
    r.str("final_cause", st.final_cause);
    r.num("position_left", st.final_position);
    r.num("halts", st.halts);
    r.num("reduce_only", st.reduce_only_entries);
    r.num("resumes", st.resumes);
    r.counts("breaker_trips", st.breaker_trips);
    r.counts("blocked", st.risk_blocked);
    r.counts("rejects", st.rejects);
    r.key("events");
    out += '[';
    for (size_t i = 0; i < st.risk_events.size(); ++i) {
      const RiskEventRecord& e = st.risk_events[i];
      if (i > 0) out += ',';
      JsonObject ev(out);
      ev.num("t_s", static_cast<double>(e.ts_ns - st.start_ns) / 1e9);
      ev.str("state", e.state);
      ev.str("cause", e.cause);
      ev.num("position", static_cast<double>(e.position_lots) * st.qty_per_lot);
      ev.close();
    }
    out += ']';
    r.num("events_dropped", st.risk_events_dropped);
    r.close();
  }
  o.key("undefined");
  out += '[';
  bool first = true;
  for (const std::string& k : undefined_stats(st)) {
    if (!first) out += ',';
    first = false;
    out += '"';
    out += k;  // our own literals: nothing to escape
    out += '"';
  }
  out += ']';
  o.close();
}

std::string stats_json(const BacktestStats& st) {
  std::string out;
  write_stats_json(st, out);
  return out;
}

std::vector<StatsRow> stats_rows(const BacktestStats& st) {
  std::vector<StatsRow> rows;
  auto row = [&](const char* name, std::string value, const std::string& unit) {
    rows.push_back({name, std::move(value), unit});
  };
  auto d = [](double v, int prec) {
    char b[64];
    std::snprintf(b, sizeof b, "%.*f", prec, std::isfinite(v) ? v : 0.0);
    return std::string(b);
  };
  auto u = [](uint64_t v) { return std::to_string(v); };
  auto flag = [&](uint32_t bit, const std::string& defined_unit) -> std::string {
    return (st.undefined & bit) ? "(undefined)" : defined_unit;
  };
  const std::string& coin = st.money_unit;
  const std::string& qty = st.qty_unit;
  // Ratios annualized from less than a day of data are extrapolations: the unit says so.
  const std::string annualized =
      st.duration_ns < 86'400 * kNsPerSecond ? "annualized (run < 1 day: extrapolated)" : "annualized";
  row("net PnL", money_to_string(st.net_pnl), coin);
  row("gross PnL", money_to_string(st.gross_pnl), coin + " (before fees and funding)");
  row("fees paid", money_to_string(st.fees), coin);
  row("rebates received", money_to_string(st.rebates), coin);
  row("funding", money_to_string(st.funding), coin + " (> 0 received)");
  row("return on capital", d(100.0 * st.return_on_capital, 4), "%");
  row("annualized return", d(100.0 * st.annualized_return, 2), "% (" + annualized + ")");
  row("Sharpe", d(st.sharpe, 3), flag(kSharpeUndefined, annualized));
  row("Sortino", d(st.sortino, 3), flag(kSortinoUndefined, annualized));
  row("bars", u(st.bars), "");
  row("max drawdown", money_to_string(st.max_drawdown), coin);
  row("max drawdown %", d(st.max_drawdown_pct, 4), "% of capital");
  row("max drawdown duration", d(static_cast<double>(st.max_drawdown_duration_ns) / 1e9, 3), "s");
  row("Calmar", d(st.calmar, 3), flag(kCalmarUndefined, annualized));
  row("fills", u(st.fills), "");
  row("maker / taker fills", u(st.maker_fills) + " / " + u(st.taker_fills), "");
  row("maker share", d(100.0 * st.maker_share, 2), flag(kNoFills, "% of fills"));
  // An order can fill in several parts: fills may exceed orders while this stays <= 100 %.
  row("fill ratio", d(100.0 * st.fill_ratio, 2), flag(kNoOrders, "% of orders created with >= 1 fill"));
  row("volume", money_to_string(st.volume), coin);
  row("turnover", d(st.turnover, 4), "x capital");
  row("inventory mean", d(st.inventory_mean, 6), qty);
  row("inventory mean |.|", d(st.inventory_mean_abs, 6), qty);
  row("inventory max |.|", d(st.inventory_max, 6), qty + " (exact, fills included)");
  row("time at limit", d(st.time_at_limit_pct, 2), "%");
  row("quote uptime (2-sided)", d(st.quote_uptime_pct, 2), "%");
  row("quote uptime (any)", d(st.quote_uptime_any_pct, 2), "%");
  row("orders created", u(st.orders_created), "");
  row("orders amended", u(st.orders_amended), "");
  row("orders cancelled", u(st.orders_cancelled), "");
  row("orders rejected", u(st.orders_rejected), "");
  row("order-to-trade", d(st.order_to_trade, 2), flag(kOrderToTradeUndefined, ""));
  // Risk: a run that halted, or whose orders the limits refused, says so here.
  auto nonzero = [&](const std::vector<NamedCount>& v) {
    std::string t;
    for (const NamedCount& n : v) {
      if (n.count == 0) continue;
      if (!t.empty()) t += ", ";
      t += std::string(n.name) + " " + u(n.count);
    }
    return t.empty() ? std::string("none") : t;
  };
  row("trading state at end",
      st.final_state == "active" ? st.final_state : st.final_state + " (" + st.final_cause + ")",
      st.final_position != 0 ? "position left " + d(st.final_position, 6) + " " + qty : "");
  row("halts / reduce-only / resumes",
      u(st.halts) + " / " + u(st.reduce_only_entries) + " / " + u(st.resumes),
      st.risk_events_dropped > 0 ? "(" + u(st.risk_events_dropped) + " more changes not kept)" : "");
  row("breaker trips", nonzero(st.breaker_trips), "");
  row("blocked by risk", nonzero(st.risk_blocked), "actions (pre-trade rule)");
  row("rejects", nonzero(st.rejects), "by the exchange (reason)");
  row("spread captured", d(st.spread_captured_bps, 3), flag(kNoSpreadCaptured, "bps"));
  static constexpr const char* kNames[3] = {"markout buy", "markout sell", "markout all"};
  for (int g = 0; g < 3; ++g) {
    const FillMarkouts& m = st.markouts[g];
    auto at = [&](int h) { return m.count[h] == 0 ? std::string("n/a") : d(m.bps[h], 2); };
    row(kNames[g], at(0) + " " + at(1) + " " + at(2), "bps at 1 s / 5 s / 30 s (n/a: no fill to mark)");
  }
  return rows;
}

std::string format_stats_table(const BacktestStats& st) {
  std::string out = "backtest statistics\n";
  char line[200];
  for (const StatsRow& r : stats_rows(st)) {
    std::snprintf(line, sizeof line, "  %-24s %22s  %s\n", r.name.c_str(), r.value.c_str(), r.unit.c_str());
    out += line;
  }
  return out;
}

}  // namespace mm
