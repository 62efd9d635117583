// Trader::rehearse(): the decision's strategy and quoter passes run on the current state and change nothing.
// Two traders see the same market, order and fill stream; one also rehearses between every pair of events
// (at the times in between, as the live node does while idle). Everything they send must be equal.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "strategy/fixed_spread.h"
#include "strategy/glft.h"
#include "strategy/inventory_mm.h"
#include "strategy/trader.h"
#include "tests/strategy/strategy_test_util.h"
#include "tests/support/alloc_counter.h"

namespace mm {
namespace {

// Records every request as text (kind, side, price, qty, link id): the comparison covers all of it.
struct RecordingFakeVenue {
  int64_t now = 1'786'310'820'000'000'000;
  std::vector<std::string> log;
  std::vector<OrderCreate> creates;
  std::vector<OrderAmend> amends;
  std::vector<OrderCancel> cancels;
  bool refuse = false;
  int64_t now_ns() const noexcept { return now; }
  bool send_creates(std::span<const OrderCreate> a) noexcept {
    if (refuse) return false;
    for (const OrderCreate& c : a) {
      creates.push_back(c);
      log.push_back("C " + std::to_string(static_cast<int>(c.side)) + " " + std::to_string(c.price.ticks) +
                    " " + std::to_string(c.qty.lots) + " " + std::string(c.link_id.view()));
    }
    return true;
  }
  bool send_amends(std::span<const OrderAmend> a) noexcept {
    if (refuse) return false;
    for (const OrderAmend& m : a) {
      amends.push_back(m);
      log.push_back("A " + std::to_string(m.price ? m.price->ticks : -1) + " " +
                    std::to_string(m.qty ? m.qty->lots : -1) + " " + std::string(m.link_id.view()));
    }
    return true;
  }
  bool send_cancels(std::span<const OrderCancel> a) noexcept {
    if (refuse) return false;
    for (const OrderCancel& c : a) {
      cancels.push_back(c);
      log.push_back("X " + std::string(c.link_id.view()));
    }
    return true;
  }
  bool send_cancel_all(const CancelAll&) noexcept {
    if (refuse) return false;
    log.push_back("ALL");
    return true;
  }
};
static_assert(Venue<RecordingFakeVenue>);

void expect_same_counters(const TraderCounters& a, const TraderCounters& b) {
  EXPECT_EQ(a.ticks, b.ticks);
  EXPECT_EQ(a.ticks_with_actions, b.ticks_with_actions);
  EXPECT_EQ(a.creates, b.creates);
  EXPECT_EQ(a.amends, b.amends);
  EXPECT_EQ(a.cancels, b.cancels);
  EXPECT_EQ(a.risk_blocked, b.risk_blocked);
  EXPECT_EQ(a.venue_refused, b.venue_refused);
  EXPECT_EQ(a.quoter.kept, b.quoter.kept);
  EXPECT_EQ(a.quoter.pending_occupied, b.quoter.pending_occupied);
}

class TraderRehearseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    inst_ = test::btc_instrument();
    risk_cfg_ = test::trader_risk_config();
    cfg_.max_position_lots = 2000;
  }

  BookUpdate snapshot(int64_t u, int64_t bid_ticks) { return snapshots_.snapshot(u, bid_ticks); }

  // The venue's answer to everything it took since the last call: each request acked, then the order stream
  // reports creates and amends New at their terms and cancels Cancelled; every 7th create also fills whole
  // (an execution), so the position moves.
  template <class T>
  static void answer(T& t, RecordingFakeVenue& v, size_t& creates_seen, size_t& amends_seen,
                     size_t& cancels_seen, int64_t& exec_seq) {
    for (; creates_seen < v.creates.size(); ++creates_seen) {
      const OrderCreate& c = v.creates[creates_seen];
      OrderUpdate u;
      u.instrument = 0;
      u.side = c.side;
      u.status = OrderStatus::kNew;
      u.price = c.price;
      u.qty = c.qty;
      u.leaves_qty = c.qty;
      ASSERT_TRUE(u.order_link_id.set(c.link_id.view()));
      t.on_acked(c.link_id.view(), OrderEventKind::kCreateAcked);
      t.on_order(u);
      if (creates_seen % 7 == 3) {
        Execution e;
        e.instrument = 0;
        e.side = c.side;
        e.exec_type = ExecType::kTrade;
        e.is_maker = true;
        ASSERT_TRUE(e.exec_id.set("e" + std::to_string(++exec_seq)));
        ASSERT_TRUE(e.order_link_id.set(c.link_id.view()));
        e.exec_price = c.price;
        e.exec_qty = c.qty;
        e.order_price = c.price;
        e.order_qty = c.qty;
        e.leaves_qty = Qty{0};
        t.on_execution(e);
        u.status = OrderStatus::kFilled;
        u.leaves_qty = Qty{0};
        u.cum_exec_qty = c.qty;
        t.on_order(u);
      }
    }
    for (; amends_seen < v.amends.size(); ++amends_seen) {
      const OrderAmend& m = v.amends[amends_seen];
      const OrderHandle h = t.orders().find(m.link_id.view());
      if (!h.valid()) continue;  // filled meanwhile
      const OwnOrder& o = t.orders().get(h);
      OrderUpdate u;
      u.instrument = 0;
      u.side = o.side;
      u.status = OrderStatus::kNew;
      u.price = m.price ? *m.price : o.price;
      u.qty = m.qty ? *m.qty : Qty{o.leaves.lots + o.cum_filled.lots};
      u.leaves_qty = Qty{u.qty.lots - o.cum_filled.lots};
      ASSERT_TRUE(u.order_link_id.set(m.link_id.view()));
      t.on_acked(m.link_id.view(), OrderEventKind::kAmendAcked);
      t.on_order(u);
    }
    for (; cancels_seen < v.cancels.size(); ++cancels_seen) {
      OrderUpdate u;
      u.instrument = 0;
      u.status = OrderStatus::kCancelled;
      ASSERT_TRUE(u.order_link_id.set(v.cancels[cancels_seen].link_id.view()));
      t.on_acked(v.cancels[cancels_seen].link_id.view(), OrderEventKind::kCancelAcked);
      t.on_order(u);
    }
  }

  // Runs `events` market steps (book every 50 ms, a trade every third step, the venue's answers after each
  // decision) on two traders of strategy S; the second rehearses `per_gap` times between every two steps.
  // Returns the two request logs and the number of rehearsals that reached the quoter.
  template <class S, class C>
  void run_pair(const C& scfg, int events, int per_gap, std::vector<std::string>& plain,
                std::vector<std::string>& rehearsed, uint64_t& rehearsals, TraderCounters& ca,
                TraderCounters& cb) {
    RecordingFakeVenue va, vb;
    S sa(scfg), sb(scfg);
    RiskEngine ra(risk_cfg_, inst_, 0), rb(risk_cfg_, inst_, 0);
    Trader<RecordingFakeVenue, S> a(inst_, 0, va, sa, ra, cfg_);
    Trader<RecordingFakeVenue, S> b(inst_, 0, vb, sb, rb, cfg_);
    Rehearsal<S> r(sb);
    size_t seen_a[3] = {}, seen_b[3] = {};
    int64_t exec_a = 0, exec_b = 0;
    uint64_t rng = 12345;
    int64_t bid = 650000;
    for (int i = 0; i < events; ++i) {
      rng = rng * 6364136223846793005ull + 1442695040888963407ull;
      bid += static_cast<int64_t>((rng >> 33) % 7) - 3;
      const int64_t t = va.now + 50'000'000;
      for (int k = 0; k < per_gap; ++k) {
        vb.now = va.now + (k + 1) * (50'000'000 / (per_gap + 1));
        // The strategy's bytes before and after: a rehearsal that quoted on the real strategy would move its
        // state (InventoryMM's refresh timer, Glft's last state and calibration cache).
        unsigned char before[sizeof(S)];
        std::memcpy(before, static_cast<const void*>(&sb), sizeof(S));
        b.rehearse(r);
        ASSERT_EQ(std::memcmp(before, static_cast<const void*>(&sb), sizeof(S)), 0) << "event " << i;
      }
      va.now = vb.now = t;
      if (i % 3 == 2) {
        TradeEvent tr;
        tr.instrument = 0;
        tr.taker_side = (rng >> 40) % 2 ? Side::kBuy : Side::kSell;
        tr.price = Price{bid};
        tr.qty = Qty{5};
        tr.trade_ts_ms = tr.ts_ms = t / 1'000'000;
        a.on_trade(tr);
        b.on_trade(tr);
      }
      (void)a.on_book(snapshot(i + 1, bid), t);
      (void)b.on_book(snapshot(i + 1, bid), t);
      if (i % 10 == 9) {
        a.on_timer();
        b.on_timer();
      }
      answer(a, va, seen_a[0], seen_a[1], seen_a[2], exec_a);
      answer(b, vb, seen_b[0], seen_b[1], seen_b[2], exec_b);
    }
    plain = va.log;
    rehearsed = vb.log;
    rehearsals = r.runs;
    ca = a.counters();
    cb = b.counters();
    EXPECT_EQ(a.position().lots(), b.position().lots());
  }

  // The pair of run_pair over 400 steps, 3 rehearsals a gap: both traders send the same requests (at least
  // `min_requests` of them: there was something to get wrong) and count the same; at least `min_rehearsals`
  // rehearsals reached the quoter.
  template <class S, class C>
  void expect_same_with_rehearsals(const C& scfg, size_t min_requests, uint64_t min_rehearsals = 0) {
    std::vector<std::string> a, b;
    uint64_t runs = 0;
    TraderCounters ca, cb;
    run_pair<S>(scfg, 400, 3, a, b, runs, ca, cb);
    ASSERT_GT(a.size(), min_requests);
    EXPECT_EQ(a, b);
    EXPECT_GE(runs, min_rehearsals);
    expect_same_counters(ca, cb);
  }

  Instrument inst_;
  RiskConfig risk_cfg_;
  TraderConfig cfg_;
  test::SnapshotMaker snapshots_;
};

TEST_F(TraderRehearseTest, FixedSpreadSendsTheSameWithAndWithoutRehearsals) {
  FixedSpreadConfig f;
  f.half_spread_ticks = 2;
  f.order_size_lots = 10;
  f.levels = 3;
  f.level_spacing_ticks = 2;
  expect_same_with_rehearsals<FixedSpread>(f, 50, 1001);
}

TEST_F(TraderRehearseTest, InventoryStrategyTimersAreNotMovedByRehearsals) {
  // Hummingbot's refresh and fill-delay timers live in the strategy: a rehearsal that quoted on the real
  // strategy would move them (a proposal made early, a refresh skipped).
  InventoryMMConfig c;
  c.bid_spread = 0.001;  // percent: a few ticks at 65,000
  c.ask_spread = 0.001;
  c.order_amount_lots = 10;
  c.order_refresh_time = 0.33;  // not a multiple of the 50 ms steps: timers fall due between events,
  c.filled_order_delay = 0.52;  // where the rehearsals run
  c.order_refresh_tolerance_pct = 0.0;
  expect_same_with_rehearsals<InventoryMM>(c, 20, 101);
}

TEST_F(TraderRehearseTest, GlftWithCalibrationSendsTheSameWithAndWithoutRehearsals) {
  GlftConfig g;
  g.gamma = 0.05;
  g.xi = 0.05;
  g.delta = 1.0;
  g.use_calibration = true;
  g.initial_a = 2.0;
  g.initial_k = 0.5;
  g.order_size_lots = 10;
  expect_same_with_rehearsals<Glft>(g, 20);
}

TEST_F(TraderRehearseTest, RehearsalDiffsWhatTheNextDecisionSends) {
  // The venue refuses the first decision's creates (nothing left, table reverted); the rehearsal then finds
  // the same two creates, link ids included, that the next decision sends once the venue takes them.
  RecordingFakeVenue v;
  FixedSpreadConfig f;
  f.half_spread_ticks = 5;
  f.order_size_lots = 10;
  FixedSpread s(f);
  RiskEngine risk(risk_cfg_, inst_, 0);
  Trader<RecordingFakeVenue, FixedSpread> t(inst_, 0, v, s, risk, cfg_);
  Rehearsal<FixedSpread> r(s);
  v.refuse = true;
  (void)t.on_book(snapshot(1, 650000), v.now);
  ASSERT_TRUE(v.creates.empty());
  t.rehearse(r);
  ASSERT_EQ(r.runs, 1u);
  ASSERT_EQ(r.actions.create_count, 2u);
  EXPECT_TRUE(v.log.empty());  // a rehearsal sends nothing
  v.refuse = false;
  t.on_timer();
  ASSERT_EQ(v.creates.size(), 2u);
  for (uint32_t i = 0; i < 2; ++i) {
    EXPECT_EQ(r.actions.creates[i].price.ticks, v.creates[i].price.ticks);
    EXPECT_EQ(r.actions.creates[i].link_id.view(), v.creates[i].link_id.view());
  }
}

TEST_F(TraderRehearseTest, NoRehearsalOnAnUntrustedBookOrWhileNotQuoting) {
  RecordingFakeVenue v;
  FixedSpreadConfig f;
  f.half_spread_ticks = 5;
  f.order_size_lots = 10;
  FixedSpread s(f);
  RiskEngine risk(risk_cfg_, inst_, 0);
  Trader<RecordingFakeVenue, FixedSpread> t(inst_, 0, v, s, risk, cfg_);
  Rehearsal<FixedSpread> r(s);
  t.rehearse(r);  // no book yet
  EXPECT_EQ(r.runs, 0u);
  (void)t.on_book(snapshot(1, 650000), v.now);
  t.set_quoting(false);
  t.rehearse(r);
  EXPECT_EQ(r.runs, 0u);
  t.set_quoting(true);
  t.rehearse(r);
  EXPECT_EQ(r.runs, 1u);
}

TEST_F(TraderRehearseTest, RehearsingAllocatesNothing) {
  RecordingFakeVenue v;
  FixedSpreadConfig f;
  f.half_spread_ticks = 5;
  f.order_size_lots = 10;
  f.levels = 3;
  f.level_spacing_ticks = 2;
  FixedSpread s(f);
  RiskEngine risk(risk_cfg_, inst_, 0);
  Trader<RecordingFakeVenue, FixedSpread> t(inst_, 0, v, s, risk, cfg_);
  Rehearsal<FixedSpread> r(s);
  (void)t.on_book(snapshot(1, 650000), v.now);
  test::AllocScope scope;
  for (int i = 0; i < 1000; ++i) t.rehearse(r);
  EXPECT_EQ(scope.allocations(), 0u);
  EXPECT_EQ(r.runs, 1000u);
}

}  // namespace
}  // namespace mm
