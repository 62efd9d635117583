#pragma once
// The decision path of `mm replay --config`: a Trader over a RecordingVenue with the configured strategy.
// Why type erasure here: the strategy is chosen at run time from the config, while Trader<Venue, Strategy>
// is a template so that the hot path inlines the strategy. One virtual call per book message selects the
// right instantiation; everything below it is static.
#include <array>
#include <memory>
#include <string>

#include "net/recording_venue.h"
#include "runtime/mm_config.h"
#include "runtime/ring_venue.h"
#include "strategy/trader.h"

namespace mm {

class DecisionPath {
 public:
  virtual ~DecisionPath() = default;
  // One book message of the configured instrument. Runs the Trader (and so the strategy) when applied.
  virtual SyncResult on_book(const BookUpdate& u, int64_t recv_ns) noexcept = 0;
  // One public trade of the configured instrument, received at recv_ns (the venue clock while it is handled).
  virtual void on_trade(const TradeEvent& t, int64_t recv_ns) noexcept = 0;
  virtual void set_profiling(bool on) noexcept = 0;
  virtual void reset_stamps() noexcept = 0;
  virtual const std::array<int64_t, kTickMarkCount>& stamps() const noexcept = 0;
  virtual uint32_t last_action_count() const noexcept = 0;
  virtual const BookSync& book_sync() const noexcept = 0;
  virtual const TraderCounters& counters() const noexcept = 0;
  // The venue: exactly one of these is non-null (RecordingVenue in the one-thread layout, RingVenue on the
  // decision thread of the pipeline layout).
  virtual RecordingVenue* recording_venue() noexcept = 0;
  virtual RingVenue* ring_venue() noexcept = 0;
};

// Builds the path for cfg (strategy, RiskEngine, venue, Trader). The venue is a RecordingVenue, or a
// RingVenue pushing into `ring` when ring is non-null (precondition: ring outlives the path). Returns nullptr
// and sets `error` (naming the config key) when the config does not fit the instrument.
std::unique_ptr<DecisionPath> make_decision_path(const MmConfig& cfg, const InstrumentRegistry& registry,
                                                 InstrumentId id, std::string& error,
                                                 ActionRing* ring = nullptr);

}  // namespace mm
