#include "runtime/journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

namespace mm {

namespace {

bool parse_u64(std::string_view s, uint64_t& out) {
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

// "reserve <prefix> <first> <last> <unix_ms>"
bool parse_record(std::string_view line, JournalBlock& out) {
  std::vector<std::string_view> f;
  size_t i = 0;
  while (i < line.size()) {
    const size_t j = line.find(' ', i);
    const size_t end = j == std::string_view::npos ? line.size() : j;
    f.push_back(line.substr(i, end - i));
    i = end + 1;
  }
  uint64_t ms = 0;
  if (f.size() != 5 || f[0] != "reserve" || f[1].empty()) return false;
  if (!parse_u64(f[2], out.first) || !parse_u64(f[3], out.last) || !parse_u64(f[4], ms)) return false;
  if (out.first == 0 || out.last < out.first) return false;
  out.prefix = std::string(f[1]);
  return true;
}

}  // namespace

Journal::~Journal() {
  if (fd_ >= 0) ::close(fd_);
}

std::string Journal::open(const std::string& path, std::string& warning) {
  path_ = path;
  blocks_.clear();
  size_t good_end = 0;  // the end of the last complete record: a torn one after it is cut off
  bool torn_tail = false;
  std::ifstream in(path, std::ios::binary);
  if (in) {
    std::stringstream text;
    text << in.rdbuf();
    const std::string all = text.str();
    size_t pos = 0;
    size_t line_no = 0;
    good_end = 0;
    while (pos < all.size()) {
      ++line_no;
      const size_t nl = all.find('\n', pos);
      const bool torn = nl == std::string::npos;  // the last write never finished
      const std::string_view line(all.data() + pos, (torn ? all.size() : nl) - pos);
      pos = torn ? all.size() : nl + 1;
      JournalBlock b;
      if (parse_record(line, b)) {
        blocks_.push_back(std::move(b));
        good_end = pos;
      } else if (torn) {
        warning = path + ":" + std::to_string(line_no) + ": an unfinished last record was ignored";
        torn_tail = true;
      } else {
        return path + ":" + std::to_string(line_no) + ": not a journal record: \"" + std::string(line) + "\"";
      }
    }
  }
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd_ < 0) return path + ": cannot open the journal: " + std::strerror(errno);
  // The torn record is cut off, so the next record starts where the last complete one ended.
  if (torn_tail && ::ftruncate(fd_, static_cast<off_t>(good_end)) != 0) {
    return path + ": cannot cut the unfinished record: " + std::strerror(errno);
  }
  return "";
}

std::string Journal::reserve(std::string_view prefix, uint64_t count, int64_t unix_ms, uint64_t& first) {
  if (fd_ < 0) return "journal: not open";
  if (count == 0 || prefix.empty() || prefix.find(' ') != std::string_view::npos)
    return "journal: bad reservation";
  uint64_t after = 0;
  for (const JournalBlock& b : blocks_) after = b.last > after ? b.last : after;
  if (after > UINT64_MAX - count - 1) return path_ + ": the link id sequence is exhausted";
  JournalBlock b{std::string(prefix), after + 1, after + count};
  const std::string line = "reserve " + b.prefix + " " + std::to_string(b.first) + " " +
                           std::to_string(b.last) + " " + std::to_string(unix_ms < 0 ? 0 : unix_ms) + "\n";
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return path_ + ": cannot write the journal: " + std::strerror(errno);
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd_) != 0) return path_ + ": cannot sync the journal: " + std::strerror(errno);
  first = b.first;
  blocks_.push_back(std::move(b));
  return "";
}

bool Journal::owns(std::string_view link_id) const noexcept {
  const size_t dash = link_id.rfind('-');
  if (dash == std::string_view::npos || dash == 0) return false;
  const std::string_view prefix = link_id.substr(0, dash);
  uint64_t n = 0;
  if (!parse_u64(link_id.substr(dash + 1), n)) return false;
  for (const JournalBlock& b : blocks_) {
    if (b.prefix == prefix && n >= b.first && n <= b.last) return true;
  }
  return false;
}

}  // namespace mm
