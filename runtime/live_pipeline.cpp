#include "runtime/live_pipeline.h"

#include <algorithm>
#include <cstring>

#include "core/clock.h"
#include "core/cpu_affinity.h"
#include "core/idle.h"
#include "core/runner.h"
#include "core/spsc_ring.h"
#include "runtime/frame_arena.h"
#include "runtime/live_control.h"
#include "runtime/live_venue.h"

namespace mm {

namespace {

int64_t wall_ns() noexcept {
  return WallClock{}.now_ns();
}

// A frame of the book stream in the arena, or the marker of a new connection (its frames follow it).
enum class NetKind : uint8_t { kFrame = 0, kConnected };
struct NetFrame {
  uint64_t pos = 0;  // FrameArena position
  uint32_t size = 0;
  NetKind kind = NetKind::kFrame;
  int64_t recv_ns = 0;  // the transport's receive stamp (wall)
};
static_assert(std::is_trivially_copyable_v<NetFrame>);

using NetFrameRing = SpscRing<NetFrame, 4096>;
// Every answer a TradeWs::do_work can produce (each in-flight request answered or abandoned once, and one
// ready) fits what the dispatch thread requires free before calling it, so no answer is ever dropped.
using AnswerRing = SpscRing<TradeAnswer, 1024>;
constexpr size_t kAnswerReserve = TradeWs::kMaxInFlight + 2;
static_assert(AnswerRing::kCapacity >= kAnswerReserve);
// Four times the WebSocket's largest message (1 MB): a burst of snapshots never stalls the network thread.
constexpr size_t kArenaBytes = size_t{4} << 20;
// No marker for "none yet": a server clock offset is never this.
constexpr int64_t kNoOffset = INT64_MIN;

}  // namespace

struct LivePipeline::Shared {
  Shared(PublicWs& p, BybitCodec& c, Category cat, std::string topic, TradeWs* t, LayoutIdle i)
      : pub(p),
        codec(c),
        category(cat),
        book_topic(std::move(topic)),
        trade(t),
        idle_kind(i),
        frames(std::make_unique<NetFrameRing>()),
        arena(std::make_unique<FrameArena>(kArenaBytes)),
        actions(std::make_unique<ActionRing>()),
        answers(std::make_unique<AnswerRing>()),
        answer(std::make_unique<TradeAnswer>()) {}

  PublicWs& pub;
  BybitCodec& codec;
  Category category;
  std::string book_topic;
  TradeWs* trade;
  LayoutIdle idle_kind;
  std::unique_ptr<NetFrameRing> frames;
  std::unique_ptr<FrameArena> arena;
  std::unique_ptr<ActionRing> actions;
  std::unique_ptr<AnswerRing> answers;
  std::unique_ptr<TradeAnswer> answer;  // the decision thread's pop buffer (a few KB: not on the stack)
  LiveThreadHook on_thread_start;       // set by start(), before the threads exist; read by them in on_start
  // Written by the network thread.
  alignas(kCacheLineSize) std::atomic<int64_t> public_alive_ns{0};  // now - silence; 0: not connected
  std::atomic<uint64_t> public_reconnects{0};
  std::atomic<uint64_t> resubscribes{0};
  // Written by the dispatch thread.
  alignas(kCacheLineSize) std::atomic<bool> trade_ready{false};
  std::atomic<uint64_t> trade_reconnects{0};
  // Written by the decision thread.
  alignas(kCacheLineSize) std::atomic<bool> resubscribe{false};
  std::atomic<bool> healthy{false};  // a subscribe ack came: the network thread resets its backoff
  std::atomic<int64_t> clock_offset_ms{kNoOffset};
  // The decision thread's idle state.
  alignas(kCacheLineSize) BackOffIdle backoff;
};

namespace {

// Stores `v` into `a` when it changed since the last store: an unchanged value leaves the reader's cache
// line alone.
template <class T>
void publish(std::atomic<T>& a, T& last, T v) noexcept {
  if (v == last) return;
  last = v;
  a.store(v, std::memory_order_release);
}

// A flag the decision thread raised, taken once (the exchange only when the plain load saw it).
bool take(std::atomic<bool>& flag) noexcept {
  return flag.load(std::memory_order_relaxed) && flag.exchange(false, std::memory_order_acq_rel);
}

class NetworkStage final : public PublicWsSink {
 public:
  explicit NetworkStage(LivePipeline::Shared& s) noexcept : s_(s) {}

  void on_start() {
    if (s_.on_thread_start) s_.on_thread_start(LiveThread::kNetwork);
    s_.pub.start(wall_ns());
  }
  void on_close() { s_.pub.stop(); }

  int do_work() noexcept {
    const int64_t now = wall_ns();
    int work = s_.pub.step_session(now, *this);
    if (take(s_.resubscribe)) (void)s_.pub.resubscribe(s_.book_topic);
    if (take(s_.healthy)) s_.pub.session().mark_healthy();
    if (connected_pending_ && s_.frames->try_push(NetFrame{0, 0, NetKind::kConnected, now})) {
      connected_pending_ = false;
    }
    WsClient& ws = s_.pub.session().ws();
    std::string_view text;
    int64_t recv_ns = 0;
    // A frame that finds no room (arena or ring) stays in the socket's buffer: the next cycle retries it,
    // and the socket stops being read meanwhile (back-pressure, nothing dropped).
    while (!connected_pending_ && ws.front(text, recv_ns) && put(text, recv_ns)) {
      ws.pop();
      ++work;
      work += ws.poll(now);
    }
    const int64_t silence = s_.pub.silence_ns(now);
    publish(s_.public_alive_ns, alive_, silence == INT64_MAX ? int64_t{0} : now - silence);
    publish(s_.public_reconnects, reconnects_, s_.pub.session().reconnects());
    publish(s_.resubscribes, resubscribes_, s_.pub.counters().resubscribes);
    return work;
  }

  // PublicWsSink: only the session events reach here (step_session); frames are parsed on the decision
  // thread.
  void on_public(const BybitCodec&, MsgKind, int64_t) noexcept override {}
  void on_connected() noexcept override { connected_pending_ = true; }

 private:
  bool put(std::string_view text, int64_t recv_ns) noexcept {
    if (!copied_) {
      if (!s_.arena->try_reserve(text.size(), pos_)) return false;
      std::memcpy(s_.arena->at(pos_), text.data(), text.size());
      copied_ = true;
    }
    if (!s_.frames->try_push(NetFrame{pos_, static_cast<uint32_t>(text.size()), NetKind::kFrame, recv_ns}))
      return false;
    copied_ = false;
    return true;
  }

  LivePipeline::Shared& s_;
  bool connected_pending_ = false;
  bool copied_ = false;  // the front frame is in the arena at pos_ already (its ring push waits)
  uint64_t pos_ = 0;
  int64_t alive_ = 0;
  uint64_t reconnects_ = 0, resubscribes_ = 0;
};

class DispatchStage final : public TradeWsSink {
 public:
  explicit DispatchStage(LivePipeline::Shared& s)
      : s_(s),
        unused_rest_(std::make_unique<ControlRequestRing>()),
        venue_(s.trade, *unused_rest_),
        out_(std::make_unique<TradeAnswer>()) {}

  void on_start() {
    if (s_.on_thread_start) s_.on_thread_start(LiveThread::kDispatch);
    s_.trade->start(wall_ns());
  }
  void on_close() { s_.trade->stop(); }

  int do_work() noexcept {
    const int64_t now = wall_ns();
    venue_.set_time(now);
    if (const int64_t ms = s_.clock_offset_ms.load(std::memory_order_acquire); ms != offset_ms_) {
      offset_ms_ = ms;
      s_.trade->set_clock_offset_ms(ms);
    }
    int work = 0;
    if (s_.answers->has_room(kAnswerReserve)) work += s_.trade->do_work(now, *this);
    publish(s_.trade_ready, ready_, s_.trade->ready());
    publish(s_.trade_reconnects, reconnects_, s_.trade->session().reconnects());
    while (s_.answers->has_room(kAnswerReserve) && take_span()) {
      send_span();
      ++work;
    }
    return work;
  }

  // TradeWsSink: each callback becomes one answer (room was made before TradeWs::do_work).
  void on_trade_ack(const InFlightRequest& req, const TradeAck& ack, int64_t) noexcept override {
    TradeAnswer& a = begin(TradeAnswerKind::kAck, req);
    a.at_ns = wall_ns();  // as the one-thread layout: the answer's own time, not the loop's
    a.ack = ack;
    a.ack.item_count = std::min<uint32_t>(ack.item_count, kQuoterMaxBatchItems);
    a.ack.items = nullptr;  // re-pointed at `items` by the decision thread
    std::copy_n(ack.items, a.ack.item_count, a.items.begin());
    finish();
  }
  void on_trade_timeout(const InFlightRequest& req) noexcept override {
    begin(TradeAnswerKind::kTimeout, req);
    finish();
  }
  void on_ready() noexcept override {
    begin(TradeAnswerKind::kReady, InFlightRequest{});
    finish();
  }

 private:
  TradeAnswer& begin(TradeAnswerKind kind, const InFlightRequest& req) noexcept {
    TradeAnswer& a = *out_;
    a.kind = kind;
    a.req = req;
    a.link_count = 0;
    if (req.items > 1) {
      const std::span<const OrderLinkId> links = venue_.batch_links(req.tag);
      a.link_count = static_cast<uint16_t>(std::min<size_t>(links.size(), a.links.size()));
      std::copy_n(links.begin(), a.link_count, a.links.begin());
    }
    return a;
  }
  void finish() noexcept { (void)s_.answers->try_push(*out_); }

  // Collects the items of one span (they may arrive across cycles: the decision thread pushes them one by
  // one). True when a whole span is ready in the arrays.
  bool take_span() noexcept {
    ActionItem it;
    while (n_ < kQuoterMaxBatchItems && s_.actions->try_pop(it)) {
      kind_ = it.kind;
      switch (it.kind) {
        case ActionKind::kCreate:
          creates_[n_] = it.u.create;
          links_[n_++] = it.u.create.link_id;
          break;
        case ActionKind::kAmend:
          amends_[n_] = it.u.amend;
          links_[n_++] = it.u.amend.link_id;
          break;
        case ActionKind::kCancel:
          cancels_[n_] = it.u.cancel;
          links_[n_++] = it.u.cancel.link_id;
          break;
        default:
          break;  // the decision venue pushes no other kind
      }
      if (it.last) return n_ > 0;
    }
    return n_ == kQuoterMaxBatchItems;  // a span never exceeds Bybit's batch size; send what fits anyway
  }

  void send_span() noexcept {
    bool sent = false;
    // Checked first so that LiveVenue never takes its REST branch here (that ring is nobody's): a span the
    // socket cannot take now goes back to the decision thread, whose venue chooses REST from then on.
    if (s_.trade->ready()) {
      switch (kind_) {
        case ActionKind::kCreate:
          sent = venue_.send_creates({creates_.data(), n_});
          break;
        case ActionKind::kAmend:
          sent = venue_.send_amends({amends_.data(), n_});
          break;
        case ActionKind::kCancel:
          sent = venue_.send_cancels({cancels_.data(), n_});
          break;
        default:
          break;
      }
    }
    if (!sent) {
      TradeAnswer& a = *out_;
      a.kind = TradeAnswerKind::kRefused;
      a.req = InFlightRequest{};
      a.req.kind = kind_ == ActionKind::kCreate  ? RequestKind::kCreate
                   : kind_ == ActionKind::kAmend ? RequestKind::kAmend
                                                 : RequestKind::kCancel;
      a.req.items = static_cast<uint16_t>(n_);
      a.link_count = static_cast<uint16_t>(n_);
      std::copy_n(links_.begin(), n_, a.links.begin());
      finish();
    }
    n_ = 0;
  }

  LivePipeline::Shared& s_;
  std::unique_ptr<ControlRequestRing> unused_rest_;
  LiveVenue venue_;
  std::unique_ptr<TradeAnswer> out_;
  std::array<OrderCreate, kQuoterMaxBatchItems> creates_{};
  std::array<OrderAmend, kQuoterMaxBatchItems> amends_{};
  std::array<OrderCancel, kQuoterMaxBatchItems> cancels_{};
  std::array<OrderLinkId, kQuoterMaxBatchItems> links_{};
  size_t n_ = 0;
  ActionKind kind_ = ActionKind::kCreate;
  int64_t offset_ms_ = kNoOffset;
  bool ready_ = false;
  uint64_t reconnects_ = 0;
};

}  // namespace

struct LivePipeline::Threads {
  virtual ~Threads() = default;
  virtual std::string start(const LivePipelineCpus& cpus) = 0;
  virtual void stop() noexcept = 0;
};

namespace {

template <class Idle>
class ThreadsOf final : public LivePipeline::Threads {
 public:
  explicit ThreadsOf(LivePipeline::Shared& s) : network_(s), dispatch_(s), has_trade_(s.trade != nullptr) {}
  ~ThreadsOf() override { stop(); }

  std::string start(const LivePipelineCpus& cpus) override {
    network_runner_ = std::make_unique<Runner<Idle, NetworkStage>>(RunnerConfig{"mm-network", cpus.network},
                                                                   Idle{}, network_);
    if (const RunnerError e = network_runner_->start(); e != RunnerError::kOk) {
      network_runner_.reset();
      return "--cpus: the network thread (CPU " + std::to_string(cpus.network) +
             ") did not start: " + std::string(to_string(e));
    }
    if (!has_trade_) return "";
    dispatch_runner_ = std::make_unique<Runner<Idle, DispatchStage>>(
        RunnerConfig{"mm-dispatch", cpus.dispatch}, Idle{}, dispatch_);
    if (const RunnerError e = dispatch_runner_->start(); e != RunnerError::kOk) {
      dispatch_runner_.reset();
      stop();
      return "--cpus: the dispatch thread (CPU " + std::to_string(cpus.dispatch) +
             ") did not start: " + std::string(to_string(e));
    }
    return "";
  }

  void stop() noexcept override {
    if (dispatch_runner_) {
      dispatch_runner_->stop();
      (void)dispatch_runner_->join();
      dispatch_runner_.reset();
    }
    if (network_runner_) {
      network_runner_->stop();
      (void)network_runner_->join();
      network_runner_.reset();
    }
  }

 private:
  NetworkStage network_;
  DispatchStage dispatch_;
  bool has_trade_;
  std::unique_ptr<Runner<Idle, NetworkStage>> network_runner_;
  std::unique_ptr<Runner<Idle, DispatchStage>> dispatch_runner_;
};

}  // namespace

std::string pipeline_cpus(const std::vector<int>& cpus, LivePipelineCpus& out) {
  out = LivePipelineCpus{};
  if (cpus.size() > 3) {
    return "--cpus: the pipeline layout takes at most three CPUs (network,decision,dispatch), got " +
           std::to_string(cpus.size());
  }
  for (const int c : cpus) {
    if (c >= 0 && !cpu_allowed(c))
      return "--cpus: CPU " + std::to_string(c) + " is not available to this process";
  }
  if (cpus.size() > 0) out.network = cpus[0];
  if (cpus.size() > 1) out.decision = cpus[1];
  if (cpus.size() > 2) out.dispatch = cpus[2];
  return "";
}

std::string check_live_layout(const LivePipelineCpus& cpus, LayoutIdle idle, unsigned hardware_cpus,
                              std::string& warning) {
  const LayoutThread threads[] = {
      {"network", cpus.network}, {"decision", cpus.decision}, {"dispatch", cpus.dispatch}};
  return check_layout(threads, 3, idle, hardware_cpus, warning);
}

LivePipeline::LivePipeline(PublicWs& pub, BybitCodec& codec, Category category, std::string book_topic,
                           TradeWs* trade, LayoutIdle idle)
    : shared_(std::make_unique<Shared>(pub, codec, category, std::move(book_topic), trade, idle)) {}

LivePipeline::~LivePipeline() {
  stop();
}

ActionRing& LivePipeline::actions() noexcept {
  return *shared_->actions;
}

const std::atomic<bool>& LivePipeline::trade_ready_flag() const noexcept {
  return shared_->trade_ready;
}

std::string LivePipeline::start(const LivePipelineCpus& cpus, const LiveThreadHook& on_thread_start) {
  shared_->on_thread_start = on_thread_start;  // the threads' creation orders this before their reads
  switch (shared_->idle_kind) {
    case LayoutIdle::kSpin:
      threads_ = std::make_unique<ThreadsOf<BusySpinIdle>>(*shared_);
      break;
    case LayoutIdle::kYield:
      threads_ = std::make_unique<ThreadsOf<YieldIdle>>(*shared_);
      break;
    case LayoutIdle::kBackOff:
      threads_ = std::make_unique<ThreadsOf<BackOffIdle>>(*shared_);
      break;
  }
  std::string e = threads_->start(cpus);
  if (!e.empty()) threads_.reset();
  return e;
}

void LivePipeline::stop() noexcept {
  if (threads_) threads_->stop();
  threads_.reset();
}

int LivePipeline::drain_frames(PublicWsSink& sink, int max) noexcept {
  Shared& s = *shared_;
  NetFrame f;
  int n = 0;
  while (n < max && s.frames->try_pop(f)) {
    ++n;
    if (f.kind == NetKind::kConnected) {
      sink.on_connected();
      continue;
    }
    // As PublicWs::do_work, with the frame from the arena.
    const std::string_view text(s.arena->at(f.pos), f.size);
    sink.on_frame(text, f.recv_ns);
    const ParseResult r = s.codec.parse(text, s.category);
    if (r.error != CodecError::kOk) {
      sink.on_public_error(r.error, f.recv_ns);
    } else if (r.kind == MsgKind::kSubscribeAck) {
      if (s.codec.control().success) s.healthy.store(true, std::memory_order_release);
    } else if (r.kind != MsgKind::kPong) {
      sink.on_public(s.codec, r.kind, f.recv_ns);
    }
    s.arena->release(f.pos + FrameArena::span(f.size));
  }
  return n;
}

int LivePipeline::drain_answers(TradeAnswerSink& sink, int max) noexcept {
  Shared& s = *shared_;
  TradeAnswer& a = *s.answer;
  int n = 0;
  while (n < max && s.answers->try_pop(a)) {
    ++n;
    if (a.kind == TradeAnswerKind::kAck && a.ack.item_count > 0) a.ack.items = a.items.data();
    sink.on_trade_answer(a);
  }
  return n;
}

void LivePipeline::idle(int work) noexcept {
  switch (shared_->idle_kind) {
    case LayoutIdle::kSpin:
      BusySpinIdle{}.idle(work);
      return;
    case LayoutIdle::kYield:
      YieldIdle{}.idle(work);
      return;
    case LayoutIdle::kBackOff:
      shared_->backoff.idle(work);
      return;
  }
}

int64_t LivePipeline::public_silence_ns(int64_t now_ns) const noexcept {
  const int64_t alive = shared_->public_alive_ns.load(std::memory_order_acquire);
  return alive == 0 ? INT64_MAX : now_ns - alive;
}

uint64_t LivePipeline::public_reconnects() const noexcept {
  return shared_->public_reconnects.load(std::memory_order_acquire);
}

uint64_t LivePipeline::public_resubscribes() const noexcept {
  return shared_->resubscribes.load(std::memory_order_acquire);
}

bool LivePipeline::trade_ready() const noexcept {
  return shared_->trade_ready.load(std::memory_order_acquire);
}

uint64_t LivePipeline::trade_reconnects() const noexcept {
  return shared_->trade_reconnects.load(std::memory_order_acquire);
}

void LivePipeline::request_resubscribe() noexcept {
  shared_->resubscribe.store(true, std::memory_order_release);
}

void LivePipeline::set_trade_clock_offset_ms(int64_t ms) noexcept {
  shared_->clock_offset_ms.store(ms, std::memory_order_release);
}

}  // namespace mm
