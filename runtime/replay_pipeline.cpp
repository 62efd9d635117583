// The replay's stages and its two layouts (DESIGN.md section 3): the same feed and decision stages (and the
// dispatch stage with --config in the pipeline) run either as one core Runner on the calling thread or as one
// Runner per stage on pinned threads.
//
//   feed      reads the recordings (each frame's bytes in memory, its block's checksum checked, before the
//             frame is stamped available) and hands each received frame on through its sink: in the pipeline
//             it pushes a FrameRef {where, size, epoch, category, recv_ns, t0} into the frame ring, the frame
//             of an mm capture in place (the file is mapped; ReplayOptions::map_captures), any other frame
//             copied into a preallocated circular byte arena (64 bytes of padding after it, for simdjson;
//             those readers reuse their buffers); on one thread it lends the reader's own bytes through a
//             one-frame slot (no copy), and reads the next frame only once the decision stage has taken it;
//   decision  takes frames from its source and runs Replayer::process_at (codec, books, the Trader; the
//             confirm step); in the pipeline the Trader's venue is a RingVenue whose actions go into the
//             action ring, on one thread a RecordingVenue that encodes them at once;
//   dispatch  (pipeline + --config) pops actions, encodes them with a RecordingVenue, and records
//             encode/total/quote per tick.
//
// Producers never drop: a full ring or arena makes the producer wait (counted). End of input travels through
// the graph: the feed marks itself done, the decision stage drains its input and marks itself done, the
// dispatch stage drains the action ring; a stage stops its runner only when nothing is queued before it, and
// on one thread only the last stage stops the (one) runner. The Replayer's state (codec, books, counters,
// histograms) is touched only by the decision stage until the joins; the feed and dispatch stages keep their
// own counters and histograms, merged after the joins.
#include <algorithm>
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
  uint64_t pos = 0;    // arena position (monotonic byte counter) of the stored bytes (see stored), or their
                       // address (in_place)
  uint32_t size = 0;   // frame bytes
  uint32_t epoch = 0;  // 1-based number of the file: a new file is a new connection
  int64_t recv_ns = 0;
  int64_t t0 = 0;  // frame available on the feed thread (TSC ticks)
  // Bytes stored in the arena at pos (the span is FrameArena::span(stored)): the frame itself, or, for a
  // trade frame the feed decoded, its TradeEvents (none without --config: nothing reads them); 0 = nothing.
  uint32_t stored = 0;
  uint32_t trades = 0;                    // decoded: the frame's trade count
  Category category = Category::kLinear;  // resolved (history files take ReplayOptions::history_category)
  bool decoded = false;                   // a publicTrade frame the feed decoded (pipeline only)
  // The frame's bytes are those of a mapped capture (valid until the feed's sources are destroyed, after
  // the joins): handed on in place, not copied into the arena.
  bool in_place = false;
};
static_assert(std::is_trivially_copyable_v<FrameRef>);
// Decoded trades travel through the arena as bytes, at cache-line-aligned positions.
static_assert(std::is_trivially_copyable_v<TradeEvent> && alignof(TradeEvent) <= kCacheLineSize);

// 4096 frames: about a second of a busy multi-symbol feed, far more than a hop needs; 160 KiB.
using FrameRing = SpscRing<FrameRef, 4096>;

constexpr int kBatch = 64;  // items per do_work: bounds the time between idle checks, amortises the stamps

}  // namespace

class ReplayPipeline {
 public:
  explicit ReplayPipeline(Replayer& r) : r_(r) {}

  template <class Idle>
  std::string run(const Idle& idle);
  std::string run_one_thread();

 private:
  // Pipeline sink of the feed: while the decision thread is behind (ReplayOptions::feed_decode_depth), a
  // publicTrade frame is decoded here (the feed's own codec, the strict trade scanner only); other frames,
  // and every frame while the decision thread keeps up, are not. Then the frame's bytes, or the decoded
  // trades, are copied into the arena (once), and its FrameRef is pushed into the frame ring; either step may
  // find no room, and the frame waits (counted once per frame). Why: a trade frame touches no book, so
  // either thread can decode it; decoding it where there is CPU to spare balances the two threads (with
  // every trade decoded here, the feed's reads, checksums and trades took more CPU than the decision's
  // books). Which thread decoded a frame changes no result: the same scanner gives the same events, and the
  // ring keeps the frames' order, so a trade between two book frames stays between them.
  class ArenaRingSink {
   public:
    // trades: the feed's codec for trade frames (over the Replayer's registry); keep_trades: the decoded
    // events go to the decision thread (--config: the decision path reads them).
    // decode_depth: see ReplayOptions::feed_decode_depth.
    ArenaRingSink(FrameRing& ring, FrameArena& arena, BybitCodec& trades, bool keep_trades,
                  size_t decode_depth, const StageClock& clock) noexcept
        : ring_(ring),
          arena_(arena),
          codec_(trades),
          clock_(clock),
          decode_room_(FrameRing::capacity() + 1 - std::min(decode_depth, FrameRing::capacity())),
          keep_trades_(keep_trades) {}
    static constexpr bool kStampsAvailable = true;  // the feed stamps t0: the hop to another thread is timed
    bool ready() const noexcept { return true; }
    bool fits(size_t size) const noexcept { return FrameArena::span(size) <= arena_.bytes(); }
    static constexpr bool kInPlace = true;  // frames of a mapped capture are handed on in place
    // true: handed on; false: no room yet, call again with the same frame.
    bool put(const Frame& f, FrameRef& ref) noexcept {
      if (!decoded_) {
        decode(f, ref);
        decoded_ = true;
      }
      if (!copied_) {
        if (ref.decoded) ref.in_place = false;  // its events go into the arena
        if (ref.in_place) {
          ref.pos = reinterpret_cast<uintptr_t>(f.data.data());
          ++in_place;
        } else if (ref.stored != 0) {
          uint64_t pos = 0;
          if (!arena_.try_reserve(ref.stored, pos)) return wait(arena_waits);
          const void* from = ref.decoded ? static_cast<const void*>(codec_.trades().data()) : f.data.data();
          std::memcpy(arena_.at(pos), from, ref.stored);
          ref.pos = pos;
        }
        copied_ = true;
      }
      if (!ring_.try_push(ref)) return wait(frame_ring_waits);
      decoded_ = false;
      copied_ = false;
      waiting_ = false;
      return true;
    }

    uint64_t frame_ring_waits = 0, arena_waits = 0, decoded = 0, in_place = 0;
    LatencyHistogram parse;  // the parse stage of the frames decoded here (merged after the joins)

   private:
    // A trade frame the scanner takes is decoded (its parse stage timed here, as process_at times it) when
    // the decision thread is behind; any other frame, and a trade frame the scanner leaves to simdjson, goes
    // on as bytes.
    void decode(const Frame& f, FrameRef& ref) noexcept {
      ref.decoded = false;
      ref.trades = 0;
      ref.stored = ref.size;
      // No room for capacity + 1 - depth more frames: at least depth frames are queued (has_room re-reads
      // the consumer's index only when its cached view says so).
      if (ring_.has_room(decode_room_)) return;
      const int64_t a = clock_.stamp();
      if (!codec_.parse_trade_frame(f.data.data(), f.data.size(), ref.category)) return;
      const int64_t b = clock_.stamp();
      const auto n = static_cast<uint32_t>(codec_.trades().size());
      const auto bytes = keep_trades_ ? static_cast<uint32_t>(n * sizeof(TradeEvent)) : 0u;
      // Events larger than a (test-sized) arena: the decision thread parses the frame itself instead.
      if (bytes != 0 && !fits(bytes)) return;
      parse.record(clock_.to_ns(b - a));
      ++decoded;
      ref.decoded = true;
      ref.trades = n;
      ref.stored = bytes;
    }

    // One wait is one frame that found its way blocked, however many cycles it then waited.
    bool wait(uint64_t& counter) noexcept {
      if (!waiting_) ++counter;
      waiting_ = true;
      return false;
    }

    FrameRing& ring_;
    FrameArena& arena_;
    BybitCodec& codec_;
    StageClock clock_;
    size_t decode_room_;
    bool keep_trades_;
    bool decoded_ = false;
    bool copied_ = false;
    bool waiting_ = false;
  };

  // One-thread link between the feed and the decision stage: the frame the feed read, lent (the reader's own
  // bytes, valid until its next read, which waits until the slot is empty again).
  struct FrameSlot {
    Frame frame;
    FrameRef ref;
    bool full = false;
  };

  class SlotSink {
   public:
    explicit SlotSink(FrameSlot& slot) noexcept : slot_(slot) {}
    // The decision stage stamps t0 when it takes the frame, right after the feed read it in the same cycle
    // (as the hand-written loop did): the slot's bookkeeping is the harness's, not the hot path's.
    static constexpr bool kStampsAvailable = false;
    bool ready() const noexcept { return !slot_.full; }
    bool fits(size_t) const noexcept { return true; }
    static constexpr bool kInPlace = false;  // lent anyway (the slot), no need to map
    bool put(const Frame& f, const FrameRef& ref) noexcept {
      slot_.frame = f;
      slot_.ref = ref;
      slot_.full = true;
      return true;
    }

   private:
    FrameSlot& slot_;
  };

  template <class Sink>
  class alignas(kCacheLineSize) FeedStage {
   public:
    // pace_ns > 0 releases at most one frame per pace_ns (pipeline only).
    // Reserves the list of finished mapped sources (one per file at most): start-up.
    FeedStage(const Replayer& r, Sink out, const StageClock& clock, int64_t pace_ns)
        : sink(out),
          r_(r),
          clock_(clock),
          history_category_(r.options().history_category),
          pace_ticks_(clock.from_ns(pace_ns)),
          map_(Sink::kInPlace && r.options().map_captures) {
      if (map_) finished_sources_.reserve(r.options().files.size());
    }
    void on_start() {}
    void on_close() {
      // Stopped inside a mapped file: the decision thread may still read its frames (see read_next).
      if (mapped_ && src_) finished_sources_.push_back(std::move(src_));
      src_.reset();
    }

    int do_work() noexcept {
      int work = 0;
      while (work < kBatch && !finished_) {
        if (state_ == State::kNeedFrame) {
          // The sink must be able to take a frame before the next is read: on one thread the reader's bytes
          // of the previous frame are still lent to the decision stage.
          if (!sink.ready() || !read_next()) break;
          continue;
        }
        if (state_ == State::kHaveFrame && pace_ticks_ > 0) {
          const int64_t now = clock_.stamp();
          if (now < next_release_) return work;
          ref_.t0 = now;
          next_release_ = now + pace_ticks_;
        }
        state_ = State::kReleased;
        if (!sink.put(frame_, ref_)) return work;
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

    StopHook stop;  // the pipeline's feed runner; none on one thread (the last stage stops that runner)
    alignas(kCacheLineSize) std::atomic<bool> done{false};
    uint64_t read_errors = 0;
    uint32_t epoch = 0;
    std::string error;  // a reader or open failure: the replay stops there
    Sink sink;

   private:
    // kReleased: past the pacing, being handed to the sink (which may have to wait for room).
    enum class State : uint8_t { kNeedFrame, kHaveFrame, kReleased };

    // Next received frame into frame_/ref_ (state kHaveFrame); false when the input ended or failed.
    bool read_next() noexcept {
      const std::vector<std::string>& files = r_.options().files;
      for (;;) {
        if (!src_) {
          if (file_ == files.size()) return finish({});
          // Cold: opening a file allocates (buffers, decompressor), once per file as in the one-thread
          // layout.
          try {
            if (std::string e = r_.open(files[file_], src_, map_ ? &mapped_ : nullptr); !e.empty()) {
              return finish(std::move(e));
            }
          } catch (...) {
            return finish(files[file_] + ": could not be opened (out of memory)");
          }
          ++epoch;
        }
        const ReadResult rr = src_->next(frame_);
        if (rr == ReadResult::kOk) {
          if (frame_.kind != FrameKind::kRecv) continue;
          if (!mapped_ && !sink.fits(frame_.data.size())) {
            return finish(files[file_] + ": a frame is larger than the pipeline's arena");
          }
          // Input I/O is done before the frame is stamped available: every reader has its bytes in memory of
          // its own (a capture's window, read and its block checked inside next(); a decompressor's buffer).
          if constexpr (Sink::kStampsAvailable) ref_.t0 = clock_.stamp();
          ref_.size = static_cast<uint32_t>(frame_.data.size());
          ref_.epoch = epoch;
          ref_.category = frame_.has_category ? frame_.category : history_category_;
          ref_.recv_ns = frame_.recv_ns;
          ref_.in_place = mapped_;
          state_ = State::kHaveFrame;
          return true;
        }
        if (rr == ReadResult::kBadRecord) {
          ++read_errors;
          continue;
        }
        if (rr != ReadResult::kEnd) return finish(std::string(src_->error()));
        // A mapped file's frames may still be queued for (or read by) the decision thread: its source lives
        // until the pipeline's joins (the list was reserved at start-up).
        if (mapped_) finished_sources_.push_back(std::move(src_));
        src_.reset();
        mapped_ = false;
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
    int64_t pace_ticks_;
    int64_t next_release_ = 0;
    std::unique_ptr<FrameSource> src_;
    bool map_;             // mm captures are opened mapped (ReplayOptions::map_captures, pipeline only)
    bool mapped_ = false;  // src_ is a mapped capture: its frames go on in place
    std::vector<std::unique_ptr<FrameSource>> finished_sources_;  // mapped; destroyed with the stage
    size_t file_ = 0;
    Frame frame_;
    FrameRef ref_;
    State state_ = State::kNeedFrame;
    bool finished_ = false;
    bool signalled_ = false;
  };

  using PipelineFeed = FeedStage<ArenaRingSink>;
  using OneThreadFeed = FeedStage<SlotSink>;

  // Pipeline source of the decision stage: FrameRefs from the ring, bytes from the arena (returned after the
  // frame is processed); the hop from the feed thread is timed.
  class RingSource {
   public:
    RingSource(FrameRing& ring, FrameArena& arena, const PipelineFeed& feed) noexcept
        : ring_(ring), arena_(arena), feed_(feed) {}
    static constexpr bool kTimedHop = true;
    // f.data: the stored bytes (the frame, or a decoded frame's TradeEvents).
    bool take(Frame& f, FrameRef& ref) noexcept {
      if (!ring_.try_pop(ref)) return false;
      f.kind = FrameKind::kRecv;
      f.recv_ns = ref.recv_ns;
      f.category = ref.category;
      f.has_category = true;
      const char* at = nullptr;
      if (ref.in_place) {
        at = reinterpret_cast<const char*>(static_cast<uintptr_t>(ref.pos));
      } else if (ref.stored != 0) {
        at = arena_.at(ref.pos);
      }
      f.data = std::string_view(at, ref.stored);
      return true;
    }
    void release(const FrameRef& ref) noexcept {
      if (!ref.in_place && ref.stored != 0) arena_.release(ref.pos + FrameArena::span(ref.stored));
    }
    // Acquire on done pairs with the feed's release after its last push, so empty() then sees every frame.
    bool drained() const noexcept { return feed_.done.load(std::memory_order_acquire) && ring_.empty(); }

   private:
    FrameRing& ring_;
    FrameArena& arena_;
    const PipelineFeed& feed_;
  };

  // One-thread source: the frame the feed lent through the slot, taken in the same duty cycle.
  class SlotSource {
   public:
    SlotSource(FrameSlot& slot, const OneThreadFeed& feed) noexcept : slot_(slot), feed_(feed) {}
    static constexpr bool kTimedHop = false;
    bool take(Frame& f, FrameRef& ref) noexcept {
      if (!slot_.full) return false;
      f = slot_.frame;
      ref = slot_.ref;
      return true;
    }
    void release(const FrameRef&) noexcept { slot_.full = false; }
    bool drained() const noexcept { return feed_.done.load(std::memory_order_relaxed) && !slot_.full; }

   private:
    FrameSlot& slot_;
    const OneThreadFeed& feed_;
  };

  template <class Source>
  class alignas(kCacheLineSize) DecisionStage {
   public:
    // actions: the action ring this stage produces into (nullptr without --config, and on one thread).
    DecisionStage(Replayer& r, Source source, ActionRing* actions) noexcept
        : r_(r), source_(source), actions_(actions) {}
    void on_start() {}
    void on_close() {}

    int do_work() noexcept {
      int work = 0;
      Frame f;
      FrameRef ref;
      while (work < kBatch && room_for_a_tick() && source_.take(f, ref)) {
        const int64_t tp = r_.stamp();
        if constexpr (Source::kTimedHop) {
          r_.hist_[static_cast<size_t>(ReplayStage::kFeedHop)].record(r_.to_ns(tp - ref.t0));
        } else {
          ref.t0 = tp;  // one thread: available when taken (see SlotSink)
        }
        // A new file is a new connection: books reset on their first message from it (see book_epoch_).
        r_.epoch_ = ref.epoch;
        if (Source::kTimedHop && ref.decoded) {
          // The arena holds the TradeEvents the feed copied there (trivially copyable, aligned: arena
          // positions are cache-line multiples).
          const std::span<const TradeEvent> trades(reinterpret_cast<const TradeEvent*>(f.data.data()),
                                                   ref.stored != 0 ? ref.trades : 0);
          r_.process_decoded_trades(ref.size, trades, ref.recv_ns);
        } else {
          r_.process_at(f, ref.category, ref.t0, tp);
        }
        source_.release(ref);
        ++work;
      }
      if (work == 0 && !signalled_ && source_.drained()) {
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
    Source source_;
    ActionRing* actions_;
    bool waiting_ = false;
    bool signalled_ = false;
  };

  using PipelineDecision = DecisionStage<RingSource>;

  class alignas(kCacheLineSize) DispatchStage {
   public:
    DispatchStage(const Replayer& r, ActionRing& ring, const PipelineDecision& decision,
                  const StageClock& clock)
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
    const PipelineDecision& decision_;
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
  // The feed's codec for trade frames: the registry is only read after prepare(), by both codecs.
  auto feed_codec = std::make_unique<BybitCodec>(r_.registry_, r_.codec_->limits());
  auto feed = std::make_unique<PipelineFeed>(
      r_,
      ArenaRingSink(*frames, *arena, *feed_codec, r_.path_ != nullptr, r_.options_.feed_decode_depth, clock),
      clock, r_.options_.pace_ns);
  auto decision =
      std::make_unique<PipelineDecision>(r_, RingSource(*frames, *arena, *feed), r_.actions_.get());
  const bool dispatching = r_.path_ != nullptr;
  std::unique_ptr<DispatchStage> dispatch;
  if (dispatching) dispatch = std::make_unique<DispatchStage>(r_, *r_.actions_, *decision, clock);

  Runner<Idle, PipelineFeed> feed_runner({"mm-feed", cpus[0]}, idle, *feed);
  Runner<Idle, PipelineDecision> decision_runner({"mm-decision", cpus[1]}, idle, *decision);
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
  r_.pipeline_.frame_ring_waits = feed->sink.frame_ring_waits;
  r_.pipeline_.arena_waits = feed->sink.arena_waits;
  r_.pipeline_.feed_decoded = feed->sink.decoded;
  r_.pipeline_.feed_in_place = feed->sink.in_place;
  r_.hist_[static_cast<size_t>(ReplayStage::kParse)].merge(feed->sink.parse);
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

// One Runner on the calling thread over the feed and decision stages (the decision stage encodes through the
// DecisionPath's RecordingVenue: no dispatch stage). The feed hands each frame to the decision stage in the
// same duty cycle, so a frame's quote is measured from its stamp (after the read) to its last order frame, as
// before.
std::string ReplayPipeline::run_one_thread() {
  FrameSlot slot;
  const StageClock clock(r_.tsc_);
  OneThreadFeed feed(r_, SlotSink(slot), clock, 0);
  DecisionStage<SlotSource> decision(r_, SlotSource(slot, feed), nullptr);
  // The idle strategy only runs on the last cycle (the feed has a frame on every other one).
  Runner<BusySpinIdle, OneThreadFeed, DecisionStage<SlotSource>> runner({}, BusySpinIdle{}, feed, decision);
  decision.stop = stop_hook(runner);  // the last stage: it stops the runner once the feed is done and drained
  const int64_t start = MonotonicClock{}.now_ns();
  const RunnerError e = runner.run_on_current_thread();
  r_.wall_s_ = static_cast<double>(MonotonicClock{}.now_ns() - start) / 1e9;
  r_.counters_.read_errors += feed.read_errors;
  if (r_.path_ != nullptr && r_.path_->recording_venue() != nullptr)
    r_.collect_venue_stats(r_.path_->recording_venue()->stats());
  if (e != RunnerError::kOk) return "replay: the runner failed: " + std::string(to_string(e));
  return feed.error;
}

std::string Replayer::run_one_thread() {
  ReplayPipeline p(*this);
  return p.run_one_thread();
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
