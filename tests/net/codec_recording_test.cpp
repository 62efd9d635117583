// The codec against every real frame of the shared recordings: zero errors, the right kinds, and
// values that match the wire text.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "net/bybit_codec.h"
#include "tests/net/codec_test_data.h"

namespace mm {
namespace {

using test::recording;
using test::recording_registry;
using test::Record;

TEST(CodecRecording, EveryReceivedFrameParsesWithoutError) {
  const InstrumentRegistry& reg = recording_registry();
  std::map<std::string, std::unique_ptr<BybitCodec>> codecs;  // one per connection, as in production
  std::map<std::string, std::map<MsgKind, int>> kinds;
  size_t frames = 0;
  for (const Record& r : recording()) {
    if (r.t != "recv") continue;
    auto& codec = codecs[r.conn];
    if (!codec) codec = std::make_unique<BybitCodec>(reg);
    const ParseResult res = codec->parse(r.data, test::conn_category(r.conn));
    ASSERT_EQ(res.error, CodecError::kOk) << to_string(res.error) << " in " << r.conn << ": " << r.data.substr(0, 200)
                                          << " decimal: " << to_string(codec->stats().last_decimal_error);
    ++kinds[r.conn][res.kind];
    ++frames;
  }
  EXPECT_EQ(frames, 3227u);
  ASSERT_EQ(codecs.size(), 2u);
  // Linear connection (BYBIT.ws.2) and spot connection (BYBIT.ws.3), counted from the file by hand.
  auto& lin = kinds["BYBIT.ws.2"];
  EXPECT_EQ(lin[MsgKind::kBook], 1594 + 4);
  EXPECT_EQ(lin[MsgKind::kTicker], 754 + 4);
  EXPECT_EQ(lin[MsgKind::kTrade], 102);
  EXPECT_EQ(lin[MsgKind::kKline], 71);
  EXPECT_EQ(lin[MsgKind::kSubscribeAck], 17);
  auto& spot = kinds["BYBIT.ws.3"];
  EXPECT_EQ(spot[MsgKind::kBook], 548 + 2);
  EXPECT_EQ(spot[MsgKind::kTicker], 81);
  EXPECT_EQ(spot[MsgKind::kTrade], 18);
  EXPECT_EQ(spot[MsgKind::kKline], 25);
  EXPECT_EQ(spot[MsgKind::kSubscribeAck], 7);
  for (auto& [conn, codec] : codecs) {
    for (size_t e = 1; e < kCodecErrorCount; ++e) EXPECT_EQ(codec->stats().errors[e], 0u) << conn;
    EXPECT_EQ(codec->stats().kinds[static_cast<size_t>(MsgKind::kUnknownTopic)], 0u);
  }
}

TEST(CodecRecording, BookUpdateIdsAreContiguousPerTopic) {
  const InstrumentRegistry& reg = recording_registry();
  BybitCodec codec(reg);
  std::map<std::pair<Category, InstrumentId>, int64_t> last_u;
  int snapshots = 0;
  for (const Record& r : recording()) {
    if (r.t != "recv") continue;
    const Category cat = test::conn_category(r.conn);
    const ParseResult res = codec.parse(r.data, cat);
    ASSERT_EQ(res.error, CodecError::kOk);
    if (res.kind != MsgKind::kBook) continue;
    const BookUpdate& b = codec.book();
    EXPECT_EQ(b.depth, 200);
    EXPECT_EQ(reg.get(b.instrument).category, cat);
    EXPECT_GT(b.ts_ms, 1786310000000);
    auto key = std::make_pair(cat, b.instrument);
    if (b.snapshot) {
      ++snapshots;
      EXPECT_EQ(b.bid_count, 200u);
      EXPECT_EQ(b.ask_count, 200u);
    } else {
      ASSERT_TRUE(last_u.count(key));
      EXPECT_EQ(b.update_id, last_u[key] + 1);
      EXPECT_GT(b.cts_ms, 0);
      EXPECT_GT(b.seq, 0);
    }
    last_u[key] = b.update_id;
  }
  EXPECT_EQ(snapshots, 6);
}

TEST(CodecRecording, SnapshotValuesMatchTheWireText) {
  const InstrumentRegistry& reg = recording_registry();
  BybitCodec codec(reg);
  for (const Record& r : recording()) {
    if (r.t != "recv" || r.data.find(R"("topic":"orderbook.200.BTCUSDT","type":"snapshot")") == std::string::npos) {
      continue;
    }
    ASSERT_EQ(r.conn, "BYBIT.ws.2");
    const ParseResult res = codec.parse(r.data, Category::kLinear);
    ASSERT_EQ(res.error, CodecError::kOk);
    const BookUpdate& b = codec.book();
    const Instrument& in = reg.get(b.instrument);
    EXPECT_EQ(in.name(), "BTCUSDT");
    EXPECT_TRUE(b.snapshot);
    EXPECT_EQ(b.ts_ms, 1786310818129);
    // First bid ["65114.20","6.054"]: ticks of 0.10, lots of 0.001.
    EXPECT_EQ(b.bids[0].price.ticks, 651142);
    EXPECT_EQ(b.bids[0].qty.lots, 6054);
    char buf[32];
    EXPECT_EQ(std::string_view(buf, format_price(in, b.bids[1].price, buf)), "65114.10");
    for (uint32_t i = 1; i < b.bid_count; ++i) EXPECT_LT(b.bids[i].price, b.bids[i - 1].price);
    for (uint32_t i = 1; i < b.ask_count; ++i) EXPECT_GT(b.asks[i].price, b.asks[i - 1].price);
    EXPECT_LT(b.bids[0].price, b.asks[0].price);
    return;
  }
  FAIL() << "snapshot not found";
}

TEST(CodecRecording, TradesTickersKlinesCarryValues) {
  const InstrumentRegistry& reg = recording_registry();
  BybitCodec codec(reg);
  size_t trades = 0;
  bool saw_spot_ticker = false;
  int closed_klines = 0;
  for (const Record& r : recording()) {
    if (r.t != "recv") continue;
    const Category cat = test::conn_category(r.conn);
    const ParseResult res = codec.parse(r.data, cat);
    ASSERT_EQ(res.error, CodecError::kOk);
    if (res.kind == MsgKind::kTrade) {
      for (const TradeEvent& t : codec.trades()) {
        EXPECT_GT(t.price.ticks, 0);
        EXPECT_GT(t.qty.lots, 0);
        EXPECT_GT(t.seq, 0);
        EXPECT_GE(t.ts_ms, t.trade_ts_ms);
        ++trades;
      }
    } else if (res.kind == MsgKind::kKline) {
      // At a minute boundary Bybit sends the closed candle and the new one in one frame.
      ASSERT_GE(codec.klines().size(), 1u);
      for (const Kline& k : codec.klines()) {
        EXPECT_EQ(k.interval_minutes, 1u);
        EXPECT_EQ(k.end_ms - k.start_ms, 59'999);
        EXPECT_LE(k.low, k.high);
        EXPECT_GE(k.turnover.units, 0);
        closed_klines += k.confirm ? 1 : 0;
      }
    } else if (res.kind == MsgKind::kTicker && cat == Category::kSpot) {
      const Ticker& t = codec.ticker();
      EXPECT_TRUE(t.has_snapshot);
      EXPECT_TRUE(t.present & kTickerUsdIndexPrice);
      EXPECT_EQ(t.ref_scale, reg.get(t.instrument).price_scale + kRefPriceExtraDigits);
      saw_spot_ticker = true;
    }
  }
  EXPECT_GT(trades, 120u);
  EXPECT_TRUE(saw_spot_ticker);
  EXPECT_GT(closed_klines, 0);
  // After the whole stream the linear BTCUSDT ticker has every field of its snapshot.
  const Ticker& btc = codec.ticker_of(reg.find(Category::kLinear, "BTCUSDT"));
  EXPECT_TRUE(btc.has_snapshot);
  EXPECT_EQ(btc.funding_rate, kRateOne / 10'000);  // "0.0001"
  EXPECT_EQ(btc.next_funding_time_ms, 1786320000000);
  EXPECT_GT(btc.bid1_price.ticks, 0);
  EXPECT_LT(btc.bid1_price, btc.ask1_price);
  EXPECT_GT(btc.mark_price, 0);
  EXPECT_GT(btc.open_interest.lots, 0);
}

TEST(CodecRecording, HistoricalXrpDumpParses) {
  const InstrumentRegistry& reg = recording_registry();
  BybitCodec codec(reg);
  const auto& lines = test::xrp_lines();
  ASSERT_EQ(lines.size(), 50u);
  int64_t last_u = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    // parse_padded: give the codec a buffer with padding, as the recording readers do.
    std::string buf = lines[i];
    const size_t len = buf.size();
    buf.append(BybitCodec::kPadding, '\0');
    const ParseResult res = codec.parse_padded(buf.data(), len, Category::kLinear);
    ASSERT_EQ(res.error, CodecError::kOk) << i << " " << to_string(codec.stats().last_decimal_error);
    ASSERT_EQ(res.kind, MsgKind::kBook);
    const BookUpdate& b = codec.book();
    EXPECT_EQ(reg.get(b.instrument).name(), "XRPUSDT");
    EXPECT_EQ(b.depth, 500);
    EXPECT_EQ(b.snapshot, i == 0);
    if (i == 0) {
      EXPECT_EQ(b.bid_count, 500u);
      EXPECT_EQ(b.bids[0].price.ticks, 19531);  // "1.9531" at tick 0.0001
      EXPECT_EQ(b.bids[0].qty.lots, 62030);     // "6203" at step 0.1
    } else {
      EXPECT_EQ(b.update_id, last_u + 1);
    }
    last_u = b.update_id;
  }
  EXPECT_EQ(last_u, 20254918);
}

}  // namespace
}  // namespace mm
