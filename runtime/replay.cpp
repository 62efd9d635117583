#include "runtime/replay.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

#include "runtime/decision_path.h"
#include "runtime/layout_check.h"
#include "sim/event_convert.h"
#include "sim/recording.h"

namespace mm {

std::string_view to_string(ReplayStage s) noexcept {
  switch (s) {
    case ReplayStage::kParse:
      return "parse";
    case ReplayStage::kBook:
      return "book";
    case ReplayStage::kStrategy:
      return "strategy";
    case ReplayStage::kRisk:
      return "risk";
    case ReplayStage::kQuoter:
      return "quoter";
    case ReplayStage::kEncode:
      return "encode";
    case ReplayStage::kTotal:
      return "total";
    case ReplayStage::kQuote:
      return "quote";
    case ReplayStage::kFeedHop:
      return "feed_hop";
    case ReplayStage::kDispatchHop:
      return "dispatch_hop";
    case ReplayStage::kCount:
      break;
  }
  return "?";
}

std::string_view to_string(ReplayLayout l) noexcept {
  return l == ReplayLayout::kPipeline ? "pipeline" : "one-thread";
}

std::string_view to_string(PipelineIdle i) noexcept {
  switch (i) {
    case PipelineIdle::kBackOff:
      return "backoff";
    case PipelineIdle::kYield:
      return "yield";
    case PipelineIdle::kBusySpin:
      return "spin";
  }
  return "?";
}

Replayer::Replayer(ReplayOptions options) : options_(std::move(options)) {}
Replayer::~Replayer() = default;

std::string Replayer::open(const std::string& path, std::unique_ptr<FrameSource>& out, bool* mapped) const {
  RecordingOptions ro;
  ro.category = options_.history_category;
  ro.capture_mode = mapped != nullptr ? CaptureReadMode::kMap : CaptureReadMode::kStream;
  OpenedRecording opened = open_recording(path, ro);
  out = std::move(opened.source);
  if (mapped != nullptr) *mapped = out != nullptr && opened.format == RecordingFormat::kCapture;
  return out ? std::string() : opened.message;
}

// Instruments of one recording: its instruments-info responses, else a grid inferred from a snapshot (the
// scan shared with the .events converter, sim/event_convert.h). Read errors are left to the replay pass,
// which counts and reports them.
std::string Replayer::scan_instruments(const std::string& path) {
  RecordingOptions ro;
  ro.category = options_.history_category;
  std::vector<std::string> notes;
  std::string err = scan_recording_instruments(path, ro, registry_, &notes, &instruments_rejected_);
  for (const std::string& n : notes) std::fprintf(stderr, "replay: %s\n", n.c_str());
  return err;
}

std::string Replayer::prepare() {
  if (options_.files.empty()) return "no recording given";
  for (const std::string& path : options_.instruments_files) {
    if (std::string err = scan_instruments(path); !err.empty()) return err;
  }
  for (const std::string& path : options_.files) {
    if (std::string err = scan_instruments(path); !err.empty()) return err;
  }
  CodecLimits limits;
  codec_ = std::make_unique<BybitCodec>(registry_, limits);
  books_.resize(registry_.size());
  seen_.assign(registry_.size(), 0);
  book_epoch_.assign(registry_.size(), 0);
  wanted_.resize(registry_.size());
  for (size_t i = 0; i < registry_.size(); ++i) {
    const Instrument& in = registry_.get(static_cast<InstrumentId>(i));
    wanted_[i] = (!options_.category || *options_.category == in.category) &&
                 (options_.symbol.empty() || options_.symbol == in.name());
  }
  if (options_.config) {
    const MmConfig& config = *options_.config;
    traded_ = registry_.find(config.category, config.symbol);
    if (traded_ == kNoInstrument) {
      return options_.config_path + ": market." + "symbol " + std::string(to_string(config.category)) + ":" +
             config.symbol + " is not an instrument of the recordings (no instruments-info or book for it)";
    }
    std::string err;
    if (options_.layout == ReplayLayout::kPipeline) {
      // Sized once here: the ring is ~130 KiB of slots, too large for a thread's stack and never resized.
      actions_ = std::make_unique<ActionRing>();
    }
    path_ = make_decision_path(config, registry_, traded_, err, actions_.get());
    if (!path_) return options_.config_path + ": " + err;
    path_->set_profiling(true);
  }
  if (options_.layout == ReplayLayout::kPipeline) {
    // Without --config there is no dispatch thread.
    const LayoutThread threads[3] = {
        {"feed", options_.cpus[0]}, {"decision", options_.cpus[1]}, {"dispatch", options_.cpus[2]}};
    const LayoutIdle idle = options_.idle == PipelineIdle::kBusySpin ? LayoutIdle::kSpin
                            : options_.idle == PipelineIdle::kYield  ? LayoutIdle::kYield
                                                                     : LayoutIdle::kBackOff;
    if (std::string err =
            check_layout(threads, path_ ? 3 : 2, idle, std::thread::hardware_concurrency(), layout_warning_);
        !err.empty()) {
      return err;
    }
  }
  // Every book the replay may meet is created now (its arrays are zeroed, so its pages are mapped here): the
  // first frame of a symbol no longer pays the allocation and ~150 page faults inside its measured tick.
  for (size_t i = 0; i < registry_.size(); ++i) {
    if (wanted_[i] && static_cast<InstrumentId>(i) != traded_) books_[i] = std::make_unique<BookSync>();
  }
  TscCalibration cal;
  if (TscClock::calibrate(std::chrono::milliseconds(20), cal) == TscError::kOk) {
    tsc_.emplace(cal);
  } else if (path_) {
    return "the TSC could not be calibrated: tick-to-quote stamps need it";
  }
  return {};
}

int64_t Replayer::stamp() const noexcept {
  // The Trader stamps its stages with TscClock::read_ticks(); the harness uses the same counter.
  return tsc_ ? TscClock::read_ticks() : MonotonicClock{}.now_ns();
}

void Replayer::on_traded_book(const BookUpdate& u, int64_t recv_ns, int64_t t0, int64_t t1) noexcept {
  DecisionPath& p = *path_;
  p.reset_stamps();
  const uint64_t resyncs_before = p.book_sync().counters().resyncs;
  count_sync(p.on_book(u, recv_ns), u.snapshot, p.book_sync().counters().resyncs - resyncs_before);
  const auto& st = p.stamps();
  const auto at = [&](TickMark m) { return st[static_cast<size_t>(m)]; };
  const auto rec = [&](ReplayStage s, int64_t d) { hist_[static_cast<size_t>(s)].record(to_ns(d)); };
  rec(ReplayStage::kBook, at(TickMark::kBook) - t1);
  const bool decided = at(TickMark::kEncoded) != 0 && at(TickMark::kStrategy) != 0;
  if (decided) {
    ++counters_.ticks;
    rec(ReplayStage::kRisk,
        (at(TickMark::kRiskTick) - at(TickMark::kBook)) + (at(TickMark::kRisk) - at(TickMark::kQuoter)));
    rec(ReplayStage::kStrategy, at(TickMark::kStrategy) - at(TickMark::kRiskTick));
    rec(ReplayStage::kQuoter, at(TickMark::kQuoter) - at(TickMark::kStrategy));
  }
  const uint32_t n = p.last_action_count();
  if (n != 0) {
    ++counters_.ticks_with_actions;
    counters_.actions += n;
  }
  RingVenue* ring = p.ring_venue();
  if (ring != nullptr && ring->tick_open()) {
    // Pipeline: the tick ends when the dispatch thread has encoded its last frame; it records encode, total
    // and quote from these stamps.
    TickEnd e;
    e.t0 = t0;
    e.t1 = t1;
    e.stamps = st;
    e.actions = n;
    ring->end_tick(e);
    return;
  }
  // Nothing to encode (or one thread): the tick ends on this thread.
  int64_t end = at(TickMark::kBook);
  if (at(TickMark::kEncoded) != 0) end = at(TickMark::kEncoded);
  if (decided) rec(ReplayStage::kEncode, at(TickMark::kEncoded) - at(TickMark::kRisk));
  rec(ReplayStage::kTotal, end - t0);
  if (n != 0) rec(ReplayStage::kQuote, end - t0);
}

bool Replayer::wanted(InstrumentId id) const noexcept {
  return id < wanted_.size() && wanted_[id];
}

const BookSync* Replayer::book(InstrumentId id) const noexcept {
  if (path_ && id == traded_) return &path_->book_sync();
  return id < books_.size() && seen_[id] != 0 ? books_[id].get() : nullptr;
}

void Replayer::on_book(const BookUpdate& u, int64_t recv_ns) noexcept {
  std::unique_ptr<BookSync>& slot = books_[u.instrument];
  seen_[u.instrument] = 1;
  if (!slot) {
    // Not created by prepare() (an instrument the registry learnt later): its one allocation, here.
    try {
      slot = std::make_unique<BookSync>();
    } catch (...) {
      ++counters_.book_errors;
      return;
    }
  }
  BookSync& b = *slot;
  if (book_epoch_[u.instrument] != epoch_) {
    b.reset();
    book_epoch_[u.instrument] = epoch_;
  }
  const uint64_t resyncs_before = b.counters().resyncs;
  count_sync(b.on_update(u, recv_ns), u.snapshot, b.counters().resyncs - resyncs_before);
}

void Replayer::count_sync(SyncResult r, bool snapshot, uint64_t resyncs) noexcept {
  switch (r) {
    case SyncResult::kApplied:
      ++(snapshot ? counters_.book_snapshots : counters_.book_deltas);
      break;
    case SyncResult::kGap:
    case SyncResult::kBackwards:
      ++counters_.gaps;
      break;
    case SyncResult::kError:
      ++counters_.book_errors;
      break;
    case SyncResult::kDuplicate:
    case SyncResult::kIgnoredUntrusted:
      break;
  }
  counters_.resyncs += resyncs;
}

void Replayer::count_parse_error(const Frame& f, CodecError e) noexcept {
  ++counters_.parse_errors;
  ++counters_.parse_by_code[static_cast<size_t>(e)];
  if (counters_.first_parse_error_frame != 0) return;
  counters_.first_parse_error_frame = counters_.frames;
  counters_.first_parse_error = e;
  // The topic, copied without allocating (the frame may be malformed JSON: a plain search, bounded).
  constexpr std::string_view kKey = "\"topic\":\"";
  const std::string_view data(f.data.data(), f.data.size());
  const size_t at = data.find(kKey);
  if (at == std::string_view::npos) return;
  const std::string_view rest = data.substr(at + kKey.size());
  const size_t n = std::min({rest.find('"'), rest.size(), sizeof counters_.first_parse_error_topic - 1});
  std::copy_n(rest.data(), n, counters_.first_parse_error_topic);
  counters_.first_parse_error_topic[n] = '\0';
}

void Replayer::process(const Frame& f) noexcept {
  const int64_t t0 = stamp();
  process_at(f, f.has_category ? f.category : options_.history_category, t0, t0);
}

void Replayer::process_at(const Frame& f, Category cat, int64_t t0, int64_t tp) noexcept {
  ++counters_.frames;
  counters_.bytes += f.data.size();
  const ParseResult r = codec_->parse_padded(f.data.data(), f.data.size(), cat);
  const int64_t t1 = stamp();
  // The parse stage is recorded on the way out: on a traded book the tick is still being measured, and the
  // harness's own bookkeeping must not sit inside its tick-to-quote interval.
  struct RecordParse {
    Replayer& r;
    int64_t ticks;
    ~RecordParse() { r.hist_[static_cast<size_t>(ReplayStage::kParse)].record(r.to_ns(ticks)); }
  } const record_parse{*this, t1 - tp};
  if (r.error != CodecError::kOk) [[unlikely]] {
    if (r.error == CodecError::kUnknownInstrument) {
      ++counters_.unknown_instrument;
    } else {
      count_parse_error(f, r.error);
    }
    return;
  }
  ++counters_.messages;
  ++counters_.topics[static_cast<size_t>(r.kind)];
  if (r.kind == MsgKind::kUnknownTopic) ++counters_.unsupported_topic;
  if (r.kind == MsgKind::kTrade && path_) {
    for (const TradeEvent& t : codec_->trades()) {
      // Each trade carries its own frame's receive time, as in the backtester.
      if (t.instrument == traded_) path_->on_trade(t, f.recv_ns);
    }
    return;
  }
  if (r.kind != MsgKind::kBook) return;
  const BookUpdate& u = codec_->book();
  if (u.instrument == traded_) {
    on_traded_book(u, f.recv_ns, t0, t1);
    return;
  }
  if (!wanted(u.instrument)) {
    ++counters_.filtered;
    return;
  }
  on_book(u, f.recv_ns);
  const int64_t t2 = stamp();
  hist_[static_cast<size_t>(ReplayStage::kBook)].record(to_ns(t2 - t1));
  hist_[static_cast<size_t>(ReplayStage::kTotal)].record(to_ns(t2 - t0));
}

void Replayer::process_decoded_trades(size_t bytes, std::span<const TradeEvent> trades,
                                      int64_t recv_ns) noexcept {
  ++counters_.frames;
  counters_.bytes += bytes;
  ++counters_.messages;
  ++counters_.topics[static_cast<size_t>(MsgKind::kTrade)];
  if (!path_) return;
  for (const TradeEvent& t : trades) {
    if (t.instrument == traded_) path_->on_trade(t, recv_ns);
  }
}

std::string Replayer::run() {
  return options_.layout == ReplayLayout::kPipeline ? run_pipeline() : run_one_thread();
}

void Replayer::collect_venue_stats(const RecordingVenueStats& v) noexcept {
  counters_.creates = v.creates;
  counters_.amends = v.amends;
  counters_.cancels = v.cancels;
  counters_.cancel_alls = v.cancel_alls;
  counters_.order_frames = v.frames;
  counters_.order_bytes = v.bytes;
}

bool Replayer::reported(ReplayStage s) const noexcept {
  // Without --config only parse, book and total exist; with it every stage is reported. The hops exist only
  // in the pipeline layout, and the dispatch hop only when there is a dispatch thread (--config).
  if (s == ReplayStage::kFeedHop) return options_.layout == ReplayLayout::kPipeline;
  if (s == ReplayStage::kDispatchHop) return options_.layout == ReplayLayout::kPipeline && path_;
  return path_ || s == ReplayStage::kParse || s == ReplayStage::kBook || s == ReplayStage::kTotal;
}

}  // namespace mm
