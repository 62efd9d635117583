// Quoter diff cost in the steady state: live orders rest at a ladder and the target moves by one tick (every
// level amended), or does not move at all (every order kept). Arg: levels per side.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <vector>

#include "strategy/quoter.h"

namespace mm {
namespace {

struct Fixture {
  Instrument inst;
  Quoter quoter;
  QuoteLadder resting;
  QuoteLadder moved;
  std::vector<LiveOrder> live;
  std::unique_ptr<QuoteActions> out = std::make_unique<QuoteActions>();

  explicit Fixture(int levels) {
    const InstrumentSpec s{Category::kLinear, "BTCUSDT", "Trading", "2", "0.10",
                           "0.001",           "0.001",   "100",     "5"};
    if (make_instrument(s, inst) != InstrumentError::kOk) std::abort();
    if (quoter.configure(QuoterConfig{}) != QuoterError::kOk) std::abort();
    for (int i = 0; i < levels; ++i) {
      const int64_t k = 5 * i;
      if (!resting.push_bid(Price{649990 - k}, Qty{10}) || !resting.push_ask(Price{650010 + k}, Qty{10}) ||
          !moved.push_bid(Price{649991 - k}, Qty{10}) || !moved.push_ask(Price{650011 + k}, Qty{10})) {
        std::abort();
      }
    }
    uint64_t seq = 0;
    const auto add = [&](Side side, const QuoteLevel& lv) {
      LiveOrder o;
      if (make_link_id("old", seq++, o.link_id) != LinkIdError::kOk) std::abort();
      o.side = side;
      o.price = lv.price;
      o.qty = lv.qty;
      live.push_back(o);
    };
    for (uint32_t i = 0; i < resting.bid_count; ++i) add(Side::kBuy, resting.bids[i]);
    for (uint32_t i = 0; i < resting.ask_count; ++i) add(Side::kSell, resting.asks[i]);
  }

  QuoteInput input(const QuoteLadder& target) const {
    QuoteInput in;
    in.instrument = &inst;
    in.instrument_id = 0;
    in.target = &target;
    in.live = live;
    in.budget = ActionBudget::unlimited();
    return in;
  }
};

void run(benchmark::State& state, bool move) {
  Fixture f(static_cast<int>(state.range(0)));
  QuoteInput in = f.input(move ? f.moved : f.resting);
  uint64_t actions = 0;
  for (auto _ : state) {
    in.now_ns += 1;
    if (f.quoter.diff(in, *f.out) != QuoterError::kOk) state.SkipWithError("diff failed");
    actions += f.out->action_count();
    benchmark::DoNotOptimize(f.out->amends[0]);
    benchmark::ClobberMemory();
  }
  state.counters["actions/diff"] =
      benchmark::Counter(static_cast<double>(actions) / static_cast<double>(state.iterations()));
}

void BM_QuoterDiff(benchmark::State& state) {
  run(state, true);
}
void BM_QuoterDiffUnchanged(benchmark::State& state) {
  run(state, false);
}

BENCHMARK(BM_QuoterDiff)->Arg(1)->Arg(5);
BENCHMARK(BM_QuoterDiffUnchanged)->Arg(1)->Arg(5);

}  // namespace
}  // namespace mm
