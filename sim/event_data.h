#pragma once
// Market data for backtests, loaded once and shared read-only between runs (the optimizer runs trials in
// threads): .events files are mapped (zero copies for a single file without symbol filter), raw recordings
// are converted in memory through sim/event_convert.h.
//
// The records are always in local-time order (the backtest clock). Several inputs: concatenated in the
// given order when each starts at or after the previous one's last local time; otherwise merged by local
// time. The merge is stable: on equal times the earlier input comes first, and a book message's run of
// records, which shares one local time, is never split. An input that is itself out of local-time order
// (the cryptofeed sample writes its two connections in batches up to 42 s apart) is sorted the same way
// (EventSource::out_of_order counts such records; the data is then copied, not mapped). Instruments are unified by
// (category, symbol); the same symbol with different grids in two inputs is an error (its tick and lot
// counts would mean different prices), except that raw recordings are all scanned into one registry first,
// so a history file takes the real grid from another input's instruments-info, as `mm replay` does.
//
// Thread safety: after load_event_data() returns, every member function is const, touches only immutable
// data and may be called from any number of threads at once.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/events.h"
#include "core/instrument_registry.h"
#include "sim/event.h"
#include "sim/event_convert.h"
#include "sim/event_file.h"
#include "sim/recording.h"

namespace mm {

enum class EventDataError : uint8_t {
  kOk = 0,
  kNoInput,             // no path given
  kEventFile,           // an .events file failed to open (its EventFileError is in the message)
  kRecording,           // a raw recording could not be opened or read, or (strict) had read/parse errors
  kInstrumentConflict,  // one (category, symbol) with different grids in two inputs
  kTooManyInstruments,  // the union exceeds InstrumentRegistry::kCapacity
  kBadWindow,           // from_ns > to_ns
  kDuplicateInput,  // one file given twice (same device and inode, through links): every event would count
                    // twice
};
std::string_view to_string(EventDataError e) noexcept;

struct EventLoadOptions {
  RecordingOptions read;             // raw recordings: read.category is the category of Bybit history files
  std::vector<std::string> symbols;  // keep only these symbols' records (every category); empty: all
  int64_t from_ns = kNoTimeLimitLow;  // the window on local_ts_ns: [from_ns, to_ns)
  int64_t to_ns = kNoTimeLimitHigh;
  uint64_t max_bad_records = 1000;   // raw recordings: unreadable records before giving up
  // Raw recordings: any unreadable record or codec error fails the load (kRecording). When false they are
  // counted in the source's stats and the load goes on.
  bool strict = true;
  bool validate_records = true;      // .events files: check every record on open (EventFileOpenOptions)
};

// What one input contributed.
struct EventSource {
  std::string path;
  bool events_file = false;           // an .events file (else a raw recording converted in memory)
  RecordingFormat format = RecordingFormat::kUnknown;  // of the raw recording, or the file's source_format
  bool has_local_time = false;
  uint64_t records = 0;               // records taken from this input (after the symbol filter)
  uint64_t out_of_order = 0;          // records with a local time below their predecessor's in the input
  EventConvertStats convert;          // raw recordings only
};

class EventData {
 public:
  EventData();
  ~EventData();
  EventData(EventData&&) noexcept;
  EventData& operator=(EventData&&) noexcept;
  EventData(const EventData&) = delete;
  EventData& operator=(const EventData&) = delete;

  // The loaded records within the load window, ordered as described above.
  std::span<const Event> events() const noexcept { return window_; }
  // Every loaded record (the load window not applied; the symbol filter is).
  std::span<const Event> all_events() const noexcept { return all_; }
  // Sub-span of all_events() with local_ts_ns in [from_ns, to_ns) (binary search; no copy). Empty when
  // from_ns >= to_ns.
  std::span<const Event> window(int64_t from_ns, int64_t to_ns) const noexcept;

  // The instrument table: a record's `instrument` is an id of this registry.
  const InstrumentRegistry& instruments() const noexcept { return *registry_; }
  // kNoInstrument when the data has no such instrument.
  InstrumentId find(Category c, std::string_view symbol) const noexcept { return registry_->find(c, symbol); }

  // True when every input carries a real local receive time (else local_ts_ns == exch_ts_ns somewhere).
  bool has_local_time() const noexcept { return has_local_time_; }
  // local_ts_ns non-decreasing over all_events(): always true after a successful load (kept so that callers
  // can assert it).
  bool time_ordered() const noexcept { return time_ordered_; }
  // events() points into a mapped file: one .events input, in local-time order, whose records all pass the
  // symbol filter (instruments the filter drops stay in instruments() then, without records).
  bool zero_copy() const noexcept { return owned_.empty() && !all_.empty(); }
  // Local time of the first / last record of events(); 0 when events() is empty.
  int64_t first_ns() const noexcept { return window_.empty() ? 0 : window_.front().local_ts_ns; }
  int64_t last_ns() const noexcept { return window_.empty() ? 0 : window_.back().local_ts_ns; }
  const std::vector<EventSource>& sources() const noexcept { return sources_; }
  // Raw recordings: notes of the instrument scan (refused instruments-info entries with their symbol and
  // field, grids inferred from the data), for the caller to print; and the count of refused entries.
  const std::vector<std::string>& notes() const noexcept { return notes_; }
  uint64_t instruments_rejected() const noexcept { return instruments_rejected_; }

 private:
  friend EventDataError load_event_data(const std::vector<std::string>&, const EventLoadOptions&, EventData&,
                                        std::string&);
  std::unique_ptr<InstrumentRegistry> registry_;
  std::vector<EventFileReader> files_;  // mappings kept alive for zero-copy spans
  std::vector<Event> owned_;            // records when they had to be converted, remapped or merged
  std::span<const Event> all_;
  std::span<const Event> window_;
  bool has_local_time_ = false;
  bool time_ordered_ = true;
  std::vector<EventSource> sources_;
  std::vector<std::string> notes_;
  uint64_t instruments_rejected_ = 0;
};

// Loads `paths` (each an .events file, recognised by its magic, or any raw recording) into `out`
// (replacing its contents). Errors: every EventDataError; `error` names the file and the reason.
// On error `out` is left empty.
[[nodiscard]] EventDataError load_event_data(const std::vector<std::string>& paths,
                                             const EventLoadOptions& options, EventData& out,
                                             std::string& error);

// Rebuilds core BookUpdates from runs of kBookLevel records (the reverse of the conversion). Sized once at
// construction; decode() never allocates.
class BookRunDecoder {
 public:
  explicit BookRunDecoder(uint32_t max_levels_per_side = 1000);

  // Decodes the run starting at events[i] into `out` (levels valid until the next call) and returns the
  // index after the run: the record carrying kEvEndOfMessage, or the first record that is not a
  // kBookLevel of the same instrument (a run cut by a window or a damaged file ends there).
  // out.ts_ms = exch_ts / 1e6, out.cts_ms = 0, out.seq = 0 (not stored in records).
  // Preconditions: i < events.size() and events[i].kind == EventKind::kBookLevel. When a side has more
  // than max_levels_per_side levels the surplus is dropped and overflowed() is true until the next call.
  size_t decode(std::span<const Event> events, size_t i, BookUpdate& out) noexcept;
  bool overflowed() const noexcept { return overflowed_; }

 private:
  std::vector<PriceLevel> bids_, asks_;
  bool overflowed_ = false;
};

}  // namespace mm
