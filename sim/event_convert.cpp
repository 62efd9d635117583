#include "sim/event_convert.h"

#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "net/instruments_json.h"

namespace mm {

namespace {

constexpr int64_t kNsPerMs = 1'000'000;
constexpr size_t kMaxMessages = 3;  // error texts kept per conversion; the rest are only counted

// A grid guessed from the data (the same inference as `mm replay`): 10^-decimals seen over every book level
// and trade of the symbol is finer than or equal to the true grid, so every price and size of the file
// converts exactly. A later message with more decimals refines it (a spot orderbook.1 stream may show sizes
// with one decimal first and two later).
struct Inferred {
  Category category = Category::kLinear;
  std::string symbol;
  int price_decimals = 0;
  int qty_decimals = 0;
  bool has_snapshot = false;  // only a symbol with a book snapshot gets an inferred instrument
};

// Widens `price`/`qty` decimals with one [price, size] pair; false when either is not a decimal string.
bool widen(simdjson::simdjson_result<simdjson::dom::element> p_el,
           simdjson::simdjson_result<simdjson::dom::element> q_el, Inferred& out) {
  std::string_view p, q;
  if (p_el.get(p) != simdjson::SUCCESS || q_el.get(q) != simdjson::SUCCESS) return false;
  const int pd = decimal_places(p), qd = decimal_places(q);
  if (pd < 0 || qd < 0) return false;
  out.price_decimals = std::max(out.price_decimals, pd);
  out.qty_decimals = std::max(out.qty_decimals, qd);
  return true;
}

// The decimals of one orderbook.* message (snapshot or delta) or publicTrade.* message into `seen` (one
// entry per category:symbol). Cold: a DOM parse per frame, only for frames that may carry a new grid.
void infer_from_frame(simdjson::dom::parser& parser, std::string_view frame, Category category,
                      std::vector<Inferred>& seen) {
  simdjson::dom::element doc;
  if (parser.parse(frame.data(), frame.size()).get(doc) != simdjson::SUCCESS) return;
  std::string_view topic;
  if (doc["topic"].get(topic) != simdjson::SUCCESS) return;
  const bool book = topic.rfind("orderbook.", 0) == 0;
  if (!book && topic.rfind("publicTrade.", 0) != 0) return;
  const std::string symbol(topic.substr(topic.rfind('.') + 1));
  // Option trades are published per base coin: their items name instruments this inference never creates.
  if (!book && category == Category::kOption) return;
  auto it = std::find_if(seen.begin(), seen.end(),
                         [&](const Inferred& x) { return x.category == category && x.symbol == symbol; });
  Inferred cur = it == seen.end() ? Inferred{category, symbol, 0, 0, false} : *it;
  if (book) {
    std::string_view type;
    if (doc["type"].get(type) != simdjson::SUCCESS) return;
    for (const char* side : {"b", "a"}) {
      simdjson::dom::array levels;
      if (doc["data"][side].get(levels) != simdjson::SUCCESS) return;
      for (simdjson::dom::element lvl : levels) {
        if (!widen(lvl.at(0), lvl.at(1), cur)) return;
      }
    }
    if (type == "snapshot") cur.has_snapshot = true;
  } else {
    simdjson::dom::array items;
    if (doc["data"].get(items) != simdjson::SUCCESS) return;
    for (simdjson::dom::element t : items) {
      if (!widen(t["p"], t["v"], cur)) return;
    }
  }
  if (it == seen.end()) {
    seen.push_back(std::move(cur));
  } else {
    *it = std::move(cur);
  }
}

std::string step_string(int decimals) {
  if (decimals == 0) return "1";
  return "0." + std::string(static_cast<size_t>(decimals - 1), '0') + "1";
}

bool format_has_local_time(RecordingFormat f) noexcept {
  return f == RecordingFormat::kCapture || f == RecordingFormat::kCryptofeed;
}

// Keeps the first kMaxMessages error texts (`kept` counts them); later ones are only counted in the stats.
void add_message(EventConvertResult& r, size_t& kept, const std::string& m) {
  if (kept >= kMaxMessages) return;
  ++kept;
  if (!r.message.empty()) r.message += "; ";
  r.message += m;
}

// Per-conversion state: the filter, the last funding/mark values per instrument, the counters.
class Converter {
 public:
  Converter(const InstrumentRegistry& registry, const EventConvertOptions& options, EventSink& sink,
            EventConvertResult& result)
      : registry_(registry), options_(options), sink_(sink), r_(result) {
    wanted_.resize(registry.size());
    for (size_t i = 0; i < registry.size(); ++i) {
      const std::string_view name = registry.get(static_cast<InstrumentId>(i)).name();
      wanted_[i] = options.symbols.empty() ||
                   std::find(options.symbols.begin(), options.symbols.end(), name) != options.symbols.end();
    }
    funding_.assign(registry.size(), {});
    mark_.assign(registry.size(), {});
  }

  // Returns false when the sink refused a record.
  bool on_frame(const BybitCodec& codec, MsgKind kind, int64_t recv_ns) noexcept {
    switch (kind) {
      case MsgKind::kBook: return on_book(codec.book(), recv_ns);
      case MsgKind::kTrade:
        for (const TradeEvent& t : codec.trades()) {
          Event e;
          e.exch_ts_ns = t.trade_ts_ms * kNsPerMs;
          e.local_ts_ns = local(recv_ns, e.exch_ts_ns);
          e.price = t.price.ticks;
          e.qty = t.qty.lots;
          e.aux = t.seq;
          e.instrument = t.instrument;
          e.kind = EventKind::kTrade;
          e.flags = t.taker_side == Side::kBuy ? kEvBuy : 0;
          if (!emit(e)) return false;
        }
        return true;
      case MsgKind::kTicker: return on_ticker(codec.ticker(), recv_ns);
      default: return true;
    }
  }

 private:
  struct LastFunding {
    bool seen = false;
    int64_t rate = 0, next_ms = 0;
  };
  struct LastMark {
    bool seen = false;
    int64_t mark = 0;
  };

  int64_t local(int64_t recv_ns, int64_t exch_ns) const noexcept { return r_.has_local_time ? recv_ns : exch_ns; }

  bool keep(const Event& e) noexcept {
    if (e.instrument >= wanted_.size() || !wanted_[e.instrument] || e.local_ts_ns < options_.from_ns ||
        e.local_ts_ns >= options_.to_ns) {
      ++r_.stats.filtered;
      return false;
    }
    return true;
  }

  bool emit(const Event& e) noexcept {
    if (!keep(e)) return true;
    ++r_.stats.records[static_cast<size_t>(e.kind)];
    return sink_.put(e);
  }

  bool on_book(const BookUpdate& u, int64_t recv_ns) noexcept {
    Event e;
    e.exch_ts_ns = (u.cts_ms != 0 ? u.cts_ms : u.ts_ms) * kNsPerMs;
    e.local_ts_ns = local(recv_ns, e.exch_ts_ns);
    e.aux = u.update_id;
    e.instrument = u.instrument;
    e.kind = EventKind::kBookLevel;
    e.depth = u.depth;
    const uint8_t base = u.snapshot ? kEvSnapshot : 0;
    const uint32_t total = u.bid_count + u.ask_count;
    if (total == 0) {
      e.flags = static_cast<uint8_t>(base | kEvEmpty | kEvEndOfMessage);
      return emit(e);
    }
    // Filter once per message: every record of a run shares instrument and times.
    if (!keep(e)) {
      r_.stats.filtered += total - 1;
      return true;
    }
    uint32_t n = 0;
    const auto level = [&](const PriceLevel& l, uint8_t side) {
      e.price = l.price.ticks;
      e.qty = l.qty.lots;
      e.flags = static_cast<uint8_t>(base | side | (++n == total ? kEvEndOfMessage : 0));
      ++r_.stats.records[static_cast<size_t>(EventKind::kBookLevel)];
      return sink_.put(e);
    };
    for (uint32_t i = 0; i < u.bid_count; ++i) {
      if (!level(u.bids[i], kEvBuy)) return false;
    }
    for (uint32_t i = 0; i < u.ask_count; ++i) {
      if (!level(u.asks[i], 0)) return false;
    }
    return true;
  }

  bool on_ticker(const Ticker& t, int64_t recv_ns) noexcept {
    if (t.instrument >= funding_.size()) return true;
    Event e;
    e.exch_ts_ns = t.ts_ms * kNsPerMs;
    e.local_ts_ns = local(recv_ns, e.exch_ts_ns);
    e.instrument = t.instrument;
    if ((t.present & (kTickerFundingRate | kTickerNextFunding)) != 0) {
      LastFunding& f = funding_[t.instrument];
      if (!f.seen || f.rate != t.funding_rate || f.next_ms != t.next_funding_time_ms) {
        f = {true, t.funding_rate, t.next_funding_time_ms};
        e.kind = EventKind::kFunding;
        e.price = t.funding_rate;
        e.aux = t.next_funding_time_ms;
        if (!emit(e)) return false;
      }
    }
    if ((t.present & kTickerMarkPrice) != 0) {
      LastMark& m = mark_[t.instrument];
      if (!m.seen || m.mark != t.mark_price) {
        m = {true, t.mark_price};
        e.kind = EventKind::kMarkPrice;
        e.price = t.mark_price;
        e.aux = 0;
        if (!emit(e)) return false;
      }
    }
    return true;
  }

  const InstrumentRegistry& registry_;
  const EventConvertOptions& options_;
  EventSink& sink_;
  EventConvertResult& r_;
  std::vector<bool> wanted_;
  std::vector<LastFunding> funding_;
  std::vector<LastMark> mark_;
};

}  // namespace

std::string scan_recording_instruments(const std::string& path, const RecordingOptions& read,
                                       InstrumentRegistry& registry, std::vector<std::string>* notes,
                                       uint64_t* rejected_out) {
  OpenedRecording opened = open_recording(path, read);
  if (!opened.source) return opened.message;
  FrameSource& src = *opened.source;
  std::vector<Inferred> seen;
  simdjson::dom::parser parser;
  std::vector<std::string> rejected_symbols;  // "linear:BTCUSDT" of refused entries (named ones)
  size_t rejected = 0;
  Frame f;
  for (uint64_t n = 0;; ++n) {
    const ReadResult r = src.next(f);
    if (r == ReadResult::kBadRecord) continue;
    // A terminal read error ends the scan only: the conversion pass meets it again and reports it with
    // what it means for the output (e.g. a truncated capture still converts every complete frame).
    if (r != ReadResult::kOk) break;
    if (n == kInstrumentScanFrames) {
      // Past the instruments-info responses: the rest of the file matters only to a grid still inferred
      // (a later message with more decimals refines it), so a fully described recording stops here.
      const bool any_inferred = std::any_of(seen.begin(), seen.end(), [&](const Inferred& x) {
        const InstrumentId id = registry.find(x.category, x.symbol);
        return id == kNoInstrument || registry.get(id).inferred;
      });
      if (!any_inferred) break;
    }
    if (f.kind == FrameKind::kHttp && f.url.find("instruments-info") != std::string_view::npos) {
      if (n >= kInstrumentScanFrames) continue;
      const InstrumentsLoad load = load_instruments_json(f.data, registry);
      if (load.error != InstrumentsJsonError::kOk) {
        return path + ": instruments-info response at " + std::string(f.url) + ": " +
               std::string(to_string(load.error));
      }
      if (load.rejected > 0) {
        rejected += load.rejected;
        const std::string cat(to_string(load.category));
        std::string which;
        for (const RejectedInstrument& e : load.rejected_entries) {
          rejected_symbols.push_back(cat + ":" + e.symbol);
          which += (which.empty() ? ": " : "; ") + cat + ":" + (e.symbol.empty() ? "(no symbol)" : e.symbol) +
                   " (" + e.reason + ")";
        }
        if (load.rejected > load.rejected_entries.size()) {
          which += "; and " + std::to_string(load.rejected - load.rejected_entries.size()) + " more";
        }
        if (notes != nullptr) {
          notes->push_back(path + ": instruments-info response at " + std::string(f.url) + ": " +
                           std::to_string(load.rejected) + " invalid entr" +
                           (load.rejected == 1 ? "y" : "ies") + " ignored" + which);
        }
      }
    } else if (f.kind == FrameKind::kRecv && (f.data.find("orderbook.") != std::string_view::npos ||
                                              f.data.find("publicTrade.") != std::string_view::npos)) {
      infer_from_frame(parser, f.data, f.has_category ? f.category : read.category, seen);
    }
  }
  for (const Inferred& inf : seen) {
    if (!inf.has_snapshot) continue;
    const std::string tick = step_string(inf.price_decimals), step = step_string(inf.qty_decimals);
    InstrumentSpec spec{inf.category, inf.symbol, "Trading", "", tick, step, "", "", ""};
    Instrument in;
    if (make_instrument(spec, in) != InstrumentError::kOk) continue;
    in.inferred = true;
    const InstrumentId known = registry.find(inf.category, inf.symbol);
    if (known != kNoInstrument) {
      // An instruments-info grid stays strict (an off-grid value there is a parse error). An inferred one
      // (from an earlier file) is refined when this file shows a finer one; its prices stay exact.
      Instrument& old = registry.get(known);
      if (!old.inferred) continue;
      const bool finer_price = in.price_scale > old.price_scale;
      const bool finer_qty = in.qty_scale > old.qty_scale;
      if (!finer_price && !finer_qty) continue;
      if (!finer_price) {
        in.price_scale = old.price_scale;
        in.tick_units = old.tick_units;
      }
      if (!finer_qty) {
        in.qty_scale = old.qty_scale;
        in.lot_units = old.lot_units;
        in.min_qty = old.min_qty;
      }
      old = in;
      if (notes != nullptr) {
        notes->push_back(path + ": " + std::string(to_string(inf.category)) + ":" + inf.symbol +
                         ": inferred grid refined by this file (tick " + step_string(in.price_scale) +
                         ", step " + step_string(in.qty_scale) + ")");
      }
      continue;
    }
    if (registry.add(in) == kNoInstrument) return path + ": instrument registry full";
    if (notes != nullptr) {
      // When entries were refused this symbol may be one of them: the note must not claim it had none.
      const std::string key = std::string(to_string(inf.category)) + ":" + inf.symbol;
      const bool refused =
          std::find(rejected_symbols.begin(), rejected_symbols.end(), key) != rejected_symbols.end();
      notes->push_back(path + ": " + key +
                       (refused        ? " has no valid instruments-info entry (its entry was refused, above)"
                        : rejected > 0 ? " has no valid instruments-info entry"
                                       : " has no instruments-info") +
                       "; grid inferred from its book and trade messages (tick " + tick + ", step " + step +
                       ")");
    }
  }
  if (rejected_out != nullptr) *rejected_out += rejected;
  return {};
}

EventConvertResult convert_recording_events(const std::string& path, const InstrumentRegistry& registry,
                                            const EventConvertOptions& options, EventSink& sink) {
  EventConvertResult r;
  OpenedRecording opened = open_recording(path, options.read);
  r.format = opened.format;
  if (!opened.source) {
    r.status = opened.status;
    r.message = opened.message;
    return r;
  }
  r.has_local_time = format_has_local_time(opened.format);
  FrameSource& src = *opened.source;
  BybitCodec codec(registry);
  Converter conv(registry, options, sink, r);
  size_t kept = 0;
  Frame f;
  ConvertProgress progress(options.progress, src, path);
  for (;;) {
    const ReadResult rr = src.next(f);
    progress.frame();
    if (rr == ReadResult::kEnd) break;
    if (rr == ReadResult::kBadRecord) {
      ++r.stats.read_errors;
      add_message(r, kept, std::string(src.error()));
      if (r.stats.read_errors > options.max_bad_records) {
        r.status = ReadResult::kCorrupt;
        add_message(r, kept, path + ": more than " + std::to_string(options.max_bad_records) +
                           " unreadable records, conversion stopped");
        break;
      }
      continue;
    }
    if (rr != ReadResult::kOk) {
      r.status = rr;
      add_message(r, kept, std::string(src.error()));
      break;
    }
    ++r.stats.frames;
    if (f.kind != FrameKind::kRecv) continue;
    ++r.stats.recv_frames;
    const Category cat = f.has_category ? f.category : options.read.category;
    const ParseResult pr = codec.parse_padded(f.data.data(), f.data.size(), cat);
    if (pr.error == CodecError::kUnknownInstrument) {
      ++r.stats.unknown_instrument;  // well formed, no grid for it here: skipped, not a parse error
      continue;
    }
    if (pr.error != CodecError::kOk) {
      ++r.stats.codec_errors[static_cast<size_t>(pr.error)];
      ++r.stats.parse_errors;
      add_message(r, kept, path + ": frame " + std::to_string(r.stats.frames) + ": codec error " +
                         std::string(to_string(pr.error)));
      continue;
    }
    ++r.stats.kinds[static_cast<size_t>(pr.kind)];
    if (!conv.on_frame(codec, pr.kind, f.recv_ns)) {
      r.status = ReadResult::kIo;
      add_message(r, kept, path + ": the output refused a record");
      break;
    }
  }
  progress.finish();
  return r;
}

namespace {

class FileSink final : public EventSink {
 public:
  FileSink(EventFileWriter& w, std::vector<InstrumentId> remap) : w_(w), remap_(std::move(remap)) {}
  bool put(const Event& e) noexcept override {
    Event c = e;
    c.instrument = remap_[e.instrument];
    return w_.write(c) == EventFileError::kOk;
  }

 private:
  EventFileWriter& w_;
  std::vector<InstrumentId> remap_;
};

}  // namespace

EventConvertResult convert_to_events(const std::string& in_path, const std::string& out_path,
                                     const EventConvertOptions& options) {
  EventConvertResult r;
  std::vector<std::string> inputs = options.instrument_files;
  inputs.push_back(in_path);
  if (std::string e = check_output_not_input(out_path, inputs); !e.empty()) {
    r.status = ReadResult::kIo;
    r.message = std::move(e);
    return r;
  }
  // OUT is replaced atomically when the conversion succeeds (EventFileWriter): until then, and on any
  // failure, it keeps what it held.
  {
    // Open once first so that an unreadable or unknown input reports its own status and no output appears.
    OpenedRecording probe = open_recording(in_path, options.read);
    r.format = probe.format;
    if (!probe.source) {
      r.status = probe.status;
      r.message = probe.message;
      return r;
    }
  }
  InstrumentRegistry registry;
  for (const std::string& p : options.instrument_files) {
    if (std::string err = scan_recording_instruments(p, options.read, registry); !err.empty()) {
      r.status = ReadResult::kCorrupt;
      r.message = err;
      return r;
    }
  }
  if (std::string err = scan_recording_instruments(in_path, options.read, registry); !err.empty()) {
    r.status = ReadResult::kCorrupt;
    r.message = err;
    return r;
  }
  std::vector<Instrument> table;
  std::vector<InstrumentId> remap(registry.size(), kNoInstrument);
  for (size_t i = 0; i < registry.size(); ++i) {
    const Instrument& in = registry.get(static_cast<InstrumentId>(i));
    if (!options.symbols.empty() &&
        std::find(options.symbols.begin(), options.symbols.end(), in.name()) == options.symbols.end()) {
      continue;
    }
    remap[i] = static_cast<InstrumentId>(table.size());
    table.push_back(in);
  }
  for (const std::string& want : options.symbols) {
    if (std::none_of(table.begin(), table.end(), [&](const Instrument& in) { return in.name() == want; })) {
      std::string known;
      for (size_t i = 0; i < registry.size() && i < 20; ++i) {
        known += (known.empty() ? "" : ", ") + std::string(registry.get(static_cast<InstrumentId>(i)).name());
      }
      r.selected_nothing = true;
      r.message = "--symbol " + want + ": no such instrument in " + in_path +
                  (known.empty() ? " (it holds none)" : " (it holds " + known + ")") + "; nothing written";
      return r;
    }
  }
  EventFileWriter writer;
  EventFileWriteOptions wo;
  wo.has_local_time = format_has_local_time(r.format);
  wo.created_ns = options.created_ns;
  wo.source_format = r.format;
  wo.source = in_path;
  if (const EventFileError e = writer.open(out_path, table, wo); e != EventFileError::kOk) {
    r.status = e == EventFileError::kIo ? ReadResult::kIo : ReadResult::kUnsupported;
    r.message = writer.error();
    return r;
  }
  FileSink sink(writer, std::move(remap));
  r = convert_recording_events(in_path, registry, options, sink);
  if (!writer.error().empty() && r.status == ReadResult::kIo) {
    r.message = writer.error();
  }
  if (r.status != ReadResult::kOk && r.status != ReadResult::kTruncated) {
    writer.abort();
    return r;
  }
  if (r.stats.total_records() == 0 && r.stats.filtered > 0) {
    // An empty file with exit 0 would read as "converted": the filter is wrong, and the user must hear it.
    writer.abort();
    r.selected_nothing = true;
    r.message = "the filter (--symbol, --from-ns/--to-ns) left none of the " +
                std::to_string(r.stats.filtered) + " records of " + in_path + "; nothing written";
    return r;
  }
  if (writer.close() != EventFileError::kOk) {
    r.status = ReadResult::kIo;
    r.message = writer.error();
  }
  return r;
}

std::string format_record_counts(const EventConvertStats& s) {
  return "book " + std::to_string(s.records[1]) + " trade " + std::to_string(s.records[2]) + " funding " +
         std::to_string(s.records[3]) + " mark " + std::to_string(s.records[4]);
}

}  // namespace mm
