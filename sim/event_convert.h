#pragma once
// Any supported recording (sim/recording.h) -> normalized events (sim/event.h), through the real Bybit
// codec, so that an .events file holds exactly what `mm replay` would have decoded.
//
// Mapping (one frame of the source, in its receive order):
//   orderbook.*   -> a run of kBookLevel records: bids then asks in message order, kEvBuy on bids,
//                    kEvSnapshot on every record of a snapshot, kEvEndOfMessage on the last one, aux = "u",
//                    depth = the topic depth; a message without levels is one kEvEmpty record.
//                    exch_ts = "cts" when present, else "ts".
//   publicTrade.* -> one kTrade per print: kEvBuy when the taker bought, aux = "seq" (0 when absent),
//                    exch_ts = "T".
//   tickers.*     -> kFunding (price = fundingRate at kRateScale, aux = nextFundingTime ms) when either
//                    value differs from the last kFunding of that instrument (the first one always), and
//                    kMarkPrice (price = markPrice at ref_price_scale) when the mark differs from the last
//                    one; exch_ts = "ts".
//   anything else -> counted per MsgKind (klines, liquidations, acks, unknown topics), no record.
// local_ts = the frame's receive time when the format records one (mm capture, cryptofeed), else exch_ts
// (Bybit history files: has_local_time false). Times in ns since the Unix epoch (ms * 1e6 for Bybit's).
//
// Instruments: the codec needs each instrument's grid. They come from the instruments-info responses
// inside the recordings (the first kInstrumentScanFrames frames of each file) and, for a symbol without
// one that has an order-book snapshot, from its book and trade messages (the finest grid their prices and
// sizes use over the whole file: a later message with more decimals refines it; Instrument::inferred), as
// `mm replay` does. A grid inferred from an earlier file is refined by a later one the same way; a grid
// from instruments-info is never changed. Past kInstrumentScanFrames the scan continues only while some
// grid is inferred. Cold path: everything here may allocate.
#include <array>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "core/instrument_registry.h"
#include "net/bybit_codec.h"
#include "sim/event.h"
#include "sim/event_file.h"
#include "sim/recording.h"

namespace mm {

inline constexpr uint64_t kInstrumentScanFrames = 20000;
inline constexpr int64_t kNoTimeLimitLow = std::numeric_limits<int64_t>::min();
inline constexpr int64_t kNoTimeLimitHigh = std::numeric_limits<int64_t>::max();

// Adds to `registry` the instruments of `path` (see above). Returns "" or an error naming the file
// (cannot open/read it, a malformed instruments-info response, registry full). Notes about refused
// instruments-info entries (symbol and field) and inferred grids are appended to `notes` when it is not
// null; the count of refused entries is added to `*rejected` when it is not null.
[[nodiscard]] std::string scan_recording_instruments(const std::string& path, const RecordingOptions& read,
                                                     InstrumentRegistry& registry,
                                                     std::vector<std::string>* notes = nullptr,
                                                     uint64_t* rejected = nullptr);

struct EventConvertOptions {
  RecordingOptions read;             // read.category: the category of Bybit history files
  std::vector<std::string> symbols;  // keep only these symbols (of every category); empty: keep all
  int64_t from_ns = kNoTimeLimitLow;  // keep records whose local_ts_ns is in [from_ns, to_ns)
  int64_t to_ns = kNoTimeLimitHigh;
  uint64_t max_bad_records = 1000;   // unreadable source records (kBadRecord) before giving up (kCorrupt)
  // File output only: recordings scanned (before the input) for instruments-info, e.g. a capture holding
  // the real grid of a symbol whose history file has none.
  std::vector<std::string> instrument_files;
  int64_t created_ns = 0;            // file output: the header's creation time (0 keeps output reproducible)
  // Called every 4096 source frames and once at the end with the input's bytes read (FrameSource::
  // bytes_consumed) and its size: mm convert's progress bar. Not called when the reader cannot say.
  std::function<void(uint64_t done, uint64_t total)> progress;
};

struct EventConvertStats {
  uint64_t frames = 0;                                  // source frames read (every FrameKind)
  uint64_t recv_frames = 0;                             // kRecv frames given to the codec
  std::array<uint64_t, kMsgKindCount> kinds{};          // decoded frames per MsgKind (kUnknownTopic too)
  std::array<uint64_t, kCodecErrorCount> codec_errors{};  // malformed frames the codec refused, per error
  uint64_t parse_errors = 0;                            // sum of codec_errors
  // Well-formed frames this conversion cannot decode, never parse errors (as `mm replay`'s "skipped"): a
  // book, trade, ticker or liquidation of an instrument with no grid (no instruments-info, no snapshot;
  // codec_errors[kUnknownInstrument] stays 0), and a topic the codec does not decode.
  uint64_t unknown_instrument = 0;
  uint64_t unsupported_topic() const noexcept { return kinds[static_cast<size_t>(MsgKind::kUnknownTopic)]; }
  uint64_t read_errors = 0;                             // source records the reader skipped (kBadRecord)
  std::array<uint64_t, 5> records{};                    // records produced, indexed by EventKind value
  uint64_t filtered = 0;                                // records dropped by the symbol filter or window
  uint64_t total_records() const noexcept { return records[1] + records[2] + records[3] + records[4]; }
};

struct EventConvertResult {
  EventConvertStats stats;
  RecordingFormat format = RecordingFormat::kUnknown;
  bool has_local_time = false;
  ReadResult status = ReadResult::kOk;  // kOk when the whole input was read, else why it stopped
  std::string message;                  // first error(s), naming the file ("" when none)
  // Output file only: an error writing it (status kIo) is described in `message`.
  // A --symbol naming no instrument of the input, or a filter (symbols, window) that left no record: nothing
  // was written (out_path keeps what it held) and `message` says which; status stays that of the read.
  bool selected_nothing = false;
  bool ok() const noexcept {
    return status == ReadResult::kOk && stats.read_errors == 0 && stats.parse_errors == 0 &&
           !selected_nothing;
  }
};

// Receives the records of a conversion, in order. put() returns false to stop the conversion (status
// kIo; the sink's own message is the caller's to keep).
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual bool put(const Event& e) noexcept = 0;
};

// Converts `path` with instruments from `registry` (ids of the records = registry ids). The symbol filter
// and the window of `options` apply; instrument_files/created_ns are ignored. Errors (status): those of
// open_recording, the reader's terminal errors (every record before the error was converted), kCorrupt
// when more than max_bad_records records were unreadable, kIo when the sink refused a record.
[[nodiscard]] EventConvertResult convert_recording_events(const std::string& path,
                                                          const InstrumentRegistry& registry,
                                                          const EventConvertOptions& options, EventSink& sink);

// Converts `in_path` into an .events file at out_path: scans instruments (options.instrument_files, then
// in_path), writes the instruments that pass the symbol filter (in registry order) and the records.
// Outcome of the output file:
//   status kOk (even with counted parse/read errors): complete, closed cleanly.
//   status kTruncated: complete and closed cleanly, holding every complete frame of the input.
//   any other status: out_path keeps what it held before (or stays absent): the file is written to a
//   temporary and renamed into place only when complete (core/atomic_file.h).
// Errors: as convert_recording_events, plus kIo for failures creating or writing out_path, when out_path is
// not a regular file, or when out_path is the same file as in_path or one of options.instrument_files
// (through links; nothing is touched then), and kUnsupported when more than kMaxEventFileInstruments
// instruments pass the filter.
[[nodiscard]] EventConvertResult convert_to_events(const std::string& in_path, const std::string& out_path,
                                                   const EventConvertOptions& options = {});

// "book 123 trade 4 funding 1 mark 2" (records by kind).
std::string format_record_counts(const EventConvertStats& s);

}  // namespace mm
