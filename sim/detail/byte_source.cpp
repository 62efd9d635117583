#include "sim/detail/byte_source.h"

#include <fcntl.h>
#include <unistd.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>

namespace mm::detail {

long read_prefix(const std::string& path, char* dst, size_t n, std::string& error) noexcept {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = path + ": cannot open: " + std::strerror(errno);
    return -1;
  }
  size_t done = 0;
  while (done < n) {
    const ssize_t r = ::read(fd, dst + done, n - done);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      error = path + ": read failed: " + std::strerror(errno);
      ::close(fd);
      return -1;
    }
    if (r == 0) break;
    done += static_cast<size_t>(r);
  }
  ::close(fd);
  return static_cast<long>(done);
}

FileByteSource::~FileByteSource() {
  if (fd_ >= 0) ::close(fd_);
}

ReadResult FileByteSource::open(const std::string& path) noexcept {
  if (fd_ >= 0) ::close(fd_);
  path_ = path;
  error_.clear();
  bytes_read_ = 0;
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) {
    error_ = path + ": cannot open: " + std::strerror(errno);
    return ReadResult::kIo;
  }
  ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
  return ReadResult::kOk;
}

ReadResult FileByteSource::read(char* dst, size_t cap, size_t& got) noexcept {
  got = 0;
  if (fd_ < 0) {
    error_ = path_ + ": not open";
    return ReadResult::kIo;
  }
  for (;;) {
    const ssize_t r = ::read(fd_, dst, cap);
    if (r > 0) {
      got = static_cast<size_t>(r);
      bytes_read_ += got;
      return ReadResult::kOk;
    }
    if (r == 0) return ReadResult::kEnd;
    if (errno == EINTR) continue;
    error_ = path_ + ": read failed: " + std::strerror(errno);
    return ReadResult::kIo;
  }
}

ZstdByteSource::ZstdByteSource(ByteSource& in, std::string name)
    : in_(in), dctx_(ZSTD_createDCtx()), in_cap_(ZSTD_DStreamInSize()), name_(std::move(name)) {
  in_buf_.reset(new char[in_cap_]);
}

ZstdByteSource::~ZstdByteSource() {
  ZSTD_freeDCtx(dctx_);
}

ReadResult ZstdByteSource::read(char* dst, size_t cap, size_t& got) noexcept {
  got = 0;
  if (sticky_ != ReadResult::kOk) return sticky_;
  if (dctx_ == nullptr) {
    error_ = name_ + ": cannot create a zstd decoder";
    return sticky_ = ReadResult::kIo;
  }
  for (;;) {
    if (in_pos_ == in_len_ && !in_end_) {
      size_t n = 0;
      const ReadResult r = in_.read(in_buf_.get(), in_cap_, n);
      if (r == ReadResult::kEnd) {
        in_end_ = true;
      } else if (r != ReadResult::kOk) {
        error_ = std::string(in_.error());
        return sticky_ = r;
      } else {
        in_pos_ = 0;
        in_len_ = n;
        any_input_ = true;
      }
    }
    // Decode even with no new input: the decoder may hold output that did not fit the last call.
    ZSTD_inBuffer in{in_buf_.get(), in_len_, in_pos_};
    ZSTD_outBuffer out{dst, cap, 0};
    const size_t ret = ZSTD_decompressStream(dctx_, &out, &in);
    const bool progress = in.pos != in_pos_ || out.pos > 0;
    in_pos_ = in.pos;
    if (ZSTD_isError(ret)) {
      error_ = name_ + ": zstd: " + ZSTD_getErrorName(ret);
      return sticky_ = ReadResult::kCorrupt;
    }
    // An idle call after a finished frame asks for the next frame's header (ret > 0): not a cut.
    if (progress) frame_done_ = ret == 0;
    if (out.pos > 0) {
      got = out.pos;
      return ReadResult::kOk;
    }
    if (in_end_ && in_pos_ == in_len_) {
      if (!frame_done_ && any_input_) {
        error_ = name_ + ": zstd stream ends inside a frame (truncated file)";
        return sticky_ = ReadResult::kTruncated;
      }
      return ReadResult::kEnd;
    }
  }
}

void LineReader::reset(ByteSource* src, size_t initial_capacity, size_t max_line) {
  src_ = src;
  max_line_ = max_line;
  if (cap_ < initial_capacity) {
    cap_ = initial_capacity;
    buf_.reset(new char[cap_ + kFramePadding]);
    // Defined padding bytes keep memory checkers quiet when a parser reads past a line.
    std::memset(buf_.get(), 0, cap_ + kFramePadding);
  }
  begin_ = end_ = scan_ = 0;
  eof_ = false;
  line_no_ = 0;
  sticky_ = ReadResult::kOk;
}

ReadResult LineReader::next(std::string_view& line, bool& terminated) noexcept {
  if (sticky_ != ReadResult::kOk) return sticky_;
  for (;;) {
    if (scan_ < end_) {
      const void* nl = std::memchr(buf_.get() + scan_, '\n', end_ - scan_);
      if (nl != nullptr) {
        const size_t e = static_cast<size_t>(static_cast<const char*>(nl) - buf_.get());
        size_t le = e;
        if (le > begin_ && buf_[le - 1] == '\r') --le;
        line = std::string_view(buf_.get() + begin_, le - begin_);
        begin_ = scan_ = e + 1;
        terminated = true;
        ++line_no_;
        return ReadResult::kOk;
      }
      scan_ = end_;
    }
    if (eof_) {
      if (begin_ < end_) {
        size_t le = end_;
        if (buf_[le - 1] == '\r') --le;
        line = std::string_view(buf_.get() + begin_, le - begin_);
        begin_ = scan_ = end_;
        terminated = false;
        ++line_no_;
        return ReadResult::kOk;
      }
      return ReadResult::kEnd;
    }
    // Need more bytes: make room at the tail first.
    if (begin_ > 0 && cap_ - end_ < cap_ / 4) {
      std::memmove(buf_.get(), buf_.get() + begin_, end_ - begin_);
      end_ -= begin_;
      scan_ -= begin_;
      begin_ = 0;
    }
    if (end_ == cap_) {
      if (begin_ == 0) {
        if (cap_ >= max_line_) return sticky_ = ReadResult::kTooLarge;
        const size_t cap = cap_ * 2 < max_line_ ? cap_ * 2 : max_line_;
        std::unique_ptr<char[]> bigger(new char[cap + kFramePadding]);
        std::memcpy(bigger.get(), buf_.get(), end_);
        std::memset(bigger.get() + end_, 0, cap + kFramePadding - end_);
        buf_ = std::move(bigger);
        cap_ = cap;
      } else {
        std::memmove(buf_.get(), buf_.get() + begin_, end_ - begin_);
        end_ -= begin_;
        scan_ -= begin_;
        begin_ = 0;
      }
    }
    size_t got = 0;
    const ReadResult r = src_->read(buf_.get() + end_, cap_ - end_, got);
    if (r == ReadResult::kEnd) {
      eof_ = true;
    } else if (r != ReadResult::kOk) {
      return sticky_ = r;
    } else {
      end_ += got;
    }
  }
}

}  // namespace mm::detail
