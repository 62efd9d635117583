#pragma once
// The recorder of `mm record` (issue 11): the public streams of [venue] for [market]'s symbol, written with
// their local receive times into mm capture files (core/capture.h) that `mm replay` and `mm backtest` read.
//
// What a file holds, in order: the instruments-info answer of the symbol (an http frame: the file describes
// its own instrument grid), a connection-info record for the open public connection, then every frame the
// connection delivered, verbatim (data, subscribe acks, pongs), each with its receive time.
//
// Reconnects: every (re)connection of the public stream gets a new conn_id and a connection-info record
// before its first frame, so a reader sees where the stream restarted (and the book's `u` restarts with a
// snapshot). Every frame the socket delivered is written: nothing received is dropped.
//
// Rotation (rotate_bytes > 0): when a file reaches rotate_bytes, it is closed (complete, with its end record)
// and the next one opened: OUT, OUT.1, OUT.2, ... Each new file starts again with the instruments-info
// answer and the connection's record, and the book topics are resubscribed so that it holds a fresh
// snapshot: every file replays on its own.
//
// Files appear atomically (core/atomic_file.h): a file is under its name only once closed with its end
// record; a recorder killed mid-file leaves the earlier files and no partial one.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/embedded_sim.h"
#include "runtime/live_node.h"
#include "runtime/mm_config.h"

namespace mm {

struct RecordOptions {
  MmConfig config;
  std::string out;                          // first file; rotation adds .1, .2, ...
  std::vector<std::string> topics;          // empty: record_default_topics(symbol)
  uint64_t rotate_bytes = 0;                // 0: one file
  int64_t duration_ns = 0;                  // 0: until *stop
  const std::atomic<bool>* stop = nullptr;  // set by the command's signal handler
  EmbeddedSimOptions sim;                   // endpoint = "sim" only (tests: faults)
};

struct RecordSummary {
  std::vector<std::string> files;  // in order
  uint64_t frames = 0;             // frames received and written
  uint64_t bytes = 0;              // bytes of every file
  uint64_t connections = 0;        // public connections opened (each marked in the file)
  uint64_t reconnects = 0;         // connections after the first
  uint64_t parse_errors = 0;       // frames the codec refused (written all the same)
  double duration_s = 0;
};

// The default topics: orderbook.50, publicTrade and tickers of `symbol`. One book depth only: a recording
// holding two depths of one symbol cannot be replayed into one book (each depth has its own `u` sequence);
// --topics records orderbook.200 (or another depth) instead.
[[nodiscard]] std::vector<std::string> record_default_topics(std::string_view symbol);
// A --topics entry: a full topic ("orderbook.200.BTCUSDT") is kept; a topic without the symbol
// ("orderbook.200", "publicTrade", "tickers") gets ".SYMBOL" appended.
[[nodiscard]] std::string record_topic(std::string_view topic, std::string_view symbol);
// The name of the n-th file (0: out itself).
[[nodiscard]] std::string record_file_name(const std::string& out, uint32_t n);

class Recorder {
 public:
  explicit Recorder(RecordOptions options);
  ~Recorder();
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  // Simulator (endpoint = "sim"), instruments-info, the first file opened. Errors (mm run's codes): 2 a bad
  // key (named) or an --out that cannot be created (named), 1 the venue could not be reached.
  [[nodiscard]] LiveError prepare();
  // Records until the stop flag or the duration, then closes the last file. Error 1 when a file could not be
  // written (the message names it; files closed before stay complete).
  [[nodiscard]] LiveError run(RecordSummary& out);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace mm
