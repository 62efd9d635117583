// `mm replay --layout pipeline`: feed | parse+book+strategy | dispatch on three pinned threads (DESIGN.md
// section 3), each a core Runner over one stage, joined by two SPSC rings:
//
//   feed      reads the recordings; the readers reuse their buffers, so each received frame is copied into a
//             preallocated circular byte arena (64 bytes of padding after it, for simdjson) and a FrameRef
//             {arena position, size, epoch, category, recv_ns, t0} is pushed into the frame ring;
//   decision  pops FrameRefs and runs Replayer::process_at (codec, books, the Trader over a RingVenue, the
//             confirm step), then returns the frame's arena bytes; actions go into the action ring;
//   dispatch  pops actions, encodes them with a RecordingVenue, and records encode/total/quote per tick.
//
// Producers never drop: a full ring or arena makes the producer wait (counted). End of input: the feed marks
// itself done, the decision thread drains the frame ring and marks itself done, the dispatch thread drains
// the action ring; each stops its own runner. The Replayer's state (codec, books, counters, histograms) is
// touched only by the decision thread until the joins; the feed and dispatch threads keep their own counters
// and histograms, merged after the joins.
#include <atomic>
#include <cstring>
#include <memory>

#include "core/cache_line.h"
#include "core/cpu_affinity.h"
#include "core/idle.h"
#include "core/runner.h"
#include "core/spsc_ring.h"
#include "runtime/decision_path.h"
#include "runtime/frame_arena.h"
#include "runtime/read_ahead.h"
#include "runtime/replay.h"
#include "runtime/stage_clock.h"

namespace mm {

namespace {

// A stage stops its own Runner when its input is exhausted; the Runner type depends on the idle strategy,
// so the stage holds a plain function pointer to the runner's stop().
struct StopHook {
  void (*fn)(void*) noexcept = nullptr;
  void* ctx = nullptr;
  void operator()() const noexcept {
    if (fn != nullptr) fn(ctx);
  }
};

template <class R>
StopHook stop_hook(R& runner) noexcept {
  return {[](void* r) noexcept { static_cast<R*>(r)->stop(); }, &runner};
}

struct FrameRef {
  uint64_t pos = 0;                       // arena position (monotonic byte counter) of the frame's first byte
  uint32_t size = 0;                      // frame bytes (the arena span is arena_span(size))
  uint32_t epoch = 0;                     // 1-based number of the file: a new file is a new connection
  Category category = Category::kLinear;  // resolved (history files take ReplayOptions::history_category)
  int64_t recv_ns = 0;
  int64_t t0 = 0;  // frame available on the feed thread (TSC ticks)
};
static_assert(std::is_trivially_copyable_v<FrameRef>);

// 4096 frames: about a second of a busy multi-symbol feed, far more than a hop needs; 160 KiB.
using FrameRing = SpscRing<FrameRef, 4096>;

constexpr int kBatch = 64;  // items per do_work: bounds the time between idle checks, amortises the stamps

}  // namespace

class ReplayPipeline {
 public:
  explicit ReplayPipeline(Replayer& r) : r_(r) {}

  template <class Idle>
  std::string run(const Idle& idle);

 private:
  class alignas(kCacheLineSize) FeedStage {
   public:
    FeedStage(const Replayer& r, FrameRing& ring, FrameArena& arena, const StageClock& clock) noexcept
        : r_(r),
          clock_(clock),
          history_category_(r.options().history_category),
          ring_(ring),
          arena_(arena),
          pace_ticks_(clock.from_ns(r.options().pace_ns)) {}
    void on_start() {}
    void on_close() { src_.reset(); }

    int do_work() noexcept {
      int work = 0;
      while (work < kBatch && !finished_) {
        if (state_ == State::kNeedFrame) {
          if (!read_next()) break;
          continue;
        }
        if (state_ == State::kHaveFrame) {
          if (pace_ticks_ > 0) {
            const int64_t now = clock_.stamp();
            if (now < next_release_) return work;
            ref_.t0 = now;
            next_release_ = now + pace_ticks_;
          }
          uint64_t pos = 0;
          if (!arena_.try_reserve(frame_.data.size(), pos)) {
            wait(arena_waits);
            return work;
          }
          std::memcpy(arena_.at(pos), frame_.data.data(), frame_.data.size());
          ref_.pos = pos;
          state_ = State::kHaveRef;
        }
        if (!ring_.try_push(ref_)) {
          wait(frame_ring_waits);
          return work;
        }
        waiting_ = false;
        state_ = State::kNeedFrame;
        ++work;
      }
      if (finished_ && !signalled_) {
        signalled_ = true;
        done.store(true, std::memory_order_release);
        stop();
      }
      return work;
    }

    StopHook stop;
    alignas(kCacheLineSize) std::atomic<bool> done{false};
    uint64_t read_errors = 0, frame_ring_waits = 0, arena_waits = 0;
    uint32_t epoch = 0;
    std::string error;  // a reader or open failure: the replay stops there

   private:
    enum class State : uint8_t { kNeedFrame, kHaveFrame, kHaveRef };

    // One wait is one frame that found its way blocked, however many cycles it then waited.
    void wait(uint64_t& counter) noexcept {
      if (!waiting_) ++counter;
      waiting_ = true;
    }

    // Next received frame into frame_/ref_ (state kHaveFrame); false when the input ended or failed.
    bool read_next() noexcept {
      const std::vector<std::string>& files = r_.options().files;
      for (;;) {
        if (!src_) {
          if (file_ == files.size()) return finish({});
          // Cold: opening a file allocates (buffers, decompressor), once per file as in the one-thread
          // layout.
          try {
            if (std::string e = r_.open(files[file_], src_); !e.empty()) return finish(std::move(e));
          } catch (...) {
            return finish(files[file_] + ": could not be opened (out of memory)");
          }
          ++epoch;
          read_ahead_.reset();
        }
        const ReadResult rr = src_->next(frame_);
        if (rr == ReadResult::kOk) {
          if (frame_.kind != FrameKind::kRecv) continue;
          if (FrameArena::span(frame_.data.size()) > arena_.bytes()) {
            return finish(files[file_] + ": a frame is larger than the pipeline's arena");
          }
          // Input I/O before the frame is stamped available.
          read_ahead_.before_stamp(frame_.data.data(), frame_.data.size());
          ref_.t0 = clock_.stamp();
          ref_.size = static_cast<uint32_t>(frame_.data.size());
          ref_.epoch = epoch;
          ref_.category = frame_.has_category ? frame_.category : history_category_;
          ref_.recv_ns = frame_.recv_ns;
          state_ = State::kHaveFrame;
          return true;
        }
        if (rr == ReadResult::kBadRecord) {
          ++read_errors;
          continue;
        }
        if (rr != ReadResult::kEnd) return finish(std::string(src_->error()));
        src_.reset();
        ++file_;
      }
    }

    bool finish(std::string e) noexcept {
      error = std::move(e);
      finished_ = true;
      return false;
    }

    const Replayer& r_;  // options().files and open(): cold, once per file
    StageClock clock_;
    Category history_category_;
    FrameRing& ring_;
    FrameArena& arena_;
    ReadAhead read_ahead_;
    int64_t pace_ticks_;
    int64_t next_release_ = 0;
    std::unique_ptr<FrameSource> src_;
    size_t file_ = 0;
    Frame frame_;
    FrameRef ref_;
    State state_ = State::kNeedFrame;
    bool waiting_ = false;
    bool finished_ = false;
    bool signalled_ = false;
  };

  class alignas(kCacheLineSize) DecisionStage {
   public:
    // actions: the action ring this stage produces into (nullptr without --config).
    DecisionStage(Replayer& r, FrameRing& ring, FrameArena& arena, const FeedStage& feed,
                  ActionRing* actions) noexcept
        : r_(r), ring_(ring), arena_(arena), feed_(feed), actions_(actions) {}
    void on_start() {}
    void on_close() {}

    int do_work() noexcept {
      int work = 0;
      FrameRef ref;
      while (work < kBatch && room_for_a_tick() && ring_.try_pop(ref)) {
        const int64_t tp = r_.stamp();
        r_.hist_[static_cast<size_t>(ReplayStage::kFeedHop)].record(r_.to_ns(tp - ref.t0));
        // A new file is a new connection: books reset on their first message from it (see book_epoch_).
        r_.epoch_ = ref.epoch;
        Frame f;
        f.kind = FrameKind::kRecv;
        f.recv_ns = ref.recv_ns;
        f.category = ref.category;
        f.has_category = true;
        f.data = std::string_view(arena_.at(ref.pos), ref.size);
        r_.process_at(f, ref.category, ref.t0, tp);
        arena_.release(ref.pos + FrameArena::span(ref.size));
        ++work;
      }
      // Acquire on done pairs with the feed's release after its last push, so empty() then sees every frame.
      if (work == 0 && !signalled_ && feed_.done.load(std::memory_order_acquire) && ring_.empty()) {
        signalled_ = true;
        done.store(true, std::memory_order_release);
        stop();
      }
      return work;
    }

    StopHook stop;
    alignas(kCacheLineSize) std::atomic<bool> done{false};
    uint64_t action_ring_waits = 0;  // frames left queued because the action ring lacked a worst tick's room

   private:
    // A frame is taken only when the action ring has room for the worst tick it can cause (kWorstTickItems,
    // static_asserted to fit the ring): the RingVenue then never refuses, and the actions equal the
    // one-thread layout's. Otherwise the frame waits in its ring and do_work returns (it never blocks).
    bool room_for_a_tick() noexcept {
      if (actions_ == nullptr || actions_->has_room(kWorstTickItems)) {
        waiting_ = false;
        return true;
      }
      if (!waiting_) ++action_ring_waits;
      waiting_ = true;
      return false;
    }

    Replayer& r_;
    FrameRing& ring_;
    FrameArena& arena_;
    const FeedStage& feed_;
    ActionRing* actions_;
    bool waiting_ = false;
    bool signalled_ = false;
  };

  class alignas(kCacheLineSize) DispatchStage {
   public:
    DispatchStage(const Replayer& r, ActionRing& ring, const DecisionStage& decision, const StageClock& clock)
        : clock_(clock), ring_(ring), decision_(decision), venue_(r.registry()) {}
    void on_start() {}
    void on_close() {}

    int do_work() noexcept {
      int work = 0;
      ActionItem it;
      while (work < kBatch && ring_.try_pop(it)) {
        handle(it);
        ++work;
      }
      if (work == 0 && !signalled_ && decision_.done.load(std::memory_order_acquire) && ring_.empty()) {
        signalled_ = true;
        stop();
      }
      return work;
    }

    const RecordingVenue& venue() const noexcept { return venue_; }
    const LatencyHistogram& hist(ReplayStage s) const noexcept { return hist_[static_cast<size_t>(s)]; }

    StopHook stop;

   private:
    void handle(const ActionItem& it) noexcept {
      switch (it.kind) {
        case ActionKind::kBegin:
          venue_.set_time(it.u.begin.recv_ns);
          venue_.begin_tick();
          encode_ticks_ = 0;
          return;
        // A refused encode is counted in the venue's stats (reported as pipeline encode_errors).
        case ActionKind::kCreate:
          return collect(it.u.create, it.last, creates_, n_creates_);
        case ActionKind::kAmend:
          return collect(it.u.amend, it.last, amends_, n_amends_);
        case ActionKind::kCancel:
          return collect(it.u.cancel, it.last, cancels_, n_cancels_);
        case ActionKind::kCancelAll:
          timed([&] { (void)venue_.send_cancel_all(it.u.cancel_all); });
          return;
        case ActionKind::kEnd:
          end_tick(it.u.end);
          return;
      }
    }

    // Collects one span item by item; the span's last item sends it (one send_* call, as the decision thread
    // made it, so the frames and batches are those of the one-thread layout).
    template <class T, size_t N>
    void collect(const T& item, bool last, std::array<T, N>& span, size_t& n) noexcept {
      span[n++] = item;
      if (!last) return;
      timed([&] { (void)send(std::span<const T>(span.data(), n)); });
      n = 0;
    }
    bool send(std::span<const OrderCreate> a) noexcept { return venue_.send_creates(a); }
    bool send(std::span<const OrderAmend> a) noexcept { return venue_.send_amends(a); }
    bool send(std::span<const OrderCancel> a) noexcept { return venue_.send_cancels(a); }

    template <class F>
    void timed(F&& f) noexcept {
      const int64_t a = TscClock::read_ticks();
      f();
      encode_ticks_ += TscClock::read_ticks() - a;
    }

    void end_tick(const TickEnd& e) noexcept {
      // The last byte of the tick's last frame is encoded: its order frames exist.
      const int64_t end = clock_.stamp();
      const auto at = [&](TickMark m) { return e.stamps[static_cast<size_t>(m)]; };
      const auto rec = [&](ReplayStage s, int64_t d) {
        hist_[static_cast<size_t>(s)].record(clock_.to_ns(d));
      };
      if (at(TickMark::kEncoded) != 0 && at(TickMark::kStrategy) != 0) {
        rec(ReplayStage::kEncode, at(TickMark::kEncoded) - at(TickMark::kRisk) + encode_ticks_);
      }
      rec(ReplayStage::kTotal, end - e.t0);
      if (e.actions != 0) rec(ReplayStage::kQuote, end - e.t0);
      rec(ReplayStage::kDispatchHop, end - e.pushed);
    }

    StageClock clock_;
    ActionRing& ring_;
    const DecisionStage& decision_;
    RecordingVenue venue_;
    std::array<OrderCreate, RingVenue::kMaxSpan> creates_{};
    std::array<OrderAmend, RingVenue::kMaxSpan> amends_{};
    std::array<OrderCancel, RingVenue::kMaxSpan> cancels_{};
    size_t n_creates_ = 0, n_amends_ = 0, n_cancels_ = 0;
    int64_t encode_ticks_ = 0;
    LatencyHistogram hist_[static_cast<size_t>(ReplayStage::kCount)];
    bool signalled_ = false;
  };

  Replayer& r_;
};

template <class Idle>
std::string ReplayPipeline::run(const Idle& idle) {
  const std::array<int, 3>& cpus = r_.options_.cpus;
  static constexpr const char* kNames[3] = {"feed", "decision", "dispatch"};
  for (size_t i = 0; i < cpus.size(); ++i) {
    if (cpus[i] >= 0 && !cpu_allowed(cpus[i])) {
      return std::string("pipeline: the ") + kNames[i] + " thread's CPU " + std::to_string(cpus[i]) +
             " is not available to this process (see --cpus)";
    }
  }
  // Start-up allocations: everything the threads use in steady state.
  auto frames = std::make_unique<FrameRing>();
  if (r_.options_.arena_bytes == 0) return "pipeline: the arena needs at least one byte";
  auto arena = std::make_unique<FrameArena>(r_.options_.arena_bytes);
  // Each stage gets its own copy of the clock (see StageClock).
  const StageClock clock(r_.tsc_);
  auto feed = std::make_unique<FeedStage>(r_, *frames, *arena, clock);
  auto decision = std::make_unique<DecisionStage>(r_, *frames, *arena, *feed, r_.actions_.get());
  const bool dispatching = r_.path_ != nullptr;
  std::unique_ptr<DispatchStage> dispatch;
  if (dispatching) dispatch = std::make_unique<DispatchStage>(r_, *r_.actions_, *decision, clock);

  Runner<Idle, FeedStage> feed_runner({"mm-feed", cpus[0]}, idle, *feed);
  Runner<Idle, DecisionStage> decision_runner({"mm-decision", cpus[1]}, idle, *decision);
  feed->stop = stop_hook(feed_runner);
  decision->stop = stop_hook(decision_runner);
  // Without --config there is nothing to dispatch: feed | parse+book on two threads.
  std::unique_ptr<Runner<Idle, DispatchStage>> dispatch_runner;
  if (dispatching) {
    dispatch_runner =
        std::make_unique<Runner<Idle, DispatchStage>>(RunnerConfig{"mm-dispatch", cpus[2]}, idle, *dispatch);
    dispatch->stop = stop_hook(*dispatch_runner);
  }

  const int64_t start = MonotonicClock{}.now_ns();
  const auto failed = [&](const char* name, RunnerError e) {
    return std::string("pipeline: the ") + name + " thread did not start: " + std::string(to_string(e));
  };
  // Consumers first, so the feed never fills a ring nobody drains yet.
  if (dispatching) {
    if (const RunnerError e = dispatch_runner->start(); e != RunnerError::kOk) return failed("dispatch", e);
  }
  if (const RunnerError e = decision_runner.start(); e != RunnerError::kOk) {
    // Runner destructors stop and join whatever did start.
    return failed("decision", e);
  }
  if (const RunnerError e = feed_runner.start(); e != RunnerError::kOk) return failed("feed", e);
  (void)feed_runner.join();
  (void)decision_runner.join();
  if (dispatching) (void)dispatch_runner->join();
  r_.wall_s_ = static_cast<double>(MonotonicClock{}.now_ns() - start) / 1e9;

  r_.counters_.read_errors += feed->read_errors;
  r_.pipeline_.frame_ring_waits = feed->frame_ring_waits;
  r_.pipeline_.arena_waits = feed->arena_waits;
  if (dispatching) {
    r_.pipeline_.action_ring_refusals = r_.path_->ring_venue()->refusals();
    r_.pipeline_.action_ring_waits = decision->action_ring_waits;
    r_.pipeline_.encode_errors = dispatch->venue().stats().encode_errors;
    r_.collect_venue_stats(dispatch->venue().stats());
    for (ReplayStage s :
         {ReplayStage::kEncode, ReplayStage::kTotal, ReplayStage::kQuote, ReplayStage::kDispatchHop}) {
      r_.hist_[static_cast<size_t>(s)].merge(dispatch->hist(s));
    }
  }
  return feed->error;
}

std::string Replayer::run_pipeline() {
  ReplayPipeline p(*this);
  switch (options_.idle) {
    case PipelineIdle::kBackOff:
      return p.run(BackOffIdle{});
    case PipelineIdle::kYield:
      return p.run(YieldIdle{});
    case PipelineIdle::kBusySpin:
      return p.run(BusySpinIdle{});
  }
  return "pipeline: unknown idle strategy";
}

}  // namespace mm
