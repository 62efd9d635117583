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

// The price plot's series: mid, our best quotes, our fills and the market's trade prints. Budget split:
// mid, bid and ask a fifth each (min/max kept), fills and prints a tenth per side.
void put_price(std::string& o, const BacktestSeries& s, size_t budget) {
  const Instrument& in = s.instrument;
  XySeries mid, bid, ask, buys, sells, tbuy, tsell;
  for (const SeriesSample& x : s.samples) {
    const double t = secs(x.ts_ns, s.start_ns);
    mid.x.push_back(t);
    mid.y.push_back(x.mid_half_ticks != 0 ? 0.5 * price_of(in, x.mid_half_ticks) : NAN);
    bid.x.push_back(t);
    bid.y.push_back(x.bid_quote_ticks != 0 ? price_of(in, x.bid_quote_ticks) : NAN);
    ask.x.push_back(t);
    ask.y.push_back(x.ask_quote_ticks != 0 ? price_of(in, x.ask_quote_ticks) : NAN);
  }
  for (const FillRecord& f : s.fills) {
    XySeries& dst = f.side == Side::kBuy ? buys : sells;
    dst.x.push_back(secs(f.ts_ns, s.start_ns));
    dst.y.push_back(price_of(in, f.price_ticks));
  }
  for (const TradePrintRecord& p : s.trades) {
    XySeries& dst = p.taker_side == Side::kBuy ? tbuy : tsell;
    dst.x.push_back(secs(p.ts_ns, s.start_ns));
    dst.y.push_back(price_of(in, p.price_ticks));
  }
  o += "{\"mid\":";
  put_xy(o, detail::downsample_min_max(mid, budget / 5));
  o += ",\"bid\":";
  put_xy(o, detail::downsample_min_max(bid, budget / 5));
  o += ",\"ask\":";
  put_xy(o, detail::downsample_min_max(ask, budget / 5));
  o += ",\"buys\":";
  put_xy(o, detail::downsample_stride(buys, budget / 10));
  o += ",\"sells\":";
  put_xy(o, detail::downsample_stride(sells, budget / 10));
  o += ",\"prints\":{\"buy\":";
  put_xy(o, detail::downsample_min_max(tbuy, budget / 10));
  o += ",\"sell\":";
  put_xy(o, detail::downsample_min_max(tsell, budget / 10));
  o += "}}";
}

// Equity with its drawdown, and the PnL split over time: gross (trading, unrealized at the mid) = net + fees
// - funding, fees as the cost they are (negative when paid), funding received, net.
void put_equity_and_pnl(std::string& o, const BacktestSeries& s, size_t budget) {
  XySeries equity, drawdown, gross, fees, funding, net;
  int64_t peak = 0;
  for (const SeriesSample& x : s.samples) {
    const double t = secs(x.ts_ns, s.start_ns);
    for (XySeries* v : {&equity, &drawdown, &gross, &fees, &funding, &net}) v->x.push_back(t);
    equity.y.push_back(coin_of(x.equity_units));
    peak = std::max(peak, x.equity_units);
    drawdown.y.push_back(coin_of(x.equity_units) - coin_of(peak));
    gross.y.push_back(coin_of(x.equity_units + x.fees_units - x.funding_units));
    fees.y.push_back(-coin_of(x.fees_units));
    funding.y.push_back(coin_of(x.funding_units));
    net.y.push_back(coin_of(x.equity_units));
  }
  o += "\"equity\":{\"equity\":";
  put_xy(o, detail::downsample_min_max(equity, budget / 2));
  o += ",\"drawdown\":";
  put_xy(o, detail::downsample_min_max(drawdown, budget / 2));
  o += "},\"pnl\":{\"gross\":";
  put_xy(o, detail::downsample_min_max(gross, budget / 4));
  o += ",\"fees\":";
  put_xy(o, detail::downsample_min_max(fees, budget / 4));
  o += ",\"funding\":";
  put_xy(o, detail::downsample_min_max(funding, budget / 4));
  o += ",\"net\":";
  put_xy(o, detail::downsample_min_max(net, budget / 4));
  o += '}';
}

std::string build_data(const BacktestSeries& s, const BacktestStats& st, const ReportOptions& opts) {
  const Instrument& in = s.instrument;
  const size_t budget = opts.max_points_per_plot;
  XySeries inventory;
  for (const SeriesSample& x : s.samples) {
    inventory.x.push_back(secs(x.ts_ns, s.start_ns));
    inventory.y.push_back(qty_of(in, x.position_lots));
  }
  std::vector<double> captured;
  double sc_sum[2] = {0, 0};
  uint64_t sc_n[2] = {0, 0};
  for (const FillRecord& f : s.fills) {
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
  o += ",\"money\":";
  put_str(o, st.money_unit);
  o += ",\"qty\":";
  put_str(o, st.qty_unit);
  o += ",\"price\":";
  put_price(o, s, budget);
  o += ',';
  put_equity_and_pnl(o, s, budget);
  o += ",\"inventory\":{\"pos\":";
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
.toolbar { color: #555; margin: 6px 0; }
section.plot { position: relative; background: #fff; border: 1px solid #ddd; border-radius: 4px;
  padding: 8px 12px; margin: 10px 0; }
section.plot canvas { width: 100%; display: block; cursor: crosshair; user-select: none; }
.plot-error { color: #b00; font-family: monospace; }
.row { display: flex; gap: 12px; flex-wrap: wrap; }
.row section.plot { flex: 1 1 520px; min-width: 0; }
.xhair { position: absolute; width: 1px; background: rgba(0,0,0,0.4); pointer-events: none; display: none; }
.sel { position: absolute; background: rgba(31,95,191,0.15); border: 1px solid rgba(31,95,191,0.6);
  pointer-events: none; display: none; }
#tip { position: fixed; display: none; pointer-events: none; z-index: 10; background: rgba(255,255,255,0.96);
  border: 1px solid #999; border-radius: 3px; padding: 4px 8px; font: 12px/1.4 monospace; white-space: nowrap; }
#tip .sw { display: inline-block; width: 10px; height: 10px; margin-right: 6px; vertical-align: -1px; }
table.stats { border-collapse: collapse; background: #fff; }
table.stats td { border-bottom: 1px solid #eee; padding: 2px 10px; }
table.stats td.v { text-align: right; font-family: monospace; }
table.stats td.u { color: #666; }
pre.config { background: #fff; border: 1px solid #ddd; padding: 8px; overflow: auto; }
)CSS";

// The drawing code. Plain ES5 on a 2D canvas, no library: the file must work offline and forever.
// The four time plots share one time window (`view`): drag across one to zoom all of them, the wheel zooms
// around the cursor, a double-click or the reset button shows the whole run. Hovering any plot shows the
// values under the cursor (a crosshair on every time plot). Canvases follow the page width (and the screen's
// pixel ratio) and are redrawn when the window is resized.
constexpr std::string_view kJs = R"JS(
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('report-data').textContent);
  var PAD = { l: 78, r: 16, t: 30, b: 34 };
  var TIME_STEPS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600,
    900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800];
  var DPR = window.devicePixelRatio || 1;
  var FULL = [0, Math.max(D.span, 1e-3)];
  var view = FULL.slice();

  function finite(v) { return v !== null && v !== undefined && isFinite(v); }
  function fmt(v) { return String(+v.toPrecision(7)); }
  function lowerBound(a, v) {
    var lo = 0, hi = a.length;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (a[mid] < v) lo = mid + 1; else hi = mid; }
    return lo;
  }
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
  // The y extent of the series' points inside the time window xr (plus the point before it, whose value a
  // step line carries into the window); plain arrays are constants always included.
  function extentIn(list, xr) {
    return extent(list.map(function (s) {
      if (Array.isArray(s)) return s;
      var i = Math.max(0, lowerBound(s.x, xr[0]) - 1), j = lowerBound(s.x, xr[1]);
      return s.y.slice(i, Math.min(s.y.length, j + 1));
    }));
  }
  function niceTicks(lo, hi, n) {
    var span = hi - lo, step = Math.pow(10, Math.floor(Math.log10(span / n))), e = span / n / step;
    if (e >= 7.5) step *= 10; else if (e >= 3.5) step *= 5; else if (e >= 1.5) step *= 2;
    var out = [];
    for (var v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
    return out.map(function (t) { return [t, fmt(t)]; });
  }
  function timeText(s) { return new Date(D.t0ms + s * 1000).toISOString().replace('T', ' ').substring(0, 23) + ' UTC'; }
  function timeTicks(lo, hi) {
    var step = TIME_STEPS[TIME_STEPS.length - 1];
    for (var i = 0; i < TIME_STEPS.length; i++) if (TIME_STEPS[i] >= (hi - lo) / 8) { step = TIME_STEPS[i]; break; }
    var longRun = hi - lo > 2 * 86400, out = [];
    for (var k = Math.ceil(lo / step); k * step <= hi; k++) {
      var s = k * step, iso = new Date(D.t0ms + s * 1000).toISOString();
      out.push([s, longRun ? iso.substring(5, 16).replace('T', ' ') : iso.substring(11, step < 1 ? 23 : 19)]);
    }
    return out;
  }
  // Sizes the canvas to its box (CSS width: the page's; height: data-h) at the screen's pixel ratio.
  function fit(c) {
    var w = Math.max(240, c.clientWidth || +c.getAttribute('width')), h = +c.dataset.h;
    var W = Math.round(w * DPR), H = Math.round(h * DPR);
    if (c.width !== W) c.width = W;
    if (c.height !== H) c.height = H;
    c._w = w; c._h = h;
    c.dataset.cssWidth = String(Math.round(w));
    var g = c.getContext('2d');
    g.setTransform(DPR, 0, 0, DPR, 0, 0);
    return g;
  }
  function frame(c, xr, yr, o) {
    var g = fit(c);
    g.clearRect(0, 0, c._w, c._h);
    g.font = '12px sans-serif';
    var x0 = PAD.l, x1 = c._w - PAD.r, y0 = c._h - PAD.b, y1 = PAD.t;
    var m = {
      c: c, g: g, x0: x0, x1: x1, y0: y0, y1: y1, n: 0, xr: xr, hover: [], tip: null,
      x: function (v) { return x0 + (v - xr[0]) / (xr[1] - xr[0]) * (x1 - x0); },
      y: function (v) { return y0 - (v - yr[0]) / (yr[1] - yr[0]) * (y0 - y1); },
      t: function (px) { return xr[0] + (px - x0) / (x1 - x0) * (xr[1] - xr[0]); }
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
    var labels = 0, right = 0;
    xt.forEach(function (t) {
      if (t[0] < xr[0] || t[0] > xr[1]) return;
      var x = Math.round(m.x(t[0])) + 0.5;
      g.beginPath(); g.moveTo(x, y1); g.lineTo(x, y0); g.stroke();
      // A label at either end is moved inside the canvas rather than cut (the last one included).
      var w = g.measureText(t[1]).width, lx = Math.min(Math.max(x, w / 2 + 2), c._w - w / 2 - 2);
      g.fillText(t[1], lx, y0 + 6);
      labels++; right = Math.max(right, lx + w / 2);
    });
    c.dataset.xLabels = String(labels);
    c.dataset.xLabelRight = String(Math.ceil(right));
    g.strokeStyle = '#999'; g.strokeRect(x0 + 0.5, y1 + 0.5, x1 - x0, y0 - y1);
    g.save(); g.translate(14, (y0 + y1) / 2); g.rotate(-Math.PI / 2);
    g.textAlign = 'center'; g.textBaseline = 'middle'; g.fillText(o.yLabel || '', 0, 0); g.restore();
    if (yr[0] < 0 && yr[1] > 0) {
      g.strokeStyle = '#bbb'; g.beginPath(); g.moveTo(x0, m.y(0)); g.lineTo(x1, m.y(0)); g.stroke();
    }
    return m;
  }
  function clip(m) { var g = m.g; g.save(); g.beginPath(); g.rect(m.x0, m.y1, m.x1 - m.x0, m.y0 - m.y1); g.clip(); return g; }
  // Points inside the window (one either side, so that lines run to the edges).
  function range(m, s) {
    return [Math.max(0, lowerBound(s.x, m.xr[0]) - 1), Math.min(s.x.length, lowerBound(s.x, m.xr[1]) + 1)];
  }
  function line(m, s, color, step, width, dash) {
    var g = clip(m), pen = false, py = 0, r = range(m, s);
    g.strokeStyle = color; g.lineWidth = width || 1.2; g.setLineDash(dash || []);
    g.beginPath();
    for (var i = r[0]; i < r[1]; i++) {
      var v = s.y[i];
      if (!finite(v)) { pen = false; continue; }
      var X = m.x(s.x[i]), Y = m.y(v);
      if (!pen) { g.moveTo(X, Y); pen = true; } else { if (step) g.lineTo(X, py); g.lineTo(X, Y); }
      py = Y; m.n++;
    }
    g.stroke(); g.restore();
  }
  function area(m, s, color) {
    var g = clip(m), started = false, lastX = 0, r = range(m, s);
    g.fillStyle = color; g.beginPath();
    for (var i = r[0]; i < r[1]; i++) {
      if (!finite(s.y[i])) continue;
      var X = m.x(s.x[i]);
      if (!started) { g.moveTo(X, m.y(0)); started = true; }
      g.lineTo(X, m.y(s.y[i])); lastX = X; m.n++;
    }
    if (started) { g.lineTo(lastX, m.y(0)); g.closePath(); g.fill(); }
    g.restore();
  }
  function markers(m, s, color, up) {
    var g = clip(m), r = range(m, s);
    g.fillStyle = color;
    for (var i = r[0]; i < r[1]; i++) {
      if (!finite(s.y[i])) continue;
      var X = m.x(s.x[i]), Y = m.y(s.y[i]), d = up ? 1 : -1;
      g.beginPath(); g.moveTo(X, Y - 5 * d); g.lineTo(X - 4, Y + 3 * d); g.lineTo(X + 4, Y + 3 * d); g.closePath();
      g.fill(); m.n++;
    }
    g.restore();
  }
  function dots(m, s, color) {
    var g = clip(m), r = range(m, s);
    g.fillStyle = color;
    for (var i = r[0]; i < r[1]; i++) {
      if (!finite(s.y[i])) continue;
      g.beginPath(); g.arc(m.x(s.x[i]), m.y(s.y[i]), 1.6, 0, 2 * Math.PI); g.fill(); m.n++;
    }
    g.restore();
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
  // A series the hover reads: kind 'step' (value held until the next point), 'line' (nearest point) or
  // 'points' (the nearest marker within 8 px, else nothing).
  function hov(m, name, s, color, kind, unit) { m.hover.push({ name: name, s: s, color: color, kind: kind, unit: unit }); }
  // Risk events: a dashed vertical line per change of the trading state (red halted, orange reduce-only,
  // green back to active), labelled with its cause at the top of the plot.
  var RISK_COLORS = { halted: '#c0392b', reduce_only: '#e67e22', active: '#27ae60' };
  // Labels of close events are stacked in up to four rows; one that fits in none is left out (zoom in to read
  // it: every line is drawn).
  function riskMarks(m) {
    var g = clip(m), rows = [-1e9, -1e9, -1e9, -1e9];
    (D.risk || []).forEach(function (e) {
      if (e.t < m.xr[0] || e.t > m.xr[1]) return;
      var X = Math.round(m.x(e.t)) + 0.5, col = RISK_COLORS[e.state] || '#555';
      g.strokeStyle = col; g.lineWidth = 1.2; g.setLineDash([3, 3]);
      g.beginPath(); g.moveTo(X, m.y1); g.lineTo(X, m.y0); g.stroke();
      var text = e.state === 'active' ? 'resume' : e.state + ': ' + e.cause, w = g.measureText(text).width;
      for (var r = 0; r < rows.length; r++) {
        if (X + 3 < rows[r] + 6) continue;
        g.fillStyle = col; g.textAlign = 'left'; g.textBaseline = 'top';
        g.fillText(text, X + 3, m.y1 + 3 + 14 * r);
        rows[r] = X + 3 + w;
        break;
      }
    });
    g.restore();
  }

  function plotPrice(c) {
    var P = D.price, T = P.prints;
    var yr = extentIn([P.mid, P.bid, P.ask, P.buys, P.sells, T.buy, T.sell], view);
    var m = frame(c, view, yr, { xTicks: 'time', yLabel: 'price (' + D.symbol + ')' });
    dots(m, T.buy, 'rgba(42,157,74,0.35)');
    dots(m, T.sell, 'rgba(209,64,58,0.35)');
    line(m, P.mid, '#777777', false, 1);
    line(m, P.bid, '#2a9d4a', true, 1.2);
    line(m, P.ask, '#d1403a', true, 1.2);
    markers(m, P.buys, '#1b7a36', true);
    markers(m, P.sells, '#b02a24', false);
    riskMarks(m);
    legend(m, [['mid', '#777777'], ['our bid', '#2a9d4a'], ['our ask', '#d1403a'], ['buy fill', '#1b7a36'],
      ['sell fill', '#b02a24'], ['trade (buyer took)', 'rgba(42,157,74,0.5)'], ['trade (seller hit)', 'rgba(209,64,58,0.5)']]);
    hov(m, 'mid', P.mid, '#777777', 'step', '');
    hov(m, 'our bid', P.bid, '#2a9d4a', 'step', '');
    hov(m, 'our ask', P.ask, '#d1403a', 'step', '');
    hov(m, 'buy fill', P.buys, '#1b7a36', 'points', '');
    hov(m, 'sell fill', P.sells, '#b02a24', 'points', '');
    hov(m, 'trade buy', T.buy, 'rgba(42,157,74,0.6)', 'points', '');
    hov(m, 'trade sell', T.sell, 'rgba(209,64,58,0.6)', 'points', '');
    if (!P.mid.x.length) noData(m, 'no samples');
    return m;
  }
  function plotEquity(c) {
    var E = D.equity;
    var yr = extentIn([E.equity, E.drawdown, [0]], view);
    var m = frame(c, view, yr, { xTicks: 'time', yLabel: D.money });
    area(m, E.drawdown, 'rgba(209,64,58,0.28)');
    line(m, E.equity, '#1f5fbf', false, 1.5);
    riskMarks(m);
    legend(m, [['equity (net PnL)', '#1f5fbf'], ['drawdown', 'rgba(209,64,58,0.5)']]);
    hov(m, 'equity', E.equity, '#1f5fbf', 'step', ' ' + D.money);
    hov(m, 'drawdown', E.drawdown, 'rgba(209,64,58,0.7)', 'step', ' ' + D.money);
    if (!E.equity.x.length) noData(m, 'no samples');
    return m;
  }
  function plotPnl(c) {
    var P = D.pnl;
    var yr = extentIn([P.gross, P.fees, P.funding, P.net, [0]], view);
    var m = frame(c, view, yr, { xTicks: 'time', yLabel: D.money });
    var S = [['gross (trading)', P.gross, '#2a9d4a', 1.3], ['fees', P.fees, '#d1403a', 1.3],
      ['funding', P.funding, '#c49000', 1.3], ['net', P.net, '#1f5fbf', 1.8]];
    S.forEach(function (s) { line(m, s[1], s[2], false, s[3]); hov(m, s[0], s[1], s[2], 'step', ' ' + D.money); });
    riskMarks(m);
    legend(m, S.map(function (s) { return [s[0], s[2]]; }));
    if (!P.net.x.length) noData(m, 'no samples');
    return m;
  }
  function plotInventory(c) {
    var I = D.inventory, lim = I.limit;
    var yr = extentIn([I.pos, lim > 0 ? [lim, -lim] : [], [0]], view);
    var m = frame(c, view, yr, { xTicks: 'time', yLabel: 'position (' + D.qty + ')' });
    if (lim > 0) {
      line(m, { x: FULL, y: [lim, lim] }, '#d1403a', false, 1, [5, 4]);
      line(m, { x: FULL, y: [-lim, -lim] }, '#d1403a', false, 1, [5, 4]);
    }
    var before = m.n;
    line(m, I.pos, '#6a3fb5', true, 1.3);
    m.n -= before;
    riskMarks(m);
    legend(m, lim > 0 ? [['position', '#6a3fb5'], ['limit', '#d1403a']] : [['position', '#6a3fb5']]);
    hov(m, 'position', I.pos, '#6a3fb5', 'step', ' ' + D.qty);
    if (!I.pos.x.length) noData(m, 'no samples');
    return m;
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
    m.tip = function (px) {
      var i = Math.min(3, Math.max(0, Math.round(m.t(px))));
      return { title: 'horizon ' + M.h[i] + ' s' + (i === 0 ? ' (spread captured)' : ''),
        rows: sides.map(function (sd) { var v = M[sd[0]][i]; return [sd[0], finite(v) ? fmt(v) + ' bps' : 'n/a', sd[1]]; }) };
    };
    if (!m.n) noData(m, 'no fills');
    return m;
  }
  function plotSpread(c) {
    var S = D.spread, n = S.counts.length;
    if (!n) {
      var m0 = frame(c, [0, 1], [0, 1], { yLabel: 'fills' });
      noData(m0, 'no fills with a known mid');
      return m0;
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
    m.tip = function (px) {
      var k = Math.min(n - 1, Math.max(0, lowerBound(S.edges, m.t(px)) - 1));
      return { title: fmt(S.edges[k]) + ' .. ' + fmt(S.edges[k + 1]) + ' bps', rows: [['fills', String(S.counts[k]), '#4a7fc9']] };
    };
    return m;
  }

  // ---- hover and zoom ----
  var tip = document.getElementById('tip');
  function valueAt(m, h, t, px) {
    var s = h.s, i = lowerBound(s.x, t), k;
    if (h.kind === 'points') {
      var best = -1, bd = 8;
      for (k = Math.max(0, i - 2); k < Math.min(s.x.length, i + 2); k++) {
        var d = Math.abs(m.x(s.x[k]) - px);
        if (finite(s.y[k]) && d <= bd) { bd = d; best = k; }
      }
      return best < 0 ? null : fmt(s.y[best]) + ' at ' + timeText(s.x[best]).substring(11, 23);
    }
    if (h.kind === 'step') { k = i < s.x.length && s.x[i] === t ? i : i - 1; } else {
      k = i >= s.x.length || (i > 0 && t - s.x[i - 1] < s.x[i] - t) ? i - 1 : i;
    }
    if (k < 0 || !finite(s.y[k])) return null;
    return fmt(s.y[k]) + h.unit;
  }
  function tipOf(m, px) {
    if (m.tip) return m.tip(px);
    var t = m.t(px), rows = [];
    m.hover.forEach(function (h) { var v = valueAt(m, h, t, px); if (v !== null) rows.push([h.name, v, h.color]); });
    return { title: timeText(t), rows: rows };
  }
  function showTip(ev, r) {
    tip.textContent = '';
    var head = document.createElement('div'); head.textContent = r.title; tip.appendChild(head);
    r.rows.forEach(function (row) {
      var d = document.createElement('div'), sw = document.createElement('span');
      sw.className = 'sw'; sw.style.background = row[2];
      d.appendChild(sw); d.appendChild(document.createTextNode(row[0] + ': ' + row[1])); tip.appendChild(d);
    });
    tip.style.display = 'block';
    var x = ev.clientX + 14, y = ev.clientY + 14;
    if (x + tip.offsetWidth > window.innerWidth) x = ev.clientX - 14 - tip.offsetWidth;
    if (y + tip.offsetHeight > window.innerHeight) y = ev.clientY - 14 - tip.offsetHeight;
    tip.style.left = x + 'px'; tip.style.top = y + 'px';
  }
  function crosshairs(t) {
    TIME.forEach(function (id) {
      var c = document.getElementById(id), m = c._m, xh = c.parentNode.querySelector('.xhair');
      if (!m || t === null || t < m.xr[0] || t > m.xr[1]) { xh.style.display = 'none'; return; }
      xh.style.left = (c.offsetLeft + m.x(t)) + 'px'; xh.style.top = (c.offsetTop + m.y1) + 'px';
      xh.style.height = (m.y0 - m.y1) + 'px'; xh.style.display = 'block';
    });
  }
  function hideTip() { tip.style.display = 'none'; crosshairs(null); }
  function setView(v) {
    var w = Math.max(v[1] - v[0], 1e-3), a = Math.max(FULL[0], Math.min(v[0], FULL[1] - w));
    view = [a, Math.min(FULL[1], a + w)];
    document.body.dataset.view = fmt(view[0]) + ',' + fmt(view[1]);
    TIME.forEach(function (id) { draw(id, false); });
  }
  function attach(c, zoom) {
    var drag = null, sel = c.parentNode.querySelector('.sel');
    function at(ev) { var r = c.getBoundingClientRect(); return ev.clientX - r.left; }
    c.addEventListener('mousemove', function (ev) {
      var m = c._m, px = at(ev);
      if (!m) return;
      if (drag !== null) {
        sel.style.left = (c.offsetLeft + Math.min(drag, px)) + 'px'; sel.style.width = Math.abs(px - drag) + 'px';
        sel.style.top = (c.offsetTop + m.y1) + 'px'; sel.style.height = (m.y0 - m.y1) + 'px'; sel.style.display = 'block';
        return;
      }
      if (px < m.x0 || px > m.x1) { hideTip(); return; }
      if (zoom) crosshairs(m.t(px));
      showTip(ev, tipOf(m, px));
    });
    c.addEventListener('mouseleave', function () { if (drag === null) hideTip(); });
    if (!zoom) return;
    c.addEventListener('mousedown', function (ev) {
      var m = c._m, px = at(ev);
      if (!m || px < m.x0 || px > m.x1) return;
      drag = px; hideTip(); ev.preventDefault();
    });
    window.addEventListener('mouseup', function (ev) {
      if (drag === null) return;
      var m = c._m, px = Math.min(m.x1, Math.max(m.x0, at(ev))), a = Math.min(drag, px), b = Math.max(drag, px);
      drag = null; sel.style.display = 'none';
      if (b - a >= 4) setView([m.t(a), m.t(b)]);
    });
    c.addEventListener('dblclick', function () { setView(FULL); });
    c.addEventListener('wheel', function (ev) {
      var m = c._m, px = at(ev);
      if (!m || px < m.x0 || px > m.x1) return;
      ev.preventDefault();
      var t = m.t(px), f = ev.deltaY < 0 ? 0.8 : 1.25;
      setView([t - (t - view[0]) * f, t + (view[1] - t) * f]);
    }, { passive: false });
  }

  function nonBlank(c) {
    var d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (var i = 3; i < d.length; i += 4) if (d[i] !== 0) return true;
    return false;
  }
  var PLOTS = { 'plot-price': plotPrice, 'plot-equity': plotEquity, 'plot-pnl': plotPnl,
    'plot-inventory': plotInventory, 'plot-markout': plotMarkout, 'plot-spread': plotSpread };
  var TIME = ['plot-price', 'plot-equity', 'plot-pnl', 'plot-inventory'];
  var ORDER = ['plot-price', 'plot-equity', 'plot-pnl', 'plot-inventory', 'plot-markout', 'plot-spread'];
  // Draws one plot; the first time, reports an error under it and counts it as rendered when it left pixels.
  function draw(id, first) {
    var c = document.getElementById(id);
    try {
      var m = PLOTS[id](c);
      c._m = m;
      c.dataset.points = String(m.n);
      if (first && nonBlank(c)) { c.dataset.rendered = '1'; return 1; }
    } catch (e) {
      c._m = null;
      if (first) {
        var err = document.createElement('div');
        err.className = 'plot-error';
        err.textContent = 'plot failed: ' + e;
        c.parentNode.appendChild(err);
      }
    }
    return 0;
  }
  var rendered = 0;
  ORDER.forEach(function (id) {
    rendered += draw(id, true);
    attach(document.getElementById(id), TIME.indexOf(id) >= 0);
  });
  document.body.dataset.plotsRendered = String(rendered);
  document.body.dataset.view = fmt(view[0]) + ',' + fmt(view[1]);
  document.getElementById('zoom-reset').addEventListener('click', function () { setView(FULL); });
  var resizeTimer = null;
  window.addEventListener('resize', function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () { hideTip(); ORDER.forEach(function (id) { draw(id, false); }); }, 100);
  });
})();
)JS";

struct PlotSpec {
  const char* id;
  const char* title;
  const char* caption;
  int width, height;  // width: the fallback before the script fits the canvas to the page
};

constexpr PlotSpec kPlots[kReportPlots] = {
    {"plot-price", "Mid, our quotes, our fills and the market's trades",
     "Best bid/ask we had resting at the exchange; triangles are our fills; dots are the market's trade "
     "prints "
     "(green: a buyer took the ask, red: a seller hit the bid).",
     1100, 400},
    {"plot-equity", "Equity and drawdown",
     "Net PnL (after fees and funding, unrealized at mid); shaded: below the running peak.", 1100, 300},
    {"plot-pnl", "PnL split",
     "Gross trading PnL (realized + unrealized at mid), fees (negative: paid), funding "
     "(negative: paid) and net = gross + fees + funding, over time.",
     1100, 300},
    {"plot-inventory", "Inventory", "Signed position; dashed: the configured position limit.", 1100, 260},
    {"plot-markout", "Markout curve",
     "Mean (mid after - price) x side, bps of the fill price; 0 s = spread captured.", 540, 300},
    {"plot-spread", "Spread captured",
     "Per fill: (mid before the fill - price) x side, bps of the fill price.", 540, 300},
};

void put_plot(std::string& o, const PlotSpec& p, std::string_view note = {}) {
  o += "<section class=\"plot\"><h2>";
  o += html_escape(p.title);
  o += "</h2><canvas id=\"";
  o += p.id;
  o += "\" width=\"" + std::to_string(p.width) + "\" height=\"" + std::to_string(p.height) + "\" data-h=\"" +
       std::to_string(p.height) + "\" style=\"height:" + std::to_string(p.height) +
       "px\"></canvas><div class=\"xhair\"></div><div class=\"sel\"></div><div class=\"meta\">";
  o += html_escape(p.caption);
  if (!note.empty()) {
    o += ' ';
    o += html_escape(note);
  }
  o += "</div></section>\n";
}

// The price plot's note when the trade prints were thinned (kMaxTradePrints) or not recorded at all.
std::string prints_note(const BacktestSeries& s) {
  if (!s.record_trades) return "(Trade prints were not recorded for this run.)";
  if (s.trades_stride <= 1) return {};
  return "(Trade prints thinned to one in " + std::to_string(s.trades_stride) + ": " +
         std::to_string(s.trades.size()) + " of " + std::to_string(s.trades_offered) + " kept.)";
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
  o +=
      "</div>\n<div class=\"toolbar\">Hover a plot for its values. Drag across a time plot to zoom all four "
      "(the mouse wheel zooms too); double-click or <button id=\"zoom-reset\" type=\"button\">show the whole "
      "run</button>. Plots hold at most ";
  o += std::to_string(opts.max_points_per_plot);
  o += " points each over the whole run (min and max kept per bucket).</div>\n<div id=\"tip\"></div>\n";
  put_plot(o, kPlots[0], prints_note(series));
  put_plot(o, kPlots[1]);
  put_plot(o, kPlots[2]);
  put_plot(o, kPlots[3]);
  o += "<div class=\"row\">\n";
  put_plot(o, kPlots[4]);
  put_plot(o, kPlots[5]);
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
