#include "core/order_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <unordered_set>
#include <vector>

#include "strategy/live_orders.h"
#include "tests/support/alloc_counter.h"

namespace mm {
namespace {

using K = OrderEventKind;

NewOrder order(Side side, int64_t price, int64_t qty, bool post_only = true) {
  NewOrder o;
  o.instrument = 3;
  o.side = side;
  o.price = Price{price};
  o.qty = Qty{qty};
  o.post_only = post_only;
  return o;
}

OrderHandle place(OrderTable& t, const NewOrder& o, int64_t now = 1) {
  OrderHandle h;
  OrderCreate req;
  EXPECT_EQ(t.create(o, now, h, req), TableError::kOk);
  return h;
}

void reject(OrderTable& t, OrderHandle h) {
  ASSERT_EQ(t.apply(h, OrderEvent::make(K::kCreateRejected), 2), OrderError::kOk);
}

TEST(OrderTable, ConstructorRefusesBadArguments) {
  EXPECT_THROW(OrderTable(0, "mm", 1), std::invalid_argument);
  EXPECT_THROW(OrderTable(OrderTable::kMaxCapacity + 1, "mm", 1), std::invalid_argument);
  EXPECT_THROW(OrderTable(8, "", 1), std::invalid_argument);
  EXPECT_THROW(OrderTable(8, "bad prefix", 1), std::invalid_argument);
  EXPECT_THROW(OrderTable(8, "sixteen-chars-xx", 1), std::invalid_argument);
  EXPECT_NO_THROW(OrderTable(8, "fifteen-chars-x", 1));
}

TEST(OrderTable, CreateNamesTheOrderFromTheSequenceAndFillsTheRequest) {
  OrderTable t(8, "mmA", 41);
  EXPECT_EQ(t.next_sequence(), 41u);
  OrderHandle h;
  OrderCreate req;
  ASSERT_EQ(t.create(order(Side::kSell, 6511420, 5), 1000, h, req), TableError::kOk);
  const OwnOrder& o = t.get(h);
  EXPECT_EQ(o.link_id.view(), "mmA-41");
  EXPECT_EQ(o.sequence, 41u);
  EXPECT_EQ(t.next_sequence(), 42u);
  EXPECT_EQ(o.state(), OrderState::kPendingNew);
  EXPECT_EQ(o.price.ticks, 6511420);
  EXPECT_EQ(o.leaves.lots, 5);
  EXPECT_EQ(o.created_ns, 1000);
  EXPECT_EQ(o.last_request_ns, 1000);
  EXPECT_EQ(req.link_id.view(), "mmA-41");
  EXPECT_EQ(req.instrument, 3);
  EXPECT_EQ(req.side, Side::kSell);
  EXPECT_EQ(req.type, OrderType::kLimit);
  EXPECT_EQ(req.tif, TimeInForce::kPostOnly);
  EXPECT_EQ(req.price.ticks, 6511420);
  EXPECT_EQ(req.qty.lots, 5);

  ASSERT_EQ(t.create(order(Side::kBuy, 100, 1, false), 1001, h, req), TableError::kOk);
  EXPECT_EQ(req.tif, TimeInForce::kGtc);
  EXPECT_EQ(req.link_id.view(), "mmA-42");
}

TEST(OrderTable, CreateRefusesBadTermsWithoutSpendingASequence) {
  OrderTable t(8, "mm", 1);
  OrderHandle h;
  OrderCreate req;
  EXPECT_EQ(t.create(order(Side::kBuy, 0, 1), 1, h, req), TableError::kBadOrder);
  EXPECT_EQ(t.create(order(Side::kBuy, 100, 0), 1, h, req), TableError::kBadOrder);
  EXPECT_EQ(t.create(order(Side::kBuy, 100, -1), 1, h, req), TableError::kBadOrder);
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.next_sequence(), 1u);
}

TEST(OrderTable, LinkIdsAreUniqueOverManyOrdersAndSlotReuse) {
  OrderTable t(256, "mm", 1000);
  std::unordered_set<std::string> seen;
  std::vector<OrderHandle> live;
  uint64_t expected = 1000;
  for (int i = 0; i < 100'000; ++i) {
    OrderHandle h;
    OrderCreate req;
    ASSERT_EQ(t.create(order(Side::kBuy, 100 + i % 7, 1), i, h, req), TableError::kOk);
    const std::string id(req.link_id.view());
    ASSERT_TRUE(seen.insert(id).second) << "link id reused: " << id;
    uint64_t seq = 0;
    ASSERT_EQ(parse_link_id(id, "mm", seq), LinkIdError::kOk);
    ASSERT_EQ(seq, expected++);
    ASSERT_EQ(t.find(id), h);
    live.push_back(h);
    if (live.size() == 200) {  // end and release a batch, so slots are reused many times
      for (OrderHandle x : live) {
        reject(t, x);
        ASSERT_EQ(t.release(x), TableError::kOk);
      }
      live.clear();
    }
  }
  EXPECT_EQ(seen.size(), 100'000u);
  EXPECT_EQ(t.next_sequence(), 101'000u);
}

TEST(OrderTable, FindByLinkId) {
  OrderTable t(16, "mm", 1);
  const OrderHandle a = place(t, order(Side::kBuy, 100, 1));
  const OrderHandle b = place(t, order(Side::kSell, 101, 2));
  EXPECT_EQ(t.find("mm-1"), a);
  EXPECT_EQ(t.find("mm-2"), b);
  EXPECT_FALSE(t.find("mm-3").valid());
  EXPECT_FALSE(t.find("mm-").valid());
  EXPECT_FALSE(t.find("").valid());
  EXPECT_FALSE(t.find("other-1").valid());
  // As the codec delivers it: a FixedString from the order stream.
  const std::string from_stream = "mm-2";
  EXPECT_EQ(t.get(t.find(from_stream)).side, Side::kSell);
}

// The hash as first specified: 8-byte little-endian words, the tail zero-extended by a memcpy. The table's
// own loads (no library call) must give the same value for every length and alignment.
uint32_t reference_hash(std::string_view id) {
  const auto load = [](const char* p, size_t n) {
    uint64_t v = 0;
    std::memcpy(&v, p, n);
    return v;
  };
  uint64_t h = 0x9e3779b97f4a7c15ull ^ id.size();
  size_t i = 0;
  for (; i + 8 <= id.size(); i += 8) {
    h = (h ^ load(id.data() + i, 8)) * 0xff51afd7ed558ccdull;
    h ^= h >> 32;
  }
  if (i < id.size()) h = (h ^ load(id.data() + i, id.size() - i)) * 0xff51afd7ed558ccdull;
  h ^= h >> 29;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 32;
  return static_cast<uint32_t>(h);
}

TEST(OrderTable, LinkIdHashIsTheSpecifiedWordHashAtEveryLengthAndOffset) {
  std::mt19937_64 rng(7);
  std::string buf(64 + 8, '\0');
  for (size_t len = 0; len <= 36; ++len) {
    for (size_t off = 0; off < 8; ++off) {
      for (int rep = 0; rep < 20; ++rep) {
        for (char& c : buf) c = static_cast<char>(rng());
        const std::string_view id(buf.data() + off, len);
        ASSERT_EQ(link_id_hash(id), reference_hash(id)) << len << " at " << off;
      }
    }
  }
}

// Lookups compare the whole id, whatever its length: ids that differ in any one byte, or only in length,
// never find each other.
TEST(OrderTable, FindComparesEveryByteOfTheId) {
  OrderTable t(64, "abcdefghijklmno", 123456789012345ull);  // 15-char prefix: 31-char ids
  const OrderHandle h = place(t, order(Side::kBuy, 100, 1));
  const std::string id(t.get(h).link_id.view());
  ASSERT_EQ(id, "abcdefghijklmno-123456789012345");
  EXPECT_EQ(t.find(id), h);
  for (size_t i = 0; i < id.size(); ++i) {
    std::string other = id;
    other[i] = other[i] == 'x' ? 'y' : 'x';
    EXPECT_FALSE(t.find(other).valid()) << i;
  }
  EXPECT_FALSE(t.find(id.substr(0, id.size() - 1)).valid());
  EXPECT_FALSE(t.find(id + "0").valid());
  OrderTable s(16, "m", 1);  // 3-char ids: shorter than one word
  const OrderHandle a = place(s, order(Side::kSell, 100, 1));
  EXPECT_EQ(s.find("m-1"), a);
  EXPECT_FALSE(s.find("m-2").valid());
  EXPECT_FALSE(s.find("n-1").valid());
}

TEST(OrderTable, IndexStaysConsistentUnderRandomChurn) {
  // A small table run at full occupancy exercises probe runs and backward-shift deletion.
  OrderTable t(64, "churn", 1);
  std::mt19937 rng(7);
  std::vector<std::pair<OrderHandle, std::string>> live;
  std::vector<std::string> released;
  for (int step = 0; step < 20'000; ++step) {
    const bool add = live.empty() || (live.size() < 64 && rng() % 2 == 0);
    if (add) {
      OrderHandle h;
      OrderCreate req;
      ASSERT_EQ(t.create(order(Side::kBuy, 100, 1), step, h, req), TableError::kOk);
      live.emplace_back(h, std::string(req.link_id.view()));
    } else {
      const size_t i = rng() % live.size();
      reject(t, live[i].first);
      ASSERT_EQ(t.release(live[i].first), TableError::kOk);
      released.push_back(live[i].second);
      live[i] = live.back();
      live.pop_back();
    }
    if (step % 97 == 0) {
      ASSERT_EQ(t.size(), live.size());
      for (const auto& [h, id] : live) ASSERT_EQ(t.find(id), h) << id;
      for (size_t k = released.size() > 50 ? released.size() - 50 : 0; k < released.size(); ++k) {
        ASSERT_FALSE(t.find(released[k]).valid()) << released[k];
      }
    }
  }
}

TEST(OrderTable, FullTableAndRelease) {
  OrderTable t(4, "mm", 1);
  std::array<OrderHandle, 4> h;
  for (auto& x : h) x = place(t, order(Side::kBuy, 100, 1));
  OrderHandle extra;
  OrderCreate req;
  EXPECT_EQ(t.create(order(Side::kBuy, 100, 1), 5, extra, req), TableError::kFull);
  EXPECT_EQ(t.next_sequence(), 5u) << "a refused create spends no sequence";

  EXPECT_EQ(t.release(h[1]), TableError::kNotTerminal);
  ASSERT_EQ(t.apply(h[1], OrderEvent::stream(StreamStatus::kNew, Price{100}, Qty{1}, Qty{0}, Qty{1}), 3),
            OrderError::kOk);
  ASSERT_EQ(t.apply(h[1], OrderEvent::execution(Price{100}, Qty{1}), 4), OrderError::kOk);
  EXPECT_EQ(t.get(h[1]).state(), OrderState::kFilled);
  EXPECT_EQ(t.release(h[1]), TableError::kOk);
  EXPECT_EQ(t.size(), 3u);
  EXPECT_FALSE(t.contains(h[1]));
  EXPECT_FALSE(t.find("mm-2").valid());

  // The stale handle must not reach the order that reuses the slot.
  const OrderHandle reused = place(t, order(Side::kSell, 200, 1));
  EXPECT_EQ(reused.index, h[1].index);
  EXPECT_NE(reused.generation, h[1].generation);
  EXPECT_EQ(t.apply(h[1], OrderEvent::make(K::kCreateAcked), 5), OrderError::kNoSuchOrder);
  EXPECT_EQ(t.release(h[1]), TableError::kNoSuchOrder);
  EXPECT_EQ(t.release(OrderHandle{}), TableError::kNoSuchOrder);
  EXPECT_EQ(t.get(reused).state(), OrderState::kPendingNew);
  EXPECT_EQ(t.errors().count(OrderError::kNoSuchOrder), 1u);
}

TEST(OrderTable, EventsKeepTheOrderFieldsInStep) {
  OrderTable t(8, "mm", 1);
  const OrderHandle h = place(t, order(Side::kBuy, 100, 10), 10);
  ASSERT_EQ(t.apply(h, OrderEvent::create_acked("1321003749386327552"), 20), OrderError::kOk);
  EXPECT_EQ(t.get(h).exchange_order_id(), "1321003749386327552");
  ASSERT_EQ(t.apply(h, OrderEvent::stream(StreamStatus::kNew, Price{100}, Qty{10}, Qty{0}, Qty{10}), 30),
            OrderError::kOk);
  EXPECT_EQ(t.get(h).state(), OrderState::kNew);
  EXPECT_EQ(t.get(h).updated_ns, 30);

  ASSERT_EQ(t.apply(h, OrderEvent::execution(Price{100}, Qty{3}), 40), OrderError::kOk);
  ASSERT_EQ(t.apply(h, OrderEvent::execution(Price{104}, Qty{1}), 41), OrderError::kOk);
  const OwnOrder& o = t.get(h);
  EXPECT_EQ(o.state(), OrderState::kPartiallyFilled);
  EXPECT_EQ(o.cum_filled.lots, 4);
  EXPECT_EQ(o.leaves.lots, 6);
  EXPECT_EQ(o.fill_value, 404);
  int64_t avg = 0;
  ASSERT_TRUE(o.avg_fill_ticks(0, avg));
  EXPECT_EQ(avg, 101);
  ASSERT_TRUE(o.avg_fill_ticks(2, avg));
  EXPECT_EQ(avg, 10100);

  // Amend: the request is filled, the price changes only when the exchange accepts.
  OrderAmend amend;
  ASSERT_EQ(t.amend(h, Price{98}, std::nullopt, 50, amend), OrderError::kOk);
  EXPECT_EQ(amend.link_id.view(), "mm-1");
  EXPECT_EQ(amend.id_kind, OrderIdKind::kLinkId);
  ASSERT_TRUE(amend.price.has_value());
  EXPECT_EQ(amend.price->ticks, 98);
  EXPECT_FALSE(amend.qty.has_value());
  EXPECT_EQ(o.state(), OrderState::kPendingAmend);
  EXPECT_EQ(o.price.ticks, 100);
  EXPECT_EQ(o.amend_price.ticks, 98);
  EXPECT_EQ(o.last_request_ns, 50);
  ASSERT_EQ(t.apply(h, OrderEvent::make(K::kAmendRejected), 55), OrderError::kOk);
  EXPECT_EQ(o.price.ticks, 100);
  EXPECT_EQ(o.amend_price.ticks, 0);
  ASSERT_EQ(t.amend(h, Price{97}, Qty{12}, 60, amend), OrderError::kOk);
  ASSERT_EQ(t.apply(h, OrderEvent::make(K::kAmendAcked), 65), OrderError::kOk);
  EXPECT_EQ(o.price.ticks, 97);
  EXPECT_EQ(o.fsm.qty.lots, 12);
  EXPECT_EQ(o.leaves.lots, 8);
  EXPECT_EQ(t.amend(h, std::nullopt, std::nullopt, 66, amend), OrderError::kBadEvent);
  EXPECT_EQ(t.amend(h, Price{-1}, std::nullopt, 66, amend), OrderError::kBadEvent);

  // The stream's price is the exchange's word.
  ASSERT_EQ(
      t.apply(h, OrderEvent::stream(StreamStatus::kPartiallyFilled, Price{96}, Qty{12}, Qty{4}, Qty{8}), 70),
      OrderError::kOk);
  EXPECT_EQ(o.price.ticks, 96);

  OrderCancel cancel;
  ASSERT_EQ(t.cancel(h, 80, cancel), OrderError::kOk);
  EXPECT_EQ(cancel.link_id.view(), "mm-1");
  EXPECT_EQ(cancel.instrument, 3);
  EXPECT_EQ(o.state(), OrderState::kPendingCancel);
  EXPECT_EQ(t.cancel(h, 81, cancel), OrderError::kIllegalTransition);
  ASSERT_EQ(t.apply(h, OrderEvent::stream(StreamStatus::kCancelled, Price{96}, Qty{12}, Qty{4}, Qty{0}), 90),
            OrderError::kOk);
  EXPECT_EQ(o.state(), OrderState::kCancelled);
  EXPECT_EQ(o.leaves.lots, 0);
  EXPECT_EQ(o.cum_filled.lots, 4);

  EXPECT_EQ(t.errors().count(OrderError::kBadEvent), 2u);
  EXPECT_EQ(t.errors().count(OrderError::kIllegalTransition), 1u);
}

TEST(OrderTable, RefusedEventsAreCountedAndChangeNothing) {
  OrderTable t(8, "mm", 1);
  const OrderHandle h = place(t, order(Side::kBuy, 100, 2));
  ASSERT_EQ(t.apply(h, OrderEvent::execution(Price{100}, Qty{2}), 3), OrderError::kOk);
  EXPECT_EQ(t.apply(h, OrderEvent::execution(Price{100}, Qty{1}), 4), OrderError::kOverfill);
  EXPECT_EQ(t.get(h).fill_value, 200) << "a refused execution adds no value";
  EXPECT_EQ(t.get(h).updated_ns, 3);
  EXPECT_EQ(t.errors().count(OrderError::kOverfill), 1u);
  EXPECT_EQ(t.errors().total(), 1u);
}

TEST(OrderTable, AverageFillPriceIsTheExactRatio) {
  OrderTable t(8, "mm", 1);
  const OrderHandle h = place(t, order(Side::kSell, 100, 3));
  int64_t avg = -1;
  ASSERT_TRUE(t.get(h).avg_fill_ticks(4, avg));
  EXPECT_EQ(avg, 0);
  ASSERT_EQ(t.apply(h, OrderEvent::execution(Price{100}, Qty{1}), 2), OrderError::kOk);
  ASSERT_EQ(t.apply(h, OrderEvent::execution(Price{101}, Qty{2}), 3), OrderError::kOk);
  ASSERT_TRUE(t.get(h).avg_fill_ticks(3, avg));
  EXPECT_EQ(avg, 100666);  // 302 / 3 = 100.666..., truncated
  EXPECT_FALSE(t.get(h).avg_fill_ticks(18, avg)) << "100.67e18 does not fit int64";
}

TEST(OrderTable, SequenceNeverWraps) {
  OrderTable t(8, "mm", UINT64_MAX - 1);
  OrderHandle h;
  OrderCreate req;
  ASSERT_EQ(t.create(order(Side::kBuy, 100, 1), 1, h, req), TableError::kOk);
  EXPECT_EQ(req.link_id.view(), "mm-18446744073709551614");
  EXPECT_EQ(t.create(order(Side::kBuy, 100, 1), 1, h, req), TableError::kSequenceExhausted);
}

TEST(OrderTable, IterationVisitsEveryOrderInUse) {
  OrderTable t(8, "mm", 1);
  std::array<OrderHandle, 5> h;
  for (auto& x : h) x = place(t, order(Side::kBuy, 100, 1));
  reject(t, h[0]);
  reject(t, h[3]);
  // Release while iterating, from the back.
  for (uint32_t i = t.size(); i-- > 0;) {
    const OrderHandle x = t.handle_at(i);
    if (is_terminal(t.get(x).state())) {
      ASSERT_EQ(t.release(x), TableError::kOk);
    }
  }
  EXPECT_EQ(t.size(), 3u);
  std::vector<uint64_t> seqs;
  t.for_each([&](OrderHandle x, const OwnOrder& o) {
    EXPECT_EQ(&t.get(x), &o);
    seqs.push_back(o.sequence);
  });
  std::sort(seqs.begin(), seqs.end());
  EXPECT_EQ(seqs, (std::vector<uint64_t>{2, 3, 5}));
}

TEST(OrderTable, LiveOrdersForTheQuoter) {
  OrderTable t(8, "mm", 1);
  const OrderHandle bid = place(t, order(Side::kBuy, 100, 5), 11);
  const OrderHandle ask = place(t, order(Side::kSell, 105, 4), 12);
  const OrderHandle done = place(t, order(Side::kSell, 106, 1), 13);
  NewOrder other = order(Side::kBuy, 99, 1);
  other.instrument = 4;
  place(t, other, 14);
  for (OrderHandle x : {bid, ask}) {
    ASSERT_EQ(t.apply(x,
                      OrderEvent::stream(StreamStatus::kNew, t.get(x).price, t.get(x).fsm.qty, Qty{0},
                                         t.get(x).fsm.qty),
                      15),
              OrderError::kOk);
  }
  ASSERT_EQ(t.apply(ask, OrderEvent::execution(Price{105}, Qty{1}), 16), OrderError::kOk);
  reject(t, done);

  std::array<LiveOrder, 8> out;
  const uint32_t n = collect_live_orders(t, 3, out);
  ASSERT_EQ(n, 2u);
  const LiveOrder& b = out[0].side == Side::kBuy ? out[0] : out[1];
  const LiveOrder& a = out[0].side == Side::kBuy ? out[1] : out[0];
  EXPECT_EQ(b.link_id.view(), "mm-1");
  EXPECT_EQ(b.price.ticks, 100);
  EXPECT_EQ(b.qty.lots, 5);
  EXPECT_EQ(b.created_ns, 11);
  EXPECT_FALSE(b.pending);
  EXPECT_EQ(a.qty.lots, 3) << "leaves, not the order qty";

  OrderCancel c;
  ASSERT_EQ(t.cancel(bid, 17, c), OrderError::kOk);
  ASSERT_EQ(collect_live_orders(t, 3, out), 2u);
  EXPECT_TRUE((out[0].side == Side::kBuy ? out[0] : out[1]).pending);
  EXPECT_EQ(collect_live_orders(t, 3, std::span<LiveOrder>(out.data(), 1)), 1u) << "stops at the span's end";
  EXPECT_EQ(collect_live_orders(t, 4, out), 1u);
  EXPECT_TRUE(out[0].pending) << "never confirmed: PendingNew";
}

TEST(OrderTable, HotCallsDoNotAllocate) {
  OrderTable t(256, "mm", 1);
  std::array<LiveOrder, 16> out;
  test::AllocScope scope;
  for (int i = 0; i < 10'000; ++i) {
    OrderHandle h;
    OrderCreate req;
    ASSERT_EQ(t.create(order(Side::kBuy, 100, 2), i, h, req), TableError::kOk);
    const OrderHandle f = t.find(req.link_id.view());
    ASSERT_EQ(f, h);
    ASSERT_EQ(t.apply(f, OrderEvent::create_acked("abc"), i), OrderError::kOk);
    ASSERT_EQ(t.apply(f, OrderEvent::stream(StreamStatus::kNew, Price{100}, Qty{2}, Qty{0}, Qty{2}), i),
              OrderError::kOk);
    OrderAmend amend;
    ASSERT_EQ(t.amend(f, Price{99}, std::nullopt, i, amend), OrderError::kOk);
    ASSERT_EQ(t.apply(f, OrderEvent::make(K::kAmendAcked), i), OrderError::kOk);
    ASSERT_EQ(t.apply(f, OrderEvent::execution(Price{99}, Qty{1}), i), OrderError::kOk);
    (void)collect_live_orders(t, 3, out);
    OrderCancel cancel;
    ASSERT_EQ(t.cancel(f, i, cancel), OrderError::kOk);
    ASSERT_EQ(t.apply(f, OrderEvent::stream(StreamStatus::kCancelled, Price{99}, Qty{2}, Qty{1}, Qty{0}), i),
              OrderError::kOk);
    ASSERT_EQ(t.release(f), TableError::kOk);
  }
  EXPECT_EQ(scope.allocations(), 0u);
}

}  // namespace
}  // namespace mm

namespace mm {
namespace {

// --- Requests the venue refused (never left): revert() and withdraw() put the table back exactly.

std::vector<uint32_t> slot_order(const OrderTable& t) {
  std::vector<uint32_t> v;
  for (uint32_t i = 0; i < t.size(); ++i) v.push_back(t.handle_at(i).index);
  return v;
}

TEST(OrderTable, RevertForgetsARefusedAmendOrCancel) {
  OrderTable t(8, "mm", 1);
  const OrderHandle h = place(t, order(Side::kBuy, 100, 10), 1);
  ASSERT_EQ(t.apply(h, OrderEvent::stream(StreamStatus::kNew, Price{100}, Qty{10}, Qty{0}, Qty{10}), 2),
            OrderError::kOk);
  const OwnOrder before = t.get(h);

  const RequestUndo u = t.undo_point(h);
  OrderAmend amend;
  ASSERT_EQ(t.amend(h, Price{101}, Qty{12}, 5, amend), OrderError::kOk);
  ASSERT_EQ(t.get(h).state(), OrderState::kPendingAmend);
  ASSERT_EQ(t.revert(u), TableError::kOk);
  const OwnOrder& after = t.get(h);
  EXPECT_EQ(after.state(), OrderState::kNew);
  EXPECT_EQ(std::memcmp(&after.fsm, &before.fsm, sizeof(OrderFsm)), 0);
  EXPECT_EQ(after.amend_price.ticks, 0);
  EXPECT_EQ(after.last_request_ns, before.last_request_ns);
  EXPECT_EQ(after.updated_ns, before.updated_ns);
  EXPECT_EQ(after.leaves, before.leaves);
  EXPECT_EQ(after.cum_filled, before.cum_filled);
  // The order takes the same request again (an amend after a forgotten one is legal).
  ASSERT_EQ(t.amend(h, Price{101}, std::nullopt, 6, amend), OrderError::kOk);
  EXPECT_EQ(t.get(h).amend_price.ticks, 101);

  // A cancel, likewise.
  OrderTable t2(8, "mm", 1);
  const OrderHandle h2 = place(t2, order(Side::kSell, 200, 3), 1);
  const RequestUndo u2 = t2.undo_point(h2);
  OrderCancel cancel;
  ASSERT_EQ(t2.cancel(h2, 4, cancel), OrderError::kOk);
  ASSERT_EQ(t2.get(h2).state(), OrderState::kPendingCancel);
  ASSERT_TRUE(t2.get(h2).fsm.has(OrderFsm::kCancelInFlight));
  ASSERT_EQ(t2.revert(u2), TableError::kOk);
  EXPECT_EQ(t2.get(h2).state(), OrderState::kPendingNew);
  EXPECT_FALSE(t2.get(h2).fsm.has(OrderFsm::kCancelInFlight));
  EXPECT_EQ(t2.get(h2).last_request_ns, 1);
  EXPECT_EQ(t2.cancel(h2, 5, cancel), OrderError::kOk) << "cancellable again";
}

TEST(OrderTable, RevertOfAReleasedOrderIsRefused) {
  OrderTable t(4, "mm", 1);
  const OrderHandle h = place(t, order(Side::kBuy, 100, 1));
  const RequestUndo u = t.undo_point(h);
  reject(t, h);
  ASSERT_EQ(t.release(h), TableError::kOk);
  EXPECT_EQ(t.revert(u), TableError::kNoSuchOrder);
}

TEST(OrderTable, WithdrawForgetsRefusedCreatesAndRestoresTheOrder) {
  OrderTable t(8, "mm", 1);
  const OrderHandle a = place(t, order(Side::kBuy, 100, 1));
  const OrderHandle b = place(t, order(Side::kSell, 110, 1));
  const std::vector<uint32_t> order_before = slot_order(t);
  // One refused request of three creates, withdrawn last created first.
  const OrderHandle c = place(t, order(Side::kBuy, 99, 1));
  const OrderHandle d = place(t, order(Side::kBuy, 98, 1));
  const OrderHandle e = place(t, order(Side::kSell, 111, 1));
  const std::string d_id(t.get(d).link_id.view());
  ASSERT_EQ(t.withdraw(e), TableError::kOk);
  ASSERT_EQ(t.withdraw(d), TableError::kOk);
  ASSERT_EQ(t.withdraw(c), TableError::kOk);
  EXPECT_EQ(slot_order(t), order_before);
  EXPECT_EQ(t.size(), 2u);
  EXPECT_FALSE(t.find(d_id).valid()) << "the index forgets the id";
  EXPECT_FALSE(t.contains(c));
  EXPECT_EQ(t.next_sequence(), 6u) << "sequences of withdrawn creates are never reused";
  // The slots are taken again in the same order as before the withdrawal.
  const OrderHandle c2 = place(t, order(Side::kBuy, 99, 1));
  EXPECT_EQ(c2.index, c.index);
  EXPECT_NE(c2.generation, c.generation);
  EXPECT_TRUE(t.contains(a));
  EXPECT_TRUE(t.contains(b));
}

TEST(OrderTable, WithdrawRefusesAnOrderTheExchangeAnswered) {
  OrderTable t(4, "mm", 1);
  const OrderHandle h = place(t, order(Side::kBuy, 100, 1));
  ASSERT_EQ(t.apply(h, OrderEvent::create_acked(), 2), OrderError::kOk);
  EXPECT_EQ(t.withdraw(h), TableError::kAnswered);
  EXPECT_TRUE(t.contains(h));
  EXPECT_EQ(t.withdraw(OrderHandle{}), TableError::kNoSuchOrder);
  EXPECT_EQ(to_string(TableError::kAnswered), "answered");
}

}  // namespace
}  // namespace mm
