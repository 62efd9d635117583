#pragma once
// RecordingVenue: the venue of `mm replay`. Every action is encoded exactly as LiveVenue would put it on the
// wire — a masked trade-WebSocket text frame (order.create|amend|cancel, or the -batch form for several) —
// into a preallocated buffer, and never sent. Tick-to-quote therefore ends at the last byte of real frames.
// Cancel-all has no trade-WebSocket op on Bybit, so it is encoded as the REST body of /v5/order/cancel-all.
// Time is set by the driver (frame time in replay).
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "core/instrument_registry.h"
#include "core/order_request.h"
#include "net/ws_frame.h"
#include "net/ws_trade_encoder.h"

namespace mm {

struct RecordingVenueStats {
  uint64_t frames = 0;          // frames encoded (a batch is one frame)
  uint64_t bytes = 0;           // frame bytes encoded
  uint64_t creates = 0, amends = 0, cancels = 0, cancel_alls = 0;  // actions, batch items counted singly
  uint64_t encode_errors = 0;   // actions refused by an encoder (bad id, buffer too small)
};

class RecordingVenue {
 public:
  static constexpr size_t kBufferBytes = 256 * 1024;  // frames of one tick; reset by begin_tick()
  static constexpr size_t kMaxFramesPerTick = 256;
  static constexpr size_t kMaxBatch = 20;      // Bybit's batch limit on linear, inverse and option
  static constexpr size_t kMaxSpotBatch = 10;  // and on spot

  // Preconditions: registry outlives the venue and holds every instrument actions refer to.
  explicit RecordingVenue(const InstrumentRegistry& registry, int64_t recv_window_ms = 5000,
                          uint64_t mask_seed = 0x6d6d2d7265706c61ull);

  void set_time(int64_t now_ns) noexcept { now_ns_ = now_ns; }
  int64_t now_ns() const noexcept { return now_ns_; }

  // Forget the frames of the previous tick (the buffer is reused; nothing is freed).
  void begin_tick() noexcept {
    used_ = 0;
    frame_count_ = 0;
    n_creates_ = n_amends_ = n_cancels_ = 0;
    tick_cancel_all_ = false;
  }

  // Venue concept (strategy/venue.h). Return false when an encoder refused (counted in stats()).
  bool send_creates(std::span<const OrderCreate> a) noexcept;
  bool send_amends(std::span<const OrderAmend> a) noexcept;
  bool send_cancels(std::span<const OrderCancel> a) noexcept;
  bool send_cancel_all(const CancelAll& a) noexcept;

  // Actions accepted since begin_tick() (a driver uses them to confirm orders, as `mm replay` does: with no
  // exchange behind it, every accepted action is taken as confirmed at once). At most kMaxKept per kind are
  // kept; later ones are still encoded and counted.
  static constexpr size_t kMaxKept = 128;
  std::span<const OrderCreate> tick_creates() const noexcept { return {kept_creates_.data(), n_creates_}; }
  std::span<const OrderAmend> tick_amends() const noexcept { return {kept_amends_.data(), n_amends_}; }
  std::span<const OrderCancel> tick_cancels() const noexcept { return {kept_cancels_.data(), n_cancels_}; }
  bool tick_cancel_all() const noexcept { return tick_cancel_all_; }

  // Frames encoded since begin_tick(), in order.
  size_t frame_count() const noexcept { return frame_count_; }
  std::span<const char> frame(size_t i) const noexcept { return {buf_.data() + frames_[i].offset, frames_[i].size}; }
  const RecordingVenueStats& stats() const noexcept { return stats_; }

 private:
  struct Span {
    size_t offset, size;
  };
  template <class EncodeFn>
  bool emit(EncodeFn&& fn) noexcept;
  template <class Action, size_t N>
  bool send_all(std::span<const Action> a, uint64_t& sent, std::array<Action, N>& kept,
                size_t& kept_count) noexcept;
  size_t batch_limit(InstrumentId id) const noexcept;

  const InstrumentRegistry& registry_;
  MaskKeySource masks_;
  int64_t now_ns_ = 0;
  // reqIds "r1", "r2", ... and the envelope texts (timestamp, recv window) kept between frames.
  WsRequestStream stream_;
  std::vector<char> buf_;
  size_t used_ = 0;
  std::array<Span, kMaxFramesPerTick> frames_{};
  size_t frame_count_ = 0;
  RecordingVenueStats stats_;
  std::array<OrderCreate, kMaxKept> kept_creates_{};
  std::array<OrderAmend, kMaxKept> kept_amends_{};
  std::array<OrderCancel, kMaxKept> kept_cancels_{};
  size_t n_creates_ = 0, n_amends_ = 0, n_cancels_ = 0;
  bool tick_cancel_all_ = false;
};

}  // namespace mm
