// The numbers an order frame prints without the general formatter: the trade-WebSocket envelope's timestamp
// and recv window (two digits per division), and RecordingVenue's reqIds (a decimal text incremented in
// place). Each is checked against snprintf over every digit count and every carry.
#include <gtest/gtest.h>

#include <cinttypes>
#include <cstdio>
#include <string>
#include <vector>

#include "net/recording_venue.h"
#include "net/ws_trade_encoder.h"

namespace mm {
namespace {

std::string dec(uint64_t v) {
  char b[32];
  const int n = std::snprintf(b, sizeof b, "%" PRIu64, v);
  return std::string(b, static_cast<size_t>(n));
}

// The envelope's header, as encode_ws_cancel prints it for (timestamp, recv window).
std::string header_of(int64_t ts, int64_t recv_window) {
  Instrument in;
  EXPECT_EQ(make_instrument({Category::kLinear, "BTCUSDT", "Trading", "2", "0.10", "0.001", "0.001", "1500", "5"}, in),
            InstrumentError::kOk);
  OrderCancel c;
  c.instrument = 0;
  EXPECT_EQ(make_link_id("mm", 1, c.link_id), LinkIdError::kOk);
  std::vector<char> buf(512);
  const Encoded e = encode_ws_cancel(WsRequestMeta{"", ts, recv_window}, in, c, buf);
  EXPECT_TRUE(e.ok());
  const std::string json(buf.data(), e.size);
  const std::string open = R"({"header":{"X-BAPI-TIMESTAMP":")";
  EXPECT_EQ(json.compare(0, open.size(), open), 0) << json;
  const size_t end = json.find(R"("},"op")");
  return json.substr(open.size(), end - open.size());
}

TEST(WsEnvelopeNumbers, TimestampAndRecvWindowMatchSnprintfAtEveryDigitCount) {
  std::vector<uint64_t> values = {0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 5000, 1'786'310'818'130};
  uint64_t p = 1;
  for (int d = 1; d <= 18; ++d) {
    p *= 10;
    values.insert(values.end(), {p - 1, p, p + 1, p + p / 2});
  }
  values.push_back(INT64_MAX);
  for (const uint64_t v : values) {
    const auto ts = static_cast<int64_t>(v);
    EXPECT_EQ(header_of(ts, 5000), dec(v) + R"(","X-BAPI-RECV-WINDOW":"5000)") << v;
    EXPECT_EQ(header_of(1'700'000'000'000, ts), R"(1700000000000","X-BAPI-RECV-WINDOW":")" + dec(v)) << v;
  }
}

TEST(WsEnvelopeNumbers, TimestampInAShortBufferIsRefusedNotOverrun) {
  Instrument in;
  ASSERT_EQ(make_instrument({Category::kLinear, "BTCUSDT", "Trading", "2", "0.10", "0.001", "0.001", "1500", "5"}, in),
            InstrumentError::kOk);
  OrderCancel c;
  c.instrument = 0;
  ASSERT_EQ(make_link_id("mm", 1, c.link_id), LinkIdError::kOk);
  // Buffers that end before, inside or just after the timestamp (which starts after a 31-byte prefix):
  // each fails cleanly, with nothing written past its end.
  for (size_t n = 30; n <= 44; ++n) {
    std::vector<char> buf(n + 8, '#');
    const Encoded e = encode_ws_cancel(WsRequestMeta{"", 1'786'310'818'130, 5000}, in, c, {buf.data(), n});
    EXPECT_EQ(e.error, EncodeError::kBufferTooSmall) << n;
    for (size_t i = n; i < buf.size(); ++i) ASSERT_EQ(buf[i], '#') << n;
  }
}

// reqId of frame k (1-based) as the venue writes it.
std::string unmask_req_id(std::span<const char> f) {
  const auto b = [&](size_t i) { return static_cast<uint8_t>(f[i]); };
  size_t len = b(1) & 0x7f;
  size_t pos = 2;
  if (len == 126) {
    len = (size_t{b(2)} << 8) | b(3);
    pos = 4;
  }
  const uint8_t mask[4] = {b(pos), b(pos + 1), b(pos + 2), b(pos + 3)};
  pos += 4;
  std::string json(len, '\0');
  for (size_t i = 0; i < len; ++i) json[i] = static_cast<char>(b(pos + i) ^ mask[i % 4]);
  const std::string key = R"({"reqId":")";
  EXPECT_EQ(json.compare(0, key.size(), key), 0) << json;
  return json.substr(key.size(), json.find('"', key.size()) - key.size());
}

TEST(RecordingVenueReqId, CountsUpInDecimalThroughEveryCarry) {
  InstrumentRegistry reg;
  Instrument in;
  ASSERT_EQ(make_instrument({Category::kLinear, "BTCUSDT", "Trading", "2", "0.10", "0.001", "0.001", "1500", "5"}, in),
            InstrumentError::kOk);
  const InstrumentId id = reg.add(in);
  RecordingVenue v(reg);
  v.set_time(1'700'000'000'000'000'000);
  OrderCancel c;
  c.instrument = id;
  ASSERT_EQ(make_link_id("mm", 1, c.link_id), LinkIdError::kOk);
  // 1..10000 covers every carry up to four nines; each tick sends one frame.
  for (uint64_t k = 1; k <= 10'000; ++k) {
    v.begin_tick();
    ASSERT_TRUE(v.send_cancels({&c, 1}));
    ASSERT_EQ(v.frame_count(), 1u);
    ASSERT_EQ(unmask_req_id(v.frame(0)), "r" + dec(k)) << k;
  }
}

}  // namespace
}  // namespace mm
