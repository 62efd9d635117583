#include "core/metrics.h"

#include <gtest/gtest.h>

#include <array>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/alloc_counter.h"

namespace mm {
namespace {

TEST(Metrics, RendersCounterGaugeWithHelpTypeAndLabels) {
  MetricsRegistry r;
  Counter& a = r.counter("mm_orders_total", "Order actions sent.", {{"action", "create"}});
  Counter& b = r.counter("mm_orders_total", "Order actions sent.", {{"action", "cancel"}});
  Gauge& g = r.gauge("mm_position", "Position in base coin.", {}, 0.001);
  Gauge& plain = r.gauge("mm_open_orders", "Open orders.");
  a.add(3);
  b.inc();
  g.set(-1500);
  plain.set(7);
  EXPECT_EQ(r.render(),
            "# HELP mm_orders_total Order actions sent.\n"
            "# TYPE mm_orders_total counter\n"
            "mm_orders_total{action=\"create\"} 3\n"
            "mm_orders_total{action=\"cancel\"} 1\n"
            "# HELP mm_position Position in base coin.\n"
            "# TYPE mm_position gauge\n"
            "mm_position -1.5\n"
            "# HELP mm_open_orders Open orders.\n"
            "# TYPE mm_open_orders gauge\n"
            "mm_open_orders 7\n");
}

TEST(Metrics, HistogramBucketsAreCumulativeInSeconds) {
  MetricsRegistry r;
  const std::array<int64_t, 3> bounds = {1'000, 2'500'000, 1'000'000'000};
  Histogram& h = r.histogram("mm_ack_seconds", "Ack latency.", bounds, {{"stream", "trade"}});
  h.observe(999);            // <= 1 us
  h.observe(1'000);          // == bound: same bucket (le is inclusive)
  h.observe(1'001);          // next bucket
  h.observe(3'000'000'000);  // above every bound
  h.observe(-5);             // counts as 0
  EXPECT_EQ(r.render(),
            "# HELP mm_ack_seconds Ack latency.\n"
            "# TYPE mm_ack_seconds histogram\n"
            "mm_ack_seconds_bucket{stream=\"trade\",le=\"0.000001\"} 3\n"
            "mm_ack_seconds_bucket{stream=\"trade\",le=\"0.0025\"} 4\n"
            "mm_ack_seconds_bucket{stream=\"trade\",le=\"1\"} 4\n"
            "mm_ack_seconds_bucket{stream=\"trade\",le=\"+Inf\"} 5\n"
            "mm_ack_seconds_sum{stream=\"trade\"} 3.000003\n"
            "mm_ack_seconds_count{stream=\"trade\"} 5\n");
}

// observe() jumps by the value's top bit; any bounds (dense ones too) must give the plain scan's bucket.
TEST(Metrics, HistogramBucketMatchesALinearScan) {
  const std::array<int64_t, 9> bounds = {1, 2, 3, 7, 8, 9, 1000, 1001, int64_t{1} << 40};
  Histogram h(bounds);
  std::array<uint64_t, 10> expected{};
  std::vector<int64_t> values = {0,
                                 1,
                                 2,
                                 3,
                                 4,
                                 6,
                                 7,
                                 8,
                                 9,
                                 10,
                                 999,
                                 1000,
                                 1001,
                                 1002,
                                 (int64_t{1} << 40) - 1,
                                 int64_t{1} << 40,
                                 (int64_t{1} << 40) + 1,
                                 INT64_MAX};
  for (int64_t v = 1; v < (int64_t{1} << 62); v = v * 3 + 1) values.push_back(v);
  for (const int64_t v : values) {
    h.observe(v);
    size_t i = 0;
    while (i < bounds.size() && v > bounds[i]) ++i;
    ++expected[i];
  }
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(h.bucket_count(i), expected[i]) << i;
  // INT64_MAX was observed: the sum saturates there rather than wrapping negative (UBSan: signed overflow).
  EXPECT_EQ(h.sum_ns(), INT64_MAX);
}

TEST(Metrics, HistogramWithoutLabels) {
  MetricsRegistry r;
  const std::array<int64_t, 1> bounds = {500};
  r.histogram("mm_x_seconds", "x", bounds).observe(10);
  EXPECT_NE(r.render().find("mm_x_seconds_bucket{le=\"0.0000005\"} 1\nmm_x_seconds_bucket{le=\"+Inf\"} 1\n"
                            "mm_x_seconds_sum 0.00000001\nmm_x_seconds_count 1\n"),
            std::string::npos)
      << r.render();
}

TEST(Metrics, EscapesLabelValuesAndHelp) {
  MetricsRegistry r;
  r.counter("mm_e_total", "a \\ b\nc \"q\"", {{"topic", "a\"b\\c\nd"}}).inc();
  EXPECT_EQ(r.render(),
            "# HELP mm_e_total a \\\\ b\\nc \"q\"\n"
            "# TYPE mm_e_total counter\n"
            "mm_e_total{topic=\"a\\\"b\\\\c\\nd\"} 1\n");
}

TEST(Metrics, NsAsSecondsIsExact) {
  const auto s = [](int64_t ns) {
    std::string o;
    append_ns_as_seconds(o, ns);
    return o;
  };
  EXPECT_EQ(s(0), "0");
  EXPECT_EQ(s(1), "0.000000001");
  EXPECT_EQ(s(1'500'000'000), "1.5");
  EXPECT_EQ(s(-250'000), "-0.00025");
  EXPECT_EQ(s(INT64_MIN), "-9223372036.854775808");
}

TEST(Metrics, RefusesNamesThatBreakTheConventions) {
  MetricsRegistry r;
  const std::array<int64_t, 1> b = {1};
  EXPECT_THROW(r.counter("mm_orders", "no _total"), std::invalid_argument);
  EXPECT_THROW(r.histogram("mm_ack_ms", "not seconds", b), std::invalid_argument);
  EXPECT_THROW(r.gauge("9bad", "digit first"), std::invalid_argument);
  EXPECT_THROW(r.gauge("mm-bad", "dash"), std::invalid_argument);
  EXPECT_THROW(r.gauge("mm_g", "x", {{"__x", "v"}}), std::invalid_argument);
  EXPECT_THROW(r.gauge("mm_g", "x", {{"a:b", "v"}}), std::invalid_argument);
  EXPECT_THROW(r.gauge("mm_g", "x", {{"a", "1"}, {"a", "2"}}), std::invalid_argument);
  EXPECT_THROW(r.histogram("mm_h_seconds", "x", b, {{"le", "1"}}), std::invalid_argument);
  const std::array<int64_t, 2> unsorted = {5, 5};
  EXPECT_THROW(r.histogram("mm_h_seconds", "x", unsorted), std::invalid_argument);
  EXPECT_THROW(r.histogram("mm_h_seconds", "x", std::span<const int64_t>{}), std::invalid_argument);
  r.counter("mm_c_total", "help", {{"a", "1"}});
  EXPECT_THROW(r.counter("mm_c_total", "help", {{"a", "1"}}), std::invalid_argument);  // same series
  EXPECT_THROW(r.counter("mm_c_total", "other help", {{"a", "2"}}), std::invalid_argument);
  EXPECT_THROW(r.gauge("mm_c_total", "help"), std::invalid_argument);  // other type
  try {
    r.counter("mm_orders", "x");
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("mm_orders"), std::string::npos);
  }
  // The refused registrations left nothing behind but the one good family.
  EXPECT_EQ(r.names(), std::vector<std::string>{"mm_c_total"});
}

TEST(Metrics, UpdatesDoNotAllocate) {
  MetricsRegistry r;
  Counter& c = r.counter("mm_c_total", "c");
  Gauge& g = r.gauge("mm_g", "g");
  Histogram& h = r.histogram("mm_h_seconds", "h", default_latency_bounds_ns());
  test::AllocScope scope;
  for (int i = 0; i < 1000; ++i) {
    c.inc();
    c.add_concurrent(1);
    g.set(i);
    g.add(1);
    h.observe(i * 1000);
  }
  EXPECT_EQ(scope.allocations(), 0u);
  EXPECT_EQ(c.value(), 2000u);
  EXPECT_EQ(g.value(), 1000);
}

TEST(Metrics, ConcurrentCounterAndRenderWhileWriting) {
  MetricsRegistry r;
  Counter& c = r.counter("mm_c_total", "c");
  Histogram& h = r.histogram("mm_h_seconds", "h", default_latency_bounds_ns());
  std::vector<std::thread> ts;
  for (int t = 0; t < 2; ++t) {
    ts.emplace_back([&] {
      for (int i = 0; i < 100'000; ++i) c.add_concurrent(1);
    });
  }
  std::thread writer([&] {
    for (int i = 0; i < 100'000; ++i) h.observe(i);
  });
  for (int i = 0; i < 20; ++i) EXPECT_NE(r.render().find("mm_h_seconds_count"), std::string::npos);
  for (auto& t : ts) t.join();
  writer.join();
  EXPECT_EQ(c.value(), 200'000u);
  EXPECT_NE(r.render().find("mm_h_seconds_count 100000\n"), std::string::npos);
}

TEST(Metrics, DefaultLatencyBoundsAreIncreasingAndFit) {
  const auto b = default_latency_bounds_ns();
  ASSERT_LE(b.size(), Histogram::kMaxBounds);
  EXPECT_EQ(b.front(), 1'000);
  EXPECT_EQ(b.back(), 10'000'000'000);
  for (size_t i = 1; i < b.size(); ++i) EXPECT_GT(b[i], b[i - 1]);
}

}  // namespace
}  // namespace mm
