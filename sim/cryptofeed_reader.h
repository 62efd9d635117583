#pragma once
// Reader for cryptofeed's raw-capture JSON Lines (.jsonl, or .jsonl.zst decompressed while streaming).
// Each line is one record {"t": "header"|"http"|"connect"|"send"|"recv", "conn", "ts", "addr", "url",
// "data"}: `ts` is the local time in float Unix seconds, `data` the frame text as a JSON string.
//   - header lines are skipped;
//   - conn names ("BYBIT.ws.2") become dense ids 0, 1, ... in order of first appearance;
//   - recv_ns is `ts` converted from its decimal text exactly (digits beyond ns are truncated), never via
//     double;
//   - category: for ws records from the connection's `addr` (connect and send records carry it), for http
//     records from the url's `category=` query;
//   - kRecv/kSend frames carry the connection's addr as url, kHttp frames the request url.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/frame.h"
#include "sim/detail/byte_source.h"

namespace mm {

struct CryptofeedOptions {
  // Longest line (and frame) accepted; longer ones end the stream with kTooLarge. Full instruments-info
  // responses are about 0.8 MB today.
  size_t max_frame_bytes = size_t{64} << 20;
};

class CryptofeedReader final : public FrameSource {
 public:
  explicit CryptofeedReader(CryptofeedOptions options = {});
  ~CryptofeedReader() override;

  // Opens `path`; zstd is recognised by its magic bytes, whatever the extension.
  // Errors: kIo (cannot open/read), kCorrupt (zstd header damaged).
  [[nodiscard]] ReadResult open(const std::string& path) noexcept;

  // kOk, kEnd, kBadRecord (a line that is not a valid record: not JSON, missing t/conn/ts/data, malformed
  // ts, unknown t; it is skipped and the next call continues), kTruncated (last line cut off without a
  // newline, or a zstd stream cut inside a frame), kTooLarge, kIo, kCorrupt.
  [[nodiscard]] ReadResult next(Frame& out) noexcept override;
  std::string_view error() const noexcept override { return error_; }
  uint64_t bytes_consumed() const noexcept override { return file_.bytes_read(); }

  uint64_t line_number() const noexcept { return lines_.line_number(); }
  // Connection names in id order (conn_id indexes this).
  std::vector<std::string> connection_names() const;

 private:
  struct Conn {
    std::string name;
    std::string addr;
    bool has_category = false;
    Category category = Category::kLinear;
  };
  struct Json;  // simdjson parser, kept out of this header

  ReadResult bad(std::string_view what) noexcept;
  ReadResult terminal(ReadResult r) noexcept;
  uint32_t conn_id(std::string_view name) noexcept;

  CryptofeedOptions options_;
  std::unique_ptr<Json> json_;
  detail::FileByteSource file_;
  std::unique_ptr<detail::ZstdByteSource> zstd_;
  detail::LineReader lines_;
  std::unique_ptr<char[]> frame_buf_;  // unescaped frame data + kFramePadding
  size_t frame_cap_ = 0;
  std::vector<Conn> conns_;
  uint32_t last_conn_ = 0;
  ReadResult sticky_ = ReadResult::kOk;
  std::string path_;
  std::string error_;
};

// Parses a non-negative decimal seconds value ("1786310819.2235148", "17", "1.5") into ns since the epoch,
// exactly; digits below 1 ns are truncated. Returns false for anything else (signs, exponents, empty
// parts, overflow).
[[nodiscard]] bool parse_seconds_to_ns(std::string_view s, int64_t& out) noexcept;

}  // namespace mm
