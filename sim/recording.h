#pragma once
// One entry point for every recording format the project reads, and the converter behind `mm convert`.
//   .mmcap (magic "MMCAP")         -> CaptureReader          (core/capture.h)
//   .jsonl / .jsonl.zst             -> CryptofeedReader       (zstd recognised by magic)
//   .data / .zip (magic "PK\3\4")    -> BybitHistoryReader
// Magic bytes decide first; for plain text the extension decides, then a look at the first line.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/capture.h"
#include "core/frame.h"
#include "core/types.h"

namespace mm {

enum class RecordingFormat : uint8_t { kUnknown, kCapture, kCryptofeed, kBybitHistory };
std::string_view to_string(RecordingFormat f) noexcept;

struct RecordingOptions {
  Category category = Category::kLinear;      // Bybit history files carry none: this is theirs
  size_t max_frame_bytes = size_t{64} << 20;  // line-based formats: longest line accepted
  std::string zip_entry;                      // Bybit history zips: entry to read (empty: the .data entry)
  // mm captures: mapped (frames valid until the source is destroyed) or streamed through a reused window
  // (frames valid until the next next(), the FrameSource contract; a one-pass reader's choice: see
  // core/capture.h).
  CaptureReadMode capture_mode = CaptureReadMode::kMap;
};

// Which reader `path` needs. Errors: kIo (cannot read the file), kUnsupported (no format recognised).
[[nodiscard]] ReadResult detect_recording_format(const std::string& path, RecordingFormat& out,
                                                 std::string& error) noexcept;

struct OpenedRecording {
  std::unique_ptr<FrameSource> source;  // null unless status == kOk
  RecordingFormat format = RecordingFormat::kUnknown;
  ReadResult status = ReadResult::kOk;
  std::string message;  // names the file when status != kOk
};

// Opens any supported recording. Errors: kIo (cannot stat it), kUnsupported (not a regular file: a pipe,
// FIFO, socket, device or directory, since a recording is opened more than once), kTruncated (0 bytes: an
// empty file is not an empty recording), those of detect_recording_format and of the chosen reader's open.
[[nodiscard]] OpenedRecording open_recording(const std::string& path, const RecordingOptions& options = {});

// Hands a conversion's progress to a ConvertOptions/EventConvertOptions::progress callback: frame() after
// each source frame (a report every 4096), finish() once at the end. Reports nothing when `fn` is empty or
// the reader cannot say how far it is (FrameSource::bytes_consumed() == 0). The total is the input file's
// size.
class ConvertProgress {
 public:
  ConvertProgress(const std::function<void(uint64_t, uint64_t)>& fn, const FrameSource& src,
                  const std::string& path);
  void frame() {
    if (fn_ && (++frames_ & 4095) == 0) report(false);
  }
  void finish() {
    if (fn_) report(true);
  }

 private:
  void report(bool end);
  const std::function<void(uint64_t, uint64_t)>& fn_;
  const FrameSource& src_;
  uint64_t total_ = 0;
  uint64_t frames_ = 0;
};

struct ConvertOptions {
  RecordingOptions read;
  int64_t created_ns = 0;  // the capture header's creation time (0: unknown; keeps output reproducible)
  uint64_t max_bad_records = 1000;  // give up (status kCorrupt) after this many skipped records
  // As EventConvertOptions::progress: every 4096 source frames and at the end, input bytes read and size.
  std::function<void(uint64_t done, uint64_t total)> progress;
};

struct ConvertResult {
  uint64_t frames = 0;  // source frames written (connection records synthesised for categories excluded)
  uint64_t errors = 0;  // skipped bad records, plus 1 when the conversion stopped on an error
  ReadResult status = ReadResult::kOk;  // kOk when the whole input was converted, else why it stopped
  std::string message;                  // first error message(s), naming the file
  bool ok() const noexcept { return status == ReadResult::kOk && errors == 0; }
};

// Converts any supported recording into an mm capture at out_path. Frames are written in source order
// with their payloads, kinds, times and conn ids unchanged. A frame whose category the capture could not
// otherwise reproduce (Bybit history frames, which have no connection) gets a connection-info record for
// its conn id first, with the canonical public URL wss://stream.bybit.com/v5/public/{category}.
// On a truncated input every complete frame is converted, the capture is closed cleanly, and status is
// kTruncated. On any other error out_path keeps what it held before (the capture is written to a temporary
// and renamed into place only when complete, core/atomic_file.h). Status kIo also covers failures writing
// out_path, an out_path that is not a regular file, and an out_path that is in_path (through links).
[[nodiscard]] ConvertResult convert_to_capture(const std::string& in_path, const std::string& out_path,
                                               const ConvertOptions& options = {});

}  // namespace mm
