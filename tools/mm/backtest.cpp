#include "tools/mm/backtest.h"

#include <cstdio>
#include <string>

namespace mm::tools {

std::string backtest_json(const BacktestRun& run) {
  std::string out = "{\"stats\":";
  write_stats_json(run.stats, out);
  char buf[512];
  // modelled_receive_times: messages without a receive time of their own, received at exchange time +
  // feed_latency_ns (null: sampled from a file); initial_book_levels: the book rebuilt before the window;
  // sequence_gaps / resyncs / crossed_books: the traded book's data faults; skipped: well-formed frames of
  // raw recordings the loader could not decode, as `mm replay` counts them (runtime/backtest.h).
  std::snprintf(
      buf, sizeof buf,
      ",\"run\":{\"events\":%llu,\"events_per_s\":%.1f,\"wall_s\":%.6f,\"modelled_receive_times\":%llu,"
      "\"feed_latency_ns\":%s,\"initial_book_levels\":%llu,\"sequence_gaps\":%llu,\"resyncs\":%llu,"
      "\"crossed_books\":%llu,\"skipped\":{\"unknown_instrument\":%llu,\"unsupported_topic\":%llu},"
      "\"instruments_rejected\":%llu}}",
      static_cast<unsigned long long>(run.events), run.events_per_s, run.wall_s,
      static_cast<unsigned long long>(run.modelled_receive_times),
      run.feed_latency_ns < 0 ? "null" : std::to_string(run.feed_latency_ns).c_str(),
      static_cast<unsigned long long>(run.initial_book_levels),
      static_cast<unsigned long long>(run.sequence_gaps), static_cast<unsigned long long>(run.resyncs),
      static_cast<unsigned long long>(run.crossed_books),
      static_cast<unsigned long long>(run.skipped_unknown_instrument),
      static_cast<unsigned long long>(run.skipped_unsupported_topic),
      static_cast<unsigned long long>(run.instruments_rejected));
  out += buf;
  return out;
}

}  // namespace mm::tools
