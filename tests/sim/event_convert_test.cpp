// Recording -> events on the real recordings, checked against an independent reading of the same frames
// with simdjson's DOM API: level counts, the final books, every trade print, funding and mark updates,
// and the history file's times. Plus the error paths (bad frames counted, unknown topics, filters).
#include "sim/event_convert.h"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "core/book_sync.h"
#include "core/capture.h"
#include "sim/event_data.h"
#include "sim/event_file.h"

namespace mm {
namespace {

const std::string kData = std::string(MM_SHARED_DATA) + "/bybit/";
const std::string kCryptofeed = kData + "cryptofeed-BYBIT-2026-08-09.jsonl.zst";
const std::string kXrp = kData + "2024-12-01_XRPUSDT_ob500.data.zip";

std::string temp(const std::string& name) {
  return ::testing::TempDir() + "mm_evconv_" + std::to_string(::getpid()) + "_" + name;
}

struct Loaded {
  EventFileReader reader;
  EventConvertResult result;
};

// Converts to a temp .events file and maps it.
void convert_and_open(const std::string& in, const std::string& name, Loaded& out,
                      const EventConvertOptions& o = {}) {
  const std::string p = temp(name);
  out.result = convert_to_events(in, p, o);
  ASSERT_EQ(out.result.status, ReadResult::kOk) << out.result.message;
  ASSERT_EQ(out.reader.open(p), EventFileError::kOk) << out.reader.error();
  std::filesystem::remove(p);  // the mapping stays valid
}

std::string key(Category c, std::string_view sym) { return std::string(to_string(c)) + ":" + std::string(sym); }

// Independent reference: every kRecv frame of the recording as a DOM document.
template <class F>
void for_each_message(const std::string& path, F&& f) {
  OpenedRecording o = open_recording(path);
  ASSERT_TRUE(o.source) << o.message;
  simdjson::dom::parser parser;
  Frame fr;
  for (ReadResult rr; (rr = o.source->next(fr)) != ReadResult::kEnd;) {
    ASSERT_EQ(rr, ReadResult::kOk) << o.source->error();
    if (fr.kind != FrameKind::kRecv) continue;
    simdjson::dom::element doc = parser.parse(fr.data.data(), fr.data.size()).value();
    std::string_view topic;
    if (doc["topic"].get(topic) != simdjson::SUCCESS) continue;
    f(fr.has_category ? fr.category : Category::kLinear, topic, doc, fr.recv_ns);
  }
}

// A named array: iterating `x.get_array().value()` directly would iterate a dead temporary.
simdjson::dom::array array_of(simdjson::dom::element e) {
  simdjson::dom::array a;
  EXPECT_EQ(e.get(a), simdjson::SUCCESS);
  return a;
}

std::string sym_of(std::string_view topic) { return std::string(topic.substr(topic.rfind('.') + 1)); }

const Instrument& instrument_of(const EventFileReader& r, Category c, std::string_view sym) {
  for (const Instrument& in : r.instruments()) {
    if (in.category == c && in.name() == sym) return in;
  }
  static Instrument none;
  ADD_FAILURE() << "no instrument " << key(c, sym);
  return none;
}

int64_t ticks(const Instrument& in, std::string_view s) {
  Price p;
  EXPECT_EQ(to_price(in, s, p), DecimalError::kOk) << s;
  return p.ticks;
}
int64_t lots(const Instrument& in, std::string_view s) {
  Qty q;
  EXPECT_EQ(to_qty(in, s, q), DecimalError::kOk) << s;
  return q.lots;
}

TEST(EventConvert, CryptofeedBookRecordsAreTheJsonLevelsInOrder) {
  Loaded l;
  convert_and_open(kCryptofeed, "cf_book.events", l);
  EXPECT_TRUE(l.result.ok()) << l.result.message;
  EXPECT_TRUE(l.reader.has_local_time());
  EXPECT_EQ(l.result.format, RecordingFormat::kCryptofeed);
  // Expected records, from the JSON: one per level (bids then asks), or one kEvEmpty per level-less message.
  std::vector<Event> want;
  for_each_message(kCryptofeed, [&](Category c, std::string_view topic, simdjson::dom::element doc, int64_t recv) {
    if (topic.rfind("orderbook.", 0) != 0) return;
    const Instrument& in = instrument_of(l.reader, c, sym_of(topic));
    const simdjson::dom::element d = doc["data"];
    Event e;
    int64_t cts = 0;
    e.exch_ts_ns = (doc["cts"].get(cts) == simdjson::SUCCESS ? cts : doc["ts"].get_int64().value()) * 1'000'000;
    e.local_ts_ns = recv;
    e.aux = d["u"].get_int64().value();
    e.depth = static_cast<uint32_t>(std::stoul(std::string(topic.substr(10, topic.rfind('.') - 10))));
    const uint8_t snap = std::string_view(doc["type"].get_string().value()) == "snapshot" ? kEvSnapshot : 0;
    const size_t first = want.size();
    for (const char* side : {"b", "a"}) {
      for (simdjson::dom::element lvl : array_of(d[side])) {
        e.price = ticks(in, lvl.at(0).get_string().value());
        e.qty = lots(in, lvl.at(1).get_string().value());
        e.flags = static_cast<uint8_t>(snap | (side[0] == 'b' ? kEvBuy : 0));
        want.push_back(e);
      }
    }
    if (want.size() == first) {
      e.price = e.qty = 0;
      e.flags = static_cast<uint8_t>(snap | kEvEmpty);
      want.push_back(e);
    }
    want.back().flags |= kEvEndOfMessage;
  });
  std::vector<Event> got;
  for (const Event& e : l.reader.events()) {
    if (e.kind == EventKind::kBookLevel) got.push_back(e);
  }
  ASSERT_EQ(want.size(), 20809u);  // 2,148 book messages of the 45 s recording
  ASSERT_EQ(got.size(), want.size());
  EXPECT_EQ(l.result.stats.records[1], want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    const Event &a = got[i], &b = want[i];
    ASSERT_EQ(a.price, b.price) << i;
    ASSERT_EQ(a.qty, b.qty) << i;
    ASSERT_EQ(a.flags, b.flags) << i;
    ASSERT_EQ(a.aux, b.aux) << i;
    ASSERT_EQ(a.exch_ts_ns, b.exch_ts_ns) << i;
    ASSERT_EQ(a.local_ts_ns, b.local_ts_ns) << i;
    ASSERT_EQ(a.depth, b.depth) << i;
  }
}

// Reference book from the JSON (as tests/tools/replay_test.cpp builds it): price ticks -> size lots.
struct RefBook {
  std::map<int64_t, int64_t, std::greater<>> bids;
  std::map<int64_t, int64_t> asks;
  int64_t u = 0;
};

TEST(EventConvert, FinalBooksRebuiltFromEventsEqualTheJsonBooks) {
  Loaded l;
  convert_and_open(kCryptofeed, "cf_books.events", l);
  std::map<std::string, RefBook> ref;
  for_each_message(kCryptofeed, [&](Category c, std::string_view topic, simdjson::dom::element doc, int64_t) {
    if (topic.rfind("orderbook.", 0) != 0) return;
    const Instrument& in = instrument_of(l.reader, c, sym_of(topic));
    RefBook& b = ref[key(c, sym_of(topic))];
    if (std::string_view(doc["type"].get_string().value()) == "snapshot") b = RefBook{};
    for (simdjson::dom::element lvl : array_of(doc["data"]["b"])) {
      const int64_t p = ticks(in, lvl.at(0).get_string().value()), q = lots(in, lvl.at(1).get_string().value());
      if (q == 0) b.bids.erase(p); else b.bids[p] = q;
    }
    for (simdjson::dom::element lvl : array_of(doc["data"]["a"])) {
      const int64_t p = ticks(in, lvl.at(0).get_string().value()), q = lots(in, lvl.at(1).get_string().value());
      if (q == 0) b.asks.erase(p); else b.asks[p] = q;
    }
    b.u = doc["data"]["u"].get_int64().value();
  });
  ASSERT_EQ(ref.size(), 6u);  // linear BTC/ETH/SOL/DOGE, spot BTC/ETH

  // Events -> BookRunDecoder -> BookSync (the core book the backtester uses).
  std::map<std::string, std::unique_ptr<BookSync>> books;
  BookRunDecoder dec;
  const auto ev = l.reader.events();
  size_t runs = 0;
  for (size_t i = 0; i < ev.size();) {
    if (ev[i].kind != EventKind::kBookLevel) {
      ++i;
      continue;
    }
    BookUpdate u;
    const size_t next = dec.decode(ev, i, u);
    ASSERT_GT(next, i);
    ASSERT_TRUE(ev[next - 1].flags & kEvEndOfMessage) << i;
    const Instrument& in = l.reader.instruments()[u.instrument];
    auto& b = books[key(in.category, in.name())];
    if (!b) b = std::make_unique<BookSync>();
    ASSERT_EQ(b->on_update(u, ev[i].local_ts_ns), SyncResult::kApplied) << i;
    ++runs;
    i = next;
  }
  EXPECT_EQ(runs, 2148u);
  ASSERT_EQ(books.size(), ref.size());
  for (const auto& [k, rb] : ref) {
    const BookSync& b = *books.at(k);
    EXPECT_TRUE(b.trusted()) << k;
    EXPECT_EQ(b.last_update_id(), rb.u) << k;
    std::vector<std::pair<int64_t, int64_t>> bids, asks;
    b.book().for_each(Side::kBuy, [&](const PriceLevel& p) { bids.emplace_back(p.price.ticks, p.qty.lots); });
    b.book().for_each(Side::kSell, [&](const PriceLevel& p) { asks.emplace_back(p.price.ticks, p.qty.lots); });
    using Levels = std::vector<std::pair<int64_t, int64_t>>;
    EXPECT_EQ(bids, Levels(rb.bids.begin(), rb.bids.end())) << k;
    EXPECT_EQ(asks, Levels(rb.asks.begin(), rb.asks.end())) << k;
    if (k == "linear:BTCUSDT") {
      EXPECT_EQ(bids.size(), 200u);
    }
  }
}

TEST(EventConvert, TradesAreThePublicTradePrints) {
  Loaded l;
  convert_and_open(kCryptofeed, "cf_trades.events", l);
  std::vector<Event> want;
  for_each_message(kCryptofeed, [&](Category c, std::string_view topic, simdjson::dom::element doc, int64_t recv) {
    if (topic.rfind("publicTrade.", 0) != 0) return;
    const Instrument& in = instrument_of(l.reader, c, sym_of(topic));
    for (simdjson::dom::element t : array_of(doc["data"])) {
      Event e;
      e.exch_ts_ns = t["T"].get_int64().value() * 1'000'000;
      e.local_ts_ns = recv;
      e.price = ticks(in, t["p"].get_string().value());
      e.qty = lots(in, t["v"].get_string().value());
      e.flags = std::string_view(t["S"].get_string().value()) == "Buy" ? kEvBuy : 0;
      int64_t seq = 0;
      e.aux = t["seq"].get(seq) == simdjson::SUCCESS ? seq : 0;
      e.kind = EventKind::kTrade;
      e.instrument = static_cast<uint16_t>(&in - l.reader.instruments().data());
      want.push_back(e);
    }
  });
  std::vector<Event> got;
  for (const Event& e : l.reader.events()) {
    if (e.kind == EventKind::kTrade) got.push_back(e);
  }
  ASSERT_EQ(want.size(), 347u);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(std::memcmp(&got[i], &want[i], sizeof(Event)), 0) << "trade " << i;
  }
}

TEST(EventConvert, FundingAndMarkRecordsFollowTheTickerValues) {
  Loaded l;
  convert_and_open(kCryptofeed, "cf_tickers.events", l);
  struct Last {
    std::string rate, next, mark;
  };
  std::map<std::string, Last> last;
  std::vector<Event> want;
  for_each_message(kCryptofeed, [&](Category c, std::string_view topic, simdjson::dom::element doc, int64_t recv) {
    if (topic.rfind("tickers.", 0) != 0) return;
    const Instrument& in = instrument_of(l.reader, c, sym_of(topic));
    Last& m = last[key(c, sym_of(topic))];
    const simdjson::dom::element d = doc["data"];
    std::string_view rate, next, mark;
    Event e;
    e.exch_ts_ns = doc["ts"].get_int64().value() * 1'000'000;
    e.local_ts_ns = recv;
    e.instrument = static_cast<uint16_t>(&in - l.reader.instruments().data());
    const bool has_rate = d["fundingRate"].get(rate) == simdjson::SUCCESS;
    const bool has_next = d["nextFundingTime"].get(next) == simdjson::SUCCESS;
    if (has_rate || has_next) {
      const std::string r2 = has_rate ? std::string(rate) : m.rate, n2 = has_next ? std::string(next) : m.next;
      if (m.rate.empty() || r2 != m.rate || n2 != m.next) {
        m.rate = r2;
        m.next = n2;
        e.kind = EventKind::kFunding;
        EXPECT_EQ(parse_fixed(m.rate, kRateScale, e.price), DecimalError::kOk);
        e.aux = std::stoll(m.next);
        want.push_back(e);
      }
    }
    if (d["markPrice"].get(mark) == simdjson::SUCCESS && mark != m.mark) {
      m.mark = std::string(mark);
      e.kind = EventKind::kMarkPrice;
      EXPECT_EQ(parse_fixed(mark, ref_price_scale(in.price_scale), e.price), DecimalError::kOk);
      e.aux = 0;
      want.push_back(e);
    }
  });
  std::vector<Event> got;
  for (const Event& e : l.reader.events()) {
    if (e.kind == EventKind::kFunding || e.kind == EventKind::kMarkPrice) got.push_back(e);
  }
  ASSERT_EQ(want.size(), 95u);  // 6 funding (4 linear snapshots + 2 changes), 89 marks
  ASSERT_EQ(got.size(), want.size());
  EXPECT_EQ(l.result.stats.records[3], 6u);
  EXPECT_EQ(l.result.stats.records[4], 89u);
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(std::memcmp(&got[i], &want[i], sizeof(Event)), 0) << "ticker record " << i;
  }
  // BTCUSDT: fundingRate "0.0001" at kRateScale, next funding 1786320000000 ms.
  const Event& f0 = got.front();
  EXPECT_EQ(f0.kind, EventKind::kFunding);
  EXPECT_EQ(f0.price, 1'000'000);
  EXPECT_EQ(f0.aux, 1'786'320'000'000);
}

TEST(EventConvert, BybitHistoryZipHasNoLocalTime) {
  Loaded l;
  convert_and_open(kXrp, "xrp.events", l);
  EXPECT_TRUE(l.result.ok());
  EXPECT_FALSE(l.result.has_local_time);
  EXPECT_FALSE(l.reader.has_local_time());
  EXPECT_EQ(l.reader.header().source_format, RecordingFormat::kBybitHistory);
  EXPECT_EQ(l.reader.header().source, "2024-12-01_XRPUSDT_ob500.data.zip");
  ASSERT_EQ(l.reader.instruments().size(), 1u);
  EXPECT_EQ(l.reader.instruments()[0].name(), "XRPUSDT");
  EXPECT_TRUE(l.reader.instruments()[0].inferred);
  size_t levels = 0, messages = 0;
  int64_t first_cts = 0;
  for_each_message(kXrp, [&](Category, std::string_view, simdjson::dom::element doc, int64_t) {
    levels += array_of(doc["data"]["b"]).size() + array_of(doc["data"]["a"]).size();
    if (messages++ == 0) first_cts = doc["cts"].get_int64().value();
  });
  EXPECT_EQ(messages, 50u);
  EXPECT_EQ(l.reader.events().size(), levels);
  for (const Event& e : l.reader.events()) {
    ASSERT_EQ(e.local_ts_ns, e.exch_ts_ns);
    ASSERT_EQ(e.depth, 500u);
  }
  EXPECT_EQ(l.reader.events().front().exch_ts_ns, first_cts * 1'000'000);  // cts, not ts
  EXPECT_TRUE(l.reader.events().front().flags & kEvSnapshot);
}

TEST(EventConvert, HistoryFileTakesTheRealGridFromInstrumentFiles) {
  Loaded l;
  EventConvertOptions o;
  o.instrument_files = {kCryptofeed};
  o.symbols = {"XRPUSDT"};
  convert_and_open(kXrp, "xrp_real.events", l, o);
  ASSERT_EQ(l.reader.instruments().size(), 2u);  // linear and spot XRPUSDT from the instruments-info responses
  EXPECT_FALSE(instrument_of(l.reader, Category::kLinear, "XRPUSDT").inferred);
  EXPECT_EQ(l.reader.events().size(), 3966u);
}

TEST(EventConvert, SymbolFilterAndWindow) {
  Loaded all, btc, win;
  convert_and_open(kCryptofeed, "cf_all.events", all);
  EventConvertOptions o;
  o.symbols = {"BTCUSDT", "SOLUSDT"};
  convert_and_open(kCryptofeed, "cf_btc.events", btc, o);
  ASSERT_EQ(btc.reader.instruments().size(), 4u);  // linear and spot of each
  size_t n = 0;
  for (const Event& e : all.reader.events()) {
    const Instrument& in = all.reader.instruments()[e.instrument];
    if (in.name() != "BTCUSDT" && in.name() != "SOLUSDT") continue;
    ASSERT_LT(n, btc.reader.events().size());
    const Event& f = btc.reader.events()[n++];
    const Instrument& fin = btc.reader.instruments()[f.instrument];
    ASSERT_EQ(fin.name(), in.name());
    ASSERT_EQ(fin.category, in.category);
    ASSERT_EQ(f.price, e.price);
    ASSERT_EQ(f.local_ts_ns, e.local_ts_ns);
  }
  EXPECT_EQ(n, btc.reader.events().size());
  EXPECT_EQ(btc.result.stats.filtered, all.reader.events().size() - n);

  const auto ev = all.reader.events();
  const int64_t from = ev[ev.size() / 3].local_ts_ns, to = ev[2 * ev.size() / 3].local_ts_ns;
  o = {};
  o.from_ns = from;
  o.to_ns = to;
  convert_and_open(kCryptofeed, "cf_win.events", win, o);
  size_t inside = 0;
  for (const Event& e : ev) inside += e.local_ts_ns >= from && e.local_ts_ns < to;
  EXPECT_EQ(win.reader.events().size(), inside);
  EXPECT_GT(inside, 1000u);
  for (const Event& e : win.reader.events()) {
    ASSERT_GE(e.local_ts_ns, from);
    ASSERT_LT(e.local_ts_ns, to);
  }
}

// A capture with a bad frame, an unknown topic and a valid book: the bad frame is counted with its error,
// never silently dropped, and the rest converts.
TEST(EventConvert, BadFramesAndUnknownTopicsAreCounted) {
  const std::string cap = temp("bad.mmcap");
  {
    CaptureWriter w;
    ASSERT_EQ(w.open(cap, 0), CaptureError::kOk);
    ASSERT_EQ(w.write_connection(0, 1, "wss://stream.bybit.com/v5/public/linear", true, Category::kLinear),
              CaptureError::kOk);
    ASSERT_EQ(w.write_frame(FrameKind::kRecv, 0, 2,
                            R"({"topic":"orderbook.1.BTCUSDT","type":"snapshot","ts":1000,"data":{"s":"BTCUSDT",)"
                            R"("b":[["100","2"]],"a":[["101","3"]],"u":1,"seq":5},"cts":999})"),
              CaptureError::kOk);
    ASSERT_EQ(w.write_frame(FrameKind::kRecv, 0, 3, R"({"topic":"orderbook.1.BTCUSDT","type":"delta",)"),
              CaptureError::kOk);
    ASSERT_EQ(w.write_frame(FrameKind::kRecv, 0, 4, R"({"topic":"somethingNew.BTCUSDT","ts":1,"data":{}})"),
              CaptureError::kOk);
    ASSERT_EQ(w.write_frame(FrameKind::kRecv, 0, 5,
                            R"({"topic":"orderbook.1.BTCUSDT","type":"delta","ts":1001,"data":{"s":"BTCUSDT",)"
                            R"("b":[],"a":[],"u":2,"seq":6}})"),
              CaptureError::kOk);
    ASSERT_EQ(w.close(), CaptureError::kOk);
  }
  const std::string out = temp("bad.events");
  const EventConvertResult r = convert_to_events(cap, out);
  EXPECT_EQ(r.status, ReadResult::kOk);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.stats.parse_errors, 1u);
  EXPECT_EQ(r.stats.codec_errors[static_cast<size_t>(CodecError::kJson)], 1u);
  EXPECT_EQ(r.stats.kinds[static_cast<size_t>(MsgKind::kUnknownTopic)], 1u);
  EXPECT_EQ(r.message, cap + ": frame 3: codec error " + std::string(to_string(CodecError::kJson)));
  EventFileReader rd;
  ASSERT_EQ(rd.open(out), EventFileError::kOk) << rd.error();
  ASSERT_EQ(rd.events().size(), 3u);  // bid, ask, empty delta
  EXPECT_EQ(rd.instruments()[0].name(), "BTCUSDT");
  EXPECT_TRUE(rd.instruments()[0].inferred);  // no instruments-info in this capture: grid from the snapshot
  EXPECT_EQ(rd.events()[0].flags, kEvSnapshot | kEvBuy);
  EXPECT_EQ(rd.events()[0].exch_ts_ns, 999'000'000);  // cts
  EXPECT_EQ(rd.events()[0].local_ts_ns, 2);
  EXPECT_EQ(rd.events()[1].flags, kEvSnapshot | kEvEndOfMessage);
  EXPECT_EQ(rd.events()[2].flags, kEvEmpty | kEvEndOfMessage);
  EXPECT_EQ(rd.events()[2].exch_ts_ns, 1001'000'000);  // ts: no cts
  EXPECT_EQ(rd.events()[2].aux, 2);
  BookRunDecoder dec;
  BookUpdate u;
  EXPECT_EQ(dec.decode(rd.events(), 0, u), 2u);
  EXPECT_TRUE(u.snapshot);
  ASSERT_EQ(u.bid_count, 1u);
  ASSERT_EQ(u.ask_count, 1u);
  EXPECT_EQ(u.bids[0].price.ticks, 100);
  EXPECT_EQ(u.asks[0].qty.lots, 3);
  EXPECT_EQ(u.depth, 1);
  EXPECT_EQ(dec.decode(rd.events(), 2, u), 3u);
  EXPECT_EQ(u.bid_count + u.ask_count, 0u);
  EXPECT_EQ(u.update_id, 2);
  std::filesystem::remove(cap);
  std::filesystem::remove(out);
}

TEST(EventConvert, UnreadableInputLeavesNoOutput) {
  const std::string in = temp("text.txt"), out = temp("text.events");
  {
    FILE* f = std::fopen(in.c_str(), "wb");
    std::fputs("hello, not a recording\n", f);
    std::fclose(f);
  }
  const EventConvertResult r = convert_to_events(in, out);
  EXPECT_EQ(r.status, ReadResult::kUnsupported);
  EXPECT_NE(r.message.find(in), std::string::npos) << r.message;
  EXPECT_FALSE(std::filesystem::exists(out));
  const EventConvertResult m = convert_to_events(temp("missing.jsonl"), out);
  EXPECT_EQ(m.status, ReadResult::kIo);
  EXPECT_FALSE(std::filesystem::exists(out));
  std::filesystem::remove(in);
}

// Issue 14: `mm convert --symbol NOPE` wrote an empty file and exited 0. A symbol the input does not hold,
// or a filter that leaves no record, writes nothing and says so (the CLI exits 2).
TEST(EventConvert, AFilterThatSelectsNothingWritesNothing) {
  const std::string out = temp("nothing.events");
  {
    FILE* f = std::fopen(out.c_str(), "wb");
    std::fputs("earlier content\n", f);
    std::fclose(f);
  }
  EventConvertOptions o;
  o.symbols = {"BTCUSDT", "NOPE"};
  const EventConvertResult r = convert_to_events(kCryptofeed, out, o);
  EXPECT_TRUE(r.selected_nothing);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.message.find("--symbol NOPE: no such instrument"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("(it holds 0GUSDT, "), std::string::npos)
      << "names what the input holds: " << r.message;

  EventConvertOptions w;
  w.from_ns = 1;  // a window long before the recording
  w.to_ns = 2;
  const EventConvertResult e = convert_to_events(kCryptofeed, out, w);
  EXPECT_TRUE(e.selected_nothing);
  EXPECT_FALSE(e.ok());
  EXPECT_GT(e.stats.filtered, 1000u);
  EXPECT_NE(e.message.find("left none of the"), std::string::npos) << e.message;
  std::ifstream in(out);
  std::string kept((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(kept, "earlier content\n") << "the earlier output is untouched";
  std::filesystem::remove(out);
}

TEST(EventConvert, TruncatedCaptureKeepsEveryCompleteFrame) {
  const std::string cap = temp("cut.mmcap"), out = temp("cut.events");
  ConvertOptions co;
  const ConvertResult c = convert_to_capture(kCryptofeed, cap, co);
  ASSERT_TRUE(c.ok()) << c.message;
  std::filesystem::resize_file(cap, std::filesystem::file_size(cap) - 100);
  const EventConvertResult r = convert_to_events(cap, out);
  EXPECT_EQ(r.status, ReadResult::kTruncated);
  EXPECT_NE(r.message.find(cap), std::string::npos) << r.message;
  EventFileReader rd;
  ASSERT_EQ(rd.open(out), EventFileError::kOk) << rd.error();
  EXPECT_EQ(rd.events().size(), r.stats.total_records());
  EXPECT_GT(rd.events().size(), 21000u);
  EXPECT_LT(rd.events().size(), 21251u + 1);
  std::filesystem::remove(cap);
  std::filesystem::remove(out);
}

TEST(EventConvert, RecordCountSummary) {
  EventConvertStats s;
  s.records = {0, 5, 4, 3, 2};
  EXPECT_EQ(format_record_counts(s), "book 5 trade 4 funding 3 mark 2");
  EXPECT_EQ(s.total_records(), 14u);
}

}  // namespace
}  // namespace mm

namespace mm {
namespace {

// An instruments-info entry the grid cannot hold (here an absurd tickSize) used to be dropped under the note
// "has no instruments-info": the note now says the entry was invalid.
TEST(EventConvert, InvalidInstrumentsEntryIsNamedInTheNotes) {
  const std::string cap = temp("badtick.mmcap");
  {
    CaptureWriter w;
    ASSERT_EQ(w.open(cap, 0), CaptureError::kOk);
    const std::string body =
        R"({"retCode":0,"retMsg":"OK","result":{"category":"linear","list":[{"symbol":"BTCUSDT","status":"Trading",)"
        R"("priceScale":"2","priceFilter":{"tickSize":"0.0000000000000000000001"},"lotSizeFilter":{"qtyStep":"0.001",)"
        R"("minOrderQty":"0.001","maxOrderQty":"100","minNotionalValue":"5"}}],"nextPageCursor":""},"time":1})";
    ASSERT_EQ(w.write_http(9, 1, "https://api.bybit.com/v5/market/instruments-info?category=linear", body),
              CaptureError::kOk);
    ASSERT_EQ(w.write_connection(1, 2, "wss://stream.bybit.com/v5/public/linear", true, Category::kLinear),
              CaptureError::kOk);
    ASSERT_EQ(
        w.write_frame(FrameKind::kRecv, 1, 3,
                      R"({"topic":"orderbook.50.BTCUSDT","type":"snapshot","ts":1,"data":{"s":"BTCUSDT",)"
                      R"("b":[["65000.10","0.001"]],"a":[["65000.20","0.002"]],"u":1,"seq":1},"cts":1})"),
        CaptureError::kOk);
    ASSERT_EQ(w.close(), CaptureError::kOk);
  }
  InstrumentRegistry reg;
  std::vector<std::string> notes;
  ASSERT_EQ(scan_recording_instruments(cap, {}, reg, &notes), "");
  std::string all;
  for (const std::string& n : notes) all += n + "\n";
  ASSERT_EQ(notes.size(), 2u) << all;
  EXPECT_NE(notes[0].find("1 invalid entry ignored"), std::string::npos) << notes[0];
  // The note names the entry and the field it was refused for, and the inferred grid says it was that entry.
  EXPECT_NE(notes[0].find(R"(linear:BTCUSDT (tickSize "0.0000000000000000000001": bad_tick_size))"),
            std::string::npos)
      << notes[0];
  EXPECT_NE(
      notes[1].find("linear:BTCUSDT has no valid instruments-info entry (its entry was refused, above)"),
      std::string::npos)
      << notes[1];
  // Counted for the JSON outputs.
  InstrumentRegistry again;
  uint64_t rejected = 0;
  ASSERT_EQ(scan_recording_instruments(cap, {}, again, nullptr, &rejected), "");
  EXPECT_EQ(rejected, 1u);
  std::filesystem::remove(cap);
}

}  // namespace
}  // namespace mm
