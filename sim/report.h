#pragma once
// The backtest report: ONE self-contained HTML file (inline CSS and JS drawing into <canvas>; no external
// URL, no CDN, works offline) with the plots a market maker looks at and the statistics table. Cold path.
//
// Plots (canvas ids, in this order):
//   plot-price      mid price, our best bid/ask quotes (step lines), our fills (buy ▲ green, sell ▼ red) and
//                   the market's trade prints (dots, by aggressor side; series.trades, thinned past
//                   kMaxTradePrints and said so under the plot)
//   plot-equity     equity (net PnL, settle coin) and drawdown from the running peak (shaded, <= 0)
//   plot-pnl        the PnL split over time: gross (trading, unrealized at mid), fees (negative: paid),
//                   funding (negative: paid), net
//   plot-inventory  position (instrument quantity) with the position limit when one is configured
//   plot-markout    mean markout (bps of the fill price) vs horizon 0/1/5/30 s, per side and all;
//                   horizon 0 is the spread captured ((mid before the fill - price) * sign)
//   plot-spread     histogram of the spread captured per fill (bps), with its mean
// The four time plots (price, equity, pnl, inventory) mark every change of the trading state (breaker trips,
// halts, resumes, the kill switch) with a dashed vertical line labelled with its cause. They share one time
// window: a drag across one zooms all four (the wheel zooms around the cursor; a double-click or the
// #zoom-reset button shows the whole run; <body data-view="from,to"> holds the window in seconds from the
// start). Hovering any plot shows the values under the cursor in #tip (the time plots: every series at that
// time, the nearest fill or trade print within 8 px; a crosshair on each time plot). Canvases take the full
// page width at the screen's pixel ratio (data-css-width: their CSS width) and are redrawn on resize; x-axis
// labels at either end are moved inside the canvas (data-x-label-right: the right edge of the last one).
// Large series are downsampled to at most ReportOptions::max_points_per_plot points per plot, keeping the
// minimum and maximum of each bucket so that spikes survive (sim/detail/downsample.h).
//
// Rendering check: after drawing, the page sets `data-plots-rendered="<n>"` on <body> (n = plots whose
// drawing finished without a JS error and left pixels on their canvas; kReportPlots when all did), and on
// each canvas `data-rendered="1"` and `data-points="<k>"` (data points, segments and bars drawn). A drawing
// error is shown under its plot and leaves data-rendered unset.
#include <cstddef>
#include <string>
#include <string_view>

#include "sim/backtest_series.h"
#include "sim/backtest_stats.h"

namespace mm {

inline constexpr int kReportPlots = 6;

struct ReportOptions {
  std::string title = "mm backtest";  // page title and heading (escaped)
  std::string config_text;            // e.g. the TOML config of the run, shown verbatim (escaped) in a <pre>
  size_t max_points_per_plot = 5000;  // >= 16
  int histogram_bins = 40;            // spread-captured histogram, 1..1000

  // "" or "report.<key> ..." for the first bad field.
  [[nodiscard]] std::string validate() const;
};

// Renders the report. `stats` must be compute_stats() of the same series (the markout curve and the table
// come from it). Throws std::invalid_argument with the message of opts.validate() or validate_series().
[[nodiscard]] std::string render_report_html(const BacktestSeries& series, const BacktestStats& stats,
                                             const ReportOptions& opts);

// Escapes text for HTML element content and attribute values: & < > " ' become entities, and "://" becomes
// ":&#47;&#47;" so that text quoting a URL (a config naming an endpoint) is not a reference a link checker or
// the offline test would flag. Other bytes (UTF-8 included) pass through.
[[nodiscard]] std::string html_escape(std::string_view text);

}  // namespace mm
