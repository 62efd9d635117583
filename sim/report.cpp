#include "sim/report.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
#include <stdexcept>
#include <vector>

#include "core/decimal.h"
#include "sim/detail/downsample.h"

namespace mm {

namespace {

using detail::XySeries;

// ---- JSON pieces of the embedded data (numbers only, plus the escaped symbol) ----

void put_num(std::string& o, double v) {
  if (!std::isfinite(v)) {
    o += "null";  // a gap in a line
    return;
  }
  if (v == 0.0) {
    o += '0';
    return;
  }
  char b[40];
  const auto r = std::to_chars(b, b + sizeof b, v);
  o.append(b, r.ptr);
}

void put_array(std::string& o, const std::vector<double>& v) {
  o += '[';
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) o += ',';
    put_num(o, v[i]);
  }
  o += ']';
}

void put_xy(std::string& o, const XySeries& s) {
  o += "{\"x\":";
  put_array(o, s.x);
  o += ",\"y\":";
  put_array(o, s.y);
  o += '}';
}

// A JSON string safe inside <script>: no '<' (so no "</script>"), quotes and controls escaped.
void put_str(std::string& o, std::string_view s) {
  o += '"';
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      o += '\\';
      o += c;
    } else if (u < 0x20 || c == '<' || c == '>' || c == '&') {
      char b[8];
      std::snprintf(b, sizeof b, "\\u%04x", u);
      o += b;
    } else {
      o += c;
    }
  }
  o += '"';
}

// ---- values ----

double price_of(const Instrument& in, int64_t ticks) {
  return static_cast<double>(ticks) * static_cast<double>(in.tick_units) /
         static_cast<double>(pow10_i64(in.price_scale));
}

double qty_of(const Instrument& in, int64_t lots) {
  return static_cast<double>(lots) * static_cast<double>(in.lot_units) /
         static_cast<double>(pow10_i64(in.qty_scale));
}

double coin_of(int64_t units) {
  return static_cast<double>(units) / static_cast<double>(kMoneyOne);
}

// Seconds since the start, rounded to the millisecond (shorter JSON; a plot pixel is far coarser).
double secs(int64_t ts_ns, int64_t start_ns) {
  return std::round(static_cast<double>(ts_ns - start_ns) / 1e6) / 1e3;
}

std::string utc_text(int64_t ns) {
  const std::time_t t = static_cast<std::time_t>(ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char b[40];
  std::strftime(b, sizeof b, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return b;
}

struct Histogram {
  std::vector<double> edges, counts;
};

// Bins over [1st, 99th] percentile of the values (outliers land in the end bins) so that one extreme fill
// does not squeeze the rest into a single bar.
Histogram histogram(std::vector<double> v, int bins) {
  Histogram h;
  if (v.empty()) return h;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  double lo = v[static_cast<size_t>(std::floor(0.01 * static_cast<double>(n - 1)))];
  double hi = v[static_cast<size_t>(std::ceil(0.99 * static_cast<double>(n - 1)))];
  if (!(hi > lo)) {
    lo -= 0.5;
    hi += 0.5;
  }
  const double w = (hi - lo) / bins;
  for (int i = 0; i <= bins; ++i) h.edges.push_back(lo + w * i);
  h.counts.assign(static_cast<size_t>(bins), 0.0);
  for (const double x : v) {
    const int k = std::clamp(static_cast<int>(std::floor((x - lo) / w)), 0, bins - 1);
    h.counts[static_cast<size_t>(k)] += 1;
  }
  return h;
}

std::string build_data(const BacktestSeries& s, const BacktestStats& st, const ReportOptions& opts) {
  const Instrument& in = s.instrument;
  const size_t budget = opts.max_points_per_plot;
  XySeries mid, bid, ask, equity, drawdown, inventory, buys, sells;
  int64_t peak = 0;
  for (const SeriesSample& x : s.samples) {
    const double t = secs(x.ts_ns, s.start_ns);
    mid.x.push_back(t);
    mid.y.push_back(x.mid_half_ticks != 0 ? 0.5 * price_of(in, x.mid_half_ticks) : NAN);
    bid.x.push_back(t);
    bid.y.push_back(x.bid_quote_ticks != 0 ? price_of(in, x.bid_quote_ticks) : NAN);
    ask.x.push_back(t);
    ask.y.push_back(x.ask_quote_ticks != 0 ? price_of(in, x.ask_quote_ticks) : NAN);
    equity.x.push_back(t);
    equity.y.push_back(coin_of(x.equity_units));
    peak = std::max(peak, x.equity_units);
    drawdown.x.push_back(t);
    drawdown.y.push_back(coin_of(x.equity_units) - coin_of(peak));
    inventory.x.push_back(t);
    inventory.y.push_back(qty_of(in, x.position_lots));
  }
  std::vector<double> captured;
  double sc_sum[2] = {0, 0};
  uint64_t sc_n[2] = {0, 0};
  for (const FillRecord& f : s.fills) {
    XySeries& dst = f.side == Side::kBuy ? buys : sells;
    dst.x.push_back(secs(f.ts_ns, s.start_ns));
    dst.y.push_back(price_of(in, f.price_ticks));
    if (f.mid_half_ticks != 0) {
      const double sign = f.side == Side::kBuy ? 1.0 : -1.0;
      const double bps = 1e4 * 0.5 * static_cast<double>(f.mid_half_ticks - 2 * f.price_ticks) * sign /
                         static_cast<double>(f.price_ticks);
      captured.push_back(bps);
      const int side = f.side == Side::kBuy ? 0 : 1;
      sc_sum[side] += bps;
      ++sc_n[side];
    }
  }
  std::string o;
  o.reserve(64 * 1024);
  o += "{\"t0ms\":";
  put_num(o, std::floor(static_cast<double>(s.start_ns) / 1e6));
  o += ",\"span\":";
  put_num(o, secs(s.end_ns, s.start_ns));
  o += ",\"symbol\":";
  put_str(o, in.name());
  o += ",\"price\":{\"mid\":";
  put_xy(o, detail::downsample_min_max(mid, budget / 4));
  o += ",\"bid\":";
  put_xy(o, detail::downsample_min_max(bid, budget / 4));
  o += ",\"ask\":";
  put_xy(o, detail::downsample_min_max(ask, budget / 4));
  o += ",\"buys\":";
  put_xy(o, detail::downsample_stride(buys, budget / 8));
  o += ",\"sells\":";
  put_xy(o, detail::downsample_stride(sells, budget / 8));
  o += "},\"equity\":{\"equity\":";
  put_xy(o, detail::downsample_min_max(equity, budget / 2));
  o += ",\"drawdown\":";
  put_xy(o, detail::downsample_min_max(drawdown, budget / 2));
  o += "},\"inventory\":{\"pos\":";
  put_xy(o, detail::downsample_min_max(inventory, budget));
  o += ",\"limit\":";
  put_num(o, qty_of(in, s.max_position_lots));
  o += "},\"markout\":{\"h\":[0,1,5,30]";
  static constexpr const char* kSides[3] = {"buy", "sell", "all"};
  for (int g = 0; g < 3; ++g) {
    std::vector<double> curve;
    if (g < 2) {
      curve.push_back(sc_n[g] ? sc_sum[g] / static_cast<double>(sc_n[g]) : NAN);
    } else {
      curve.push_back(st.spread_captured_count ? st.spread_captured_bps : NAN);
    }
    for (int h = 0; h < 3; ++h) curve.push_back(st.markouts[g].count[h] ? st.markouts[g].bps[h] : NAN);
    o += ",\"";
    o += kSides[g];
    o += "\":";
    put_array(o, curve);
  }
  const Histogram hist = histogram(std::move(captured), opts.histogram_bins);
  o += "},\"risk\":[";
  // Every change of the trading state (breaker trips, halts, resumes, the kill switch): a marker on each
  // time plot, so that a run that halted shows where.
  for (size_t i = 0; i < s.risk_events.size(); ++i) {
    const RiskEventRecord& e = s.risk_events[i];
    if (i > 0) o += ',';
    o += "{\"t\":";
    put_num(o, secs(e.ts_ns, s.start_ns));
    o += ",\"state\":";
    put_str(o, e.state);
    o += ",\"cause\":";
    put_str(o, e.cause);
    o += '}';
  }
  o += "],\"spread\":{\"edges\":";
  put_array(o, hist.edges);
  o += ",\"counts\":";
  put_array(o, hist.counts);
  o += ",\"mean\":";
  put_num(o, st.spread_captured_count ? st.spread_captured_bps : NAN);
  o += "}}";
  return o;
}

constexpr std::string_view kCss = R"CSS(
body { font: 14px/1.4 system-ui, sans-serif; margin: 16px 24px; color: #222; background: #fafafa; }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 15px; margin: 18px 0 6px; }
.meta { color: #555; margin-bottom: 8px; }
section.plot { background: #fff; border: 1px solid #ddd; border-radius: 4px; padding: 8px 12px; margin: 10px 0;
  max-width: 1120px; }
section.plot canvas { width: 100%; max-width: 1100px; height: auto; display: block; }
.plot-error { color: #b00; font-family: monospace; }
.row { display: flex; gap: 12px; flex-wrap: wrap; }
.row section.plot { flex: 1 1 520px; }
table.stats { border-collapse: collapse; background: #fff; }
table.stats td { border-bottom: 1px solid #eee; padding: 2px 10px; }
table.stats td.v { text-align: right; font-family: monospace; }
table.stats td.u { color: #666; }
pre.config { background: #fff; border: 1px solid #ddd; padding: 8px; max-width: 1100px; overflow: auto; }
)CSS";

// The drawing code. Plain ES5 on a 2D canvas, no library: the file must work offline and forever.
constexpr std::string_view kJs = R"JS(
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('report-data').textContent);
  var PAD = { l: 78, r: 16, t: 30, b: 34 };
  var TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
    172800, 604800];

  function finite(v) { return v !== null && v !== undefined && isFinite(v); }
  function fmt(v) { return String(+v.toPrecision(7)); }
  function extent(arrays) {
    var lo = Infinity, hi = -Infinity;
    arrays.forEach(function (a) {
      for (var i = 0; i < a.length; i++) {
        var v = a[i];
        if (finite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
      }
    });
    if (lo === Infinity) { lo = 0; hi = 1; }
    if (lo === hi) { var d = Math.abs(lo) * 0.001 || 1; lo -= d; hi += d; }
    var p = (hi - lo) * 0.05;
    return [lo - p, hi + p];
  }
  function niceTicks(lo, hi, n) {
    var span = hi - lo, step = Math.pow(10, Math.floor(Math.log10(span / n))), e = span / n / step;
    if (e >= 7.5) step *= 10; else if (e >= 3.5) step *= 5; else if (e >= 1.5) step *= 2;
    var out = [];
    for (var v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
    return out.map(function (t) { return [t, fmt(t)]; });
  }
  function timeTicks(lo, hi) {
    var step = TIME_STEPS[TIME_STEPS.length - 1];
    for (var i = 0; i < TIME_STEPS.length; i++) if (TIME_STEPS[i] >= (hi - lo) / 8) { step = TIME_STEPS[i]; break; }
    var longRun = D.span > 2 * 86400, out = [];
    for (var s = Math.ceil(lo / step) * step; s <= hi; s += step) {
      var iso = new Date(D.t0ms + s * 1000).toISOString();
      out.push([s, longRun ? iso.substring(5, 16).replace('T', ' ') : iso.substring(11, 19)]);
    }
    return out;
  }
  function frame(c, xr, yr, o) {
    var g = c.getContext('2d');
    g.clearRect(0, 0, c.width, c.height);
    g.font = '12px sans-serif';
    var x0 = PAD.l, x1 = c.width - PAD.r, y0 = c.height - PAD.b, y1 = PAD.t;
    var m = {
      g: g, x0: x0, x1: x1, y0: y0, y1: y1, n: 0,
      x: function (v) { return x0 + (v - xr[0]) / (xr[1] - xr[0]) * (x1 - x0); },
      y: function (v) { return y0 - (v - yr[0]) / (yr[1] - yr[0]) * (y0 - y1); }
    };
    g.fillStyle = '#ffffff'; g.fillRect(x0, y1, x1 - x0, y0 - y1);
    g.lineWidth = 1; g.strokeStyle = '#e4e4e4'; g.fillStyle = '#444';
    g.textAlign = 'right'; g.textBaseline = 'middle';
    niceTicks(yr[0], yr[1], 6).forEach(function (t) {
      var y = Math.round(m.y(t[0])) + 0.5;
      g.beginPath(); g.moveTo(x0, y); g.lineTo(x1, y); g.stroke(); g.fillText(t[1], x0 - 6, y);
    });
    g.textAlign = 'center'; g.textBaseline = 'top';
    var xt = o.xTicks === 'time' ? timeTicks(xr[0], xr[1]) : (o.xTicks || niceTicks(xr[0], xr[1], 8));
    xt.forEach(function (t) {
      if (t[0] < xr[0] || t[0] > xr[1]) return;
      var x = Math.round(m.x(t[0])) + 0.5;
      g.beginPath(); g.moveTo(x, y1); g.lineTo(x, y0); g.stroke(); g.fillText(t[1], x, y0 + 6);
    });
    g.strokeStyle = '#999'; g.strokeRect(x0 + 0.5, y1 + 0.5, x1 - x0, y0 - y1);
    g.save(); g.translate(14, (y0 + y1) / 2); g.rotate(-Math.PI / 2);
    g.textAlign = 'center'; g.textBaseline = 'middle'; g.fillText(o.yLabel || '', 0, 0); g.restore();
    if (yr[0] < 0 && yr[1] > 0) {
      g.strokeStyle = '#bbb'; g.beginPath(); g.moveTo(x0, m.y(0)); g.lineTo(x1, m.y(0)); g.stroke();
    }
    return m;
  }
  function line(m, s, color, step, width, dash) {
    var g = m.g, pen = false, py = 0;
    g.save(); g.beginPath(); g.rect(m.x0, m.y1, m.x1 - m.x0, m.y0 - m.y1); g.clip();
    g.strokeStyle = color; g.lineWidth = width || 1.2; g.setLineDash(dash || []);
    g.beginPath();
    for (var i = 0; i < s.x.length; i++) {
      var v = s.y[i];
      if (!finite(v)) { pen = false; continue; }
      var X = m.x(s.x[i]), Y = m.y(v);
      if (!pen) { g.moveTo(X, Y); pen = true; } else { if (step) g.lineTo(X, py); g.lineTo(X, Y); }
      py = Y; m.n++;
    }
    g.stroke(); g.restore();
  }
  function area(m, s, color) {
    var g = m.g, started = false, lastX = 0;
    g.save(); g.fillStyle = color; g.beginPath();
    for (var i = 0; i < s.x.length; i++) {
      if (!finite(s.y[i])) continue;
      var X = m.x(s.x[i]);
      if (!started) { g.moveTo(X, m.y(0)); started = true; }
      g.lineTo(X, m.y(s.y[i])); lastX = X; m.n++;
    }
    if (started) { g.lineTo(lastX, m.y(0)); g.closePath(); g.fill(); }
    g.restore();
  }
  function markers(m, s, color, up) {
    var g = m.g;
    g.fillStyle = color;
    for (var i = 0; i < s.x.length; i++) {
      if (!finite(s.y[i])) continue;
      var X = m.x(s.x[i]), Y = m.y(s.y[i]), d = up ? 1 : -1;
      g.beginPath(); g.moveTo(X, Y - 5 * d); g.lineTo(X - 4, Y + 3 * d); g.lineTo(X + 4, Y + 3 * d); g.closePath();
      g.fill(); m.n++;
    }
  }
  function legend(m, items) {
    var g = m.g, x = m.x0 + 4;
    g.textAlign = 'left'; g.textBaseline = 'middle';
    items.forEach(function (it) {
      g.fillStyle = it[1]; g.fillRect(x, m.y1 - 17, 14, 8);
      g.fillStyle = '#222'; g.fillText(it[0], x + 18, m.y1 - 13);
      x += 30 + g.measureText(it[0]).width;
    });
  }
  function noData(m, text) {
    var g = m.g;
    g.fillStyle = '#888'; g.textAlign = 'center'; g.textBaseline = 'middle';
    g.fillText(text, (m.x0 + m.x1) / 2, (m.y0 + m.y1) / 2);
  }
  var spanX = [0, Math.max(D.span, 1e-3)];
  // Risk events: a dashed vertical line per change of the trading state (red halted, orange reduce-only,
  // green back to active), labelled with its cause at the top of the plot.
  var RISK_COLORS = { halted: '#c0392b', reduce_only: '#e67e22', active: '#27ae60' };
  function riskMarks(m) {
    var g = m.g;
    (D.risk || []).forEach(function (e) {
      var X = Math.round(m.x(e.t)) + 0.5, col = RISK_COLORS[e.state] || '#555';
      g.save(); g.strokeStyle = col; g.lineWidth = 1.2; g.setLineDash([3, 3]);
      g.beginPath(); g.moveTo(X, m.y1); g.lineTo(X, m.y0); g.stroke(); g.restore();
      g.fillStyle = col; g.textAlign = 'left'; g.textBaseline = 'top';
      g.fillText(e.state === 'active' ? 'resume' : e.state + ': ' + e.cause, X + 3, m.y1 + 3);
    });
  }

  function plotPrice(c) {
    var P = D.price;
    var yr = extent([P.mid.y, P.bid.y, P.ask.y, P.buys.y, P.sells.y]);
    var m = frame(c, spanX, yr, { xTicks: 'time', yLabel: 'price (' + D.symbol + ')' });
    line(m, P.mid, '#777777', false, 1);
    line(m, P.bid, '#2a9d4a', true, 1.2);
    line(m, P.ask, '#d1403a', true, 1.2);
    markers(m, P.buys, '#1b7a36', true);
    markers(m, P.sells, '#b02a24', false);
    riskMarks(m);
    legend(m, [['mid', '#777777'], ['our bid', '#2a9d4a'], ['our ask', '#d1403a'], ['buy fill', '#1b7a36'],
      ['sell fill', '#b02a24']]);
    if (!P.mid.x.length) noData(m, 'no samples');
    return m.n;
  }
  function plotEquity(c) {
    var E = D.equity;
    var yr = extent([E.equity.y, E.drawdown.y, [0]]);
    var m = frame(c, spanX, yr, { xTicks: 'time', yLabel: 'coin' });
    area(m, E.drawdown, 'rgba(209,64,58,0.28)');
    line(m, E.equity, '#1f5fbf', false, 1.5);
    riskMarks(m);
    legend(m, [['equity (net PnL)', '#1f5fbf'], ['drawdown', 'rgba(209,64,58,0.5)']]);
    if (!E.equity.x.length) noData(m, 'no samples');
    return m.n;
  }
  function plotInventory(c) {
    var I = D.inventory, lim = I.limit;
    var yr = extent([I.pos.y, lim > 0 ? [lim, -lim] : [], [0]]);
    var m = frame(c, spanX, yr, { xTicks: 'time', yLabel: 'position (qty)' });
    if (lim > 0) {
      line(m, { x: spanX, y: [lim, lim] }, '#d1403a', false, 1, [5, 4]);
      line(m, { x: spanX, y: [-lim, -lim] }, '#d1403a', false, 1, [5, 4]);
    }
    var before = m.n;
    line(m, I.pos, '#6a3fb5', true, 1.3);
    riskMarks(m);
    legend(m, lim > 0 ? [['position', '#6a3fb5'], ['limit', '#d1403a']] : [['position', '#6a3fb5']]);
    if (!I.pos.x.length) noData(m, 'no samples');
    return m.n - before;
  }
  function plotMarkout(c) {
    var M = D.markout, idx = [0, 1, 2, 3];
    var yr = extent([M.buy, M.sell, M.all, [0]]);
    var m = frame(c, [-0.3, 3.3], yr, {
      xTicks: M.h.map(function (h, i) { return [i, h + ' s']; }), yLabel: 'markout (bps)'
    });
    var sides = [['buy', '#2a9d4a'], ['sell', '#d1403a'], ['all', '#222222']];
    sides.forEach(function (sd) {
      var s = { x: idx, y: M[sd[0]] };
      line(m, s, sd[1], false, 1.6);
      var g = m.g; g.fillStyle = sd[1];
      for (var i = 0; i < 4; i++) {
        if (!finite(s.y[i])) continue;
        g.beginPath(); g.arc(m.x(i), m.y(s.y[i]), 3.5, 0, 2 * Math.PI); g.fill();
      }
    });
    legend(m, sides);
    if (!m.n) noData(m, 'no fills');
    return m.n;
  }
  function plotSpread(c) {
    var S = D.spread, n = S.counts.length;
    if (!n) {
      var m0 = frame(c, [0, 1], [0, 1], { yLabel: 'fills' });
      noData(m0, 'no fills with a known mid');
      return 0;
    }
    var yr = [0, Math.max.apply(null, S.counts) * 1.08];
    var m = frame(c, [S.edges[0], S.edges[n]], yr, { yLabel: 'fills' });
    var g = m.g;
    g.fillStyle = '#4a7fc9';
    for (var i = 0; i < n; i++) {
      if (!S.counts[i]) continue;
      var xa = m.x(S.edges[i]) + 0.5, xb = m.x(S.edges[i + 1]) - 0.5, y = m.y(S.counts[i]);
      g.fillRect(xa, y, Math.max(1, xb - xa), m.y0 - y);
      m.n++;
    }
    if (finite(S.mean)) {
      var X = m.x(Math.min(Math.max(S.mean, S.edges[0]), S.edges[n]));
      g.strokeStyle = '#d1403a'; g.setLineDash([4, 3]); g.beginPath(); g.moveTo(X, m.y1); g.lineTo(X, m.y0); g.stroke();
      g.setLineDash([]);
    }
    legend(m, [['fills per bin (bps of price)', '#4a7fc9'], ['mean ' + fmt(S.mean) + ' bps', '#d1403a']]);
    return m.n;
  }
  function nonBlank(c) {
    var d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (var i = 3; i < d.length; i += 4) if (d[i] !== 0) return true;
    return false;
  }
  var rendered = 0;
  [['plot-price', plotPrice], ['plot-equity', plotEquity], ['plot-inventory', plotInventory],
   ['plot-markout', plotMarkout], ['plot-spread', plotSpread]].forEach(function (p) {
    var c = document.getElementById(p[0]);
    try {
      var n = p[1](c);
      c.dataset.points = String(n);
      if (nonBlank(c)) { c.dataset.rendered = '1'; rendered++; }
    } catch (e) {
      var err = document.createElement('div');
      err.className = 'plot-error';
      err.textContent = 'plot failed: ' + e;
      c.parentNode.appendChild(err);
    }
  });
  document.body.dataset.plotsRendered = String(rendered);
})();
)JS";

struct PlotSpec {
  const char* id;
  const char* title;
  const char* caption;
  int width, height;
};

constexpr PlotSpec kPlots[kReportPlots] = {
    {"plot-price", "Mid, our quotes and fills",
     "Best bid/ask we had resting at the exchange; triangles are our fills.", 1100, 380},
    {"plot-equity", "Equity and drawdown",
     "Net PnL (after fees and funding, unrealized at mid); shaded: below the running peak.", 1100, 300},
    {"plot-inventory", "Inventory", "Signed position; dashed: the configured position limit.", 1100, 260},
    {"plot-markout", "Markout curve",
     "Mean (mid after - price) x side, bps of the fill price; 0 s = spread captured.", 540, 300},
    {"plot-spread", "Spread captured",
     "Per fill: (mid before the fill - price) x side, bps of the fill price.", 540, 300},
};

void put_plot(std::string& o, const PlotSpec& p) {
  o += "<section class=\"plot\"><h2>";
  o += html_escape(p.title);
  o += "</h2><canvas id=\"";
  o += p.id;
  o += "\" width=\"" + std::to_string(p.width) + "\" height=\"" + std::to_string(p.height) +
       "\"></canvas><div class=\"meta\">";
  o += html_escape(p.caption);
  o += "</div></section>\n";
}

}  // namespace

std::string ReportOptions::validate() const {
  if (max_points_per_plot < 16) return "report.max_points_per_plot must be >= 16";
  if (histogram_bins < 1 || histogram_bins > 1000) return "report.histogram_bins must be in 1..1000";
  return {};
}

std::string html_escape(std::string_view text) {
  std::string o;
  o.reserve(text.size() + 16);
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    switch (c) {
      case '&':
        o += "&amp;";
        break;
      case '<':
        o += "&lt;";
        break;
      case '>':
        o += "&gt;";
        break;
      case '"':
        o += "&quot;";
        break;
      case '\'':
        o += "&#39;";
        break;
      case ':':
        if (text.substr(i, 3) == "://") {
          o += ":&#47;&#47;";
          i += 2;
        } else {
          o += c;
        }
        break;
      default:
        o += c;
    }
  }
  return o;
}

std::string render_report_html(const BacktestSeries& series, const BacktestStats& stats,
                               const ReportOptions& opts) {
  if (std::string e = opts.validate(); !e.empty()) throw std::invalid_argument(e);
  if (std::string e = validate_series(series); !e.empty()) throw std::invalid_argument(e);
  std::string o;
  o.reserve(256 * 1024);
  o += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>";
  o += html_escape(opts.title);
  o += "</title>\n<style>";
  o += kCss;
  o += "</style>\n</head>\n<body data-plots-rendered=\"0\">\n<h1>";
  o += html_escape(opts.title);
  o += "</h1>\n<div class=\"meta\">";
  o += html_escape(series.instrument.name());
  o += " &middot; ";
  o += html_escape(utc_text(series.start_ns));
  o += " &rarr; ";
  o += html_escape(utc_text(series.end_ns));
  char line[200];
  std::snprintf(
      line, sizeof line, " &middot; %.0f s &middot; %llu samples &middot; %llu fills &middot; %llu events",
      static_cast<double>(series.end_ns - series.start_ns) / 1e9,
      static_cast<unsigned long long>(series.samples.size()),
      static_cast<unsigned long long>(series.fills.size()), static_cast<unsigned long long>(series.events));
  o += line;
  o += " &middot; net PnL ";
  o += html_escape(money_to_string(stats.net_pnl));
  o += "</div>\n";
  put_plot(o, kPlots[0]);
  put_plot(o, kPlots[1]);
  put_plot(o, kPlots[2]);
  o += "<div class=\"row\">\n";
  put_plot(o, kPlots[3]);
  put_plot(o, kPlots[4]);
  o += "</div>\n<h2>Statistics</h2>\n<table class=\"stats\" id=\"stats-table\">\n";
  for (const StatsRow& r : stats_rows(stats)) {
    o += "<tr><td>" + html_escape(r.name) + "</td><td class=\"v\">" + html_escape(r.value) +
         "</td><td class=\"u\">" + html_escape(r.unit) + "</td></tr>\n";
  }
  o += "</table>\n";
  if (!opts.config_text.empty()) {
    o += "<h2>Configuration</h2>\n<pre class=\"config\" id=\"config\">";
    o += html_escape(opts.config_text);
    o += "</pre>\n";
  }
  o += "<script type=\"application/json\" id=\"report-data\">";
  o += build_data(series, stats, opts);
  o += "</script>\n<script>";
  o += kJs;
  o += "</script>\n</body>\n</html>\n";
  return o;
}

}  // namespace mm
