#pragma once
// Paces a loaded recording (sim/event_data.h) onto the simulator's clock: `--speed X` plays X times real
// time, max as fast as the subscribers read (the server pumps only once a public subscription exists and
// while the subscribers' queues are short), `--loop` starts over at the end (the recording's first book
// message of each symbol is a snapshot, which the public market publishes as a snapshot with `u` continuing).
//
// One book depth per instrument: the deepest one the recording carries (a recording with orderbook.1 and
// orderbook.200 of one symbol would otherwise reset the book to one level on every level-1 snapshot).
// Consecutive trade records of one instrument with the same receive time form one publicTrade message.
#include <cstdint>
#include <span>
#include <vector>

#include "core/events.h"
#include "sim/event_data.h"

namespace mm::simx {

class MarketSink {
 public:
  // `update.ts_ms`/`cts_ms` are rewritten to the server clock by the feed's caller, not here.
  virtual void on_market_book(BookUpdate& update) = 0;
  virtual void on_market_trades(std::span<const TradeEvent> prints) = 0;

 protected:
  ~MarketSink() = default;
};

struct MarketFeedOptions {
  double speed = 1.0;      // > 0; ignored when max_speed
  bool max_speed = false;  // --speed max
  bool loop = false;
};

class MarketFeed {
 public:
  static constexpr size_t kMaxPrintsPerMessage = 256;

  // `data` outlives the feed.
  MarketFeed(const EventData& data, MarketFeedOptions options);

  // Emits every message due at `mono_now_ns` (monotonic clock), at most `max_messages`. The first call starts
  // the clock. Returns the messages emitted.
  size_t pump(int64_t mono_now_ns, size_t max_messages, MarketSink& sink);
  // Monotonic time the next message is due (INT64_MAX when the data ended without --loop; the current time
  // at max speed).
  [[nodiscard]] int64_t next_due_ns() const noexcept;
  [[nodiscard]] bool finished() const noexcept { return finished_; }
  [[nodiscard]] uint64_t loops() const noexcept { return loops_; }  // completed passes
  [[nodiscard]] uint64_t messages() const noexcept { return messages_; }
  // Monotonic time the clock started (the first pump; -1 before): data time first_ts is due then.
  [[nodiscard]] int64_t start_mono_ns() const noexcept { return start_mono_; }
  // Instruments with at least one book or trade record.
  [[nodiscard]] const std::vector<InstrumentId>& instruments_with_data() const noexcept { return with_data_; }

 private:
  int64_t due_ns(size_t i) const noexcept;

  std::span<const Event> events_;
  MarketFeedOptions options_;
  std::vector<uint32_t> depth_;  // per instrument: the depth kept (0: none)
  std::vector<InstrumentId> with_data_;
  BookRunDecoder decoder_;
  std::vector<TradeEvent> prints_;
  size_t next_ = 0;
  int64_t start_mono_ = -1;
  int64_t first_ts_ = 0;
  int64_t pass_len_ns_ = 0;  // length of one pass (plus one ms between passes)
  uint64_t loops_ = 0;
  uint64_t messages_ = 0;
  bool finished_ = false;
};

}  // namespace mm::simx
