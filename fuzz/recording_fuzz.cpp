// libFuzzer harness: the recording readers (mm capture files, cryptofeed JSON Lines, Bybit history .data) through
// open_recording, which picks the reader from the magic and the file name. The first input byte chooses the file
// name's extension (the readers open paths, not buffers), the rest is the file; every frame is read to the end.
#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/frame.h"
#include "sim/recording.h"

namespace {

bool write_file(const std::string& path, const uint8_t* data, size_t size) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return false;
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(fd, data + done, size - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return done == size;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static constexpr std::array<const char*, 4> kExt = {".mmcap", ".jsonl", ".data", ".bin"};
  static const std::string base = "/tmp/mm-fuzz-recording-" + std::to_string(::getpid());
  const std::string path = base + kExt[data[0] % kExt.size()];
  if (!write_file(path, data + 1, size - 1)) return 0;
  mm::OpenedRecording rec = mm::open_recording(path);
  if (rec.status == mm::ReadResult::kOk) {
    mm::Frame f;
    // Bounded: a reader that loops without consuming input would otherwise hang (libFuzzer reports a timeout).
    for (int i = 0; i < 100000 && rec.source->next(f) == mm::ReadResult::kOk; ++i) {
    }
  }
  rec.source.reset();
  ::unlink(path.c_str());
  return 0;
}
