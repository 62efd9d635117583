#pragma once
// Replay harness: feeds recorded frames through the hot path (parse -> book [-> decision path -> encoder])
// and measures it, in one of two layouts (DESIGN.md section 3):
//   one-thread  one core Runner on the calling thread over the feed and decision stages: the feed lends each
//               frame to the decision stage in the same duty cycle (no copy, no ring, no hop);
//   pipeline    feed | parse+book+strategy | dispatch (encoding) on three pinned threads joined by SPSC rings
//               (replay_pipeline.cpp, the same stages). Without --config there is nothing to dispatch: feed |
//               parse+book on two.
// Both layouts process the same frames in the same order through the same code, so every counter, action and
// final book is identical; only the latencies differ.
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/book_sync.h"
#include "core/clock.h"
#include "core/frame.h"
#include "core/instrument_registry.h"
#include "core/latency_histogram.h"
#include "net/bybit_codec.h"
#include "net/recording_venue.h"
#include "runtime/mm_config.h"
#include "runtime/ring_venue.h"

namespace mm {

enum class ReplayLayout : uint8_t { kOneThread = 0, kPipeline };
std::string_view to_string(ReplayLayout l) noexcept;

// Idle strategy of the pipeline threads when they find no work (core/idle.h).
enum class PipelineIdle : uint8_t { kBackOff = 0, kYield, kBusySpin };
std::string_view to_string(PipelineIdle i) noexcept;

struct ReplayOptions {
  std::vector<std::string> files;
  std::optional<Category> category;               // process and report only this category
  std::string symbol;                             // process and report only this symbol ("" = all)
  size_t top = 5;                                 // levels per side in the report
  std::vector<std::string> instruments_files;     // extra instruments-info responses (JSON) or recordings
  Category history_category = Category::kLinear;  // category of Bybit history files (.data/.zip carry none)
  // --config: run the decision path (strategy -> quoter -> encoded orders) with this config; config_path
  // names its source in error messages. After copying an MmConfig, re-point its link_id_prefix view.
  std::optional<MmConfig> config;
  std::string config_path;
  ReplayLayout layout = ReplayLayout::kOneThread;
  PipelineIdle idle = PipelineIdle::kBackOff;  // pipeline only
  // CPUs of the feed, decision and dispatch threads (pipeline only); -1 leaves a thread unpinned. The default
  // suits 2 vCPUs: the decision thread has a CPU of its own, feed and dispatch share the other.
  std::array<int, 3> cpus = {0, 1, 0};
  // Pipeline only: the byte arena the feed copies frames into (allocated once; tests shrink it to force the
  // wrap-around and the waits). Every frame must fit: a larger one stops the replay with an error.
  size_t arena_bytes = size_t{64} << 20;
  // Pipeline only: the feed releases at most one frame per pace_ns, stamping t0 at the release, as frames
  // arrive live. 0 reads as fast as it can (then total includes the queueing behind earlier frames).
  int64_t pace_ns = 0;
  // Pipeline only: the feed thread decodes a publicTrade frame itself (instead of the decision thread) when
  // at least this many frames are queued for the decision thread, i.e. when that thread is behind; 0: every
  // trade frame (tests). Results are the same either way; only the CPU split between the threads moves.
  size_t feed_decode_depth = 64;
  // Pipeline only: mm captures are memory-mapped and their frames handed to the decision thread in place
  // (no copy into the arena; the file's pages are faulted in by the feed's block checksum, before a frame is
  // stamped available). false: streamed and copied into the arena as other formats are (tests).
  bool map_captures = true;
};

// Stages timed per message, in pipeline order; "total" spans all of them. strategy/risk/quoter/encode run
// only with --config, for book messages of the configured instrument. "quote" is "total" over the ticks
// that sent at least one action (tick-to-quote: frame available -> last byte of the last order frame).
// Pipeline layout only: feed_hop is frame available (feed thread) -> popped by the decision thread (copy into
// the arena + ring + wake-up); dispatch_hop is a tick's last item pushed -> popped by the dispatch thread.
// In the pipeline, encode = order table and ring pushes (decision) + frame encoding (dispatch).
enum class ReplayStage : uint8_t {
  kParse = 0,
  kBook,
  kStrategy,
  kRisk,
  kQuoter,
  kEncode,
  kTotal,
  kQuote,
  kFeedHop,
  kDispatchHop,
  kCount
};
std::string_view to_string(ReplayStage s) noexcept;

struct ReplayCounters {
  uint64_t frames = 0;        // received frames fed to the codec
  uint64_t messages = 0;      // frames the codec decoded (any kind, incl. acks and unknown topics)
  uint64_t bytes = 0;         // payload bytes of the frames fed
  uint64_t parse_errors = 0;  // malformed frames (codec errors other than kUnknownInstrument)
  uint64_t parse_by_code[kCodecErrorCount] = {};  // parse_errors by CodecError
  // The first parse error: its frame number (1-based, 0 = none) and the frame's topic ("" when it has none),
  // so that a warning can point at it (an absurd instruments-info tickSize turns every book message of that
  // symbol into kBadNumber).
  uint64_t first_parse_error_frame = 0;
  CodecError first_parse_error = CodecError::kOk;
  char first_parse_error_topic[64] = {};
  // Well-formed frames this replay cannot decode, counted by reason (never as parse errors): a book, trade,
  // ticker or liquidation of an instrument with no grid (no instruments-info, no snapshot), and a topic the
  // codec does not decode (topics[kUnknownTopic] too).
  uint64_t unknown_instrument = 0;
  uint64_t unsupported_topic = 0;
  uint64_t read_errors = 0;             // records the readers skipped (kBadRecord)
  uint64_t gaps = 0;                    // gaps + steps backwards in u (each asks for a resubscribe)
  uint64_t resyncs = 0;                 // books that regained trust from a snapshot after a fault
  uint64_t book_errors = 0;             // levels/messages the book refused
  uint64_t filtered = 0;                // book/trade messages skipped by --category/--symbol
  uint64_t topics[kMsgKindCount] = {};  // decoded messages by kind
  uint64_t book_snapshots = 0;
  uint64_t book_deltas = 0;
  // --config only: the decision path.
  uint64_t ticks = 0;  // book messages of the configured instrument that ran the Trader
  uint64_t ticks_with_actions = 0;
  uint64_t actions = 0, creates = 0, amends = 0, cancels = 0, cancel_alls = 0;
  uint64_t order_frames = 0, order_bytes = 0;  // encoded trade-WebSocket frames
};

// Pipeline layout: how often the feed found its way blocked and waited (no frame is ever dropped), and the
// sends the action ring refused (the Trader keeps a refused action out of flight).
struct PipelineCounters {
  uint64_t frame_ring_waits = 0;   // feed: frame ring full
  uint64_t arena_waits = 0;        // feed: byte arena full (frames not yet released by the decision thread)
  uint64_t action_ring_waits = 0;  // decision: frames left queued until the action ring had a tick's room
  uint64_t action_ring_refusals = 0;  // decision: sends refused, the action ring was full (0 in replay)
  uint64_t encode_errors = 0;         // dispatch: actions the RecordingVenue refused (the decision thread had
                               // already taken them as sent; the one-thread layout would have refused them)
  uint64_t feed_decoded = 0;   // feed: trade frames it decoded (see ReplayOptions::feed_decode_depth)
  uint64_t feed_in_place = 0;  // feed: mapped captures' frames handed on in place (see map_captures)
};

class Replayer {
 public:
  explicit Replayer(ReplayOptions options);
  ~Replayer();

  // Cold path: checks the layout (runtime/layout_check.h: --idle spin with two threads on one CPU is an
  // error), loads instruments (from options.instruments_files and every instruments-info response
  // recorded in the files), infers the grid of any book symbol still unknown from its book and trade
  // messages (flagged `inferred`; the finest decimals over the whole file: sim/event_convert.h), sizes the
  // codec and the books. Returns an error message naming the file, or "".
  std::string prepare();

  // Replays every file in order; each file is a new connection (books reset). Returns "" or an error
  // message naming the file (a reader failure stops the replay; counters keep what was processed), or naming
  // the pipeline thread that could not be started/pinned.
  std::string run();

  // A layout that works but costs (yield with two threads on one CPU; see runtime/layout_check.h), or "".
  const std::string& layout_warning() const noexcept { return layout_warning_; }

  // Hot path: one received frame through parse and book. Public so tests can drive it frame by frame.
  // Precondition: prepare() succeeded; f.data has kFramePadding readable bytes after it.
  void process(const Frame& f) noexcept;

  // Frame sources are opened here: one per file, in the same way run() does. mm captures are streamed
  // through a reused window (core/capture.h CaptureReadMode::kStream): the feed reads a frame's bytes from
  // the page cache into memory that stays mapped and cached, inside next() and before the frame is stamped
  // available, instead of faulting in every page of a mapping on first touch inside `parse`.
  // With `mapped` (the pipeline's feed, ReplayOptions::map_captures): an mm capture is memory-mapped instead
  // and *mapped says so; its frames then stay valid until the source is destroyed, so the feed hands them to
  // the decision thread in place (other formats: *mapped = false, frames valid until the next next()).
  std::string open(const std::string& path, std::unique_ptr<FrameSource>& out, bool* mapped = nullptr) const;

  const ReplayCounters& counters() const noexcept { return counters_; }
  const PipelineCounters& pipeline_counters() const noexcept { return pipeline_; }
  const LatencyHistogram& latency(ReplayStage s) const noexcept { return hist_[static_cast<size_t>(s)]; }
  double wall_seconds() const noexcept { return wall_s_; }
  const InstrumentRegistry& registry() const noexcept { return registry_; }
  // instruments-info entries refused while loading (each named in a note on stderr by prepare()).
  uint64_t instruments_rejected() const noexcept { return instruments_rejected_; }
  // Book of an instrument, or nullptr when it never received a book message.
  const BookSync* book(InstrumentId id) const noexcept;
  const ReplayOptions& options() const noexcept { return options_; }
  const BybitCodec& codec() const noexcept { return *codec_; }
  // The decision path (--config), or nullptr.
  const class DecisionPath* decision_path() const noexcept { return path_.get(); }
  InstrumentId traded_instrument() const noexcept { return traded_; }

  // Whether a stage has samples worth reporting in this run's layout (tools/mm/replay_report.cpp).
  bool reported(ReplayStage s) const noexcept;

 private:
  friend class ReplayPipeline;  // replay_pipeline.cpp: runs process_at() on the decision thread
  std::string run_one_thread();
  std::string run_pipeline();
  // process() with the frame's category resolved, t0 = frame available and tp = taken up for parsing
  // (equal on one thread; the decision thread's pop time in the pipeline).
  void process_at(const Frame& f, Category cat, int64_t t0, int64_t tp) noexcept;
  // Pipeline: a publicTrade frame of `bytes` bytes that the feed thread decoded already
  // (BybitCodec::parse_trade_frame, the result process_at's parse would give): counted and handed to the
  // decision path as process_at does with the same frame. `trades` are its events (empty without --config,
  // where nothing reads them); the parse stage was timed on the feed thread.
  void process_decoded_trades(size_t bytes, std::span<const TradeEvent> trades, int64_t recv_ns) noexcept;
  int64_t stamp() const noexcept;
  void collect_venue_stats(const RecordingVenueStats& v) noexcept;
  bool wanted(InstrumentId id) const noexcept;
  void on_book(const BookUpdate& u, int64_t recv_ns) noexcept;
  void count_parse_error(const Frame& f, CodecError e) noexcept;  // cold: a malformed frame
  // Counts one BookSync verdict (and the resyncs it caused) in counters_.
  void count_sync(SyncResult r, bool snapshot, uint64_t resyncs) noexcept;
  void on_traded_book(const BookUpdate& u, int64_t recv_ns, int64_t t0, int64_t t1) noexcept;
  int64_t to_ns(int64_t ticks) const noexcept { return tsc_ ? tsc_->ticks_to_duration_ns(ticks) : ticks; }
  std::string scan_instruments(const std::string& path);

  ReplayOptions options_;
  InstrumentRegistry registry_;
  uint64_t instruments_rejected_ = 0;
  std::unique_ptr<BybitCodec> codec_;
  std::vector<std::unique_ptr<BookSync>> books_;  // by InstrumentId; created in prepare()
  std::string layout_warning_;
  std::vector<uint8_t> seen_;  // by InstrumentId: received a book message (reported)
  std::vector<bool> wanted_;   // by InstrumentId
  // Connection epoch per book: a new file is a new connection, so a book is reset on its first message from
  // the new file (books the new file never mentions keep their final state for the report).
  std::vector<uint32_t> book_epoch_;
  uint32_t epoch_ = 0;
  std::optional<TscClock> tsc_;
  LatencyHistogram hist_[static_cast<size_t>(ReplayStage::kCount)];
  ReplayCounters counters_;
  PipelineCounters pipeline_;
  double wall_s_ = 0;
  // --config
  std::unique_ptr<class DecisionPath> path_;
  std::unique_ptr<ActionRing> actions_;  // pipeline + --config: decision -> dispatch
  InstrumentId traded_ = kNoInstrument;
};

}  // namespace mm
