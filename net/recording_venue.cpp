#include "net/recording_venue.h"

#include <algorithm>

#include "net/rest_encoder.h"
#include "net/ws_trade_encoder.h"

namespace mm {

#ifdef MM_GATE_SLOW_SEND
namespace {
// Test-only, compiled into bench/gate's perf_gate_slow and nowhere else: one extra pass over every encoded
// frame (an FNV-1a hash kept in a volatile), the deliberate slowdown the performance gate's own test
// (tests/bench/perf_gate_test.py) must catch.
volatile uint64_t gate_slow_send_sink = 0;
[[gnu::noinline]] void gate_slow_send_work(const char* p, size_t n) noexcept {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; ++i) h = (h ^ static_cast<unsigned char>(p[i])) * 0x100000001b3ull;
  gate_slow_send_sink = h;
}
}  // namespace
#endif

RecordingVenue::RecordingVenue(const InstrumentRegistry& registry, int64_t recv_window_ms, uint64_t mask_seed)
    : registry_(registry), masks_(mask_seed), stream_(recv_window_ms), buf_(kBufferBytes) {}

size_t RecordingVenue::batch_limit(InstrumentId id) const noexcept {
  // Bybit: 20 items per batch request on linear/inverse/option, 10 on spot.
  return registry_.get(id).category == Category::kSpot ? kMaxSpotBatch : kMaxBatch;
}

template <class EncodeFn>
bool RecordingVenue::emit(EncodeFn&& fn) noexcept {
  if (frame_count_ == kMaxFramesPerTick) {
    ++stats_.encode_errors;
    return false;
  }
  // Every frame takes the next reqId, even one an encoder then refuses.
  stream_.next(now_ns_ / 1'000'000);
  const std::span<char> room(buf_.data() + used_, buf_.size() - used_);
  const EncodedFrame f = fn(room);
  if (!f.ok()) {
    ++stats_.encode_errors;
    return false;
  }
  frames_[frame_count_++] = {used_ + f.offset, f.size};
#ifdef MM_GATE_SLOW_SEND
  gate_slow_send_work(buf_.data() + used_ + f.offset, f.size);
#endif
  used_ += f.offset + f.size;
  ++stats_.frames;
  stats_.bytes += f.size;
  return true;
}

template <class Action, size_t N>
bool RecordingVenue::send_all(std::span<const Action> a, uint64_t& sent, std::array<Action, N>& kept,
                              size_t& kept_count) noexcept {
  // One frame per chunk of Bybit's batch limit; a chunk of one goes out as the single-order op.
  bool ok = true;
  const size_t max_batch = a.empty() ? kMaxBatch : batch_limit(a[0].instrument);
  for (size_t i = 0; i < a.size(); i += max_batch) {
    const auto part = a.subspan(i, std::min(max_batch, a.size() - i));
    const bool chunk_ok = emit([&](std::span<char> room) {
      if (part.size() == 1) {
        return encode_ws_frame(stream_, registry_.get(part[0].instrument), part[0], masks_.next(), room);
      }
      return encode_ws_batch_frame(stream_, registry_, part, masks_.next(), room);
    });
    if (!chunk_ok) {
      ok = false;
      continue;
    }
    sent += part.size();
    for (const Action& x : part) {
      if (kept_count < kept.size()) kept[kept_count++] = x;
    }
  }
  return ok;
}

bool RecordingVenue::send_creates(std::span<const OrderCreate> a) noexcept {
  return send_all(a, stats_.creates, kept_creates_, n_creates_);
}

bool RecordingVenue::send_amends(std::span<const OrderAmend> a) noexcept {
  return send_all(a, stats_.amends, kept_amends_, n_amends_);
}

bool RecordingVenue::send_cancels(std::span<const OrderCancel> a) noexcept {
  return send_all(a, stats_.cancels, kept_cancels_, n_cancels_);
}

bool RecordingVenue::send_cancel_all(const CancelAll& a) noexcept {
  const bool ok = emit([&](std::span<char> room) {
    const Encoded e = encode_rest_cancel_all(registry_, a, room);
    return EncodedFrame{e.error, 0, e.size};
  });
  if (ok) {
    ++stats_.cancel_alls;
    tick_cancel_all_ = true;
  }
  return ok;
}

}  // namespace mm
