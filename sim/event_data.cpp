#include "sim/event_data.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <iterator>
#include <utility>

namespace mm {

std::string_view to_string(EventDataError e) noexcept {
  switch (e) {
    case EventDataError::kOk: return "ok";
    case EventDataError::kNoInput: return "no_input";
    case EventDataError::kEventFile: return "event_file";
    case EventDataError::kRecording: return "recording";
    case EventDataError::kInstrumentConflict: return "instrument_conflict";
    case EventDataError::kTooManyInstruments: return "too_many_instruments";
    case EventDataError::kBadWindow: return "bad_window";
    case EventDataError::kDuplicateInput:
      return "duplicate_input";
  }
  return "?";
}

EventData::EventData() : registry_(std::make_unique<InstrumentRegistry>()) {}
EventData::~EventData() = default;
EventData::EventData(EventData&&) noexcept = default;
EventData& EventData::operator=(EventData&&) noexcept = default;

std::span<const Event> EventData::window(int64_t from_ns, int64_t to_ns) const noexcept {
  if (all_.empty() || from_ns >= to_ns) return {};
  const auto ts_less = [](const Event& e, int64_t t) { return e.local_ts_ns < t; };
  const auto b = std::lower_bound(all_.begin(), all_.end(), from_ns, ts_less);
  const auto e = std::lower_bound(b, all_.end(), to_ns, ts_less);
  return {b, e};
}

namespace {

bool is_events_file(const std::string& path) {
  if (path.size() >= 7 && path.compare(path.size() - 7, 7, ".events") == 0) return true;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char magic[sizeof kEventFileMagic] = {};
  const ssize_t n = ::read(fd, magic, sizeof magic);
  ::close(fd);
  return n == static_cast<ssize_t>(sizeof magic) && std::memcmp(magic, kEventFileMagic, sizeof magic) == 0;
}

std::string key_of(const Instrument& in) {
  return std::string(to_string(in.category)) + ":" + std::string(in.name());
}

std::string grid_of(const Instrument& in) {
  return "price_scale " + std::to_string(in.price_scale) + " tick_units " + std::to_string(in.tick_units) +
         " qty_scale " + std::to_string(in.qty_scale) + " lot_units " + std::to_string(in.lot_units);
}

bool same_grid(const Instrument& a, const Instrument& b) noexcept {
  return a.price_scale == b.price_scale && a.tick_units == b.tick_units && a.qty_scale == b.qty_scale &&
         a.lot_units == b.lot_units;
}

bool wanted(const EventLoadOptions& o, std::string_view symbol) {
  return o.symbols.empty() || std::find(o.symbols.begin(), o.symbols.end(), symbol) != o.symbols.end();
}

// Adds `in` to the unified registry (or checks it against the entry already there). `where` names the input.
EventDataError unify(InstrumentRegistry& reg, std::vector<std::string>& origin, const Instrument& in,
                     const std::string& where, InstrumentId& id, std::string& error) {
  id = reg.find(in.category, in.name());
  if (id == kNoInstrument) {
    id = reg.add(in);
    if (id == kNoInstrument) {
      error = where + ": more than " + std::to_string(InstrumentRegistry::kCapacity) + " instruments in total";
      return EventDataError::kTooManyInstruments;
    }
    origin.push_back(where);
    return EventDataError::kOk;
  }
  Instrument& have = reg.get(id);
  if (!same_grid(have, in)) {
    error = key_of(in) + " has different grids: " + grid_of(have) + (have.inferred ? " (inferred)" : "") + " in " +
            origin[id] + ", " + grid_of(in) + (in.inferred ? " (inferred)" : "") + " in " + where +
            " (its tick and lot counts would mean different prices; convert the file whose grid was inferred "
            "with `mm convert --instruments` giving a recording with the real instruments-info)";
    return EventDataError::kInstrumentConflict;
  }
  // Same grid: real instruments-info (limits, status) beats an inferred entry.
  if (have.inferred && !in.inferred) {
    have = in;
    origin[id] = where;
  }
  return EventDataError::kOk;
}

class VectorSink final : public EventSink {
 public:
  explicit VectorSink(std::vector<Event>& out) : out_(out) {}
  bool put(const Event& e) noexcept override {
    try {
      out_.push_back(e);
    } catch (...) {
      return false;  // out of memory: the conversion stops with kIo
    }
    return true;
  }

 private:
  std::vector<Event>& out_;
};

struct Input {
  std::span<const Event> span;  // the input's records (instrument ids of the unified registry)
  std::vector<Event> owned;     // backing store unless span maps a file
};

}  // namespace

EventDataError load_event_data(const std::vector<std::string>& paths, const EventLoadOptions& options,
                               EventData& out, std::string& error) {
  out = EventData();
  error.clear();
  if (paths.empty()) {
    error = "no data file given";
    return EventDataError::kNoInput;
  }
  if (options.from_ns > options.to_ns) {
    error = "empty time window: from " + std::to_string(options.from_ns) + " > to " + std::to_string(options.to_ns);
    return EventDataError::kBadWindow;
  }
  for (size_t i = 0; i < paths.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (paths[i] == paths[j] || same_file(paths[i], paths[j])) {
        error = paths[i] + ": given twice (also as " + paths[j] + "); its events would be replayed twice";
        return EventDataError::kDuplicateInput;
      }
    }
  }
  EventData d;
  std::vector<bool> is_file(paths.size());
  std::vector<EventFileReader> readers(paths.size());

  // Raw recordings share one codec registry, scanned from all of them first (as `mm replay` does).
  InstrumentRegistry raw_reg;
  for (size_t i = 0; i < paths.size(); ++i) {
    is_file[i] = is_events_file(paths[i]);
    if (is_file[i]) {
      EventFileOpenOptions fo;
      fo.validate_records = options.validate_records;
      if (const EventFileError e = readers[i].open(paths[i], fo); e != EventFileError::kOk) {
        error = readers[i].error() + " (" + std::string(to_string(e)) + ")";
        return EventDataError::kEventFile;
      }
    } else {
      if (std::string err = scan_recording_instruments(paths[i], options.read, raw_reg, &d.notes_,
                                                       &d.instruments_rejected_);
          !err.empty()) {
        error = err;
        return EventDataError::kRecording;
      }
    }
  }

  // The unified instrument table, and per input a map from its ids to the unified ids.
  std::vector<std::string> origin;
  std::vector<std::vector<InstrumentId>> maps(paths.size());
  std::vector<std::vector<bool>> keep(paths.size());  // per input table entry: passes the symbol filter
  std::vector<InstrumentId> raw_map(raw_reg.size(), kNoInstrument);
  bool raw_unified = false;
  for (size_t i = 0; i < paths.size(); ++i) {
    if (is_file[i]) {
      const auto table = readers[i].instruments();
      maps[i].assign(table.size(), kNoInstrument);
      keep[i].assign(table.size(), false);
      for (size_t k = 0; k < table.size(); ++k) {
        keep[i][k] = wanted(options, table[k].name());
        if (!keep[i][k]) {
          // Filtered out: still registered when it fits (so a file's ids can stay its own and its records
          // be used in place), but a grid conflict on it does not matter, its records are dropped.
          std::string ignored;
          if (unify(*d.registry_, origin, table[k], paths[i], maps[i][k], ignored) != EventDataError::kOk) {
            maps[i][k] = kNoInstrument;
          }
          continue;
        }
        if (const EventDataError e = unify(*d.registry_, origin, table[k], paths[i], maps[i][k], error);
            e != EventDataError::kOk) {
          return e;
        }
      }
    } else if (!raw_unified) {
      raw_unified = true;
      for (size_t k = 0; k < raw_reg.size(); ++k) {
        const Instrument& in = raw_reg.get(static_cast<InstrumentId>(k));
        if (!wanted(options, in.name())) continue;
        if (const EventDataError e = unify(*d.registry_, origin, in, paths[i], raw_map[k], error);
            e != EventDataError::kOk) {
          return e;
        }
      }
    }
  }

  std::vector<Input> inputs(paths.size());
  bool all_local = true;
  for (size_t i = 0; i < paths.size(); ++i) {
    EventSource src;
    src.path = paths[i];
    src.events_file = is_file[i];
    Input& in = inputs[i];
    if (is_file[i]) {
      const EventFileReader& r = readers[i];
      src.format = r.header().source_format;
      src.has_local_time = r.has_local_time();
      bool identity = true, keep_all = true;
      for (size_t k = 0; k < maps[i].size(); ++k) {
        identity = identity && maps[i][k] == k;
        keep_all = keep_all && keep[i][k];
      }
      if (identity && !keep_all) {
        // A symbol filter that drops only instruments without records (the usual case: `mm backtest`
        // filters on the traded symbol) still allows the records to be used in place. One pass to check.
        keep_all = std::all_of(r.events().begin(), r.events().end(),
                               [&](const Event& e) { return keep[i][e.instrument]; });
      }
      if (identity && keep_all) {
        in.span = r.events();  // zero copy (used as is when it is the only input)
      } else {
        in.owned.reserve(r.events().size());
        for (const Event& e : r.events()) {
          const InstrumentId id = maps[i][e.instrument];
          if (id == kNoInstrument || !keep[i][e.instrument]) continue;  // symbol filter
          Event c = e;
          c.instrument = id;
          in.owned.push_back(c);
        }
        in.span = in.owned;
      }
    } else {
      EventConvertOptions co;
      co.read = options.read;
      co.symbols = options.symbols;
      co.max_bad_records = options.max_bad_records;
      VectorSink sink(in.owned);
      const EventConvertResult cr = convert_recording_events(paths[i], raw_reg, co, sink);
      src.format = cr.format;
      src.has_local_time = cr.has_local_time;
      src.convert = cr.stats;
      const bool fatal = cr.status != ReadResult::kOk && !(cr.status == ReadResult::kTruncated && !options.strict);
      if (fatal || (options.strict && !cr.ok())) {
        error = paths[i] + ": " + (cr.message.empty() ? std::string(to_string(cr.status)) : cr.message);
        if (options.strict && cr.status == ReadResult::kOk) {
          error += " (" + std::to_string(cr.stats.parse_errors) + " codec errors, " +
                   std::to_string(cr.stats.read_errors) + " unreadable records; strict load)";
        }
        return EventDataError::kRecording;
      }
      for (Event& e : in.owned) e.instrument = raw_map[e.instrument];
      in.span = in.owned;
    }
    src.records = in.span.size();
    all_local = all_local && src.has_local_time;
    d.sources_.push_back(std::move(src));
  }

  // Combine. The backtest clock is the local time, so the result is always in local-time order:
  //  - one input already in order: used as is (a mapped file stays zero-copy);
  //  - otherwise the inputs are concatenated in the given order and, unless that is already in order
  //    (consecutive inputs), stably sorted by local time. Stable: equal times keep input order, then file
  //    order, so a book message's run (one local time, contiguous) is never split, and inputs that overlap
  //    are merged. Why sort even one file: a recording need not be in receive-time order (the cryptofeed
  //    sample writes its two connections in batches, up to 42 s apart).
  const auto by_local = [](const Event& a, const Event& b) { return a.local_ts_ns < b.local_ts_ns; };
  if (inputs.size() == 1 && inputs[0].owned.empty() && std::is_sorted(inputs[0].span.begin(), inputs[0].span.end(), by_local)) {
    d.all_ = inputs[0].span;
  } else {
    if (inputs.size() == 1 && !inputs[0].owned.empty()) {
      d.owned_ = std::move(inputs[0].owned);
    } else {
      size_t total = 0;
      for (const Input& in : inputs) total += in.span.size();
      d.owned_.reserve(total);
      for (const Input& in : inputs) d.owned_.insert(d.owned_.end(), in.span.begin(), in.span.end());
    }
    if (!std::is_sorted(d.owned_.begin(), d.owned_.end(), by_local)) {
      std::stable_sort(d.owned_.begin(), d.owned_.end(), by_local);
    }
    d.all_ = d.owned_;
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    const auto sp = inputs[i].span;
    for (size_t k = 1; k < sp.size(); ++k) d.sources_[i].out_of_order += sp[k].local_ts_ns < sp[k - 1].local_ts_ns;
  }
  // Mapped files stay open only when their records are used in place.
  if (!d.all_.empty() && d.owned_.empty()) {
    for (size_t i = 0; i < paths.size(); ++i) {
      if (is_file[i]) d.files_.push_back(std::move(readers[i]));
    }
  }
  d.has_local_time_ = all_local;
  d.time_ordered_ = true;
  d.window_ = d.window(options.from_ns, options.to_ns);
  if (options.from_ns == kNoTimeLimitLow && options.to_ns == kNoTimeLimitHigh) d.window_ = d.all_;
  out = std::move(d);
  return EventDataError::kOk;
}

// ------------------------------------------------------------------------------------------ book decoding

BookRunDecoder::BookRunDecoder(uint32_t max_levels_per_side) : bids_(max_levels_per_side), asks_(max_levels_per_side) {}

size_t BookRunDecoder::decode(std::span<const Event> events, size_t i, BookUpdate& out) noexcept {
  const Event& first = events[i];
  out.instrument = first.instrument;
  out.snapshot = (first.flags & kEvSnapshot) != 0;
  out.depth = static_cast<uint16_t>(first.depth);
  out.update_id = first.aux;
  out.seq = 0;
  out.ts_ms = first.exch_ts_ns / 1'000'000;
  out.cts_ms = 0;
  overflowed_ = false;
  uint32_t nb = 0, na = 0;
  const uint32_t cap = static_cast<uint32_t>(bids_.size());
  size_t j = i;
  const size_t n = events.size();
  for (; j < n; ++j) {
    const Event& e = events[j];
    if (j != i && (e.kind != EventKind::kBookLevel || e.instrument != first.instrument || e.aux != first.aux ||
                   e.local_ts_ns != first.local_ts_ns)) {
      break;  // a run without its end-of-message record (cut by a window)
    }
    if ((e.flags & kEvEmpty) == 0) {
      const PriceLevel l{Price{e.price}, Qty{e.qty}};
      if ((e.flags & kEvBuy) != 0) {
        if (nb < cap) bids_[nb++] = l; else overflowed_ = true;
      } else {
        if (na < cap) asks_[na++] = l; else overflowed_ = true;
      }
    }
    if ((e.flags & kEvEndOfMessage) != 0) {
      ++j;
      break;
    }
  }
  out.bids = bids_.data();
  out.bid_count = nb;
  out.asks = asks_.data();
  out.ask_count = na;
  return j;
}

}  // namespace mm
