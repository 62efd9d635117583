#include "sim/server/market_feed.h"

#include <algorithm>

namespace mm::simx {

MarketFeed::MarketFeed(const EventData& data, MarketFeedOptions options)
    : events_(data.events()), options_(options), depth_(data.instruments().size(), 0) {
  std::vector<bool> seen(data.instruments().size(), false);
  for (const Event& e : events_) {
    if (e.instrument >= depth_.size()) continue;
    if (e.kind == EventKind::kBookLevel) depth_[e.instrument] = std::max(depth_[e.instrument], e.depth);
    if (e.kind == EventKind::kBookLevel || e.kind == EventKind::kTrade) seen[e.instrument] = true;
  }
  for (size_t i = 0; i < seen.size(); ++i) {
    if (seen[i]) with_data_.push_back(static_cast<InstrumentId>(i));
  }
  prints_.reserve(kMaxPrintsPerMessage);
  if (!events_.empty()) {
    first_ts_ = events_.front().local_ts_ns;
    pass_len_ns_ = events_.back().local_ts_ns - first_ts_ + 1'000'000;
  }
  finished_ = events_.empty();
}

int64_t MarketFeed::due_ns(size_t i) const noexcept {
  const double offset =
      static_cast<double>(events_[i].local_ts_ns - first_ts_ + static_cast<int64_t>(loops_) * pass_len_ns_) /
      options_.speed;
  return start_mono_ + static_cast<int64_t>(offset);
}

int64_t MarketFeed::next_due_ns() const noexcept {
  if (finished_) return INT64_MAX;
  if (options_.max_speed || start_mono_ < 0) return 0;
  return due_ns(next_);
}

size_t MarketFeed::pump(int64_t mono_now_ns, size_t max_messages, MarketSink& sink) {
  if (finished_) return 0;
  if (start_mono_ < 0) start_mono_ = mono_now_ns;
  size_t emitted = 0;
  while (emitted < max_messages) {
    if (next_ >= events_.size()) {
      if (!options_.loop) {
        finished_ = true;
        break;
      }
      next_ = 0;
      ++loops_;
    }
    if (!options_.max_speed && due_ns(next_) > mono_now_ns) break;
    const Event& e = events_[next_];
    if (e.instrument >= depth_.size()) {
      ++next_;
      continue;
    }
    if (e.kind == EventKind::kBookLevel) {
      BookUpdate u;
      next_ = decoder_.decode(events_, next_, u);
      if (e.depth != depth_[e.instrument]) continue;  // a shallower topic of a symbol that has a deeper one
      sink.on_market_book(u);
      ++emitted;
    } else if (e.kind == EventKind::kTrade) {
      prints_.clear();
      while (next_ < events_.size() && prints_.size() < kMaxPrintsPerMessage) {
        const Event& t = events_[next_];
        if (t.kind != EventKind::kTrade || t.instrument != e.instrument || t.local_ts_ns != e.local_ts_ns)
          break;
        TradeEvent p;
        p.instrument = t.instrument;
        p.taker_side = (t.flags & kEvBuy) != 0 ? Side::kBuy : Side::kSell;
        p.price = Price{t.price};
        p.qty = Qty{t.qty};
        p.trade_ts_ms = t.exch_ts_ns / 1'000'000;
        p.ts_ms = p.trade_ts_ms;
        p.seq = t.aux;
        prints_.push_back(p);
        ++next_;
      }
      sink.on_market_trades(prints_);
      ++emitted;
    } else {
      ++next_;  // funding and mark price: not served by the simulator's public streams
    }
  }
  messages_ += emitted;
  return emitted;
}

}  // namespace mm::simx
