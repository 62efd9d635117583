#include "sim/report.h"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/instrument.h"
#include "sim/backtest_stats.h"
#include "sim/detail/downsample.h"

namespace mm {
namespace {

constexpr int64_t kS = 1'000'000'000;
constexpr int64_t kT0 = 1'700'000'000 * kS;
constexpr size_t kSamples = 100'000;  // 100 ms apart: 10 000 s
constexpr size_t kSpikeAt = 54'321;   // one sample with the mid 5 000 ticks up
constexpr int64_t kSpikeTicks = 5'000;

Instrument btcusdt() {
  InstrumentSpec spec;
  spec.category = Category::kLinear;
  spec.symbol = "BTCUSDT";
  spec.status = "Trading";
  spec.price_scale = "2";
  spec.tick_size = "0.10";
  spec.qty_step = "0.001";
  Instrument in;
  EXPECT_EQ(make_instrument(spec, in), InstrumentError::kOk);
  return in;
}

// A deterministic random walk: mid, our quotes (with a stretch of no quotes), inventory, equity, and a fill
// every 50 samples with mids after 1 s, 5 s, 30 s taken from the samples.
BacktestSeries synthetic_series() {
  BacktestSeries s;
  s.instrument = btcusdt();
  s.start_ns = kT0;
  s.sample_ns = kS / 10;
  s.end_ns = kT0 + static_cast<int64_t>(kSamples) * s.sample_ns;
  uint64_t x = 88172645463325252ull;
  auto next = [&x] {  // xorshift64
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  int64_t mid = 500'000, pos = 0, eq = 0;
  std::vector<int64_t> mids;
  for (size_t i = 1; i <= kSamples; ++i) {
    mid += static_cast<int64_t>(next() % 3) - 1;
    pos = std::clamp<int64_t>(pos + static_cast<int64_t>(next() % 3) - 1, -50, 50);
    eq += static_cast<int64_t>(next() % 2001) - 990;
    SeriesSample sm;
    sm.ts_ns = kT0 + static_cast<int64_t>(i) * s.sample_ns;
    sm.mid_half_ticks = 2 * (i == kSpikeAt ? mid + kSpikeTicks : mid);
    const bool quoting = i < 20'000 || i >= 20'500;
    sm.bid_quote_ticks = quoting ? mid - 5 : 0;
    sm.ask_quote_ticks = quoting ? mid + 5 : 0;
    sm.position_lots = pos;
    sm.equity_units = eq;
    sm.fees_units = static_cast<int64_t>(i) * 7;              // fees paid grow
    sm.funding_units = -static_cast<int64_t>(i / 1000) * 50;  // funding paid at steps
    s.samples.push_back(sm);
    mids.push_back(sm.mid_half_ticks / 2);
  }
  for (size_t i = 0; i < kSamples; i += 50) {
    FillRecord f;
    f.ts_ns = s.samples[i].ts_ns;
    f.side = (i / 50) % 2 == 0 ? Side::kBuy : Side::kSell;
    f.maker = (i / 50) % 5 != 0;
    f.mid_half_ticks = 2 * mids[i];
    f.position_after_lots = s.samples[i].position_lots;
    f.equity_after_units = s.samples[i].equity_units;
    f.price_ticks = f.side == Side::kBuy ? mids[i] - 5 : mids[i] + 5;
    f.qty_lots = 1 + static_cast<int64_t>(next() % 10);
    f.fee_units = f.maker ? -1000 : 27'500;
    const size_t later[3] = {10, 50, 300};
    for (int h = 0; h < 3; ++h)
      f.mid_after_half_ticks[h] = i + later[h] < kSamples ? 2 * mids[i + later[h]] : 0;
    s.fills.push_back(f);
  }
  // The market's prints: one every 20 samples, alternating aggressors, a tick either side of the mid.
  s.record_trades = true;
  for (size_t i = 0; i < kSamples; i += 20) {
    TradePrintRecord t;
    t.ts_ns = s.samples[i].ts_ns;
    t.taker_side = (i / 20) % 2 == 0 ? Side::kBuy : Side::kSell;
    t.price_ticks = mids[i] + (t.taker_side == Side::kBuy ? 1 : -1);
    t.qty_lots = 1;
    keep_trade_print(s, t);
  }
  s.market_trades = s.trades.size();
  s.orders_created = 5000;
  s.orders_amended = 9000;
  s.orders_cancelled = 4000;
  s.orders_filled = 1800;
  s.quoted_both_ns = 9'900 * kS;
  s.quoted_any_ns = 9'950 * kS;
  s.max_position_lots = 50;
  s.time_at_limit_ns = 100 * kS;
  s.events = 12'345'678;
  return s;
}

StatsConfig stats_config() {
  StatsConfig c;
  c.capital = Money{10'000 * 100'000'000LL};
  return c;
}

std::string render(const BacktestSeries& s, const ReportOptions& o = {}) {
  return render_report_html(s, compute_stats(s, stats_config()), o);
}

// The JSON embedded in <script id="report-data">.
std::string data_json(const std::string& html) {
  const std::string open = "<script type=\"application/json\" id=\"report-data\">";
  const size_t a = html.find(open);
  if (a == std::string::npos) return {};
  const size_t b = html.find("</script>", a);
  return html.substr(a + open.size(), b - a - open.size());
}

// ---- downsampling ----

TEST(ReportDownsample, ShortSeriesIsCopied) {
  detail::XySeries in{{0, 1, 2}, {5, NAN, 7}};
  const detail::XySeries out = detail::downsample_min_max(in, 16);
  EXPECT_EQ(out.x, in.x);
  ASSERT_EQ(out.y.size(), 3u);
  EXPECT_TRUE(std::isnan(out.y[1]));
}

TEST(ReportDownsample, MinMaxPerBucketKeepsSpikesAndOrder) {
  detail::XySeries in;
  for (int i = 0; i < 1000; ++i) {
    in.x.push_back(i);
    in.y.push_back(i % 2);  // 0/1 zigzag
  }
  in.y[517] = 99;                                                   // up spike
  in.y[700] = -42;                                                  // down spike
  const detail::XySeries out = detail::downsample_min_max(in, 20);  // 10 buckets of 100
  EXPECT_LE(out.x.size(), 20u);
  ASSERT_EQ(out.x.size(), 20u);
  // Bucket 5 holds [500, 600): min 0 at x=500, max 99 at x=517, in that order.
  EXPECT_EQ(out.x[10], 500);
  EXPECT_EQ(out.y[10], 0);
  EXPECT_EQ(out.x[11], 517);
  EXPECT_EQ(out.y[11], 99);
  // Bucket 7 holds [700, 800): min -42 at x=700 comes first, then the first 1 at x=701.
  EXPECT_EQ(out.x[14], 700);
  EXPECT_EQ(out.y[14], -42);
  EXPECT_EQ(out.x[15], 701);
  for (size_t i = 1; i < out.x.size(); ++i) EXPECT_LT(out.x[i - 1], out.x[i]);
}

TEST(ReportDownsample, EmptyBucketBecomesOneGapAndFlatBucketOnePoint) {
  detail::XySeries in;
  for (int i = 0; i < 100; ++i) {
    in.x.push_back(i);
    in.y.push_back(i < 50 ? 3.0 : NAN);  // first half flat, second half no value
  }
  const detail::XySeries out = detail::downsample_min_max(in, 4);  // 2 buckets of 50
  ASSERT_EQ(out.x.size(), 2u);
  EXPECT_EQ(out.x[0], 0);
  EXPECT_EQ(out.y[0], 3.0);
  EXPECT_EQ(out.x[1], 50);
  EXPECT_TRUE(std::isnan(out.y[1]));
}

TEST(ReportDownsample, StrideKeepsAtMostTheBudget) {
  detail::XySeries in;
  for (int i = 0; i < 10; ++i) {
    in.x.push_back(i);
    in.y.push_back(10 * i);
  }
  const detail::XySeries out = detail::downsample_stride(in, 4);
  EXPECT_EQ(out.x, (std::vector<double>{0, 2, 5, 7}));
  EXPECT_EQ(out.y, (std::vector<double>{0, 20, 50, 70}));
  EXPECT_EQ(detail::downsample_stride(in, 10).x.size(), 10u);
}

// ---- the HTML text ----

TEST(Report, HtmlEscapeEscapesMarkupAndDefusesUrls) {
  EXPECT_EQ(html_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
  EXPECT_EQ(html_escape("ws = \"wss://stream.bybit.com\""),
            "ws = &quot;wss:&#47;&#47;stream.bybit.com&quot;");
  EXPECT_EQ(html_escape("a:b :/ x"), "a:b :/ x");
  EXPECT_EQ(html_escape("Δ µs"), "Δ µs");  // UTF-8 passes through
}

TEST(Report, IsSelfContainedWithEveryPlotAndTheTable) {
  ReportOptions o;
  o.title = "run <script>alert(1)</script> & co";
  o.config_text =
      "[venue]\nrest = \"https://api.bybit.com\"\nws = \"wss://stream.bybit.com/v5\"\n</pre><b>x</b>";
  const std::string html = render(synthetic_series(), o);
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("://"), std::string::npos);
  for (const char* ref : {" src=", " href=", "@import", "url("})
    EXPECT_EQ(html.find(ref), std::string::npos) << ref;
  for (const char* id :
       {"plot-price", "plot-equity", "plot-pnl", "plot-inventory", "plot-markout", "plot-spread"}) {
    EXPECT_NE(html.find(std::string("<canvas id=\"") + id + "\""), std::string::npos) << id;
  }
  // Issue 14: the interactive parts (hover box, zoom reset, crosshair and selection per plot) and every
  // series.
  EXPECT_NE(html.find("<div id=\"tip\"></div>"), std::string::npos);
  EXPECT_NE(html.find("<button id=\"zoom-reset\""), std::string::npos);
  size_t xhairs = 0;
  for (size_t p = html.find("class=\"xhair\""); p != std::string::npos;
       p = html.find("class=\"xhair\"", p + 1))
    ++xhairs;
  EXPECT_EQ(xhairs, static_cast<size_t>(kReportPlots));
  const std::string json = data_json(html);
  simdjson::dom::parser parser;
  simdjson::dom::element d;
  ASSERT_EQ(parser.parse(json).get(d), simdjson::SUCCESS);
  const std::pair<const char*, const char*> kSeries[] = {
      {"price", "mid"},   {"price", "bid"},     {"price", "ask"},       {"price", "buys"},
      {"price", "sells"}, {"equity", "equity"}, {"equity", "drawdown"}, {"pnl", "gross"},
      {"pnl", "fees"},    {"pnl", "funding"},   {"pnl", "net"},         {"inventory", "pos"}};
  for (const auto& [plot, series] : kSeries) {
    simdjson::dom::array x;
    EXPECT_EQ(d[plot][series]["x"].get(x), simdjson::SUCCESS) << plot << "." << series;
    EXPECT_GT(x.size(), 0u) << plot << "." << series;
  }
  for (const char* side : {"buy", "sell"}) {
    simdjson::dom::array x;
    EXPECT_EQ(d["price"]["prints"][side]["x"].get(x), simdjson::SUCCESS) << side;
    EXPECT_GT(x.size(), 0u) << side;
  }
  std::string_view money;
  EXPECT_EQ(d["money"].get(money), simdjson::SUCCESS);
  EXPECT_EQ(money, "USDT");
  EXPECT_NE(html.find("<table class=\"stats\""), std::string::npos);
  EXPECT_NE(html.find("<td>Sharpe</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>markout all</td>"), std::string::npos);
  // Text is escaped: the title's script and the config's closing tag stay text.
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_NE(html.find("run &lt;script&gt;alert(1)&lt;/script&gt; &amp; co"), std::string::npos);
  EXPECT_NE(html.find("&lt;/pre&gt;&lt;b&gt;x&lt;/b&gt;"), std::string::npos);
  EXPECT_NE(html.find("rest = &quot;https:&#47;&#47;api.bybit.com&quot;"), std::string::npos);
  // Exactly two scripts: the data and the drawing code, both inline.
  size_t scripts = 0;
  for (size_t p = html.find("<script"); p != std::string::npos; p = html.find("<script", p + 1)) ++scripts;
  EXPECT_EQ(scripts, 2u);
}

TEST(Report, LargeSeriesIsDownsampledAndTheSpikeSurvives) {
  const BacktestSeries s = synthetic_series();
  const std::string json = data_json(render(s));
  ASSERT_FALSE(json.empty());
  simdjson::dom::parser parser;
  simdjson::dom::element d;
  ASSERT_EQ(parser.parse(json).get(d), simdjson::SUCCESS);
  auto len = [&](const char* plot, const char* series) {
    simdjson::dom::array a;
    EXPECT_EQ(d[plot][series]["x"].get(a), simdjson::SUCCESS) << plot << "." << series;
    simdjson::dom::array y;
    EXPECT_EQ(d[plot][series]["y"].get(y), simdjson::SUCCESS) << plot << "." << series;
    EXPECT_EQ(a.size(), y.size());
    return a.size();
  };
  auto prints = [&](const char* side) {
    simdjson::dom::array a;
    EXPECT_EQ(d["price"]["prints"][side]["x"].get(a), simdjson::SUCCESS) << side;
    return a.size();
  };
  const size_t price = len("price", "mid") + len("price", "bid") + len("price", "ask") +
                       len("price", "buys") + len("price", "sells") + prints("buy") + prints("sell");
  EXPECT_LE(price, 5000u);
  EXPECT_GT(price, 4000u);  // the budget is used, not wasted
  EXPECT_LE(len("equity", "equity") + len("equity", "drawdown"), 5000u);
  EXPECT_LE(len("inventory", "pos"), 5000u);
  EXPECT_LE(len("pnl", "gross") + len("pnl", "fees") + len("pnl", "funding") + len("pnl", "net"), 5000u);
  // The one-sample spike of the mid (500 000 + walk + 5 000 ticks) is the maximum of the downsampled mid.
  double max_mid = 0, spike = static_cast<double>(s.samples[kSpikeAt - 1].mid_half_ticks) / 20.0;
  simdjson::dom::array ys;
  ASSERT_EQ(d["price"]["mid"]["y"].get(ys), simdjson::SUCCESS);
  for (auto v : ys) {
    double y = 0;
    if (v.get(y) == simdjson::SUCCESS) max_mid = std::max(max_mid, y);
  }
  EXPECT_EQ(max_mid, spike);
  // The stretch without quotes is a gap (null) in the bid line.
  EXPECT_NE(json.find("null"), std::string::npos);
  // The markout curve has four horizons per side, starting with the spread captured: 5 ticks of 0.1 around
  // 50 000, i.e. about 0.1 bps.
  simdjson::dom::array curve;
  ASSERT_EQ(d["markout"]["all"].get(curve), simdjson::SUCCESS);
  ASSERT_EQ(curve.size(), 4u);
  double sc = 0;
  ASSERT_EQ(curve.at(0).get(sc), simdjson::SUCCESS);
  EXPECT_NEAR(sc, 0.1, 0.001);
  simdjson::dom::array counts;
  ASSERT_EQ(d["spread"]["counts"].get(counts), simdjson::SUCCESS);
  EXPECT_EQ(counts.size(), 40u);
}

// The PnL split adds up: gross - fees paid + funding received = net, at every sample (a short series is not
// downsampled, so the values are the samples' own).
TEST(Report, PnlSplitIsGrossFeesFundingAndNet) {
  BacktestSeries s;
  s.instrument = btcusdt();
  s.start_ns = kT0;
  s.end_ns = kT0 + 3 * kS;
  const int64_t eq[3] = {0, 150'000'000, -40'000'000}, fees[3] = {0, 20'000'000, 30'000'000},
                fund[3] = {0, 0, -5'000'000};
  for (int i = 0; i < 3; ++i) {
    SeriesSample sm;
    sm.ts_ns = kT0 + (i + 1) * kS;
    sm.mid_half_ticks = 1'000'000;
    sm.equity_units = eq[i];
    sm.fees_units = fees[i];
    sm.funding_units = fund[i];
    s.samples.push_back(sm);
  }
  const std::string json = data_json(render(s));
  simdjson::dom::parser parser;
  simdjson::dom::element d;
  ASSERT_EQ(parser.parse(json).get(d), simdjson::SUCCESS);
  auto ys = [&](const char* k) {
    std::vector<double> out;
    simdjson::dom::array a;
    EXPECT_EQ(d["pnl"][k]["y"].get(a), simdjson::SUCCESS) << k;
    for (auto v : a) {
      double y = 0;
      EXPECT_EQ(v.get(y), simdjson::SUCCESS);
      out.push_back(y);
    }
    return out;
  };
  EXPECT_EQ(ys("net"), (std::vector<double>{0, 1.5, -0.4}));
  EXPECT_EQ(ys("fees"), (std::vector<double>{0, -0.2, -0.3}));
  EXPECT_EQ(ys("funding"), (std::vector<double>{0, 0, -0.05}));
  EXPECT_EQ(ys("gross"), (std::vector<double>{0, 1.7, -0.05}));  // net + fees paid - funding received
  // Prints were not recorded for this run: the page says so rather than showing an empty market.
  EXPECT_NE(render(s).find("Trade prints were not recorded"), std::string::npos);
}

// Past kMaxTradePrints, keep_trade_print halves what it keeps and doubles its stride: memory stays bounded,
// the kept prints stay evenly spread and in time order, and the report says they were thinned.
TEST(Report, TradePrintsAreThinnedPastTheBudget) {
  BacktestSeries s;
  s.instrument = btcusdt();
  s.start_ns = kT0;
  s.end_ns = kT0 + kS;
  s.record_trades = true;
  const uint64_t offered = 3 * kMaxTradePrints + 5;
  for (uint64_t i = 0; i < offered; ++i) {
    TradePrintRecord t;
    t.ts_ns = kT0 + static_cast<int64_t>(i);
    t.price_ticks = static_cast<int64_t>(i);
    keep_trade_print(s, t);
  }
  EXPECT_EQ(s.trades_offered, offered);
  EXPECT_EQ(s.trades_stride, 4u);
  ASSERT_LE(s.trades.size(), kMaxTradePrints);
  EXPECT_EQ(s.trades.size(), (offered + 3) / 4);
  for (size_t k = 0; k < s.trades.size(); ++k)
    ASSERT_EQ(s.trades[k].price_ticks, static_cast<int64_t>(4 * k));
  EXPECT_NE(render(s).find("Trade prints thinned to one in 4"), std::string::npos);
}

TEST(Report, BadOptionsAndSeriesAreClearErrors) {
  const BacktestSeries s = synthetic_series();
  const BacktestStats st = compute_stats(s, stats_config());
  ReportOptions o;
  o.max_points_per_plot = 15;
  EXPECT_NE(o.validate().find("report.max_points_per_plot"), std::string::npos);
  EXPECT_THROW((void)render_report_html(s, st, o), std::invalid_argument);
  o = ReportOptions{};
  o.histogram_bins = 0;
  EXPECT_NE(o.validate().find("report.histogram_bins"), std::string::npos);
  EXPECT_THROW((void)render_report_html(s, st, o), std::invalid_argument);
  BacktestSeries bad = s;
  bad.end_ns = bad.start_ns - 1;
  try {
    (void)render_report_html(bad, st, ReportOptions{});
    ADD_FAILURE() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("end_ns"), std::string::npos) << e.what();
  }
}

// ---- rendering in headless Chromium ----

struct DumpResult {
  int status = -1;
  std::string dom;
};

std::string temp_dir() {
  std::string d = ::testing::TempDir() + "mm_report_" + std::to_string(::getpid());
  ::mkdir(d.c_str(), 0700);
  return d;
}

void write_text(const std::string& path, const std::string& text) {
  FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << path;
  ASSERT_EQ(std::fwrite(text.data(), 1, text.size(), f), text.size());
  std::fclose(f);
}

bool have_chromium() {
  return std::system("command -v chromium >/dev/null 2>&1") == 0;
}

// Opens the page in headless Chromium and returns the DOM after its scripts ran. A private profile folder
// keeps parallel test runs apart; no network is needed (the page has no external reference).
DumpResult dump_dom(const std::string& html, const std::string& name) {
  const std::string dir = temp_dir();
  const std::string page = dir + "/" + name + ".html";
  const std::string out = dir + "/" + name + ".dom";
  write_text(page, html);
  const std::string cmd =
      "timeout 60 chromium --headless --disable-gpu --no-sandbox --no-first-run --window-size=1600,1000 "
      "--disable-extensions --user-data-dir=" +
      dir + "/profile-" + name + " --dump-dom file://" + page + " > " + out + " 2>/dev/null";
  DumpResult r;
  const int rc = std::system(cmd.c_str());
  r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  FILE* f = std::fopen(out.c_str(), "rb");
  if (f != nullptr) {
    char buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) r.dom.append(buf, n);
    std::fclose(f);
  }
  std::remove(page.c_str());
  std::remove(out.c_str());
  const int rm = std::system(("rm -rf '" + dir + "/profile-" + name + "'").c_str());
  EXPECT_EQ(rm, 0);
  ::rmdir(dir.c_str());  // empty now; leaves nothing behind in the temp folder
  return r;
}

// The <canvas ...> start tag of one plot in the dumped DOM ("" when missing). Plain string search: GCC 12's
// std::regex trips -Wmaybe-uninitialized under the sanitizer build, which treats warnings as errors.
std::string canvas_tag(const std::string& dom, const std::string& id) {
  const std::string needle = "id=\"" + id + "\"";
  for (size_t p = dom.find("<canvas"); p != std::string::npos; p = dom.find("<canvas", p + 1)) {
    const size_t end = dom.find('>', p);
    if (end == std::string::npos) break;
    const std::string tag = dom.substr(p, end - p + 1);
    if (tag.find(needle) != std::string::npos) return tag;
  }
  return "";
}

long canvas_points(const std::string& tag) {
  const std::string key = "data-points=\"";
  const size_t p = tag.find(key);
  if (p == std::string::npos) return -1;
  size_t q = p + key.size();
  long v = 0;
  bool any = false;
  while (q < tag.size() && tag[q] >= '0' && tag[q] <= '9') {
    v = v * 10 + (tag[q++] - '0');
    any = true;
  }
  return any && q < tag.size() && tag[q] == '"' ? v : -1;
}

constexpr const char* kPlotIds[kReportPlots] = {"plot-price",     "plot-equity",  "plot-pnl",
                                                "plot-inventory", "plot-markout", "plot-spread"};

// Attribute `name="..."` of the dumped <body> start tag ("" when missing).
std::string body_attr(const std::string& dom, const std::string& name) {
  const size_t b = dom.find("<body");
  if (b == std::string::npos) return "";
  const size_t e = dom.find('>', b);
  const std::string tag = dom.substr(b, e - b);
  const std::string key = " " + name + "=\"";
  const size_t p = tag.find(key);
  if (p == std::string::npos) return "";
  const size_t q = tag.find('"', p + key.size());
  return tag.substr(p + key.size(), q - p - key.size());
}

long tag_number(const std::string& tag, const std::string& name) {
  const std::string key = name + "=\"";
  const size_t p = tag.find(key);
  return p == std::string::npos ? -1 : std::atol(tag.c_str() + p + key.size());
}

// Issue 14: the page uses the full width, keeps its last x label inside the canvas, shows values on hover and
// zooms all time plots together. A script appended after the report's own plays a user: it hovers the price
// plot, drags across it, then double-clicks, and writes what the page showed into <body> attributes.
// (Part of EveryPlotRenders: one browser start for both.)
const std::string kUserScript = R"(<script>
(function () {
  var c = document.getElementById('plot-price'), r = c.getBoundingClientRect(), b = document.body.dataset;
  function mouse(type, x, target) {
    (target || c).dispatchEvent(new MouseEvent(type, { bubbles: true, cancelable: true, clientX: r.left + x,
      clientY: r.top + 200 }));
  }
  mouse('mousemove', r.width / 2);
  var tip = document.getElementById('tip');
  b.tipShown = tip.style.display;
  b.tipText = tip.textContent;
  var xh = document.querySelectorAll('.xhair'), n = 0;
  for (var i = 0; i < xh.length; i++) if (xh[i].style.display === 'block') n++;
  b.crosshairs = String(n);
  mouse('mousedown', 200);
  mouse('mousemove', 400);
  mouse('mouseup', 400, window);
  b.zoomed = b.view;
  b.zoomedEquityPoints = document.getElementById('plot-equity').dataset.points;
  c.dispatchEvent(new MouseEvent('dblclick', { bubbles: true }));
  b.reset = b.view;
})();
</script>
)";

void expect_full_width_hover_and_zoom(const std::string& dom) {
  // Full width: the 1600 px window less the margins, not the old 1100 px cap; the last label inside.
  for (const char* id : kPlotIds) {
    const std::string tag = canvas_tag(dom, id);
    const long w = tag_number(tag, "data-css-width");
    const bool half = std::string(id) == "plot-markout" || std::string(id) == "plot-spread";
    EXPECT_GT(w, half ? 700 : 1400) << id << ": " << tag;  // markout and spread share a row
    if (half) continue;
    EXPECT_GT(tag_number(tag, "data-x-labels"), 3) << id << ": " << tag;
    EXPECT_LE(tag_number(tag, "data-x-label-right"), w) << id << ": " << tag;
  }
  // Hover: the box shows the time and the price plot's series at the cursor; a crosshair on each time plot.
  EXPECT_EQ(body_attr(dom, "data-tip-shown"), "block");
  const std::string tip = body_attr(dom, "data-tip-text");
  for (const char* part : {"UTC", "mid: ", "our bid: ", "our ask: "})
    EXPECT_NE(tip.find(part), std::string::npos) << part << " in " << tip;
  EXPECT_EQ(body_attr(dom, "data-crosshairs"), "4");
  // Zoom: a 200 px drag over a ~1450 px plot of 10 000 s shows about 1 400 s, on every time plot (the
  // equity plot drew fewer points); the double-click shows the whole run again.
  const std::string zoomed = body_attr(dom, "data-zoomed");
  const size_t comma = zoomed.find(',');
  ASSERT_NE(comma, std::string::npos) << zoomed;
  const double from = std::atof(zoomed.c_str()), to = std::atof(zoomed.c_str() + comma + 1);
  EXPECT_GT(from, 500.0) << zoomed;
  EXPECT_GT(to - from, 1000.0) << zoomed;
  EXPECT_LT(to - from, 2000.0) << zoomed;
  EXPECT_LT(std::atol(body_attr(dom, "data-zoomed-equity-points").c_str()),
            canvas_points(canvas_tag(dom, "plot-equity")));
  EXPECT_EQ(body_attr(dom, "data-reset"), "0,10000");
}

TEST(ReportChromium, EveryPlotRenders) {
  ASSERT_TRUE(have_chromium()) << "chromium is missing: install it with `apt-get install -y chromium` "
                                  "(tools/setup.sh does); the report test needs a real browser";
  const auto t0 = std::chrono::steady_clock::now();
  std::string html = render(synthetic_series());
  // A copy stays in the build folder for a human look (open it in any browser; it needs no network).
  write_text(std::string(MM_BINARY_DIR) + "/report_test_example.html", html);
  html.insert(html.rfind("</body>"), kUserScript);
  const DumpResult r = dump_dom(html, "full");
  ASSERT_EQ(r.status, 0) << "chromium failed";
  ASSERT_FALSE(r.dom.empty());
  EXPECT_NE(r.dom.find("data-plots-rendered=\"6\""), std::string::npos) << r.dom.substr(0, 2000);
  EXPECT_EQ(r.dom.find("<div class=\"plot-error\">"), std::string::npos);
  for (const char* id : kPlotIds) {
    const std::string tag = canvas_tag(r.dom, id);
    EXPECT_NE(tag.find("data-rendered=\"1\""), std::string::npos) << id << ": " << tag;
    EXPECT_GT(canvas_points(tag), 3) << id << ": " << tag;  // data was drawn, not only the axes
  }
  expect_full_width_hover_and_zoom(r.dom);
  std::printf("chromium render: %.1f s\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
}

TEST(ReportChromium, EmptyRunRendersNoDataPanels) {
  ASSERT_TRUE(have_chromium()) << "chromium is missing: apt-get install -y chromium";
  BacktestSeries s;
  s.instrument = btcusdt();
  s.start_ns = s.end_ns = kT0;
  const DumpResult r = dump_dom(render(s), "empty");
  ASSERT_EQ(r.status, 0);
  EXPECT_NE(r.dom.find("data-plots-rendered=\"6\""), std::string::npos) << r.dom.substr(0, 2000);
  for (const char* id : kPlotIds) EXPECT_EQ(canvas_points(canvas_tag(r.dom, id)), 0) << id;
}

// The check is able to fail: a script error in one plot leaves 5 rendered and shows the error.
TEST(ReportChromium, AScriptErrorIsDetected) {
  ASSERT_TRUE(have_chromium()) << "chromium is missing: apt-get install -y chromium";
  std::string html = render(synthetic_series());
  const std::string good = "var E = D.equity;";
  const size_t p = html.find(good);
  ASSERT_NE(p, std::string::npos);
  html.replace(p, good.size(), "var E = D.no_such_plot;");
  const DumpResult r = dump_dom(html, "broken");
  ASSERT_EQ(r.status, 0);
  EXPECT_NE(r.dom.find("data-plots-rendered=\"5\""), std::string::npos) << r.dom.substr(0, 2000);
  EXPECT_NE(r.dom.find("<div class=\"plot-error\">plot failed: TypeError"), std::string::npos);
  EXPECT_EQ(canvas_tag(r.dom, "plot-equity").find("data-rendered"), std::string::npos);
}

}  // namespace
}  // namespace mm
