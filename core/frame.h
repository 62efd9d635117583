#pragma once
// Frame: one recorded unit of traffic (a received or sent WebSocket message, an HTTP response body, or a
// connection opening), as every recording reader and the live recorder see it. Readers of all formats
// (mm capture, cryptofeed JSON Lines, Bybit history dumps) yield the same struct, so replay, backtest and
// conversion code never care where the bytes came from.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/types.h"

namespace mm {

// Every reader guarantees this many readable bytes after Frame::data.end() (Frame::url has no such promise).
// Why: simdjson reads up to 64 bytes past the end of its input; with the guarantee the codec parses the
// frame in place instead of copying it into a padded buffer. The contents of those bytes are unspecified.
inline constexpr size_t kFramePadding = 64;

enum class FrameKind : uint8_t {
  kRecv = 0,     // a WebSocket message received on connection conn_id
  kSend = 1,     // a WebSocket message sent on connection conn_id
  kHttp = 2,     // an HTTP response body (e.g. GET /v5/market/instruments-info); `url` is the request URL
  kConnect = 3,  // connection conn_id opened to `url`; `data` is empty
};

std::string_view to_string(FrameKind k) noexcept;

struct Frame {
  int64_t recv_ns = 0;   // local receive (or send / open) time, ns since the Unix epoch
  uint32_t conn_id = 0;  // dense per recording; 0 for single-connection formats
  FrameKind kind = FrameKind::kRecv;
  Category category = Category::kLinear;  // meaningful only when has_category
  bool has_category = false;              // false for private/trade connections and unknown URLs
  std::string_view data;                  // the frame bytes, followed by >= kFramePadding readable bytes
  std::string_view url;  // kHttp: request URL; kConnect: connection URL; kRecv/kSend: the connection's URL
                         // when the recording knows it, else empty
};

// Result of FrameSource::next and of the readers' open functions.
enum class ReadResult : uint8_t {
  kOk = 0,
  kEnd,        // clean end of the recording; next() keeps returning kEnd
  kBadRecord,  // one record could not be decoded and was skipped; the stream continues: call next() again
  kIo,         // an operating-system read error (terminal)
  kCorrupt,    // the stream itself is damaged (bad magic, impossible record header, bad checksum) (terminal)
  kTruncated,  // the file ends inside a record: every complete record before it was yielded (terminal)
  kTooLarge,   // a record exceeds the reader's configured maximum frame size (terminal)
  kUnsupported,  // a format or feature this reader does not implement (version, zip64, encryption) (terminal)
};

std::string_view to_string(ReadResult r) noexcept;

// A stream of frames. Frames and their views are valid until the next call to next() or the source's
// destruction. Readers reuse their buffers: after the largest frame was seen once, next() does not allocate.
class FrameSource {
 public:
  FrameSource() = default;
  FrameSource(const FrameSource&) = delete;
  FrameSource& operator=(const FrameSource&) = delete;
  virtual ~FrameSource() = default;

  // Yields the next frame into `out` (untouched unless kOk). Returns kOk, kEnd, kBadRecord (skipped, call
  // again), or a terminal error: kIo, kCorrupt, kTruncated, kTooLarge, kUnsupported. After a terminal
  // error every further call returns the same code.
  [[nodiscard]] virtual ReadResult next(Frame& out) noexcept = 0;

  // Human-readable description of the last non-kOk result, naming the file (and line or offset).
  // Empty when nothing went wrong.
  virtual std::string_view error() const noexcept = 0;

  // Bytes of the input file read so far (compressed bytes for a compressed file), for a progress bar against
  // the file's size; 0 when the reader cannot say.
  virtual uint64_t bytes_consumed() const noexcept { return 0; }
};

// Category of a Bybit URL: the `category=` query parameter (REST), else the last path segment after
// "/v5/public/" (WebSocket public streams). Returns false (out untouched) when neither is present or the
// value is not a Bybit category, e.g. for /v5/private and /v5/trade.
constexpr bool category_from_url(std::string_view url, Category& out) noexcept {
  constexpr std::string_view kQuery = "category=";
  for (size_t pos = url.find(kQuery); pos != std::string_view::npos; pos = url.find(kQuery, pos + 1)) {
    // Only a whole parameter name counts ("subcategory=" must not match).
    if (pos != 0 && url[pos - 1] != '?' && url[pos - 1] != '&') continue;
    std::string_view v = url.substr(pos + kQuery.size());
    v = v.substr(0, v.find('&'));
    return parse_category(v, out);
  }
  constexpr std::string_view kPublic = "/v5/public/";
  const size_t p = url.find(kPublic);
  if (p == std::string_view::npos) return false;
  std::string_view v = url.substr(p + kPublic.size());
  v = v.substr(0, v.find_first_of("/?#"));
  return parse_category(v, out);
}

inline std::string_view to_string(FrameKind k) noexcept {
  switch (k) {
    case FrameKind::kRecv:
      return "recv";
    case FrameKind::kSend:
      return "send";
    case FrameKind::kHttp:
      return "http";
    case FrameKind::kConnect:
      return "connect";
  }
  return "?";
}

inline std::string_view to_string(ReadResult r) noexcept {
  switch (r) {
    case ReadResult::kOk:
      return "ok";
    case ReadResult::kEnd:
      return "end";
    case ReadResult::kBadRecord:
      return "bad_record";
    case ReadResult::kIo:
      return "io";
    case ReadResult::kCorrupt:
      return "corrupt";
    case ReadResult::kTruncated:
      return "truncated";
    case ReadResult::kTooLarge:
      return "too_large";
    case ReadResult::kUnsupported:
      return "unsupported";
  }
  return "?";
}

}  // namespace mm
