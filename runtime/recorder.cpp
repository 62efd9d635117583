#include "runtime/recorder.h"

#include <algorithm>
#include <chrono>

#include "core/capture.h"
#include "core/clock.h"
#include "net/bybit_codec.h"
#include "net/public_ws.h"
#include "runtime/public_feed.h"

namespace mm {

namespace {

// The clocks of core/clock.h.
int64_t wall_ns() noexcept {
  return WallClock{}.now_ns();
}

// conn_id of the instruments-info answer; public connections count up from 1.
constexpr uint32_t kRestConn = 0;

}  // namespace

std::vector<std::string> record_default_topics(std::string_view symbol) {
  const std::string s(symbol);
  return {"orderbook.50." + s, "publicTrade." + s, "tickers." + s};
}

std::string record_topic(std::string_view topic, std::string_view symbol) {
  const size_t dots = static_cast<size_t>(std::count(topic.begin(), topic.end(), '.'));
  const bool has_symbol = topic.starts_with("orderbook.") ? dots >= 2 : dots >= 1;
  return has_symbol ? std::string(topic) : std::string(topic) + "." + std::string(symbol);
}

std::string record_file_name(const std::string& out, uint32_t n) {
  return n == 0 ? out : out + "." + std::to_string(n);
}

struct Recorder::Impl final : PublicWsSink {
  explicit Impl(RecordOptions o) : opt(std::move(o)) {}

  RecordOptions opt;
  RecordSummary sum;
  PublicVenue pv;
  std::unique_ptr<BybitCodec> codec;
  std::unique_ptr<PublicWs> pub;
  std::vector<std::string> topics;
  CaptureWriter writer;
  uint32_t file_index = 0;
  uint32_t conn_id = 0;  // the open public connection's (0: none yet)
  std::string error;     // the first write error (the loop stops on it)

  LiveError prepare();
  LiveError run(RecordSummary& out);
  std::string open_file(int64_t now);
  std::string close_file();
  void rotate(int64_t now) noexcept;
  void fail(CaptureError e) noexcept;

  void on_frame(std::string_view text, int64_t recv_ns) noexcept override;
  void on_public(const BybitCodec&, MsgKind, int64_t) noexcept override {}
  void on_public_error(CodecError, int64_t) noexcept override { ++sum.parse_errors; }
  void on_connected() noexcept override;
};

void Recorder::Impl::fail(CaptureError e) noexcept {
  if (!error.empty()) return;
  try {
    error = record_file_name(opt.out, file_index) + ": " + std::string(to_string(e)) + " " +
            std::string(writer.error());
  } catch (...) {
    error = "capture write failed";
  }
}

// Opens file number file_index and writes what makes it self-describing: the instruments-info answer and,
// when connected, the connection's record.
std::string Recorder::Impl::open_file(int64_t now) {
  const std::string name = record_file_name(opt.out, file_index);
  CaptureError e = writer.open(name, now);
  if (e != CaptureError::kOk) return name + ": cannot create: " + std::string(writer.error());
  e = writer.write_http(kRestConn, now, pv.instruments_url, pv.instruments_body);
  if (e == CaptureError::kOk && conn_id != 0) {
    e = writer.write_connection(conn_id, now, pv.urls.public_ws, true, opt.config.category);
  }
  if (e != CaptureError::kOk) return name + ": " + std::string(writer.error());
  return "";
}

std::string Recorder::Impl::close_file() {
  const std::string name = record_file_name(opt.out, file_index);
  const uint64_t bytes = writer.bytes();
  if (writer.close() != CaptureError::kOk) return name + ": " + std::string(writer.error());
  sum.files.push_back(name);
  sum.bytes += bytes;
  return "";
}

void Recorder::Impl::rotate(int64_t now) noexcept {
  try {
    if (std::string e = close_file(); !e.empty()) {
      error = e;
      return;
    }
    ++file_index;
    if (std::string e = open_file(now); !e.empty()) {
      error = e;
      return;
    }
  } catch (...) {
    error = "out of memory rotating " + opt.out;
    return;
  }
  // A fresh snapshot for the new file (Bybit answers a subscribe with one).
  for (const std::string& t : topics) {
    if (t.starts_with("orderbook.")) (void)pub->resubscribe(t);
  }
}

void Recorder::Impl::on_connected() noexcept {
  ++conn_id;
  ++sum.connections;
  if (!error.empty()) return;
  const CaptureError e =
      writer.write_connection(conn_id, wall_ns(), pv.urls.public_ws, true, opt.config.category);
  if (e != CaptureError::kOk) fail(e);
}

void Recorder::Impl::on_frame(std::string_view text, int64_t recv_ns) noexcept {
  if (!error.empty()) return;
  const CaptureError e = writer.write_frame(FrameKind::kRecv, conn_id, recv_ns, text);
  if (e != CaptureError::kOk) return fail(e);
  ++sum.frames;
  if (opt.rotate_bytes > 0 && writer.bytes() >= opt.rotate_bytes) rotate(recv_ns);
}

LiveError Recorder::Impl::prepare() {
  const MmConfig& c = opt.config;
  if (const PublicVenueError e = open_public_venue(c, opt.sim, pv); e.code != 0) return {e.code, e.message};
  const std::string_view name = pv.registry.get(pv.id).name();
  if (opt.topics.empty()) {
    topics = record_default_topics(name);
  } else {
    for (const std::string& t : opt.topics) topics.push_back(record_topic(t, name));
  }
  PublicWsConfig pc;
  if (std::string e = public_ws_config(pv, c.category, topics, 21, pc); !e.empty()) return {2, e};
  codec = std::make_unique<BybitCodec>(pv.registry);
  pub = std::make_unique<PublicWs>(pc, *codec);
  if (std::string e = open_file(wall_ns()); !e.empty()) return {2, "--out " + e};
  return {};
}

LiveError Recorder::Impl::run(RecordSummary& out) {
  const int64_t start = wall_ns();
  const int64_t end = opt.duration_ns > 0 ? start + opt.duration_ns : INT64_MAX;
  pub->start(start);
  for (int64_t now = start;
       now < end && error.empty() && !(opt.stop != nullptr && opt.stop->load(std::memory_order_relaxed));
       now = wall_ns()) {
    (void)pub->do_work(now, *this);
  }
  pub->stop();
  if (opt.config.venue.endpoint == VenueEndpoint::kSim) pv.sim.stop();
  sum.reconnects = sum.connections > 0 ? sum.connections - 1 : 0;
  sum.duration_s = static_cast<double>(wall_ns() - start) / 1e9;
  LiveError result;
  if (!error.empty()) {
    writer.abort();  // the file being written is incomplete: it must not look like a whole recording
    result = {1, error};
  } else if (std::string e = close_file(); !e.empty()) {
    result = {1, e};
  }
  out = std::move(sum);
  return result;
}

Recorder::Recorder(RecordOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Recorder::~Recorder() = default;
LiveError Recorder::prepare() {
  return impl_->prepare();
}
LiveError Recorder::run(RecordSummary& out) {
  return impl_->run(out);
}

}  // namespace mm
