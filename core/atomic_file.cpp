#include "core/atomic_file.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace mm {

namespace {

std::string dir_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string base_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

const char* kind_of(mode_t m) {
  if (S_ISDIR(m)) return "a directory";
  if (S_ISCHR(m)) return "a character device";
  if (S_ISBLK(m)) return "a block device";
  if (S_ISFIFO(m)) return "a FIFO";
  if (S_ISSOCK(m)) return "a socket";
  if (S_ISLNK(m)) return "a symbolic link (give the real path)";
  return "not a regular file";
}

// 12 random characters from the kernel's generator: the temporary's name cannot be guessed in advance.
bool random_suffix(char out[13]) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
  unsigned char raw[12];
  size_t got = 0;
  while (got < sizeof raw) {
    const ssize_t r = ::getrandom(raw + got, sizeof raw - got, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    got += static_cast<size_t>(r);
  }
  for (size_t i = 0; i < sizeof raw; ++i) out[i] = kAlphabet[raw[i] & 31];
  out[12] = 0;
  return true;
}

}  // namespace

std::string check_output_path(const std::string& path) noexcept {
  try {
    if (path.empty()) return "output path is empty";
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
      if (!S_ISREG(st.st_mode))
        return path + ": output is " + kind_of(st.st_mode) + "; refusing to replace it";
      return "";
    }
    if (errno != ENOENT) return path + ": cannot check the output: " + std::strerror(errno);
    const std::string dir = dir_of(path);
    if (::stat(dir.c_str(), &st) != 0)
      return path + ": output directory " + dir + ": " + std::strerror(errno);
    if (!S_ISDIR(st.st_mode)) return path + ": " + dir + " is not a directory";
    return "";
  } catch (...) {
    return "out of memory";
  }
}

bool same_file(const std::string& a, const std::string& b) noexcept {
  struct stat sa {
  }, sb{};
  if (::stat(a.c_str(), &sa) != 0 || ::stat(b.c_str(), &sb) != 0) return false;
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

std::string check_output_not_input(const std::string& out, std::span<const std::string> inputs) noexcept {
  try {
    for (const std::string& in : inputs) {
      if (same_file(out, in)) {
        return out + ": is the same file as the input " + in + "; refusing to overwrite an input";
      }
    }
    return "";
  } catch (...) {
    return "out of memory";
  }
}

AtomicFile::~AtomicFile() {
  abort();
}

bool AtomicFile::fail(const std::string& what) noexcept {
  const int e = errno;
  try {
    error_ = target_ + ": " + what + ": " + std::strerror(e);
  } catch (...) {
  }
  failed_ = true;
  return false;
}

bool AtomicFile::open(const std::string& target) noexcept {
  try {
    if (fd_ >= 0) {
      error_ = target + ": output already open on " + target_;
      return false;
    }
    target_ = target;
    temp_.clear();
    error_.clear();
    failed_ = false;
    if (std::string e = check_output_path(target); !e.empty()) {
      error_ = std::move(e);
      failed_ = true;
      return false;
    }
    struct stat st {};
    const bool exists = ::lstat(target.c_str(), &st) == 0;
    const std::string prefix = dir_of(target) + "/." + base_of(target) + ".";
    for (int attempt = 0; attempt < 16; ++attempt) {
      char suffix[13];
      if (!random_suffix(suffix)) return fail("cannot draw a temporary name");
      temp_ = prefix + suffix + ".tmp";
      // O_EXCL: a fresh file, never an existing one and never through a symbolic link (O_NOFOLLOW says it
      // twice).
      fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (fd_ >= 0) break;
      if (errno != EEXIST) {
        const std::string t = temp_;
        temp_.clear();
        return fail("cannot create the temporary " + t);
      }
    }
    if (fd_ < 0) {
      temp_.clear();
      return fail("cannot create a temporary (names taken)");
    }
    // A replaced file keeps its permissions.
    if (exists) (void)::fchmod(fd_, st.st_mode & 07777);
    return true;
  } catch (...) {
    error_.clear();
    failed_ = true;
    return false;
  }
}

bool AtomicFile::write(const void* data, size_t n) noexcept {
  if (fd_ < 0 || failed_) return false;
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = ::write(fd_, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return fail("write failed");
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

bool AtomicFile::write_at(const void* data, size_t n, off_t offset) noexcept {
  if (fd_ < 0 || failed_) return false;
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = ::pwrite(fd_, p, n, offset);
    if (w < 0) {
      if (errno == EINTR) continue;
      return fail("write failed");
    }
    p += w;
    n -= static_cast<size_t>(w);
    offset += w;
  }
  return true;
}

bool AtomicFile::commit() noexcept {
  if (fd_ < 0) {
    if (error_.empty()) error_ = target_ + ": output is not open";
    return false;
  }
  if (failed_) {
    abort();
    return false;
  }
  if (::fsync(fd_) != 0) {
    fail("fsync failed");
    abort();
    return false;
  }
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) {
    fail("close failed");
    (void)::unlink(temp_.c_str());
    temp_.clear();
    return false;
  }
  if (::rename(temp_.c_str(), target_.c_str()) != 0) {
    fail("cannot rename " + temp_ + " over it");
    (void)::unlink(temp_.c_str());
    temp_.clear();
    return false;
  }
  temp_.clear();
  // The rename is durable once the directory entry is: without this, a power loss could bring back the old
  // file (or none) although commit() said yes.
  const std::string dir = dir_of(target_);
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return fail("written, but cannot open its directory to sync it");
  const bool synced = ::fsync(dfd) == 0 || errno == EINVAL;  // some filesystems cannot sync a directory
  const int e = errno;
  ::close(dfd);
  errno = e;
  if (!synced) return fail("written, but syncing its directory failed");
  return true;
}

void AtomicFile::abort() noexcept {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (!temp_.empty()) {
    (void)::unlink(temp_.c_str());
    temp_.clear();
  }
}

std::string write_file_atomically(const std::string& path, std::string_view data) {
  AtomicFile f;
  if (!f.open(path) || !f.write(data) || !f.commit())
    return f.error().empty() ? path + ": write failed" : f.error();
  return "";
}

}  // namespace mm
