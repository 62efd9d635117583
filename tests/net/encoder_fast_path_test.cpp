// The encoders' fast paths against their plain definitions: the number printer against format_price /
// format_qty, the unchecked writers against the checked ones (every buffer size from too small to roomy), the
// WsRequestStream frames against the WsRequestMeta encoders across timestamp windows, reqId digit growth and
// recv-window changes, and the room bounds of the unchecked writers (heap buffers of exactly that size, so
// ASan sees any write past them).
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/instrument.h"
#include "core/instrument_registry.h"
#include "core/order_request.h"
#include "net/detail/order_json.h"
#include "net/order_encoder.h"
#include "net/recording_venue.h"
#include "net/rest_encoder.h"
#include "net/ws_frame.h"
#include "net/ws_trade_encoder.h"

namespace mm {
namespace {

Instrument instrument(Category c, std::string_view symbol, std::string_view price_scale,
                      std::string_view tick, std::string_view step) {
  InstrumentSpec spec;
  spec.category = c;
  spec.symbol = symbol;
  spec.price_scale = price_scale;
  spec.tick_size = tick;
  spec.qty_step = step;
  Instrument in;
  EXPECT_EQ(make_instrument(spec, in), InstrumentError::kOk);
  return in;
}

OrderLinkId link(std::string_view s) {
  OrderLinkId id;
  EXPECT_EQ(make_link_id(s, id), LinkIdError::kOk) << s;
  return id;
}

std::string text(std::span<const char> out, const Encoded& e) {
  EXPECT_TRUE(e.ok()) << to_string(e.error);
  return std::string(out.data(), e.ok() ? e.size : 0);
}

// The JSON string value after `"key":"` in s.
std::string field(const std::string& s, std::string_view key) {
  const std::string k = "\"" + std::string(key) + "\":\"";
  const size_t at = s.find(k);
  if (at == std::string::npos) return "<missing>";
  const size_t from = at + k.size();
  return s.substr(from, s.find('"', from) - from);
}

// Values with every digit count, around powers of ten and all-nines, and with zeros in every position.
std::vector<int64_t> sample_values() {
  std::vector<int64_t> v;
  int64_t p = 1;
  for (int d = 0; d < 18; ++d, p *= 10) {
    for (int64_t x : {p, p + 1, 2 * p - 1, 9 * p, 10 * p - 1, 5 * p + 5, 3 * p + p / 7}) v.push_back(x);
  }
  for (int64_t x : {int64_t{651142}, int64_t{6511420}, int64_t{12345678}, int64_t{100000000},
                    int64_t{99999999}, int64_t{1000000007}, int64_t{10203040506070809}}) {
    v.push_back(x);
  }
  return v;
}

TEST(EncoderFastPath, PricesAndQuantitiesPrintAsFormatPriceAndFormatQty) {
  std::vector<char> buf(4096);
  for (int scale = 0; scale <= 10; ++scale) {
    for (int64_t unit : {int64_t{1}, int64_t{5}, int64_t{10}, int64_t{25}, int64_t{1000}}) {
      for (bool trim : {false, true}) {
        Instrument in = instrument(Category::kLinear, "BTCUSDT", "2", "0.10", "0.001");
        in.price_scale = static_cast<int8_t>(scale);
        in.qty_scale = static_cast<int8_t>(scale);
        in.tick_units = unit;
        in.lot_units = unit;
        in.trim_zeros = trim;
        for (int64_t v : sample_values()) {
          if (v > INT64_MAX / unit) continue;  // format_price's precondition
          OrderAmend a;
          a.link_id = link("id-1");
          a.price = Price{v};
          a.qty = Qty{v};
          const std::string body = text(buf, encode_rest_amend(in, a, buf));
          char want[32];
          ASSERT_EQ(field(body, "price"), std::string(want, format_price(in, Price{v}, want)))
              << "scale " << scale << " unit " << unit << " trim " << trim << " ticks " << v;
          ASSERT_EQ(field(body, "qty"), std::string(want, format_qty(in, Qty{v}, want)))
              << "scale " << scale << " unit " << unit << " trim " << trim << " lots " << v;
        }
      }
    }
  }
}

struct FastPathTest : ::testing::Test {
  Instrument btc = instrument(Category::kLinear, "BTCUSDT", "2", "0.10", "0.001");
  Instrument spot = instrument(Category::kSpot, "PEPEUSDT", "", "0.00000001", "1");
  // The longest symbol, a fine grid: the largest items.
  Instrument wide =
      instrument(Category::kLinear, "ABCDEFGHIJKLMNOPQRSTUVWXYZ01234", "8", "0.00000001", "0.00000001");
  // The longest category name and the finest grid (scale 15, the most make_instrument takes): 20-character
  // decimals.
  Instrument widest = instrument(Category::kInverse, "ABCDEFGHIJKLMNOPQRSTUVWXYZ01234", "",
                                 "0.000000000000001", "0.000000000000001");
  InstrumentRegistry reg;
  InstrumentId btc_id = reg.add(btc);
  InstrumentId spot_id = reg.add(spot);
  InstrumentId wide_id = reg.add(wide);
  InstrumentId widest_id = reg.add(widest);

  OrderCreate create(InstrumentId id, std::string_view link_id, int64_t ticks) const {
    OrderCreate c;
    c.instrument = id;
    c.side = Side::kSell;
    c.price = Price{ticks};
    c.qty = Qty{3};
    c.link_id = link(link_id);
    return c;
  }
  OrderAmend amend(InstrumentId id, std::string_view link_id, int64_t ticks) const {
    OrderAmend a;
    a.instrument = id;
    a.link_id = link(link_id);
    a.price = Price{ticks};
    return a;
  }
  OrderCancel cancel(InstrumentId id, std::string_view link_id) const {
    OrderCancel c;
    c.instrument = id;
    c.link_id = link(link_id);
    return c;
  }
};

// The frame bytes, or the error's name.
std::string frame_text(std::span<const char> out, const EncodedFrame& f) {
  if (!f.ok()) return "error " + std::string(to_string(f.error));
  return std::string(out.data() + f.offset, f.size);
}

template <class Item>
Encoded meta_batch(const WsRequestMeta& m, const InstrumentRegistry& reg, std::span<const Item> items,
                   std::span<char> out) {
  if constexpr (std::is_same_v<Item, OrderCreate>) {
    return encode_ws_create_batch(m, reg, items, out);
  } else if constexpr (std::is_same_v<Item, OrderAmend>) {
    return encode_ws_amend_batch(m, reg, items, out);
  } else {
    return encode_ws_cancel_batch(m, reg, items, out);
  }
}

// The stream's frame of `items` (single op for one item, batch otherwise) and the WsRequestMeta encoders'
// frame for s.meta() with the same key, each into a buffer of `size` bytes.
template <class Item>
std::pair<std::string, std::string> both_frames(const WsRequestStream& s, const InstrumentRegistry& reg,
                                                std::span<const Item> items, size_t size, bool single) {
  const uint32_t key = 0x1234abcd;
  std::vector<char> a(size), b(size);
  EncodedFrame fs, fm;
  if (single) {
    const Instrument& in = reg.get(items[0].instrument);
    fs = encode_ws_frame(s, in, items[0], key, a);
    if constexpr (std::is_same_v<Item, OrderCreate>) {
      fm = encode_ws_create_frame(s.meta(), in, items[0], key, b);
    } else if constexpr (std::is_same_v<Item, OrderAmend>) {
      fm = encode_ws_amend_frame(s.meta(), in, items[0], key, b);
    } else {
      fm = encode_ws_cancel_frame(s.meta(), in, items[0], key, b);
    }
  } else {
    fs = encode_ws_batch_frame(s, reg, items, key, a);
    fm = encode_ws_text_frame(std::span<char>(b), key, [&](std::span<char> payload) {
      return meta_batch(s.meta(), reg, items, payload);
    });
  }
  return {frame_text(a, fs), frame_text(b, fm)};
}

// The unmasked payload of a frame the stream encoder wrote.
std::string payload_of(const std::string& frame) {
  const auto b = [&](size_t i) { return static_cast<uint8_t>(frame[i]); };
  size_t len = b(1) & 0x7f, pos = 2;
  if (len == 126) {
    len = (size_t{b(2)} << 8) | b(3);
    pos = 4;
  }
  const uint8_t mask[4] = {b(pos), b(pos + 1), b(pos + 2), b(pos + 3)};
  pos += 4;
  std::string out(len, '\0');
  for (size_t i = 0; i < len; ++i) out[i] = static_cast<char>(b(pos + i) ^ mask[i % 4]);
  return out;
}

TEST_F(FastPathTest, StreamTimestampTextFollowsEveryMillisecondAcrossItsWindows) {
  WsRequestStream s;
  const std::vector<OrderAmend> items = {amend(btc_id, "mm-1", 651142), amend(btc_id, "mm-2", 651150)};
  // Below the four-digit window, at its edges, back in time, and where the digit count grows.
  for (int64_t ts : {int64_t{0},
                     int64_t{5},
                     int64_t{9999},
                     int64_t{10000},
                     int64_t{10001},
                     int64_t{19999},
                     int64_t{20000},
                     int64_t{3},
                     int64_t{1700000000123},
                     int64_t{1700000000123},
                     int64_t{1700000000124},
                     int64_t{1700000009999},
                     int64_t{1700000010000},
                     int64_t{1699999999999},
                     int64_t{1700000000000},
                     int64_t{9999999999999},
                     int64_t{10000000000000},
                     int64_t{10000000000001},
                     int64_t{1700000000123},
                     int64_t{INT64_MAX}}) {
    s.next(ts);
    const auto [fast, meta] = both_frames<OrderAmend>(s, reg, items, 4096, false);
    ASSERT_EQ(fast, meta) << ts;
    EXPECT_EQ(field(payload_of(fast), "X-BAPI-TIMESTAMP"), std::to_string(ts));
  }
}

TEST_F(FastPathTest, StreamReqIdCountsInDecimalAndGrowsADigit) {
  WsRequestStream s;
  const std::vector<OrderCancel> items = {cancel(btc_id, "mm-1")};
  for (int i = 1; i <= 10'050; ++i) {
    s.next(1700000000000 + i);
    ASSERT_EQ(s.req_id(), "r" + std::to_string(i));
    if (i < 12 || (i > 95 && i < 105) || (i > 995 && i < 1005) || i > 9'995) {
      const auto [fast, meta] = both_frames<OrderCancel>(s, reg, items, 4096, true);
      ASSERT_EQ(fast, meta) << i;
      ASSERT_EQ(field(payload_of(fast), "reqId"), "r" + std::to_string(i));
    }
  }
}

TEST_F(FastPathTest, StreamRecvWindowChangeIsPrinted) {
  WsRequestStream s(5000);
  s.next(1700000000123);
  const std::vector<OrderCreate> items = {create(btc_id, "mm-1", 651142)};
  for (int64_t rw : {int64_t{5000}, int64_t{10000}, int64_t{1}, int64_t{0}, int64_t{123456789012}}) {
    s.set_recv_window(rw);
    EXPECT_EQ(s.recv_window_ms(), rw);
    const auto [fast, meta] = both_frames<OrderCreate>(s, reg, items, 4096, true);
    ASSERT_EQ(fast, meta) << rw;
    EXPECT_EQ(field(payload_of(fast), "X-BAPI-RECV-WINDOW"), std::to_string(rw));
    EXPECT_EQ(field(payload_of(fast), "X-BAPI-TIMESTAMP"), "1700000000123");
  }
}

// Every buffer size from too small to roomy: the same bytes or the same error (kBufferTooSmall below the
// frame's size), whichever path (unchecked, checked, stream fallback) the size selects.
TEST_F(FastPathTest, StreamAndMetaFramesAgreeAtEveryBufferSize) {
  WsRequestStream s;
  s.next(1700000000123);
  const std::vector<OrderCreate> creates = {create(btc_id, "mm-1", 651142), create(btc_id, "mm-2", 651100)};
  const std::vector<OrderAmend> amends = {amend(spot_id, "mm-3", 1234500), amend(spot_id, "mm-4", 1)};
  const std::vector<OrderCancel> cancels = {cancel(wide_id, "mm-5"), cancel(wide_id, "mm-6")};
  for (size_t size = 0; size < 1400; ++size) {
    for (bool single : {true, false}) {
      const auto c = both_frames<OrderCreate>(s, reg, creates, size, single);
      ASSERT_EQ(c.first, c.second) << size;
      const auto a = both_frames<OrderAmend>(s, reg, amends, size, single);
      ASSERT_EQ(a.first, a.second) << size;
      const auto x = both_frames<OrderCancel>(s, reg, cancels, size, single);
      ASSERT_EQ(x.first, x.second) << size;
    }
  }
  // And the sizes where the answer changes are the frame sizes.
  const auto tiny = both_frames<OrderAmend>(s, reg, amends, 20, false);
  EXPECT_EQ(tiny.first, "error buffer_too_small");
}

TEST_F(FastPathTest, StreamFramesReportTheSameErrors) {
  WsRequestStream s;
  s.next(1700000000123);
  OrderAmend nothing = amend(btc_id, "mm-1", 1);
  nothing.price.reset();
  OrderAmend bad_price = amend(btc_id, "mm-1", 0);
  OrderAmend bad_id = amend(btc_id, "mm-1", 5);
  bad_id.link_id.data[1] = ' ';
  OrderAmend unknown = amend(btc_id, "mm-1", 5);
  unknown.instrument = 77;
  const OrderAmend ok = amend(btc_id, "mm-2", 5);
  const OrderAmend other_category = amend(spot_id, "mm-3", 5);
  const std::vector<std::vector<OrderAmend>> batches = {
      {ok, nothing}, {ok, bad_price},      {bad_id, ok}, {ok, unknown},
      {unknown, ok}, {ok, other_category}, {},           std::vector<OrderAmend>(21, ok)};
  for (const auto& b : batches) {
    const auto [fast, meta] = both_frames<OrderAmend>(s, reg, std::span<const OrderAmend>(b), 1 << 16, false);
    EXPECT_EQ(fast, meta);
    EXPECT_TRUE(fast.starts_with("error ")) << fast;
  }
  for (const OrderAmend& a : {nothing, bad_price, bad_id}) {
    const auto [fast, meta] =
        both_frames<OrderAmend>(s, reg, std::span<const OrderAmend>(&a, 1), 1 << 16, true);
    EXPECT_EQ(fast, meta);
    EXPECT_TRUE(fast.starts_with("error ")) << fast;
  }
}

// RecordingVenue over ticks that cross millisecond and ten-second boundaries, with a refused action (its
// frame still takes a reqId): every frame's payload is what the WsRequestMeta encoders write for "r<n>".
TEST_F(FastPathTest, RecordingVenueFramesMatchTheMetaEncoders) {
  RecordingVenue v(reg, 7000);
  std::vector<char> buf(1 << 16);
  uint64_t n = 0;
  int64_t t = 1'700'000'009'990'000'000;
  for (int tick = 0; tick < 40; ++tick) {
    t += tick % 7 == 0 ? 3'000'000'000 : 1'300'000;
    v.set_time(t);
    v.begin_tick();
    const std::vector<OrderAmend> amends = {amend(btc_id, "mm-" + std::to_string(tick), 651142 + tick),
                                            amend(btc_id, "mm-x", 651000)};
    const std::vector<OrderCreate> creates = {create(spot_id, "mm-c" + std::to_string(tick), 123456)};
    OrderCancel refused = cancel(btc_id, "mm-1");
    refused.link_id.len = 0;
    ASSERT_TRUE(v.send_amends(amends));
    ASSERT_TRUE(v.send_creates(creates));
    ASSERT_FALSE(v.send_cancels({&refused, 1}));
    ASSERT_EQ(v.frame_count(), 2u);
    const std::string rid1 = "r" + std::to_string(++n);
    const std::string rid2 = "r" + std::to_string(++n);
    ++n;  // the refused cancel's
    const WsRequestMeta m1{rid1, t / 1'000'000, 7000};
    const WsRequestMeta m2{rid2, t / 1'000'000, 7000};
    const std::string f1(v.frame(0).data(), v.frame(0).size());
    const std::string f2(v.frame(1).data(), v.frame(1).size());
    EXPECT_EQ(payload_of(f1), text(buf, encode_ws_amend_batch(m1, reg, amends, buf))) << tick;
    EXPECT_EQ(payload_of(f2), text(buf, encode_ws_create(m2, spot, creates[0], buf))) << tick;
  }
  EXPECT_EQ(v.stats().encode_errors, 40u);
}

// The largest items (longest symbol, 36-char ids, 19-digit numbers, every optional field) written unchecked
// into heap buffers of exactly the advertised room: ASan fails the test on any byte past it.
TEST_F(FastPathTest, UncheckedWritersStayInsideTheirRoom) {
  for (const InstrumentId id : {wide_id, widest_id}) {
    SCOPED_TRACE(std::string(reg.get(id).name()) + " " + std::string(to_string(reg.get(id).category)));
    const std::string long_id(kMaxLinkIdLen, 'x');
    OrderCreate c = create(id, long_id, INT64_MAX);
    c.qty = Qty{INT64_MAX};
    c.reduce_only = true;
    c.position_idx = 2;
    c.tif = TimeInForce::kPostOnly;
    OrderAmend a = amend(id, long_id, INT64_MAX);
    a.qty = Qty{INT64_MAX};
    const OrderCancel x = cancel(id, long_id);
    const std::vector<OrderCreate> cs(kMaxBatchItems, c);
    const std::vector<OrderAmend> as(kMaxBatchItems, a);
    const std::vector<OrderCancel> xs(kMaxBatchItems, x);

    auto batch_room = [&](auto items) {
      using Item = typename decltype(items)::value_type;
      std::vector<char> room(detail::max_batch_bytes<Item>(items.size()));
      detail::UncheckedWriter w(room.data());
      EXPECT_EQ(detail::write_batch(w, reg, std::span<const Item>(items)), EncodeError::kOk);
      EXPECT_LE(w.size(), room.size());
    };
    batch_room(cs);
    batch_room(as);
    batch_room(xs);

    const Instrument& in = reg.get(id);
    {
      std::vector<char> room(detail::kMaxCreateBytes);
      detail::UncheckedWriter w(room.data());
      EXPECT_EQ(detail::write_create(w, in, c, true), EncodeError::kOk);
    }
    {
      std::vector<char> room(detail::kMaxAmendBytes);
      detail::UncheckedWriter w(room.data());
      EXPECT_EQ(detail::write_amend(w, in, a, true), EncodeError::kOk);
    }
    {
      std::vector<char> room(detail::kMaxCancelBytes);
      detail::UncheckedWriter w(room.data());
      EXPECT_EQ(detail::write_cancel(w, in, x, true), EncodeError::kOk);
    }

    // Whole envelopes: the stream with a 20-digit reqId and 20-digit numbers, and the meta encoders with a
    // 36-char reqId, into payload buffers of exactly the room that selects the unchecked path.
    WsRequestStream s(INT64_MAX);
    for (int i = 0; i < 3; ++i) s.next(INT64_MAX);
    const std::string req_id(36, 'q');
    const WsRequestMeta m{req_id, INT64_MAX, INT64_MAX};
    auto frames = [&](auto items) {
      using Item = typename decltype(items)::value_type;
      const std::span<const Item> span(items);
      const size_t room = detail::kMaxEnvelopeBytes + detail::max_batch_bytes<Item>(items.size());
      std::vector<char> out(kMaxClientHeaderLen + room);
      EXPECT_TRUE(encode_ws_batch_frame(s, reg, span, 7, out).ok());
      std::vector<char> payload(room);
      EXPECT_TRUE(meta_batch(m, reg, span, payload).ok());
      const size_t one = detail::kMaxEnvelopeBytes + detail::max_item_bytes<Item>();
      std::vector<char> out1(kMaxClientHeaderLen + one);
      EXPECT_TRUE(encode_ws_frame(s, in, items[0], 7, out1).ok());
    };
    frames(cs);
    frames(as);
    frames(xs);
  }
}

}  // namespace
}  // namespace mm
