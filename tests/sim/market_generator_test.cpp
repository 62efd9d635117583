#include "sim/market_generator.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/capture.h"
#include "core/instrument.h"
#include "tests/sim/recording_test_util.h"

namespace mm {
namespace {

using namespace mm::testing;

// The file (capture format version 2, with its checksum and end records).
constexpr size_t kGoldenSize = 189364;
constexpr uint64_t kGoldenHash = 17753854014868890253ull;
// The records alone (connection-info and frames, headers included), independent of the file format's
// checksum and end records: unchanged since the generator's first version (also across the move to SimRng).
constexpr uint64_t kGoldenRecords = 579;
constexpr uint64_t kGoldenRecordsHash = 2926113347146112885ull;

GenParams short_params(uint64_t seed, int64_t seconds = 60) {
  GenParams p;
  p.seed = seed;
  p.seconds = seconds;
  return p;
}

std::string generate(const GenParams& p, const std::string& name) {
  const std::string path = temp_path(name);
  const GenResult r = generate_market_file(p, path);
  EXPECT_EQ(r.status, CaptureError::kOk) << r.message;
  std::string bytes = read_file(path);
  std::remove(path.c_str());
  return bytes;
}

TEST(MarketGenerator, SameSeedSameBytesOtherSeedOtherBytes) {
  const std::string a = generate(short_params(7), "a.mmcap");
  const std::string b = generate(short_params(7), "b.mmcap");
  const std::string c = generate(short_params(8), "c.mmcap");
  ASSERT_GT(a.size(), 100'000u);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

// The stream for fixed params is part of the contract (backtests must reproduce on any machine and
// build: -O0, -march=x86-64, -march=native with FMA, sanitizers). A deliberate change of the model or
// format updates this constant, and says so in its commit.
TEST(MarketGenerator, GoldenStreamIsStableAcrossBuilds) {
  const std::string bytes = generate(short_params(1, 10), "golden.mmcap");
  EXPECT_EQ(bytes.size(), kGoldenSize);
  EXPECT_EQ(fnv1a(bytes), kGoldenHash) << fnv1a(bytes);
  std::string records;
  uint64_t n = 0;
  for (size_t pos = kCaptureHeaderSize; pos + kCaptureRecordHeaderSize <= bytes.size();) {
    uint32_t len = 0;
    std::memcpy(&len, bytes.data() + pos, 4);
    const char type = bytes[pos + 4];
    if (type == 'F' || type == 'C') {
      records.append(bytes, pos, kCaptureRecordHeaderSize + len);
      ++n;
    }
    pos += kCaptureRecordHeaderSize + len;
  }
  EXPECT_EQ(n, kGoldenRecords);
  EXPECT_EQ(fnv1a(records), kGoldenRecordsHash) << fnv1a(records);
}

TEST(MarketGenerator, RejectsBadParams) {
  CaptureWriter w;
  const std::string path = temp_path("bad.mmcap");
  ASSERT_EQ(w.open(path, 0), CaptureError::kOk);
  GenParams p = short_params(1);
  p.start_price = "65000.05";  // off the 0.10 grid
  GenResult r = generate_market(p, w);
  EXPECT_EQ(r.status, CaptureError::kInvalid);
  EXPECT_NE(r.message.find("start_price"), std::string::npos) << r.message;
  p = short_params(1);
  p.tick = "zero";
  EXPECT_EQ(generate_market(p, w).status, CaptureError::kInvalid);
  p = short_params(1);
  p.garch_alpha = 0.5;
  p.garch_beta = 0.6;
  EXPECT_EQ(generate_market(p, w).status, CaptureError::kInvalid);
  p = short_params(1);
  p.delta_interval_ms = 1;
  EXPECT_EQ(generate_market(p, w).status, CaptureError::kInvalid);
  EXPECT_EQ(w.records(), 0u);  // nothing written for rejected params
  ASSERT_EQ(w.close(), CaptureError::kOk);
  CaptureWriter closed;
  EXPECT_EQ(generate_market(short_params(1), closed).status, CaptureError::kNotOpen);
  std::remove(path.c_str());
}

// Replays the generated stream into std::map books with exact decimal parsing and checks the wire
// contract message by message.
class Replay {
 public:
  explicit Replay(const GenParams& p) : p_(p) {
    const InstrumentSpec spec{p.category, p.symbol, "Trading", "", p.tick, p.qty_step, "", "", ""};
    EXPECT_EQ(make_instrument(spec, in_), InstrumentError::kOk);
  }

  void frame(const Frame& f) {
    ASSERT_EQ(f.kind, FrameKind::kRecv);
    ASSERT_GT(f.recv_ns, last_recv_);
    last_recv_ = f.recv_ns;
    (void)touch_padding(f);
    simdjson::ondemand::document doc;
    ASSERT_EQ(parser_.iterate(f.data.data(), f.data.size(), f.data.size() + kFramePadding).get(doc),
              simdjson::SUCCESS);
    std::string_view topic;
    ASSERT_EQ(doc["topic"].get_string().get(topic), simdjson::SUCCESS);
    int64_t ts = 0;
    ASSERT_EQ(doc["ts"].get_int64().get(ts), simdjson::SUCCESS);
    ASSERT_GE(f.recv_ns, ts * 1'000'000);
    ASSERT_GE(ts, last_ts_);
    last_ts_ = ts;
    if (topic == "orderbook." + std::to_string(p_.depth) + "." + p_.symbol) {
      book(f.data, doc, ts);
    } else {
      ASSERT_EQ(topic, "publicTrade." + p_.symbol);
      trade(doc);
    }
  }

  void book(std::string_view raw, simdjson::ondemand::document& doc, int64_t ts) {
    std::string_view type;
    ASSERT_EQ(doc["type"].get_string().get(type), simdjson::SUCCESS);
    const bool snap = type == "snapshot";
    // Bybit's linear key order, byte for byte.
    const std::string head = "{\"topic\":\"orderbook." + std::to_string(p_.depth) + "." + p_.symbol +
                             "\",\"type\":\"" + std::string(type) + "\",\"ts\":" + std::to_string(ts) +
                             ",\"data\":{\"s\":\"" + p_.symbol + "\",\"b\":[";
    ASSERT_EQ(raw.substr(0, head.size()), head);
    ASSERT_NE(raw.find("],\"a\":["), std::string_view::npos);
    ASSERT_NE(raw.find("],\"u\":"), std::string_view::npos);
    if (snap) {
      ASSERT_EQ(deltas_, 0);
      ASSERT_TRUE(bids_.empty());
    } else {
      ++deltas_;
    }
    simdjson::ondemand::object data;
    ASSERT_EQ(doc["data"].get_object().get(data), simdjson::SUCCESS);
    size_t changes = 0;
    for (const char* side : {"b", "a"}) {
      std::map<int64_t, int64_t>& book = side[0] == 'b' ? bids_ : asks_;
      simdjson::ondemand::array levels;
      ASSERT_EQ(data[side].get_array().get(levels), simdjson::SUCCESS);
      int64_t prev = 0;
      bool first = true;
      for (auto lv : levels) {
        simdjson::ondemand::array pair;
        ASSERT_EQ(lv.get_array().get(pair), simdjson::SUCCESS);
        std::string_view ps, qs;
        auto it = pair.begin();
        ASSERT_EQ((*it).get_string().get(ps), simdjson::SUCCESS);
        ++it;
        ASSERT_EQ((*it).get_string().get(qs), simdjson::SUCCESS);
        Price px;
        Qty q;
        ASSERT_EQ(to_price(in_, ps, px), DecimalError::kOk) << ps;
        ASSERT_EQ(to_qty(in_, qs, q), DecimalError::kOk) << qs;
        char buf[32];
        ASSERT_EQ(ps, std::string_view(buf, format_price(in_, px, buf)));  // "65000.10", padded like Bybit
        if (q.lots == 0) {
          ASSERT_EQ(qs, "0");
        }
        // Bids descending, asks ascending.
        if (!first) {
          ASSERT_TRUE(side[0] == 'b' ? px.ticks < prev : px.ticks > prev);
        }
        first = false;
        prev = px.ticks;
        ++changes;
        if (q.lots == 0) {
          ASSERT_FALSE(snap);
          ASSERT_EQ(book.erase(px.ticks), 1u) << "delete of a level that is not in the book: " << ps;
        } else {
          auto [pos, inserted] = book.try_emplace(px.ticks, q.lots);
          if (!inserted) {
            ASSERT_NE(pos->second, q.lots) << "delta entry that changes nothing: " << ps;
            pos->second = q.lots;
          }
        }
      }
    }
    ASSERT_GT(changes, 0u);
    int64_t u = 0, seq = 0, cts = 0;
    ASSERT_EQ(data["u"].get_int64().get(u), simdjson::SUCCESS);
    ASSERT_EQ(data["seq"].get_int64().get(seq), simdjson::SUCCESS);
    ASSERT_EQ(doc["cts"].get_int64().get(cts), simdjson::SUCCESS);
    ASSERT_EQ(u, last_u_ + 1);
    last_u_ = u;
    ASSERT_GT(seq, last_book_seq_);
    ASSERT_GE(seq, last_trade_seq_);
    last_book_seq_ = seq;
    ASSERT_LT(cts, ts);
    ASSERT_GE(cts, last_cts_);
    last_cts_ = cts;
    // The published top is always full and never crossed.
    ASSERT_EQ(bids_.size(), static_cast<size_t>(p_.depth));
    ASSERT_EQ(asks_.size(), static_cast<size_t>(p_.depth));
    ASSERT_LT(bids_.rbegin()->first, asks_.begin()->first);
    best_bids_.insert(bids_.rbegin()->first);
    bid_path_.push_back(bids_.rbegin()->first);
    spread_sum_ += asks_.begin()->first - bids_.rbegin()->first;
  }

  void trade(simdjson::ondemand::document& doc) {
    std::string_view type;
    ASSERT_EQ(doc["type"].get_string().get(type), simdjson::SUCCESS);
    ASSERT_EQ(type, "snapshot");
    simdjson::ondemand::array prints;
    ASSERT_EQ(doc["data"].get_array().get(prints), simdjson::SUCCESS);
    ++trade_msgs_;
    std::map<int64_t, int64_t> taken;
    for (auto pr : prints) {
      simdjson::ondemand::object o;
      ASSERT_EQ(pr.get_object().get(o), simdjson::SUCCESS);
      std::string_view side, v, p, s;
      int64_t seq = 0;
      bool bt = true;
      ASSERT_EQ(o["s"].get_string().get(s), simdjson::SUCCESS);
      ASSERT_EQ(o["S"].get_string().get(side), simdjson::SUCCESS);
      ASSERT_EQ(o["v"].get_string().get(v), simdjson::SUCCESS);
      ASSERT_EQ(o["p"].get_string().get(p), simdjson::SUCCESS);
      ASSERT_EQ(o["BT"].get_bool().get(bt), simdjson::SUCCESS);
      ASSERT_EQ(o["seq"].get_int64().get(seq), simdjson::SUCCESS);
      ASSERT_EQ(s, p_.symbol);
      ASSERT_FALSE(bt);
      ASSERT_GT(seq, last_book_seq_);
      last_trade_seq_ = seq;
      Price px;
      Qty q;
      ASSERT_EQ(to_price(in_, p, px), DecimalError::kOk);
      ASSERT_EQ(to_qty(in_, v, q), DecimalError::kOk);
      ASSERT_GT(q.lots, 0);
      // A buyer lifts asks, a seller hits bids: at a published level, for no more than it showed.
      const std::map<int64_t, int64_t>& book = side == "Buy" ? asks_ : bids_;
      ASSERT_TRUE(side == "Buy" || side == "Sell");
      auto it = book.find(px.ticks);
      ASSERT_NE(it, book.end()) << side << " print at " << p << " where the book has no level";
      taken[px.ticks] += q.lots;
      ASSERT_LE(taken[px.ticks], it->second);
      ++prints_;
    }
  }

  const GenParams& p_;
  Instrument in_;
  simdjson::ondemand::parser parser_;
  std::map<int64_t, int64_t> bids_, asks_;
  std::set<int64_t> best_bids_;
  std::vector<int64_t> bid_path_;  // best bid after the snapshot and each delta
  int64_t last_recv_ = 0, last_ts_ = 0, last_u_ = 0, last_book_seq_ = 0, last_trade_seq_ = 0, last_cts_ = 0;
  int64_t deltas_ = 0, trade_msgs_ = 0, prints_ = 0, spread_sum_ = 0;
};

TEST(MarketGenerator, ReplayedStreamKeepsTheWireContract) {
  const GenParams p = short_params(42, 120);
  const std::string path = temp_path("replay.mmcap");
  const GenResult gen = generate_market_file(p, path);
  ASSERT_EQ(gen.status, CaptureError::kOk) << gen.message;

  CaptureReader r;
  ASSERT_EQ(r.open(path), ReadResult::kOk) << r.error();
  EXPECT_EQ(r.header().flags & kCaptureFlagSynthetic, kCaptureFlagSynthetic);
  Frame f;
  ASSERT_EQ(r.next(f), ReadResult::kOk);
  EXPECT_EQ(f.kind, FrameKind::kConnect);
  EXPECT_EQ(f.url, "wss://stream.bybit.com/v5/public/linear");
  Replay rp(p);
  ReadResult res;
  size_t n = 0;
  while ((res = r.next(f)) == ReadResult::kOk) {
    ASSERT_TRUE(f.has_category);
    ASSERT_EQ(f.category, Category::kLinear);
    if (n == 0) {
      ASSERT_NE(f.data.find("\"type\":\"snapshot\""), std::string_view::npos);
    }
    rp.frame(f);
    if (::testing::Test::HasFatalFailure()) return;
    ++n;
  }
  ASSERT_EQ(res, ReadResult::kEnd) << r.error();
  EXPECT_EQ(n, gen.frames);
  // 50 deltas per second; trades at a few per second plus the sweeps of price moves.
  EXPECT_LE(rp.deltas_, 120 * 50);  // at most one per 20 ms; none when the top did not change
  EXPECT_GT(rp.deltas_, 120 * 45);
  EXPECT_EQ(static_cast<uint64_t>(rp.deltas_), gen.deltas);
  EXPECT_EQ(static_cast<uint64_t>(rp.trade_msgs_), gen.trade_messages);
  EXPECT_EQ(static_cast<uint64_t>(rp.prints_), gen.trade_prints);
  EXPECT_GT(rp.trade_msgs_, 120 * 3);
  EXPECT_LT(rp.trade_msgs_, 120 * 40);
  // The mid moves in whole ticks, and the spread is mostly one tick.
  EXPECT_GT(rp.best_bids_.size(), 20u);
  EXPECT_LT(static_cast<double>(rp.spread_sum_) / static_cast<double>(rp.deltas_ + 1), 3.0);
  std::remove(path.c_str());
}

// Every combination of the accepted ranges' corners generates a stream that keeps the wire contract (the
// generator used to crash when a price jump emptied a book side, and to run forever filling the gap after a
// jump of millions of ticks). About 300 steps per case.
TEST(MarketGenerator, ParameterSweepKeepsTheWireContract) {
  const std::string path = temp_path("sweep.mmcap");
  for (const double vol : {0.0, 3.0, 500.0, 5000.0, kMaxGenVol}) {
    for (const int64_t delta_ms : {int64_t{2}, int64_t{20}, int64_t{60'000}, kMaxGenDeltaMs}) {
      for (const int depth : {1, 200}) {
        for (const double tps : {0.0, 50.0}) {
          GenParams p;
          p.seed =
              static_cast<uint64_t>(vol) + static_cast<uint64_t>(delta_ms) + static_cast<uint64_t>(depth);
          p.vol_ticks_per_sqrt_second = vol;
          p.delta_interval_ms = delta_ms;
          p.depth = depth;
          p.trades_per_second = tps;
          p.seconds = std::min<int64_t>(kMaxGenSeconds, std::max<int64_t>(1, 300 * delta_ms / 1000));
          SCOPED_TRACE("vol " + std::to_string(vol) + " delta_ms " + std::to_string(delta_ms) + " depth " +
                       std::to_string(depth) + " tps " + std::to_string(tps));
          const GenResult gen = generate_market_file(p, path);
          ASSERT_EQ(gen.status, CaptureError::kOk) << gen.message;
          CaptureReader r;
          ASSERT_EQ(r.open(path), ReadResult::kOk) << r.error();
          Frame f;
          ASSERT_EQ(r.next(f), ReadResult::kOk);
          ASSERT_EQ(f.kind, FrameKind::kConnect);
          Replay rp(p);
          ReadResult res;
          uint64_t n = 0;
          while ((res = r.next(f)) == ReadResult::kOk) {
            rp.frame(f);
            if (::testing::Test::HasFatalFailure()) return;
            ++n;
          }
          ASSERT_EQ(res, ReadResult::kEnd) << r.error();
          EXPECT_EQ(n, gen.frames);
        }
      }
    }
  }
  std::remove(path.c_str());
}

TEST(MarketGenerator, RangesAreChecked) {
  CaptureWriter w;
  const std::string path = temp_path("ranges.mmcap");
  ASSERT_EQ(w.open(path, 0), CaptureError::kOk);
  const auto refused = [&](auto set) {
    GenParams p = short_params(1, 1);
    set(p);
    const GenResult r = generate_market(p, w);
    EXPECT_EQ(r.status, CaptureError::kInvalid) << r.message;
    EXPECT_FALSE(r.message.empty());
  };
  refused([](GenParams& p) { p.vol_ticks_per_sqrt_second = 1e9; });
  refused([](GenParams& p) { p.vol_ticks_per_sqrt_second = std::nan(""); });
  refused([](GenParams& p) { p.vol_ticks_per_sqrt_second = -1; });
  refused([](GenParams& p) { p.delta_interval_ms = kMaxGenDeltaMs + 1; });
  refused([](GenParams& p) { p.seconds = kMaxGenSeconds + 1; });
  refused([](GenParams& p) { p.trades_per_second = 1e300; });
  refused([](GenParams& p) { p.churn_per_step = std::numeric_limits<double>::infinity(); });
  refused([](GenParams& p) { p.depth = 0; });
  refused([](GenParams& p) { p.latency_us = int64_t{1} << 62; });
  EXPECT_EQ(w.records(), 0u);
  w.abort();
}

// Lag-1 autocorrelation of absolute 1-second changes of the best bid over a 20-minute stream.
double abs_change_autocorrelation(const GenParams& p) {
  const std::string path = temp_path("acf.mmcap");
  EXPECT_EQ(generate_market_file(p, path).status, CaptureError::kOk);
  CaptureReader r;
  EXPECT_EQ(r.open(path), ReadResult::kOk);
  Replay rp(p);
  Frame f;
  EXPECT_EQ(r.next(f), ReadResult::kOk);  // connection record
  while (r.next(f) == ReadResult::kOk) rp.frame(f);
  std::remove(path.c_str());
  std::vector<double> a;
  const size_t per_second = static_cast<size_t>(1000 / p.delta_interval_ms);
  for (size_t i = per_second; i < rp.bid_path_.size(); i += per_second) {
    a.push_back(std::abs(static_cast<double>(rp.bid_path_[i] - rp.bid_path_[i - per_second])));
  }
  double mean = 0;
  for (double x : a) mean += x;
  mean /= static_cast<double>(a.size());
  double num = 0, den = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    den += (a[i] - mean) * (a[i] - mean);
    if (i + 1 < a.size()) num += (a[i] - mean) * (a[i + 1] - mean);
  }
  return num / den;
}

TEST(MarketGenerator, VolatilityClusters) {
  GenParams garch = short_params(5, 1200);
  GenParams flat = garch;
  flat.garch_alpha = 0;
  flat.garch_beta = 0;
  const double clustered = abs_change_autocorrelation(garch);
  const double constant = abs_change_autocorrelation(flat);
  EXPECT_GT(clustered, 0.1);
  EXPECT_LT(constant, 0.08);
  EXPECT_GT(clustered, constant + 0.05);
}

TEST(MarketGenerator, OtherGridAndDepthFollowTheParams) {
  GenParams p = short_params(3, 20);
  p.symbol = "XRPUSDT";
  p.tick = "0.0001";
  p.qty_step = "1";
  p.start_price = "1.9531";
  p.level_qty_median = 20000;
  p.trade_qty_median = 500;
  p.depth = 50;
  p.category = Category::kSpot;
  const std::string path = temp_path("xrp.mmcap");
  ASSERT_EQ(generate_market_file(p, path).status, CaptureError::kOk);
  CaptureReader r;
  ASSERT_EQ(r.open(path), ReadResult::kOk);
  Frame f;
  ASSERT_EQ(r.next(f), ReadResult::kOk);
  EXPECT_EQ(f.url, "wss://stream.bybit.com/v5/public/spot");
  ASSERT_EQ(r.next(f), ReadResult::kOk);
  const std::string_view snap = f.data;
  EXPECT_EQ(snap.substr(0, 62), R"({"topic":"orderbook.50.XRPUSDT","type":"snapshot","ts":1786310)");
  EXPECT_NE(snap.find(R"("b":[["1.9531",")"), std::string_view::npos) << snap.substr(0, 200);
  EXPECT_NE(snap.find(R"("a":[["1.9532",")"), std::string_view::npos);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace mm
