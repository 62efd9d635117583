// End-to-end: the real recordings through Replayer (reader -> codec -> BookSync) must parse without error and
// end with books equal, level for level, to an independent std::map reconstruction built here from the raw
// JSON with simdjson's DOM API; and steady-state replay must not allocate.
#include "tools/mm/replay.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <map>
#include <string>
#include <vector>

#include "tests/support/alloc_counter.h"

namespace mm::tools {
namespace {

const std::string kData = std::string(MM_SHARED_DATA) + "/bybit/";
const std::string kCryptofeed = kData + "cryptofeed-BYBIT-2026-08-09.jsonl.zst";
const std::string kXrp = kData + "2024-12-01_XRPUSDT_ob500.data.zip";

// Reference book: exact decimal value at scale 10 -> size string. Independent of codec and OrderBook.
struct RefBook {
  std::map<int64_t, std::string, std::greater<>> bids;
  std::map<int64_t, std::string> asks;
  int64_t u = 0;
};
using RefBooks = std::map<std::string, RefBook>;  // "linear:BTCUSDT"

int64_t scaled(std::string_view s) {
  int64_t v = 0;
  EXPECT_EQ(parse_fixed(s, 10, v), DecimalError::kOk) << s;
  return v;
}

template <class M>
void apply_side(M& side, simdjson::dom::array levels) {
  for (simdjson::dom::element lvl : levels) {
    const std::string_view p = lvl.at(0).get_string().value();
    const std::string_view q = lvl.at(1).get_string().value();
    if (scaled(q) == 0) {
      side.erase(scaled(p));
    } else {
      side[scaled(p)] = std::string(q);
    }
  }
}

void reference_apply(RefBooks& books, Category category, std::string_view frame) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(frame.data(), frame.size()).value();
  std::string_view topic;
  if (doc["topic"].get(topic) != simdjson::SUCCESS || topic.rfind("orderbook.", 0) != 0) return;
  const std::string key =
      std::string(to_string(category)) + ":" + std::string(topic.substr(topic.rfind('.') + 1));
  RefBook& b = books[key];
  const std::string_view type = doc["type"].get_string().value();
  const int64_t u = doc["data"]["u"].get_int64().value();
  if (type == "snapshot" || u == 1) {
    b = RefBook{};
  } else {
    ASSERT_EQ(u, b.u + 1) << key << ": the real recordings have contiguous u";
  }
  apply_side(b.bids, doc["data"]["b"].get_array().value());
  apply_side(b.asks, doc["data"]["a"].get_array().value());
  b.u = u;
}

RefBooks reference_books(const Replayer& r) {
  RefBooks books;
  for (const std::string& path : r.options().files) {
    std::unique_ptr<FrameSource> src;
    EXPECT_EQ(r.open(path, src), "");
    Frame f;
    for (ReadResult rr; (rr = src->next(f)) != ReadResult::kEnd;) {
      EXPECT_EQ(rr, ReadResult::kOk) << src->error();
      if (rr != ReadResult::kOk) break;
      if (f.kind != FrameKind::kRecv) continue;
      reference_apply(books, f.has_category ? f.category : Category::kLinear, f.data);
    }
  }
  return books;
}

template <class M>
void expect_side_equal(const std::string& key, const Instrument& in, const OrderBook& book, Side side,
                       const M& ref) {
  std::vector<std::pair<int64_t, std::string>> got;
  book.for_each(side, [&](const PriceLevel& l) {
    char p[32], q[32];
    const size_t pn = format_price(in, l.price, p), qn = format_qty(in, l.qty, q);
    got.emplace_back(scaled(std::string_view(p, pn)), std::string(q, qn));
  });
  ASSERT_EQ(got.size(), ref.size()) << key << (side == Side::kBuy ? " bids" : " asks");
  size_t i = 0;
  for (const auto& [price, size] : ref) {
    EXPECT_EQ(got[i].first, price) << key << " level " << i;
    EXPECT_EQ(scaled(got[i].second), scaled(size)) << key << " level " << i;
    ++i;
  }
}

void expect_books_match(const std::vector<std::string>& files, size_t expected_books) {
  ReplayOptions o;
  o.files = files;
  Replayer r(o);
  ASSERT_EQ(r.prepare(), "");
  ASSERT_EQ(r.run(), "");
  EXPECT_EQ(r.counters().parse_errors, 0u) << "codec errors: see CodecStats";
  EXPECT_EQ(r.counters().gaps, 0u);
  EXPECT_EQ(r.counters().book_errors, 0u);
  EXPECT_EQ(r.counters().read_errors, 0u);
  const RefBooks ref = reference_books(r);
  ASSERT_EQ(ref.size(), expected_books);
  size_t compared = 0;
  for (size_t i = 0; i < r.registry().size(); ++i) {
    const BookSync* b = r.book(static_cast<InstrumentId>(i));
    if (b == nullptr) continue;
    const Instrument& in = r.registry().get(static_cast<InstrumentId>(i));
    const std::string key = std::string(to_string(in.category)) + ":" + std::string(in.name());
    ASSERT_TRUE(ref.count(key)) << key;
    const RefBook& rb = ref.at(key);
    EXPECT_TRUE(b->trusted()) << key;
    EXPECT_EQ(b->last_update_id(), rb.u) << key;
    expect_side_equal(key, in, b->book(), Side::kBuy, rb.bids);
    expect_side_equal(key, in, b->book(), Side::kSell, rb.asks);
    ++compared;
  }
  EXPECT_EQ(compared, expected_books);
}

TEST(Replay, CryptofeedBooksEqualIndependentReconstruction) {
  // linear BTC/ETH/SOL/DOGE + spot BTC/ETH
  expect_books_match({kCryptofeed}, 6);
}

TEST(Replay, XrpHistoryBookEqualsIndependentReconstruction) {
  // The cryptofeed file first supplies the real linear XRPUSDT instrument.
  expect_books_match({kCryptofeed, kXrp}, 7);
}

TEST(Replay, XrpHistoryAloneInfersGrid) {
  ReplayOptions o;
  o.files = {kXrp};
  Replayer r(o);
  ASSERT_EQ(r.prepare(), "");
  ASSERT_EQ(r.run(), "");
  EXPECT_EQ(r.counters().frames, 50u);
  EXPECT_EQ(r.counters().parse_errors, 0u);
  const InstrumentId id = r.registry().find(Category::kLinear, "XRPUSDT");
  ASSERT_NE(id, kNoInstrument);
  EXPECT_TRUE(r.registry().get(id).inferred);
  ASSERT_NE(r.book(id), nullptr);
  EXPECT_EQ(r.book(id)->last_update_id(), 20254918);
}

TEST(Replay, JsonReportHasDocumentedKeys) {
  ReplayOptions o;
  o.files = {kCryptofeed};
  o.top = 3;
  Replayer r(o);
  ASSERT_EQ(r.prepare(), "");
  ASSERT_EQ(r.run(), "");
  const std::string json = replay_json_report(r);
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(json).value();
  EXPECT_EQ(doc["frames"].get_uint64().value(), 3227u);
  EXPECT_GT(doc["messages"].get_uint64().value(), 3000u);
  EXPECT_EQ(doc["errors"]["parse"].get_uint64().value(), 0u);
  EXPECT_EQ(doc["errors"]["gap"].get_uint64().value(), 0u);
  EXPECT_EQ(doc["errors"]["resync"].get_uint64().value(), 0u);
  EXPECT_GT(doc["throughput"]["msgs_per_s"].get_double().value(), 0.0);
  EXPECT_GT(doc["throughput"]["mb_per_s"].get_double().value(), 0.0);
  for (const char* stage : {"parse", "book", "total"}) {
    for (const char* k : {"p50", "p90", "p99", "p999", "max"}) {
      EXPECT_TRUE(doc["latency_ns"][stage][k].is_int64()) << stage << "." << k;
    }
  }
  simdjson::dom::element btc = doc["books"]["linear:BTCUSDT"].value();
  EXPECT_GT(btc["u"].get_int64().value(), 0);
  simdjson::dom::array bids = btc["bids"].get_array().value();
  ASSERT_EQ(bids.size(), 3u);
  // Decimal strings as Bybit prints linear BTCUSDT: price with 2 decimals, size with 3.
  const std::string_view p = bids.at(0).at(0).get_string().value();
  const std::string_view q = bids.at(0).at(1).get_string().value();
  EXPECT_EQ(p.size() - p.find('.'), 3u) << p;
  EXPECT_EQ(q.size() - q.find('.'), 4u) << q;
  EXPECT_TRUE(doc["books"]["spot:ETHUSDT"].is_object());
}

TEST(Replay, FiltersByCategoryAndSymbol) {
  ReplayOptions o;
  o.files = {kCryptofeed};
  o.category = Category::kSpot;
  o.symbol = "ETHUSDT";
  Replayer r(o);
  ASSERT_EQ(r.prepare(), "");
  ASSERT_EQ(r.run(), "");
  size_t books = 0;
  for (size_t i = 0; i < r.registry().size(); ++i) books += r.book(static_cast<InstrumentId>(i)) != nullptr;
  EXPECT_EQ(books, 1u);
  EXPECT_NE(r.book(r.registry().find(Category::kSpot, "ETHUSDT")), nullptr);
  EXPECT_GT(r.counters().filtered, 0u);
}

TEST(Replay, MissingFileIsAClearError) {
  ReplayOptions o;
  o.files = {kData + "no-such-file.jsonl"};
  Replayer r(o);
  const std::string err = r.prepare();
  EXPECT_NE(err.find("no-such-file.jsonl"), std::string::npos) << err;
}

// Copies of the recording's received frames with the padding the codec needs.
struct OwnedFrame {
  std::string bytes;  // data + kFramePadding spare bytes
  size_t size;
  Category category;
  bool has_category;
  int64_t recv_ns;
  Frame view() const {
    Frame f;
    f.data = std::string_view(bytes.data(), size);
    f.category = category;
    f.has_category = has_category;
    f.recv_ns = recv_ns;
    return f;
  }
};

TEST(Replay, SteadyStateDoesNotAllocate) {
  ReplayOptions o;
  o.files = {kCryptofeed};
  Replayer r(o);
  ASSERT_EQ(r.prepare(), "");
  std::vector<OwnedFrame> frames;
  std::unique_ptr<FrameSource> src;
  ASSERT_EQ(r.open(kCryptofeed, src), "");
  Frame f;
  while (src->next(f) == ReadResult::kOk) {
    if (f.kind != FrameKind::kRecv) continue;
    std::string b(f.data);
    b.resize(b.size() + kFramePadding, ' ');
    frames.push_back({std::move(b), f.data.size(), f.category, f.has_category, f.recv_ns});
  }
  ASSERT_GT(frames.size(), 3000u);
  // Warm-up pass: the first snapshot of each book creates it (its one allocation, at first sight). The
  // measured second pass replays the same frames: each book's first message there is again its snapshot.
  for (const OwnedFrame& of : frames) r.process(of.view());
  const uint64_t before = r.counters().messages;
  uint64_t allocations = 0;
  for (size_t i = 0; i < frames.size(); ++i) {
    test::AllocScope scope;
    r.process(frames[i].view());
    EXPECT_EQ(scope.allocations(), 0u) << "frame " << i << ": " << frames[i].bytes.substr(0, 120);
    allocations += scope.allocations();
  }
  EXPECT_EQ(allocations, 0u);
  EXPECT_EQ(r.counters().messages - before, frames.size());
  EXPECT_EQ(r.counters().gaps, 0u);
  EXPECT_EQ(r.counters().parse_errors, 0u);
}

}  // namespace
}  // namespace mm::tools
