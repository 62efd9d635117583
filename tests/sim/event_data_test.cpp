// load_event_data: .events files (zero copy) and raw recordings give the same records; windows are
// sub-spans; several inputs are concatenated or merged by local time; instruments unify by
// (category, symbol); every bad input is a clear error.
#include "sim/event_data.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/capture.h"
#include "sim/market_generator.h"
#include "sim/event_convert.h"
#include "sim/event_file.h"

namespace mm {
namespace {

const std::string kData = std::string(MM_SHARED_DATA) + "/bybit/";
const std::string kCryptofeed = kData + "cryptofeed-BYBIT-2026-08-09.jsonl.zst";
const std::string kXrp = kData + "2024-12-01_XRPUSDT_ob500.data.zip";

class EventDataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("mm_event_data_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  // The capture form of the XRP recording with `extra` frames appended after its last one (1 ns apart).
  std::string xrp_capture_with(const std::string& name, std::initializer_list<std::string_view> extra) {
    const std::string cap = path("xrp.mmcap");
    ConvertOptions co;
    EXPECT_TRUE(convert_to_capture(kXrp, cap, co).ok());
    const std::string out = path(name);
    CaptureReader r;
    EXPECT_EQ(r.open(cap), ReadResult::kOk);
    CaptureWriter w;
    EXPECT_EQ(w.open(out, 0), CaptureError::kOk);
    Frame f;
    while (r.next(f) == ReadResult::kOk) EXPECT_EQ(w.write(f), CaptureError::kOk);
    int64_t t = f.recv_ns;
    for (std::string_view payload : extra)
      EXPECT_EQ(w.write_frame(FrameKind::kRecv, 0, ++t, payload), CaptureError::kOk);
    EXPECT_EQ(w.close(), CaptureError::kOk);
    return out;
  }
  std::string convert(const std::string& in, const std::string& name, const EventConvertOptions& o = {}) {
    const std::string p = path(name);
    const EventConvertResult r = convert_to_events(in, p, o);
    EXPECT_EQ(r.status, ReadResult::kOk) << r.message;
    return p;
  }
  std::filesystem::path dir_;
};

// Records equal field by field, instruments compared by (category, symbol) through each side's registry.
void expect_same_records(const EventData& a, const EventData& b) {
  ASSERT_EQ(a.events().size(), b.events().size());
  for (size_t i = 0; i < a.events().size(); ++i) {
    Event x = a.events()[i], y = b.events()[i];
    const Instrument &ix = a.instruments().get(x.instrument), &iy = b.instruments().get(y.instrument);
    ASSERT_EQ(ix.name(), iy.name()) << i;
    ASSERT_EQ(ix.category, iy.category) << i;
    x.instrument = y.instrument = 0;
    ASSERT_EQ(std::memcmp(&x, &y, sizeof(Event)), 0) << i;
  }
}

TEST_F(EventDataTest, EventsFileInTimeOrderIsMappedZeroCopy) {
  // A generated stream is in receive-time order: its .events file is used in place.
  GenParams g;
  g.seconds = 20;
  const std::string cap = path("gen.mmcap");
  ASSERT_EQ(generate_market_file(g, cap).status, CaptureError::kOk);
  const std::string p = convert(cap, "gen.events");
  EventData d;
  std::string err;
  ASSERT_EQ(load_event_data({p}, {}, d, err), EventDataError::kOk) << err;
  EXPECT_TRUE(d.zero_copy());
  EXPECT_TRUE(d.has_local_time());
  EXPECT_TRUE(d.time_ordered());
  EXPECT_GT(d.events().size(), 5000u);
  EXPECT_EQ(d.events().data(), d.all_events().data());
  EventFileReader r;
  ASSERT_EQ(r.open(p), EventFileError::kOk);
  ASSERT_EQ(r.events().size(), d.events().size());
  EXPECT_EQ(std::memcmp(r.events().data(), d.events().data(), r.events().size_bytes()), 0);
  ASSERT_EQ(d.sources().size(), 1u);
  EXPECT_TRUE(d.sources()[0].events_file);
  EXPECT_EQ(d.sources()[0].out_of_order, 0u);
  EXPECT_EQ(d.sources()[0].format, RecordingFormat::kCapture);
  const InstrumentId btc = d.find(Category::kLinear, "BTCUSDT");
  ASSERT_NE(btc, kNoInstrument);
  // The library generator writes no instruments-info (`mm gen` adds one): the grid is inferred from the
  // snapshot's prices, printed with two decimals ("65000.10"): a 0.01 grid.
  EXPECT_TRUE(d.instruments().get(btc).inferred);
  EXPECT_EQ(d.instruments().get(btc).price_scale, 2);
  EXPECT_EQ(d.instruments().get(btc).tick_units, 1);
  EXPECT_EQ(d.first_ns(), d.events().front().local_ts_ns);
  EXPECT_EQ(d.last_ns(), d.events().back().local_ts_ns);
  // The mapping outlives moves of the EventData.
  const Event last = d.events().back();
  EventData moved = std::move(d);
  EXPECT_EQ(std::memcmp(&moved.events().back(), &last, sizeof(Event)), 0);
}

TEST_F(EventDataTest, OutOfOrderRecordingIsSortedByLocalTime) {
  // The cryptofeed sample writes its linear and spot connections in batches: the file is not in receive
  // time order. The loader sorts it (stably) and says so.
  const std::string p = convert(kCryptofeed, "cf.events");
  EventData d;
  std::string err;
  ASSERT_EQ(load_event_data({p}, {}, d, err), EventDataError::kOk) << err;
  EXPECT_FALSE(d.zero_copy());
  EXPECT_TRUE(d.time_ordered());
  EXPECT_EQ(d.events().size(), 21251u);
  EXPECT_GT(d.sources()[0].out_of_order, 0u);
  for (size_t i = 1; i < d.events().size(); ++i) ASSERT_LE(d.events()[i - 1].local_ts_ns, d.events()[i].local_ts_ns);
  // Every book run is still whole: runs start after an end-of-message and end with one.
  bool in_run = false;
  for (const Event& e : d.events()) {
    if (e.kind != EventKind::kBookLevel) {
      ASSERT_FALSE(in_run);
      continue;
    }
    in_run = (e.flags & kEvEndOfMessage) == 0;
  }
  EXPECT_FALSE(in_run);
  // Sorting is stable: the records of one instrument keep their file order.
  EventFileReader r;
  ASSERT_EQ(r.open(p), EventFileError::kOk);
  const InstrumentId btc = d.find(Category::kLinear, "BTCUSDT");
  std::vector<Event> a, b;
  for (const Event& e : d.events()) {
    if (e.instrument == btc) a.push_back(e);
  }
  for (const Event& e : r.events()) {
    if (r.instruments()[e.instrument].name() == "BTCUSDT" && r.instruments()[e.instrument].category == Category::kLinear) {
      b.push_back(e);
    }
  }
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].local_ts_ns, b[i].local_ts_ns) << i;
    ASSERT_EQ(a[i].price, b[i].price) << i;
  }
}

TEST_F(EventDataTest, RawRecordingEqualsItsEventsFile) {
  EventData raw, file;
  std::string err;
  ASSERT_EQ(load_event_data({kCryptofeed}, {}, raw, err), EventDataError::kOk) << err;
  ASSERT_EQ(load_event_data({convert(kCryptofeed, "cf.events")}, {}, file, err), EventDataError::kOk) << err;
  EXPECT_FALSE(raw.zero_copy());
  EXPECT_FALSE(raw.sources()[0].events_file);
  EXPECT_EQ(raw.sources()[0].convert.total_records(), 21251u);
  expect_same_records(raw, file);
}

TEST_F(EventDataTest, WindowIsASubSpan) {
  GenParams g;
  g.seconds = 60;
  ASSERT_EQ(generate_market_file(g, path("gen.mmcap")).status, CaptureError::kOk);
  const std::string p = convert(path("gen.mmcap"), "gen.events");
  EventData d;
  std::string err;
  ASSERT_EQ(load_event_data({p}, {}, d, err), EventDataError::kOk) << err;
  ASSERT_TRUE(d.zero_copy());
  ASSERT_GT(d.all_events().size(), 15000u);
  const auto all = d.all_events();
  const int64_t from = all[5000].local_ts_ns, to = all[15000].local_ts_ns;
  const auto w = d.window(from, to);
  size_t inside = 0;
  for (const Event& e : all) inside += e.local_ts_ns >= from && e.local_ts_ns < to;
  EXPECT_EQ(w.size(), inside);
  EXPECT_GE(w.data(), all.data());
  EXPECT_LE(w.data() + w.size(), all.data() + all.size());
  EXPECT_EQ(w.front().local_ts_ns, from);
  EXPECT_LT(w.back().local_ts_ns, to);
  EXPECT_TRUE(d.window(to, from).empty());
  EXPECT_TRUE(d.window(all.back().local_ts_ns + 1, kNoTimeLimitHigh).empty());
  // A window never cuts a book message: all records of one run share one local time.
  if (w.front().kind == EventKind::kBookLevel && &w.front() != all.data()) {
    EXPECT_TRUE((&w.front())[-1].flags & kEvEndOfMessage || (&w.front())[-1].kind != EventKind::kBookLevel);
  }

  // The load window: events() is that sub-span, all_events() everything, still zero copy.
  EventLoadOptions o;
  o.from_ns = from;
  o.to_ns = to;
  EventData dw;
  ASSERT_EQ(load_event_data({p}, o, dw, err), EventDataError::kOk) << err;
  EXPECT_TRUE(dw.zero_copy());
  EXPECT_EQ(dw.events().size(), inside);
  EXPECT_EQ(dw.all_events().size(), all.size());
  EXPECT_EQ(dw.first_ns(), from);
  EXPECT_LT(dw.last_ns(), to);
}

TEST_F(EventDataTest, OverlappingInputsMergeByLocalTime) {
  // The same recording split by symbol into two files: they overlap in time, so loading both merges them
  // back into receive order.
  EventConvertOptions ob, oe, both;
  ob.symbols = {"BTCUSDT"};
  oe.symbols = {"ETHUSDT"};
  both.symbols = {"BTCUSDT", "ETHUSDT"};
  const std::string b = convert(kCryptofeed, "btc.events", ob), e = convert(kCryptofeed, "eth.events", oe),
                    be = convert(kCryptofeed, "both.events", both);
  EventData merged, ref;
  std::string err;
  ASSERT_EQ(load_event_data({b, e}, {}, merged, err), EventDataError::kOk) << err;
  ASSERT_EQ(load_event_data({be}, {}, ref, err), EventDataError::kOk) << err;
  EXPECT_FALSE(merged.zero_copy());
  EXPECT_TRUE(merged.time_ordered());
  EXPECT_EQ(merged.instruments().size(), 4u);  // linear + spot of each
  // Receive order is strictly increasing across the two connections' frames here, so the stable merge
  // restores the single-file order exactly.
  expect_same_records(merged, ref);
  // Input order decides ties only: loading them the other way round gives the same multiset in time order.
  EventData rev;
  ASSERT_EQ(load_event_data({e, b}, {}, rev, err), EventDataError::kOk) << err;
  EXPECT_EQ(rev.events().size(), merged.events().size());
  EXPECT_TRUE(rev.time_ordered());
}

TEST_F(EventDataTest, ConsecutiveInputsAreConcatenated) {
  // The 2024 XRP history file ends before the 2026 cryptofeed recording starts.
  EventConvertOptions real;
  real.instrument_files = {kCryptofeed};
  const std::string x = convert(kXrp, "xrp.events", real), c = convert(kCryptofeed, "cf.events");
  EventData d;
  std::string err;
  ASSERT_EQ(load_event_data({x, c}, {}, d, err), EventDataError::kOk) << err;
  ASSERT_EQ(d.events().size(), 3966u + 21251u);
  EXPECT_TRUE(d.time_ordered());
  EXPECT_FALSE(d.has_local_time());  // the history file has none
  const InstrumentId xrp = d.find(Category::kLinear, "XRPUSDT");
  ASSERT_NE(xrp, kNoInstrument);
  EXPECT_FALSE(d.instruments().get(xrp).inferred);
  for (size_t i = 0; i < 3966; ++i) ASSERT_EQ(d.events()[i].instrument, xrp) << i;
  // Given the other way round they overlap (2026 then 2024): merged, so the XRP records come first anyway.
  EventData r;
  ASSERT_EQ(load_event_data({c, x}, {}, r, err), EventDataError::kOk) << err;
  ASSERT_EQ(r.events().size(), d.events().size());
  EXPECT_TRUE(r.time_ordered());
  EXPECT_EQ(r.events()[0].local_ts_ns, d.events()[0].local_ts_ns);
  EXPECT_EQ(r.instruments().get(r.events()[0].instrument).name(), "XRPUSDT");
}

TEST_F(EventDataTest, RawRecordingsShareOneInstrumentScan) {
  // The history file alone would infer XRPUSDT's grid; loaded with the cryptofeed recording it takes the
  // real one, as `mm replay` does.
  EventData d;
  std::string err;
  ASSERT_EQ(load_event_data({kXrp, kCryptofeed}, {}, d, err), EventDataError::kOk) << err;
  const InstrumentId xrp = d.find(Category::kLinear, "XRPUSDT");
  ASSERT_NE(xrp, kNoInstrument);
  EXPECT_FALSE(d.instruments().get(xrp).inferred);
  EXPECT_EQ(d.events().size(), 3966u + 21251u);
  ASSERT_EQ(d.sources().size(), 2u);
  EXPECT_EQ(d.sources()[0].format, RecordingFormat::kBybitHistory);
  EXPECT_EQ(d.sources()[0].records, 3966u);
}

TEST_F(EventDataTest, SymbolFilter) {
  EventLoadOptions o;
  o.symbols = {"ETHUSDT"};
  EventData f, raw;
  std::string err;
  ASSERT_EQ(load_event_data({convert(kCryptofeed, "cf.events")}, o, f, err), EventDataError::kOk) << err;
  ASSERT_EQ(load_event_data({kCryptofeed}, o, raw, err), EventDataError::kOk) << err;
  EXPECT_FALSE(f.zero_copy());  // filtered records are copied
  EXPECT_EQ(raw.instruments().size(), 2u);  // linear and spot ETHUSDT
  EXPECT_GT(f.instruments().size(), 1000u);  // the file's whole table; only ETHUSDT has records
  for (const Event& e : f.events()) ASSERT_EQ(f.instruments().get(e.instrument).name(), "ETHUSDT");
  expect_same_records(f, raw);
  EXPECT_GT(f.events().size(), 1000u);
}

TEST_F(EventDataTest, InferredGridThatDiffersIsAConflict) {
  // XRPUSDT's history file alone infers a 1-lot qty step from its integer sizes; the real qtyStep is 0.1.
  const std::string x = convert(kXrp, "xrp.events"), c = convert(kCryptofeed, "cf.events");
  EventData d;
  std::string err;
  EXPECT_EQ(load_event_data({x, c}, {}, d, err), EventDataError::kInstrumentConflict);
  EXPECT_NE(err.find("linear:XRPUSDT has different grids: price_scale 4 tick_units 1 qty_scale 0 lot_units 1 "
                     "(inferred) in " + x),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("mm convert --instruments"), std::string::npos) << err;
}

TEST_F(EventDataTest, FilterOnTheOnlySymbolStaysZeroCopy) {
  GenParams g;
  g.seconds = 10;
  ASSERT_EQ(generate_market_file(g, path("gen.mmcap")).status, CaptureError::kOk);
  const std::string p = convert(path("gen.mmcap"), "gen.events");
  EventLoadOptions o;
  o.symbols = {"BTCUSDT"};
  EventData d;
  std::string err;
  ASSERT_EQ(load_event_data({p}, o, d, err), EventDataError::kOk) << err;
  EXPECT_TRUE(d.zero_copy());
  EXPECT_GT(d.events().size(), 1000u);
  o.symbols = {"ETHUSDT"};
  ASSERT_EQ(load_event_data({p}, o, d, err), EventDataError::kOk) << err;
  EXPECT_TRUE(d.events().empty());
  EXPECT_FALSE(d.zero_copy());
}

TEST_F(EventDataTest, ConflictingGridsAreAnError) {
  // A hand-made file whose linear BTCUSDT has a 0.5 tick, against the real 0.10.
  InstrumentSpec spec{Category::kLinear, "BTCUSDT", "Trading", "", "0.5", "0.001", "", "", ""};
  Instrument in;
  ASSERT_EQ(make_instrument(spec, in), InstrumentError::kOk);
  const std::string odd = path("odd.events");
  EventFileWriter w;
  ASSERT_EQ(w.open(odd, std::vector<Instrument>{in}), EventFileError::kOk);
  ASSERT_EQ(w.close(), EventFileError::kOk);
  EventData d;
  std::string err;
  EXPECT_EQ(load_event_data({convert(kCryptofeed, "cf.events"), odd}, {}, d, err),
            EventDataError::kInstrumentConflict);
  EXPECT_NE(err.find("linear:BTCUSDT has different grids"), std::string::npos) << err;
  EXPECT_NE(err.find(odd), std::string::npos) << err;
  EXPECT_TRUE(d.events().empty());
}

TEST_F(EventDataTest, BadInputsAreClearErrors) {
  EventData d;
  std::string err;
  EXPECT_EQ(load_event_data({}, {}, d, err), EventDataError::kNoInput);
  EXPECT_EQ(err, "no data file given");

  EXPECT_EQ(load_event_data({path("missing.events")}, {}, d, err), EventDataError::kEventFile);
  EXPECT_EQ(err, path("missing.events") + ": no such file (not_found)");

  EXPECT_EQ(load_event_data({path("missing.jsonl")}, {}, d, err), EventDataError::kRecording);
  EXPECT_NE(err.find(path("missing.jsonl")), std::string::npos) << err;

  {
    EventFileWriter w;
    ASSERT_EQ(w.open(path("crash.events"), std::vector<Instrument>{}), EventFileError::kOk);
  }  // an unclosed writer leaves nothing (the file is renamed into place by close())
  EXPECT_FALSE(std::filesystem::exists(path("crash.events")));
  {
    // What a killed writer's temporary looks like: the record count still "open".
    EventFileWriter w;
    ASSERT_EQ(w.open(path("crash.events"), std::vector<Instrument>{}), EventFileError::kOk);
    ASSERT_EQ(w.close(), EventFileError::kOk);
    std::fstream f(path("crash.events"), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(24);
    const std::string ones(8, '\xff');
    f.write(ones.data(), 8);
  }
  EXPECT_EQ(load_event_data({path("crash.events")}, {}, d, err), EventDataError::kEventFile);
  EXPECT_NE(err.find("did not close"), std::string::npos) << err;

  EventLoadOptions o;
  o.from_ns = 10;
  o.to_ns = 5;
  EXPECT_EQ(load_event_data({kXrp}, o, d, err), EventDataError::kBadWindow);
  EXPECT_EQ(err, "empty time window: from 10 > to 5");
}

TEST_F(EventDataTest, StrictLoadRefusesCodecErrors) {
  // The capture form of the XRP file with a frame that is not JSON appended.
  const std::string bad = xrp_capture_with("bad.mmcap", {"{not json"});
  EventData d;
  std::string err;
  EXPECT_EQ(load_event_data({bad}, {}, d, err), EventDataError::kRecording);
  EXPECT_NE(err.find("codec error json"), std::string::npos) << err;
  EXPECT_NE(err.find("strict load"), std::string::npos) << err;
  EventLoadOptions lax;
  lax.strict = false;
  ASSERT_EQ(load_event_data({bad}, lax, d, err), EventDataError::kOk) << err;
  EXPECT_EQ(d.events().size(), 3966u);
  EXPECT_EQ(d.sources()[0].convert.parse_errors, 1u);
}

// Issue 14: a well-formed frame of an instrument with no grid (no instruments-info, no snapshot) or of a
// topic the codec does not decode is skipped and counted by reason, as `mm replay` does; it used to be a
// codec error that failed the (strict) backtest load.
TEST_F(EventDataTest, UnknownInstrumentsAndTopicsAreSkippedNotCodecErrors) {
  const std::string more = xrp_capture_with(
      "more.mmcap",
      {R"({"topic":"publicTrade.ETHUSDT","type":"snapshot","ts":1,"data":[{"T":1,)"
       R"("s":"ETHUSDT","S":"Buy","v":"0.10","p":"3000.00","L":"PlusTick","i":"x","BT":false}]})",
       R"({"topic":"somethingNew.XRPUSDT","ts":1,"data":{}})"});
  EventData d;
  std::string err;
  ASSERT_EQ(load_event_data({more}, {}, d, err), EventDataError::kOk) << err;
  EXPECT_EQ(d.events().size(), 3966u);
  const EventConvertStats& st = d.sources()[0].convert;
  EXPECT_EQ(st.parse_errors, 0u);
  EXPECT_EQ(st.codec_errors[static_cast<size_t>(CodecError::kUnknownInstrument)], 0u);
  EXPECT_EQ(st.unknown_instrument, 1u);
  EXPECT_EQ(st.unsupported_topic(), 1u);
}

TEST_F(EventDataTest, ConcurrentReadersSeeTheSameData) {
  EventData d;
  std::string err;
  ASSERT_EQ(load_event_data({convert(kCryptofeed, "cf.events")}, {}, d, err), EventDataError::kOk) << err;
  const EventData& shared = d;
  std::vector<int64_t> sums(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < sums.size(); ++t) {
    threads.emplace_back([&shared, &sums, t] {
      int64_t s = 0;
      for (const Event& e : shared.window(shared.all_events()[1000].local_ts_ns, kNoTimeLimitHigh)) {
        s += e.price + e.qty + shared.instruments().get(e.instrument).tick_units;
      }
      sums[t] = s;
    });
  }
  for (auto& th : threads) th.join();
  for (size_t t = 1; t < sums.size(); ++t) EXPECT_EQ(sums[t], sums[0]);
  EXPECT_NE(sums[0], 0);
}

TEST_F(EventDataTest, BookRunDecoderStopsAtACutRun) {
  Event a;
  a.kind = EventKind::kBookLevel;
  a.flags = kEvBuy;
  a.price = 10;
  a.qty = 1;
  a.aux = 7;
  Event b = a;
  b.flags = 0;
  b.price = 11;
  Event t;
  t.kind = EventKind::kTrade;
  const std::vector<Event> v{a, b, t};  // no end-of-message: the run ends at the trade
  BookRunDecoder dec(1);
  BookUpdate u;
  EXPECT_EQ(dec.decode(v, 0, u), 2u);
  EXPECT_EQ(u.bid_count, 1u);
  EXPECT_EQ(u.ask_count, 1u);
  EXPECT_FALSE(dec.overflowed());
  const std::vector<Event> two_bids{a, a};
  EXPECT_EQ(dec.decode(two_bids, 0, u), 2u);
  EXPECT_TRUE(dec.overflowed());  // capacity 1 per side
  EXPECT_EQ(u.bid_count, 1u);
}

}  // namespace
}  // namespace mm

namespace mm {
namespace {

// The same file given twice used to double every event (glft fills 333 -> 346): refused, through links too.
TEST_F(EventDataTest, TheSameFileTwiceIsRefused) {
  const std::string ev = convert(kXrp, "x.events");
  std::filesystem::create_symlink(ev, path("link.events"));
  for (const std::vector<std::string>& paths :
       {std::vector<std::string>{kXrp, kXrp}, std::vector<std::string>{ev, path("link.events")},
        std::vector<std::string>{ev, kCryptofeed, ev}}) {
    EventData d;
    std::string err;
    EXPECT_EQ(load_event_data(paths, {}, d, err), EventDataError::kDuplicateInput) << paths[1];
    EXPECT_NE(err.find("given twice"), std::string::npos) << err;
    EXPECT_TRUE(d.events().empty());
  }
}

}  // namespace
}  // namespace mm
