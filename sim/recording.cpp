#include "sim/recording.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "core/capture.h"
#include "sim/bybit_history_reader.h"
#include "sim/cryptofeed_reader.h"
#include "sim/detail/byte_source.h"

namespace mm {

std::string_view to_string(RecordingFormat f) noexcept {
  switch (f) {
    case RecordingFormat::kUnknown:
      return "unknown";
    case RecordingFormat::kCapture:
      return "mm capture";
    case RecordingFormat::kCryptofeed:
      return "cryptofeed jsonl";
    case RecordingFormat::kBybitHistory:
      return "bybit history";
  }
  return "?";
}

namespace {

bool ends_with(std::string_view s, std::string_view suffix) noexcept {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

ReadResult detect_recording_format(const std::string& path, RecordingFormat& out,
                                   std::string& error) noexcept {
  char head[4096];
  const long n = detail::read_prefix(path, head, sizeof(head), error);
  if (n < 0) return ReadResult::kIo;
  const std::string_view h(head, static_cast<size_t>(n));
  if (h.substr(0, 5) == "MMCAP" || ends_with(path, ".mmcap")) {
    out = RecordingFormat::kCapture;  // a wrong magic is then reported by the capture reader itself
    return ReadResult::kOk;
  }
  if (h.substr(0, 4) == std::string_view("\x28\xB5\x2F\xFD", 4) || ends_with(path, ".jsonl") ||
      ends_with(path, ".jsonl.zst")) {
    out = RecordingFormat::kCryptofeed;
    return ReadResult::kOk;
  }
  if (h.substr(0, 4) == std::string_view("PK\x03\x04", 4) ||
      h.substr(0, 4) == std::string_view("PK\x05\x06", 4) || ends_with(path, ".data") ||
      ends_with(path, ".zip")) {
    out = RecordingFormat::kBybitHistory;
    return ReadResult::kOk;
  }
  // No magic and no known extension: look at the first record.
  const size_t first = h.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && h[first] == '{') {
    const std::string_view line = h.substr(first, h.find('\n', first) - first);
    if (line.substr(0, 5) == "{\"t\":" || line.find("\"t\":\"header\"") != std::string_view::npos) {
      out = RecordingFormat::kCryptofeed;
      return ReadResult::kOk;
    }
    if (line.find("\"topic\":") != std::string_view::npos) {
      out = RecordingFormat::kBybitHistory;
      return ReadResult::kOk;
    }
  }
  out = RecordingFormat::kUnknown;
  error = path +
          ": unrecognised recording format (expected an mm capture, cryptofeed .jsonl/.jsonl.zst, or a "
          "Bybit history .data/.zip)";
  return ReadResult::kUnsupported;
}

ConvertProgress::ConvertProgress(const std::function<void(uint64_t, uint64_t)>& fn, const FrameSource& src,
                                 const std::string& path)
    : fn_(fn), src_(src) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  total_ = ec ? 0 : static_cast<uint64_t>(size);
}

void ConvertProgress::report(bool end) {
  const uint64_t done = src_.bytes_consumed();
  if (done == 0) return;
  const uint64_t total = std::max(total_, done);
  fn_(end ? total : done, total);
}

OpenedRecording open_recording(const std::string& path, const RecordingOptions& options) {
  OpenedRecording r;
  // A recording is opened more than once (the format is sniffed, instruments are scanned, then it is read):
  // a pipe, FIFO or `<(...)` would lose its first bytes to the sniff and a device such as /dev/zero would be
  // read forever, so only regular files are taken (through links: /dev/stdin redirected from a file is one).
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    r.status = ReadResult::kIo;
    r.message = path + ": cannot open: " + std::strerror(errno);
    return r;
  }
  if (!S_ISREG(st.st_mode)) {
    r.status = ReadResult::kUnsupported;
    r.message =
        path + ": not a regular file (" +
        (S_ISDIR(st.st_mode) ? std::string("a directory") : std::string("a pipe, FIFO, socket or device")) +
        "); recordings are read more than once: write it to a file first";
    return r;
  }
  if (st.st_size == 0) {
    // Not an empty recording: a 0-byte .zip, .zst or capture is a download or a copy that went wrong.
    r.status = ReadResult::kTruncated;
    r.message = path + ": empty file (0 bytes), not a recording";
    return r;
  }
  r.status = detect_recording_format(path, r.format, r.message);
  if (r.status != ReadResult::kOk) return r;
  switch (r.format) {
    case RecordingFormat::kCapture: {
      auto reader = std::make_unique<CaptureReader>();
      CaptureReadOptions co;
      co.mode = options.capture_mode;
      r.status = reader->open(path, co);
      if (r.status != ReadResult::kOk)
        r.message = std::string(reader->error());
      else
        r.source = std::move(reader);
      break;
    }
    case RecordingFormat::kCryptofeed: {
      auto reader = std::make_unique<CryptofeedReader>(CryptofeedOptions{options.max_frame_bytes});
      r.status = reader->open(path);
      if (r.status != ReadResult::kOk)
        r.message = std::string(reader->error());
      else
        r.source = std::move(reader);
      break;
    }
    case RecordingFormat::kBybitHistory: {
      auto reader = std::make_unique<BybitHistoryReader>(
          BybitHistoryOptions{options.category, options.max_frame_bytes, options.zip_entry});
      r.status = reader->open(path);
      if (r.status != ReadResult::kOk)
        r.message = std::string(reader->error());
      else
        r.source = std::move(reader);
      break;
    }
    case RecordingFormat::kUnknown:
      r.status = ReadResult::kUnsupported;
      r.message = path + ": unrecognised recording format";
      break;
  }
  return r;
}

ConvertResult convert_to_capture(const std::string& in_path, const std::string& out_path,
                                 const ConvertOptions& options) {
  ConvertResult res;
  if (std::string e = check_output_not_input(out_path, std::span<const std::string>(&in_path, 1));
      !e.empty()) {
    res.status = ReadResult::kIo;
    res.errors = 1;
    res.message = std::move(e);
    return res;
  }
  OpenedRecording in = open_recording(in_path, options.read);
  if (in.status != ReadResult::kOk) {
    res.status = in.status;
    res.errors = 1;
    res.message = in.message;
    return res;
  }
  CaptureWriter w;
  if (w.open(out_path, options.created_ns) != CaptureError::kOk) {
    res.status = ReadResult::kIo;
    res.errors = 1;
    res.message = std::string(w.error());
    return res;
  }
  std::vector<uint32_t> described;  // conn ids that have a connection-info record in the output
  auto is_described = [&](uint32_t id) {
    return std::find(described.begin(), described.end(), id) != described.end();
  };
  auto note = [&](std::string_view m) {
    constexpr size_t kMaxMessages = 5;  // the first few say what is wrong; a thousand say nothing more
    if (res.errors <= kMaxMessages) {
      if (!res.message.empty()) res.message += '\n';
      res.message += m;
    }
  };
  Frame f;
  ConvertProgress progress(options.progress, *in.source, in_path);
  for (;;) {
    const ReadResult r = in.source->next(f);
    progress.frame();
    if (r == ReadResult::kEnd) break;
    if (r == ReadResult::kBadRecord) {
      ++res.errors;
      note(in.source->error());
      if (res.errors > options.max_bad_records) {
        res.status = ReadResult::kCorrupt;
        note(in_path + ": more than " + std::to_string(options.max_bad_records) + " bad records, giving up");
        break;
      }
      continue;
    }
    if (r != ReadResult::kOk) {
      ++res.errors;
      res.status = r;
      note(in.source->error());
      break;
    }
    CaptureError we = CaptureError::kOk;
    if (f.kind == FrameKind::kConnect) {
      if (!is_described(f.conn_id)) described.push_back(f.conn_id);
    } else if (f.kind != FrameKind::kHttp && f.has_category && !is_described(f.conn_id)) {
      const std::string url = f.url.empty()
                                  ? "wss://stream.bybit.com/v5/public/" + std::string(to_string(f.category))
                                  : std::string(f.url);
      we = w.write_connection(f.conn_id, f.recv_ns, url, true, f.category);
      described.push_back(f.conn_id);
    }
    if (we == CaptureError::kOk) we = w.write(f);
    if (we != CaptureError::kOk) {
      ++res.errors;
      res.status = we == CaptureError::kIo ? ReadResult::kIo : ReadResult::kTooLarge;
      note(w.error());
      break;
    }
    ++res.frames;
  }
  progress.finish();
  if (res.status != ReadResult::kOk && res.status != ReadResult::kTruncated) {
    w.abort();  // out_path keeps what it held: a conversion that failed part-way must not look complete
    return res;
  }
  if (w.close() != CaptureError::kOk) {
    ++res.errors;
    res.status = ReadResult::kIo;
    note(w.error());
  }
  return res;
}

}  // namespace mm
