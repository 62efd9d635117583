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
  for (const char* id : {"plot-price", "plot-equity", "plot-inventory", "plot-markout", "plot-spread"}) {
    EXPECT_NE(html.find(std::string("<canvas id=\"") + id + "\""), std::string::npos) << id;
  }
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
  const size_t price = len("price", "mid") + len("price", "bid") + len("price", "ask") +
                       len("price", "buys") + len("price", "sells");
  EXPECT_LE(price, 5000u);
  EXPECT_GT(price, 4000u);  // the budget is used, not wasted
  EXPECT_LE(len("equity", "equity") + len("equity", "drawdown"), 5000u);
  EXPECT_LE(len("inventory", "pos"), 5000u);
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
      "timeout 60 chromium --headless --disable-gpu --no-sandbox --no-first-run "
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

constexpr const char* kPlotIds[kReportPlots] = {"plot-price", "plot-equity", "plot-inventory", "plot-markout",
                                                "plot-spread"};

TEST(ReportChromium, EveryPlotRenders) {
  ASSERT_TRUE(have_chromium()) << "chromium is missing: install it with `apt-get install -y chromium` "
                                  "(tools/setup.sh does); the report test needs a real browser";
  const auto t0 = std::chrono::steady_clock::now();
  const std::string html = render(synthetic_series());
  // A copy stays in the build folder for a human look (open it in any browser; it needs no network).
  write_text(std::string(MM_BINARY_DIR) + "/report_test_example.html", html);
  const DumpResult r = dump_dom(html, "full");
  ASSERT_EQ(r.status, 0) << "chromium failed";
  ASSERT_FALSE(r.dom.empty());
  EXPECT_NE(r.dom.find("data-plots-rendered=\"5\""), std::string::npos) << r.dom.substr(0, 2000);
  EXPECT_EQ(r.dom.find("<div class=\"plot-error\">"), std::string::npos);
  for (const char* id : kPlotIds) {
    const std::string tag = canvas_tag(r.dom, id);
    EXPECT_NE(tag.find("data-rendered=\"1\""), std::string::npos) << id << ": " << tag;
    EXPECT_GT(canvas_points(tag), 3) << id << ": " << tag;  // data was drawn, not only the axes
  }
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
  EXPECT_NE(r.dom.find("data-plots-rendered=\"5\""), std::string::npos) << r.dom.substr(0, 2000);
  for (const char* id : kPlotIds) EXPECT_EQ(canvas_points(canvas_tag(r.dom, id)), 0) << id;
}

// The check is able to fail: a script error in one plot leaves 4 rendered and shows the error.
TEST(ReportChromium, AScriptErrorIsDetected) {
  ASSERT_TRUE(have_chromium()) << "chromium is missing: apt-get install -y chromium";
  std::string html = render(synthetic_series());
  const std::string good = "var E = D.equity;";
  const size_t p = html.find(good);
  ASSERT_NE(p, std::string::npos);
  html.replace(p, good.size(), "var E = D.no_such_plot;");
  const DumpResult r = dump_dom(html, "broken");
  ASSERT_EQ(r.status, 0);
  EXPECT_NE(r.dom.find("data-plots-rendered=\"4\""), std::string::npos) << r.dom.substr(0, 2000);
  EXPECT_NE(r.dom.find("<div class=\"plot-error\">plot failed: TypeError"), std::string::npos);
  EXPECT_EQ(canvas_tag(r.dom, "plot-equity").find("data-rendered"), std::string::npos);
}

}  // namespace
}  // namespace mm
