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
#include "runtime/replay.h"

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

// Circular byte arena with one producer (feed) and one consumer (decision). Positions are monotonic 64-bit
// byte counters; a frame never wraps (the producer skips the tail of the buffer instead), so the codec sees
// one contiguous padded span. The consumer releases frames in order by publishing the end of the last one.
class FrameArena {
 public:
  // Precondition: bytes > 0.
  explicit FrameArena(size_t bytes) : bytes_(bytes), buf_(std::make_unique_for_overwrite<char[]>(bytes)) {}

  uint64_t bytes() const noexcept { return bytes_; }

  // Bytes a frame of `size` occupies: itself + kFramePadding, rounded to a cache line so frames do not share
  // lines across the two threads.
  static constexpr uint64_t span(uint64_t size) noexcept {
    return (size + kFramePadding + kCacheLineSize - 1) / kCacheLineSize * kCacheLineSize;
  }

  // Producer only. Reserves span(size) contiguous bytes; false when the consumer has not released enough yet.
  // Precondition: span(size) <= bytes().
  [[nodiscard]] bool try_reserve(uint64_t size, uint64_t& pos) noexcept {
    const uint64_t n = span(size);
    uint64_t p = write_;
    const uint64_t off = p % bytes_;
    if (off + n > bytes_) p += bytes_ - off;
    if (p + n - cached_released_ > bytes_) {
      // Acquire pairs with release(): the consumer is done reading the bytes we are about to overwrite.
      cached_released_ = released_.load(std::memory_order_acquire);
      if (p + n - cached_released_ > bytes_) return false;
    }
    write_ = p + n;
    pos = p;
    return true;
  }

  char* at(uint64_t pos) noexcept { return buf_.get() + pos % bytes_; }

  // Consumer only: every byte before `end` may be reused.
  void release(uint64_t end) noexcept { released_.store(end, std::memory_order_release); }

 private:
  uint64_t bytes_;
  std::unique_ptr<char[]> buf_;
  alignas(kCacheLineSize) uint64_t write_ = 0;  // producer's line
  uint64_t cached_released_ = 0;
  alignas(kCacheLineSize) std::atomic<uint64_t> released_{0};  // consumer's line
};

constexpr int kBatch = 64;  // items per do_work: bounds the time between idle checks, amortises the stamps

}  // namespace

class ReplayPipeline {
 public:
  explicit ReplayPipeline(Replayer& r) : r_(r) {}

  template <class Idle>
  std::string run(const Idle& idle);

 private:
  class FeedStage {
   public:
    FeedStage(const Replayer& r, FrameRing& ring, FrameArena& arena, int64_t pace_ticks) noexcept
        : r_(r), ring_(ring), arena_(arena), pace_ticks_(pace_ticks) {}
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
            const int64_t now = r_.stamp();
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
        }
        const ReadResult rr = src_->next(frame_);
        if (rr == ReadResult::kOk) {
          if (frame_.kind != FrameKind::kRecv) continue;
          if (FrameArena::span(frame_.data.size()) > arena_.bytes()) {
            return finish(files[file_] + ": a frame is larger than the pipeline's arena");
          }
          ref_.t0 = r_.stamp();
          ref_.size = static_cast<uint32_t>(frame_.data.size());
          ref_.epoch = epoch;
          ref_.category = frame_.has_category ? frame_.category : r_.options().history_category;
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

    const Replayer& r_;
    FrameRing& ring_;
    FrameArena& arena_;
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

  class DecisionStage {
   public:
    DecisionStage(Replayer& r, FrameRing& ring, FrameArena& arena, const FeedStage& feed) noexcept
        : r_(r), ring_(ring), arena_(arena), feed_(feed) {}
    void on_start() {}
    void on_close() {}

    int do_work() noexcept {
      int work = 0;
      FrameRef ref;
      while (work < kBatch && ring_.try_pop(ref)) {
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

   private:
    Replayer& r_;
    FrameRing& ring_;
    FrameArena& arena_;
    const FeedStage& feed_;
    bool signalled_ = false;
  };

  class DispatchStage {
   public:
    DispatchStage(const Replayer& r, ActionRing& ring, const DecisionStage& decision)
        : r_(r), ring_(ring), decision_(decision), venue_(r.registry()) {}
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
          creates_[n_creates_++] = it.u.create;
          if (it.last) {
            timed([&] { (void)venue_.send_creates({creates_.data(), n_creates_}); });
            n_creates_ = 0;
          }
          return;
        case ActionKind::kAmend:
          amends_[n_amends_++] = it.u.amend;
          if (it.last) {
            timed([&] { (void)venue_.send_amends({amends_.data(), n_amends_}); });
            n_amends_ = 0;
          }
          return;
        case ActionKind::kCancel:
          cancels_[n_cancels_++] = it.u.cancel;
          if (it.last) {
            timed([&] { (void)venue_.send_cancels({cancels_.data(), n_cancels_}); });
            n_cancels_ = 0;
          }
          return;
        case ActionKind::kCancelAll:
          timed([&] { (void)venue_.send_cancel_all(it.u.cancel_all); });
          return;
        case ActionKind::kEnd:
          end_tick(it.u.end);
          return;
      }
    }

    template <class F>
    void timed(F&& f) noexcept {
      const int64_t a = TscClock::read_ticks();
      f();
      encode_ticks_ += TscClock::read_ticks() - a;
    }

    void end_tick(const TickEnd& e) noexcept {
      // The last byte of the tick's last frame is encoded: its order frames exist.
      const int64_t end = r_.stamp();
      const auto at = [&](TickMark m) { return e.stamps[static_cast<size_t>(m)]; };
      const auto rec = [&](ReplayStage s, int64_t d) { hist_[static_cast<size_t>(s)].record(r_.to_ns(d)); };
      if (at(TickMark::kEncoded) != 0 && at(TickMark::kStrategy) != 0) {
        rec(ReplayStage::kEncode, at(TickMark::kEncoded) - at(TickMark::kRisk) + encode_ticks_);
      }
      rec(ReplayStage::kTotal, end - e.t0);
      if (e.actions != 0) rec(ReplayStage::kQuote, end - e.t0);
      rec(ReplayStage::kDispatchHop, end - e.pushed);
    }

    const Replayer& r_;
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
  int64_t pace = r_.options_.pace_ns;
  if (pace > 0 && r_.tsc_) {
    pace = static_cast<int64_t>(static_cast<Int128>(pace) * r_.tsc_->calibration().ticks_per_second /
                                1'000'000'000);
  }
  auto feed = std::make_unique<FeedStage>(r_, *frames, *arena, pace);
  auto decision = std::make_unique<DecisionStage>(r_, *frames, *arena, *feed);
  const bool dispatching = r_.path_ != nullptr;
  std::unique_ptr<DispatchStage> dispatch;
  if (dispatching) dispatch = std::make_unique<DispatchStage>(r_, *r_.actions_, *decision);

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
    r_.pipeline_.action_ring_waits = r_.path_->ring_venue()->waits();
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
