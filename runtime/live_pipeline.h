#pragma once
// The pipeline layout of the live node (`mm run --layout pipeline`, runtime/live_node.h): the design card's
// shape with sockets, each stage on its own thread, joined by SPSC rings (the replay pipeline's pieces:
// core/spsc_ring.h, core/runner.h, runtime/frame_arena.h, runtime/ring_venue.h's ActionItem):
//
//   network   owns the public book stream's socket: reads frames (stamped with their receive time by the
//             transport), copies each raw frame into a FrameArena and pushes its reference on the frame ring.
//             No parsing, no allocation; on a (re)connect it subscribes and pushes a "connected" marker
//             ahead of the new connection's frames (the decision thread restarts its book there).
//   decision  the node's own thread (LiveNode::run): parses the frames (codec), builds the book, runs the
//             Trader (strategy -> risk -> quoter); its LiveVenue copies order spans into the action ring
//             (a full ring refuses the span, as the Venue contract says). It also owns the private stream
//             (order, execution, position: they change the order table, which lives only here) and the
//             timers, the dead-man switch, probe() and shutdown, exactly as in the one-thread layout.
//   dispatch  owns the trade WebSocket: pops spans, encodes + signs + sends them (a LiveVenue of its own),
//             and pushes every answer, timeout and "ready" back on the answer ring; a span it cannot send
//             (socket down since the decision thread looked, in-flight table or send queue full) comes back
//             as refused, and the decision thread applies it as a local reject.
//   control   unchanged (runtime/live_control.h): REST, reconciliation, REST fallback.
//
// The threads share nothing else but a few atomics, each written by one thread: the network thread's
// silence / reconnect counters, the dispatch thread's ready flag and reconnects, and the decision thread's
// requests (resubscribe the book, apply a new clock offset, the subscribe ack it parsed).
//
// CPUs (--cpus network,decision,dispatch; -1 or absent: not pinned) and the idle strategy (--idle) are
// checked by check_live_layout before anything starts: two spinning threads on one CPU are refused.
#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/private_events.h"
#include "net/bybit_codec.h"
#include "net/public_ws.h"
#include "net/trade_ws.h"
#include "runtime/layout_check.h"
#include "runtime/live_thread.h"
#include "runtime/ring_venue.h"
#include "strategy/quoter.h"

namespace mm {

// One answer of the dispatch thread, for the decision thread.
enum class TradeAnswerKind : uint8_t {
  kAck = 0,  // req answered: ack (ack.items points into `items`), read at at_ns (wall)
  kTimeout,  // req had no answer in time, or was in flight when the connection ended
  kReady,    // the trade WebSocket is authenticated (TradeWsSink::on_ready)
  kRefused,  // the span of `links` (request kind req.kind) was not sent: nothing of it reached the venue
};

struct TradeAnswer {
  TradeAnswerKind kind = TradeAnswerKind::kAck;
  InFlightRequest req;
  TradeAck ack;
  int64_t at_ns = 0;
  // kAck/kTimeout of a batch (req.items > 1): its items' link ids; kRefused: the span's.
  uint16_t link_count = 0;
  std::array<OrderLinkId, kQuoterMaxBatchItems> links{};
  std::array<TradeAckItem, kQuoterMaxBatchItems> items{};  // kAck of a batch: ack.items
  std::span<const OrderLinkId> batch_links() const noexcept { return {links.data(), link_count}; }
};
static_assert(std::is_trivially_copyable_v<TradeAnswer>);

class TradeAnswerSink {
 public:
  virtual ~TradeAnswerSink() = default;
  // `a.ack.items` is valid during the call.
  virtual void on_trade_answer(const TradeAnswer& a) noexcept = 0;
};

struct LivePipelineCpus {
  int network = -1, decision = -1, dispatch = -1;
};

// The CPU list of --cpus in the pipeline's order (network, decision, dispatch). "" or the error naming
// --cpus: more than three entries, or a CPU this process may not run on.
std::string pipeline_cpus(const std::vector<int>& cpus, LivePipelineCpus& out);

// The layout check of runtime/layout_check.h for the pipeline's three hot threads: "" or the error (exit 2);
// `warning` as check_layout's.
std::string check_live_layout(const LivePipelineCpus& cpus, LayoutIdle idle, unsigned hardware_cpus,
                              std::string& warning);

class LivePipeline {
 public:
  // Preconditions: pub, codec and trade (nullable: the venue has no trade WebSocket) outlive the object and
  // are not used by anyone else between start() and stop(); `book_topic` is one of pub's topics.
  LivePipeline(PublicWs& pub, BybitCodec& codec, Category category, std::string book_topic, TradeWs* trade,
               LayoutIdle idle);
  ~LivePipeline();  // stop()
  LivePipeline(const LivePipeline&) = delete;
  LivePipeline& operator=(const LivePipeline&) = delete;

  // The decision thread's venue writes here (LiveVenue's pipeline constructor).
  ActionRing& actions() noexcept;
  const std::atomic<bool>& trade_ready_flag() const noexcept;

  // Starts the network and dispatch threads, pinned as `cpus` says (the decision thread is the caller's:
  // pinned by the node). Each calls `on_thread_start` (when set) with its role once it is pinned and named,
  // before it starts its socket (runtime/live_thread.h); the network thread's call returns before the
  // dispatch thread starts. "" or an error naming --cpus (nothing started then).
  [[nodiscard]] std::string start(const LivePipelineCpus& cpus, const LiveThreadHook& on_thread_start = {});
  // Stops and joins both threads; each closes its socket on the way out. Idempotent.
  void stop() noexcept;

  // --- decision thread only --------------------------------------------------------------------------------
  // Up to `max` frames from the network thread, parsed and handed to `sink` as PublicWs::do_work would
  // (on_connected, on_frame, on_public, on_public_error); returns the frames taken.
  int drain_frames(PublicWsSink& sink, int max) noexcept;
  // Up to `max` answers of the dispatch thread; returns the answers taken.
  int drain_answers(TradeAnswerSink& sink, int max) noexcept;
  // The idle strategy of the decision loop (the one the other two threads run).
  void idle(int work) noexcept;

  // What the one-thread layout reads from the sockets, as the network / dispatch threads last published it.
  int64_t public_silence_ns(int64_t now_ns) const noexcept;  // INT64_MAX while not connected
  uint64_t public_reconnects() const noexcept;
  uint64_t public_resubscribes() const noexcept;
  bool trade_ready() const noexcept;
  uint64_t trade_reconnects() const noexcept;
  // Asks the network thread to resubscribe the book topic (a sequence gap).
  void request_resubscribe() noexcept;
  // Asks the dispatch thread to sign with this server clock offset from now on (10002 resync).
  void set_trade_clock_offset_ms(int64_t ms) noexcept;

  struct Shared;   // the rings, the arena and the atomics (live_pipeline.cpp)
  struct Threads;  // the network and dispatch Runners, of the chosen idle strategy

 private:
  std::unique_ptr<Shared> shared_;
  std::unique_ptr<Threads> threads_;
};

}  // namespace mm
