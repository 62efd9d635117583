#include "tools/mm/replay.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "runtime/decision_path.h"
#include "tools/mm/config.h"
#include "tools/mm/json_writer.h"

namespace mm::tools {

std::string load_replay_config(const std::string& path, ReplayOptions& options) {
  MmConfig cfg;
  if (std::string err = load_config(path, cfg); !err.empty()) return err;
  options.config = std::move(cfg);
  // The copy's prefix view still points into `cfg`: re-point it at the copy's own string (see MmConfig).
  options.config->trader.quoter.link_id_prefix = options.config->link_id_prefix;
  options.config_path = path;
  return "";
}

namespace {

std::string book_key(const Instrument& in) {
  return std::string(to_string(in.category)) + ":" + std::string(in.name());
}

template <class F>
void for_each_book(const Replayer& r, F&& f) {
  // Report order: category, then symbol, so output is stable across runs.
  std::vector<InstrumentId> ids;
  for (size_t i = 0; i < r.registry().size(); ++i) {
    if (r.book(static_cast<InstrumentId>(i)) != nullptr) ids.push_back(static_cast<InstrumentId>(i));
  }
  std::sort(ids.begin(), ids.end(), [&](InstrumentId a, InstrumentId b) {
    return book_key(r.registry().get(a)) < book_key(r.registry().get(b));
  });
  for (InstrumentId id : ids) f(r.registry().get(id), *r.book(id));
}

std::string fmt_price(const Instrument& in, Price p) {
  char b[32];
  return std::string(b, format_price(in, p, b));
}
std::string fmt_qty(const Instrument& in, Qty q) {
  char b[32];
  return std::string(b, format_qty(in, q, b));
}

// A book is reported trusted only when it is also uncrossed: a crossed book (a crossed snapshot, or deltas
// that crossed it) is not the market, whatever its sequencing says.
bool reported_trusted(const BookSync& b) {
  return b.trusted() && !b.crossed();
}

// Transitions into a crossed book, over every book of the replay.
uint64_t crossed_count(const Replayer& r) {
  uint64_t n = 0;
  for_each_book(r, [&](const Instrument&, const BookSync& b) { n += b.counters().crossed; });
  return n;
}

// "bad_number 954, json 2"
std::string parse_codes(const ReplayCounters& c) {
  std::string out;
  for (size_t k = 1; k < kCodecErrorCount; ++k) {
    if (c.parse_by_code[k] == 0) continue;
    if (!out.empty()) out += ", ";
    out += std::string(to_string(static_cast<CodecError>(k))) + " " + std::to_string(c.parse_by_code[k]);
  }
  return out;
}

}  // namespace

std::vector<std::string> replay_warnings(const Replayer& r) {
  const ReplayCounters& c = r.counters();
  std::vector<std::string> out;
  if (c.parse_errors > 0) {
    std::string w = std::to_string(c.parse_errors) + " of " + std::to_string(c.frames) +
                    " frames could not be parsed (" + parse_codes(c) +
                    "; JSON errors.parse_by_code); the first " + "is frame " +
                    std::to_string(c.first_parse_error_frame);
    if (c.first_parse_error_topic[0] != '\0') w += std::string(" (topic ") + c.first_parse_error_topic + ")";
    w += ": " + std::string(to_string(c.first_parse_error));
    if (c.first_parse_error == CodecError::kBadNumber) {
      w += " (a price or size off the instrument's grid: check the tickSize and qtyStep of its "
           "instruments-info)";
    }
    out.push_back(std::move(w));
  }
  if (c.gaps > 0) {
    out.push_back(std::to_string(c.gaps) + " sequence gap" + (c.gaps == 1 ? "" : "s") +
                  " in the books' u (JSON errors.gap): each book stayed untrusted until its next snapshot (" +
                  std::to_string(c.resyncs) + " regained trust)");
  }
  if (r.decision_path() != nullptr && c.ticks > 0 && c.actions == 0) {
    // A config that can never quote (a size no venue accepts, a spread no price fits) must not pass as a
    // quiet market: JSON actions.total is 0, and this says why it matters.
    out.push_back("the strategy sent no order over " + std::to_string(c.ticks) +
                  " ticks (JSON actions.total 0): check the order sizes, spreads and risk limits of " +
                  r.options().config_path);
  }
  for_each_book(r, [&](const Instrument& in, const BookSync& b) {
    if (b.counters().crossed == 0) return;
    out.push_back(book_key(in) + ": the book was crossed " + std::to_string(b.counters().crossed) + " time" +
                  (b.counters().crossed == 1 ? "" : "s") + " (best bid >= best ask; JSON errors.crossed)" +
                  (b.crossed() ? ", and is at the end: reported untrusted" : ""));
  });
  return out;
}

std::string replay_json_report(const Replayer& r) {
  JsonWriter w;
  const ReplayCounters& c = r.counters();
  w.begin_object();
  w.key("layout").value(to_string(r.options().layout));
  w.key("frames").value(c.frames);
  w.key("messages").value(c.messages);
  w.key("topics").begin_object();
  for (size_t k = 1; k < kMsgKindCount; ++k) {
    if (c.topics[k] != 0) w.key(to_string(static_cast<MsgKind>(k))).value(c.topics[k]);
  }
  w.end_object();
  w.key("errors").begin_object();
  w.key("parse").value(c.parse_errors).key("gap").value(c.gaps).key("resync").value(c.resyncs);
  w.key("book").value(c.book_errors).key("read").value(c.read_errors);
  w.key("crossed").value(crossed_count(r));
  w.key("parse_by_code").begin_object();
  for (size_t k = 1; k < kCodecErrorCount; ++k) {
    if (c.parse_by_code[k] != 0) w.key(to_string(static_cast<CodecError>(k))).value(c.parse_by_code[k]);
  }
  w.end_object();
  w.end_object();
  w.key("instruments").begin_object();
  uint64_t inferred = 0;
  for (size_t i = 0; i < r.registry().size(); ++i)
    inferred += r.registry().get(static_cast<InstrumentId>(i)).inferred;
  w.key("known").value(static_cast<uint64_t>(r.registry().size())).key("inferred").value(inferred);
  w.key("rejected").value(r.instruments_rejected());
  w.end_object();
  w.key("skipped").begin_object();
  w.key("unknown_instrument").value(c.unknown_instrument).key("unsupported_topic").value(c.unsupported_topic);
  w.end_object();
  const double secs = r.wall_seconds() > 0 ? r.wall_seconds() : 1e-9;
  w.key("throughput").begin_object();
  w.key("msgs_per_s").value(static_cast<double>(c.messages) / secs);
  w.key("mb_per_s").value(static_cast<double>(c.bytes) / 1e6 / secs);
  w.key("wall_s").value(r.wall_seconds());
  w.end_object();
  if (r.options().layout == ReplayLayout::kPipeline) {
    const PipelineCounters& pc = r.pipeline_counters();
    w.key("pipeline").begin_object();
    w.key("idle").value(to_string(r.options().idle));
    w.key("cpus").begin_object();
    w.key("feed").value(static_cast<int64_t>(r.options().cpus[0]));
    w.key("decision").value(static_cast<int64_t>(r.options().cpus[1]));
    w.key("dispatch").value(static_cast<int64_t>(r.options().cpus[2]));
    w.end_object();
    w.key("waits").begin_object();
    w.key("frame_ring").value(pc.frame_ring_waits).key("arena").value(pc.arena_waits);
    w.key("action_ring").value(pc.action_ring_waits);
    w.end_object();
    w.key("action_ring_refusals").value(pc.action_ring_refusals);
    w.key("encode_errors").value(pc.encode_errors);
    w.end_object();
  }
  if (r.decision_path() != nullptr) {
    w.key("actions").begin_object();
    w.key("total").value(c.actions).key("create").value(c.creates).key("amend").value(c.amends);
    w.key("cancel").value(c.cancels).key("cancel_all").value(c.cancel_alls);
    w.key("per_tick").value(c.ticks ? static_cast<double>(c.actions) / static_cast<double>(c.ticks) : 0.0);
    w.key("ticks").value(c.ticks).key("ticks_with_actions").value(c.ticks_with_actions);
    w.key("order_frames").value(c.order_frames).key("order_bytes").value(c.order_bytes);
    w.end_object();
  }
  w.key("latency_ns").begin_object();
  for (size_t s = 0; s < static_cast<size_t>(ReplayStage::kCount); ++s) {
    const LatencyHistogram& h = r.latency(static_cast<ReplayStage>(s));
    if (!r.reported(static_cast<ReplayStage>(s))) continue;
    w.key(to_string(static_cast<ReplayStage>(s))).begin_object();
    w.key("count").value(h.count());
    w.key("p50").value(h.p50()).key("p90").value(h.p90()).key("p99").value(h.p99());
    w.key("p999").value(h.p999()).key("max").value(h.max());
    w.end_object();
  }
  w.end_object();
  w.key("books").begin_object();
  std::vector<PriceLevel> levels(r.options().top);
  for_each_book(r, [&](const Instrument& in, const BookSync& b) {
    w.key(book_key(in)).begin_object();
    w.key("u").value(b.last_update_id());
    w.key("trusted").value(reported_trusted(b));
    w.key("crossed").value(b.crossed());
    for (Side side : {Side::kBuy, Side::kSell}) {
      w.key(side == Side::kBuy ? "bids" : "asks").begin_array();
      const size_t n = b.book().top(side, levels.size(), levels.data());
      for (size_t i = 0; i < n; ++i) {
        w.begin_array().value(fmt_price(in, levels[i].price)).value(fmt_qty(in, levels[i].qty)).end_array();
      }
      w.end_array();
    }
    w.end_object();
  });
  w.end_object();
  w.end_object();
  return w.str() + "\n";
}

std::string replay_text_report(const Replayer& r) {
  const ReplayCounters& c = r.counters();
  std::string out;
  char line[256];
  const double secs = r.wall_seconds() > 0 ? r.wall_seconds() : 1e-9;
  std::snprintf(line, sizeof line, "layout %s  frames %llu  messages %llu  bytes %llu  wall %.3f s\n",
                std::string(to_string(r.options().layout)).c_str(), static_cast<unsigned long long>(c.frames),
                static_cast<unsigned long long>(c.messages), static_cast<unsigned long long>(c.bytes),
                r.wall_seconds());
  out += line;
  out += "messages by topic:";
  for (size_t k = 1; k < kMsgKindCount; ++k) {
    if (c.topics[k] == 0) continue;
    std::snprintf(line, sizeof line, "  %s %llu", std::string(to_string(static_cast<MsgKind>(k))).c_str(),
                  static_cast<unsigned long long>(c.topics[k]));
    out += line;
  }
  out += "\n";
  std::snprintf(
      line, sizeof line, "errors: parse %llu  gap %llu  resync %llu  book %llu  read %llu  crossed %llu\n",
      static_cast<unsigned long long>(c.parse_errors), static_cast<unsigned long long>(c.gaps),
      static_cast<unsigned long long>(c.resyncs), static_cast<unsigned long long>(c.book_errors),
      static_cast<unsigned long long>(c.read_errors), static_cast<unsigned long long>(crossed_count(r)));
  out += line;
  std::snprintf(line, sizeof line,
                "skipped (well-formed, not decodable here): unknown_instrument %llu  "
                "unsupported_topic %llu\n",
                static_cast<unsigned long long>(c.unknown_instrument),
                static_cast<unsigned long long>(c.unsupported_topic));
  out += line;
  std::snprintf(line, sizeof line, "throughput: %.0f msgs/s  %.1f MB/s\n",
                static_cast<double>(c.messages) / secs, static_cast<double>(c.bytes) / 1e6 / secs);
  out += line;
  if (r.options().layout == ReplayLayout::kPipeline) {
    const PipelineCounters& pc = r.pipeline_counters();
    std::snprintf(
        line, sizeof line,
        "pipeline: idle %s  cpus feed %d decision %d dispatch %d  waits: frame ring %llu  arena %llu  "
        "action ring %llu  action ring refusals %llu  encode errors %llu\n",
        std::string(to_string(r.options().idle)).c_str(), r.options().cpus[0], r.options().cpus[1],
        r.options().cpus[2], static_cast<unsigned long long>(pc.frame_ring_waits),
        static_cast<unsigned long long>(pc.arena_waits),
        static_cast<unsigned long long>(pc.action_ring_waits),
        static_cast<unsigned long long>(pc.action_ring_refusals),
        static_cast<unsigned long long>(pc.encode_errors));
    out += line;
  }
  if (r.decision_path() != nullptr) {
    std::snprintf(
        line, sizeof line,
        "decision path: ticks %llu  with actions %llu  actions %llu (create %llu amend %llu cancel %llu "
        "cancel-all %llu)  per tick %.3f  order frames %llu (%llu bytes)\n",
        static_cast<unsigned long long>(c.ticks), static_cast<unsigned long long>(c.ticks_with_actions),
        static_cast<unsigned long long>(c.actions), static_cast<unsigned long long>(c.creates),
        static_cast<unsigned long long>(c.amends), static_cast<unsigned long long>(c.cancels),
        static_cast<unsigned long long>(c.cancel_alls),
        c.ticks ? static_cast<double>(c.actions) / static_cast<double>(c.ticks) : 0.0,
        static_cast<unsigned long long>(c.order_frames), static_cast<unsigned long long>(c.order_bytes));
    out += line;
  }
  out += "latency ns            count      p50      p90      p99    p99.9      max\n";
  for (size_t s = 0; s < static_cast<size_t>(ReplayStage::kCount); ++s) {
    const LatencyHistogram& h = r.latency(static_cast<ReplayStage>(s));
    if (!r.reported(static_cast<ReplayStage>(s))) continue;
    std::snprintf(line, sizeof line, "  %-12s %11llu %8lld %8lld %8lld %8lld %8lld\n",
                  std::string(to_string(static_cast<ReplayStage>(s))).c_str(),
                  static_cast<unsigned long long>(h.count()), static_cast<long long>(h.p50()),
                  static_cast<long long>(h.p90()), static_cast<long long>(h.p99()),
                  static_cast<long long>(h.p999()), static_cast<long long>(h.max()));
    out += line;
  }
  std::vector<PriceLevel> bids(r.options().top), asks(r.options().top);
  for_each_book(r, [&](const Instrument& in, const BookSync& b) {
    std::snprintf(line, sizeof line, "\nbook %s  u=%lld%s%s%s\n", book_key(in).c_str(),
                  static_cast<long long>(b.last_update_id()), reported_trusted(b) ? "" : "  UNTRUSTED",
                  b.crossed() ? "  CROSSED" : "", in.inferred ? "  (grid inferred)" : "");
    out += line;
    const size_t nb = b.book().top(Side::kBuy, bids.size(), bids.data());
    const size_t na = b.book().top(Side::kSell, asks.size(), asks.data());
    std::snprintf(line, sizeof line, "  %16s %14s | %-16s %-14s\n", "bid size", "bid", "ask", "ask size");
    out += line;
    for (size_t i = 0; i < std::max(nb, na); ++i) {
      const std::string bp = i < nb ? fmt_price(in, bids[i].price) : "",
                        bq = i < nb ? fmt_qty(in, bids[i].qty) : "";
      const std::string ap = i < na ? fmt_price(in, asks[i].price) : "",
                        aq = i < na ? fmt_qty(in, asks[i].qty) : "";
      std::snprintf(line, sizeof line, "  %16s %14s | %-16s %-14s\n", bq.c_str(), bp.c_str(), ap.c_str(),
                    aq.c_str());
      out += line;
    }
  });
  return out;
}

}  // namespace mm::tools
