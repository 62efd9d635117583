#pragma once
// Output files that are complete or absent: every file mm writes (captures, events, JSON, reports, generated
// markets) goes through AtomicFile. Cold path (allocates, may block on the disk).
//
// Guarantee: the bytes go to a fresh temporary file created next to the target (same directory, so the final
// rename(2) stays on one filesystem; name ".<target base>.<random>.tmp", created with O_CREAT|O_EXCL, which
// never follows a symbolic link, so a planted link cannot redirect the write). commit() fsyncs the
// temporary, renames it over the target and fsyncs the directory: after a crash, a full disk, a signal or any
// error the target holds either its old content or the complete new one, never a part. Until commit() the
// target is not touched at all.
//
// Only regular files are replaced: a target that is a directory, a device, a FIFO, a socket or a symbolic
// link is refused before anything is created (as root, `--json /dev/full` would otherwise replace the device
// node; a symlink would be replaced by a file rather than written through, which is never what was meant).
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include <sys/types.h>

namespace mm {

class AtomicFile {
 public:
  AtomicFile() = default;
  ~AtomicFile();  // a file not committed is removed (abort()); the target keeps its old content
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  // Checks the target (see above) and creates the temporary. Returns false with error() set when the target
  // is not a regular file or a new name, when its directory does not exist or is not writable, or when the
  // file is already open. The message names the target.
  [[nodiscard]] bool open(const std::string& target) noexcept;

  // Appends n bytes (retries EINTR and short writes). False after any failure (sticky; error() says why).
  [[nodiscard]] bool write(const void* data, size_t n) noexcept;
  [[nodiscard]] bool write(std::string_view s) noexcept { return write(s.data(), s.size()); }
  // Writes n bytes at `offset` without moving the append position (a header rewritten at the end).
  [[nodiscard]] bool write_at(const void* data, size_t n, off_t offset) noexcept;

  // fsync, close, rename over the target, fsync the directory. False (error() set) when any step fails:
  // the temporary is then removed and the target keeps its old content (except when only the final
  // directory fsync failed: the rename happened, error() says so). Not open or already failed: false.
  [[nodiscard]] bool commit() noexcept;
  // Closes and removes the temporary; the target is untouched. No-op when not open.
  void abort() noexcept;

  bool is_open() const noexcept { return fd_ >= 0; }
  bool failed() const noexcept { return failed_; }
  int fd() const noexcept { return fd_; }
  const std::string& target() const noexcept { return target_; }
  const std::string& temp_path() const noexcept { return temp_; }
  const std::string& error() const noexcept { return error_; }

 private:
  bool fail(const std::string& what) noexcept;  // sets error_ from errno and failed_; returns false

  int fd_ = -1;
  bool failed_ = false;
  std::string target_;
  std::string temp_;
  std::string error_;
};

// Writes `data` to `path` through AtomicFile. Returns "" or the reason (naming the file).
[[nodiscard]] std::string write_file_atomically(const std::string& path, std::string_view data);

// "" when an output at `path` may be created or replaced (a regular file, or no file yet), else why not
// (directory, device, FIFO, socket, symbolic link, missing directory). AtomicFile::open makes this check
// too; commands call it up front so that a bad output is refused before any work.
[[nodiscard]] std::string check_output_path(const std::string& path) noexcept;

// True when both paths exist and name the same file (same device and inode, through symbolic and hard
// links).
[[nodiscard]] bool same_file(const std::string& a, const std::string& b) noexcept;

// "" when `out` is none of `inputs` (same_file), else "OUT: is the same file as the input IN; refusing to
// overwrite an input". Call it before anything is opened for writing.
[[nodiscard]] std::string check_output_not_input(const std::string& out,
                                                 std::span<const std::string> inputs) noexcept;

}  // namespace mm
