#include "runtime/ops/log_drain.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/log_ring.h"
#include "tests/support/alloc_counter.h"

namespace mm {
namespace {

namespace fs = std::filesystem;

enum Ev : uint16_t { kOrderSent = 0, kBookGap, kNoArgs };

constexpr std::array<LogEventDef, 3> kCatalog = {{
    {"order_sent", "quoter", LogLevel::kInfo, {"price_ticks", "qty_lots", "side"}, "orderLinkId"},
    {"book_gap", "feed", LogLevel::kWarn, {"expected_u", "got_u"}, ""},
    {"heartbeat", "node", LogLevel::kDebug, {}, ""},
}};

// 2026-12-06T17:43:20.123456789Z
constexpr int64_t kTs = 1'796'579'000'123'456'789;

class LogDrainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("log_drain_" + std::to_string(::getpid()) + "_" +
                                             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  LogDrainConfig file_config(LogFormat f = LogFormat::kJson) const {
    LogDrainConfig c;
    c.format = f;
    c.min_level = LogLevel::kInfo;
    c.file = (dir_ / "mm.log").string();
    return c;
  }

  static std::string read(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  static std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream s(text);
    for (std::string l; std::getline(s, l);) out.push_back(l);
    return out;
  }

  fs::path dir_;
};

TEST_F(LogDrainTest, HotRecordsBecomeOneJsonObjectPerLine) {
  auto ring = std::make_unique<LogRing>();
  LogDrain drain(file_config(), kCatalog);
  ASSERT_EQ(drain.open(), "");
  drain.add_ring(*ring);
  ASSERT_TRUE(ring->log(kOrderSent, kTs, "mm-1-42", int64_t{6512345}, 3, -1));
  ASSERT_TRUE(ring->log(kBookGap, kTs + 1, "", 100, 102));
  ASSERT_TRUE(ring->log(kNoArgs, kTs + 2, ""));  // debug: below the configured level
  EXPECT_EQ(drain.drain_once(), 3u);
  const auto l = lines(read(dir_ / "mm.log"));
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(
      l[0],
      "{\"ts\":1796579000123456789,\"time\":\"2026-12-06T17:43:20.123456789Z\",\"level\":\"info\","
      "\"component\":\"quoter\",\"event\":\"order_sent\",\"orderLinkId\":\"mm-1-42\",\"price_ticks\":6512345,"
      "\"qty_lots\":3,\"side\":-1}");
  simdjson::dom::parser parser;
  for (const std::string& line : l) {
    simdjson::dom::element e;
    ASSERT_EQ(parser.parse(line).get(e), simdjson::SUCCESS) << line;
  }
  EXPECT_NE(l[1].find("\"level\":\"warn\",\"component\":\"feed\",\"event\":\"book_gap\",\"expected_u\":100,"
                      "\"got_u\":102}"),
            std::string::npos)
      << l[1];
}

TEST_F(LogDrainTest, ColdLinesWithTypedFieldsAndEscaping) {
  LogDrain drain(file_config(), kCatalog);
  ASSERT_EQ(drain.open(), "");
  drain.log(LogLevel::kError, "rest", "request_failed",
            {{"path", "/v5/order/create"},
             {"status", 503},
             {"retry", true},
             {"latency_ms", 1.5},
             {"detail", "line1\n\"quoted\"\x01"}});
  EXPECT_EQ(drain.drain_once(), 1u);
  const auto l = lines(read(dir_ / "mm.log"));
  ASSERT_EQ(l.size(), 1u);
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  ASSERT_EQ(parser.parse(l[0]).get(e), simdjson::SUCCESS) << l[0];
  EXPECT_EQ(std::string_view(e["level"]), "error");
  EXPECT_EQ(std::string_view(e["component"]), "rest");
  EXPECT_EQ(std::string_view(e["event"]), "request_failed");
  EXPECT_EQ(int64_t(e["status"]), 503);
  EXPECT_EQ(bool(e["retry"]), true);
  EXPECT_EQ(double(e["latency_ms"]), 1.5);
  EXPECT_EQ(std::string_view(e["detail"]), "line1\n\"quoted\"\x01");
  EXPECT_GT(int64_t(e["ts"]), kTs - 86'400'000'000'000 * 365);  // a wall-clock stamp
}

TEST_F(LogDrainTest, TextFormForATerminal) {
  auto ring = std::make_unique<LogRing>();
  LogDrain drain(file_config(LogFormat::kText), kCatalog);
  ASSERT_EQ(drain.open(), "");
  drain.add_ring(*ring);
  ASSERT_TRUE(ring->log(kOrderSent, kTs, "mm-1-42", 100, 2, 1));
  drain.drain_once();
  drain.log(LogLevel::kWarn, "node", "note", {{"msg", "two words"}});
  drain.drain_once();
  const auto l = lines(read(dir_ / "mm.log"));
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l[0],
            "2026-12-06T17:43:20.123456789Z info  quoter order_sent orderLinkId=mm-1-42 price_ticks=100 "
            "qty_lots=2 side=1");
  EXPECT_TRUE(l[1].ends_with(" warn  node note msg=\"two words\"")) << l[1];
}

TEST_F(LogDrainTest, SecretsNeverReachTheOutput) {
  const std::string secret = "Xq7SuperSecretApiKeyValue123";
  auto ring = std::make_unique<LogRing>();
  for (LogFormat f : {LogFormat::kJson, LogFormat::kText}) {
    LogDrainConfig cfg = file_config(f);
    cfg.file = (dir_ / (f == LogFormat::kJson ? "j.log" : "t.log")).string();
    LogDrain drain(cfg, kCatalog);
    ASSERT_EQ(drain.open(), "");
    drain.add_ring(*ring);
    drain.add_secret(secret);
    // Through every way a string can reach the logger: hot text, a cold value, a value embedding it, a
    // sensitive field name, the component and event names.
    ASSERT_TRUE(ring->log(kOrderSent, kTs, secret, 1));
    drain.log(LogLevel::kError, "auth", "key_refused",
              {{"api_key", "abc"}, {"detail", "key=" + secret + ";"}});
    drain.log(LogLevel::kError, secret, secret, {{"value", secret}, {"X-BAPI-SIGN", "ffee"}, {"token", 7}});
    drain.log(LogLevel::kInfo, "cfg", "telegram", {{"bot_token", "123:AAA"}, {"password", true}});
    drain.stop();
    const std::string out = read(cfg.file);
    EXPECT_EQ(out.find(secret), std::string::npos) << out;
    EXPECT_EQ(out.find("abc"), std::string::npos) << out;  // an api_key field, even unregistered
    EXPECT_EQ(out.find("123:AAA"), std::string::npos) << out;
    EXPECT_EQ(out.find("ffee"), std::string::npos) << out;
    EXPECT_NE(out.find("[redacted]"), std::string::npos) << out;
    EXPECT_EQ(lines(out).size(), 4u) << out;
  }
}

TEST_F(LogDrainTest, PushingARecordNeverAllocates) {
  auto ring = std::make_unique<LogRing>();
  test::AllocScope scope;
  for (int i = 0; i < 10'000; ++i) {
    (void)ring->log(kOrderSent, kTs + i, "mm-1-42", i, 2, 1);  // a full ring drops: still no allocation
  }
  EXPECT_EQ(scope.allocations(), 0u);
  EXPECT_EQ(ring->dropped(), 10'000u - LogRing::kCapacity);
}

TEST_F(LogDrainTest, AFullRingDropsCountsAndSaysSo) {
  auto ring = std::make_unique<LogRing>();
  MetricsRegistry registry;
  Counter& dropped = registry.counter("mm_log_dropped_total", "d");
  LogDrain drain(file_config(), kCatalog, &dropped);
  ASSERT_EQ(drain.open(), "");
  drain.add_ring(*ring);
  size_t accepted = 0;
  for (size_t i = 0; i < LogRing::kCapacity + 10; ++i)
    accepted += ring->log(kBookGap, kTs, "", i, i + 1) ? 1 : 0;
  EXPECT_EQ(accepted, LogRing::kCapacity);
  EXPECT_EQ(ring->dropped(), 10u);
  drain.stop();
  EXPECT_EQ(dropped.value(), 10u);
  const auto l = lines(read(dir_ / "mm.log"));
  ASSERT_EQ(l.size(), LogRing::kCapacity + 1);
  // Nothing accepted was lost, in order, and the drop is a line of its own.
  EXPECT_NE(l[0].find("\"expected_u\":0,"), std::string::npos);
  EXPECT_NE(l[LogRing::kCapacity - 1].find("\"expected_u\":" + std::to_string(LogRing::kCapacity - 1)),
            std::string::npos);
  EXPECT_NE(l.back().find("\"event\":\"log_records_dropped\",\"ring\":0,\"dropped\":10,\"dropped_total\":10"),
            std::string::npos)
      << l.back();
}

TEST_F(LogDrainTest, ThreadDrainsWhileProducersWrite) {
  auto ring = std::make_unique<LogRing>();
  LogDrain drain(file_config(), kCatalog);
  ASSERT_EQ(drain.open(), "");
  drain.add_ring(*ring);
  drain.start();
  std::thread hot([&] {
    for (int i = 0; i < 20'000; ++i) {
      while (!ring->log(kBookGap, kTs, "", i, i))
        std::this_thread::yield();  // the test waits; the node drops
    }
  });
  std::vector<std::thread> cold;
  for (int t = 0; t < 2; ++t) {
    cold.emplace_back([&drain, t] {
      for (int i = 0; i < 500; ++i) drain.log(LogLevel::kInfo, "cold", "line", {{"thread", t}, {"i", i}});
    });
  }
  hot.join();
  for (auto& t : cold) t.join();
  drain.stop();
  // Every record and line arrives (the retried pushes also add log_records_dropped lines of their own).
  size_t hot_lines = 0;
  size_t cold_lines = 0;
  for (const std::string& l : lines(read(dir_ / "mm.log"))) {
    hot_lines += l.find("\"event\":\"book_gap\"") != std::string::npos ? 1 : 0;
    cold_lines += l.find("\"event\":\"line\"") != std::string::npos ? 1 : 0;
  }
  EXPECT_EQ(hot_lines, 20'000u);
  EXPECT_EQ(cold_lines, 1'000u);
  EXPECT_GE(drain.lines_written(), 21'000u);
}

TEST_F(LogDrainTest, RotatesBySize) {
  LogDrainConfig cfg = file_config();
  cfg.max_bytes = 4096;
  cfg.max_files = 2;
  LogDrain drain(cfg, kCatalog);
  ASSERT_EQ(drain.open(), "");
  for (int i = 0; i < 200; ++i) {
    drain.log(LogLevel::kInfo, "node", "filler", {{"i", i}, {"pad", std::string(60, 'x')}});
    drain.drain_once();
  }
  drain.stop();
  EXPECT_TRUE(fs::exists(dir_ / "mm.log"));
  EXPECT_TRUE(fs::exists(dir_ / "mm.1.log"));
  EXPECT_TRUE(fs::exists(dir_ / "mm.2.log"));
  EXPECT_FALSE(fs::exists(dir_ / "mm.3.log"));
  EXPECT_LE(fs::file_size(dir_ / "mm.1.log"), 4096u);
  EXPECT_NE(read(dir_ / "mm.log").find("\"i\":199"), std::string::npos);
}

TEST_F(LogDrainTest, UnwritableFileIsAnErrorNamingIt) {
  LogDrainConfig cfg = file_config();
  cfg.file = (dir_ / "missing" / "dir" / "mm.log").string();
  fs::create_directories(dir_ / "missing");
  std::ofstream(dir_ / "missing" / "dir") << "a file where a folder should be";
  LogDrain drain(cfg, kCatalog);
  const std::string e = drain.open();
  EXPECT_NE(e.find(cfg.file), std::string::npos) << e;
}

TEST_F(LogDrainTest, UnknownEventIdIsWrittenNotLost) {
  auto ring = std::make_unique<LogRing>();
  LogDrain drain(file_config(), kCatalog);
  ASSERT_EQ(drain.open(), "");
  drain.add_ring(*ring);
  ASSERT_TRUE(ring->log(77, kTs, "txt", 5));
  drain.drain_once();
  const std::string out = read(dir_ / "mm.log");
  EXPECT_NE(out.find("\"event\":\"unknown_event\",\"event_id\":77,\"text\":\"txt\",\"arg0\":5"),
            std::string::npos)
      << out;
}

TEST(LogRing, TextIsCutAtItsLimit) {
  auto ring = std::make_unique<LogRing>();
  const std::string long_text(100, 'a');
  ASSERT_TRUE(ring->log(0, 1, long_text));
  LogRecord r;
  ASSERT_TRUE(ring->try_pop(r));
  EXPECT_EQ(r.text_view(), std::string(kLogTextMax, 'a'));
  EXPECT_EQ(r.nargs, 0);
}

TEST(LogFormatting, Iso8601AndJsonEscaping) {
  std::string s;
  append_iso8601_ns(s, 0);
  EXPECT_EQ(s, "1970-01-01T00:00:00.000000000Z");
  s.clear();
  append_iso8601_ns(s, -1);
  EXPECT_EQ(s, "1969-12-31T23:59:59.999999999Z");
  s.clear();
  append_json_escaped(s, "a\"b\\c\td\x1f");
  EXPECT_EQ(s, "a\\\"b\\\\c\\td\\u001f");
}

}  // namespace
}  // namespace mm
