#include "net/recording_venue.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>

namespace mm {
namespace {

// Decodes one masked client text frame (as the venue wrote it) back to its JSON payload.
std::string unmask(std::span<const char> f) {
  const auto b = [&](size_t i) { return static_cast<uint8_t>(f[i]); };
  EXPECT_EQ(b(0), 0x81) << "FIN + text";
  EXPECT_TRUE(b(1) & 0x80) << "client frames are masked";
  size_t len = b(1) & 0x7f, pos = 2;
  if (len == 126) {
    len = (size_t{b(2)} << 8) | b(3);
    pos = 4;
  }
  const uint8_t mask[4] = {b(pos), b(pos + 1), b(pos + 2), b(pos + 3)};
  pos += 4;
  EXPECT_EQ(pos + len, f.size());
  std::string out(len, '\0');
  for (size_t i = 0; i < len; ++i) out[i] = static_cast<char>(b(pos + i) ^ mask[i % 4]);
  return out;
}

class RecordingVenueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Instrument in;
    ASSERT_EQ(make_instrument({Category::kLinear, "BTCUSDT", "Trading", "2", "0.10", "0.001", "0.001", "1500", "5"}, in),
              InstrumentError::kOk);
    id_ = reg_.add(in);
  }
  OrderCreate create(uint64_t seq, Side side, int64_t ticks) {
    OrderCreate c;
    c.instrument = id_;
    c.side = side;
    c.price = Price{ticks};
    c.qty = Qty{1};
    c.tif = TimeInForce::kPostOnly;
    EXPECT_EQ(make_link_id("mm", seq, c.link_id), LinkIdError::kOk);
    return c;
  }
  InstrumentRegistry reg_;
  InstrumentId id_ = kNoInstrument;
};

TEST_F(RecordingVenueTest, EncodesSingleCreateAsTradeWsFrame) {
  RecordingVenue v(reg_);
  v.set_time(1'700'000'000'123'000'000);
  v.begin_tick();
  const OrderCreate c = create(7, Side::kBuy, 651142);
  ASSERT_TRUE(v.send_creates({&c, 1}));
  ASSERT_EQ(v.frame_count(), 1u);
  const std::string json = unmask(v.frame(0));
  simdjson::dom::parser p;
  simdjson::dom::element doc = p.parse(json).value();
  EXPECT_EQ(doc["op"].get_string().value(), "order.create");
  EXPECT_EQ(doc["reqId"].get_string().value(), "r1");
  EXPECT_EQ(doc["header"]["X-BAPI-TIMESTAMP"].get_string().value(), "1700000000123");
  simdjson::dom::element arg = doc["args"].at(0).value();
  EXPECT_EQ(arg["symbol"].get_string().value(), "BTCUSDT");
  EXPECT_EQ(arg["price"].get_string().value(), "65114.20");
  EXPECT_EQ(arg["qty"].get_string().value(), "0.001");
  EXPECT_EQ(arg["side"].get_string().value(), "Buy");
  EXPECT_EQ(arg["timeInForce"].get_string().value(), "PostOnly");
  EXPECT_EQ(arg["orderLinkId"].get_string().value(), "mm-7");
  EXPECT_EQ(v.stats().creates, 1u);
}

TEST_F(RecordingVenueTest, SeveralActionsGoOutAsOneBatchFrame) {
  RecordingVenue v(reg_);
  v.begin_tick();
  const OrderCreate cs[3] = {create(1, Side::kBuy, 100), create(2, Side::kBuy, 99), create(3, Side::kSell, 102)};
  ASSERT_TRUE(v.send_creates(cs));
  ASSERT_EQ(v.frame_count(), 1u);
  simdjson::dom::parser p;
  simdjson::dom::element doc = p.parse(unmask(v.frame(0))).value();
  EXPECT_EQ(doc["op"].get_string().value(), "order.create-batch");
  EXPECT_EQ(doc["args"].at(0)["request"].get_array().value().size(), 3u);
  EXPECT_EQ(v.stats().creates, 3u);
  v.begin_tick();
  EXPECT_EQ(v.frame_count(), 0u);
}

TEST_F(RecordingVenueTest, FullTickRefusesAndCounts) {
  RecordingVenue v(reg_);
  v.begin_tick();
  for (size_t i = 0; i < RecordingVenue::kMaxFramesPerTick; ++i) {
    const OrderCreate c = create(i + 1, Side::kBuy, 100);
    ASSERT_TRUE(v.send_creates({&c, 1}));
  }
  const OrderCreate extra = create(999, Side::kBuy, 100);
  EXPECT_FALSE(v.send_creates({&extra, 1}));
  EXPECT_EQ(v.frame_count(), RecordingVenue::kMaxFramesPerTick);
  EXPECT_EQ(v.stats().encode_errors, 1u);
  EXPECT_EQ(v.stats().creates, RecordingVenue::kMaxFramesPerTick);
}

}  // namespace
}  // namespace mm
