#pragma once
// The live node's journal: an append-only file that lets a restarted process recognise its own orders and
// continue its orderLinkId sequence (DESIGN.md section 4: a link id is derived from a journal sequence and
// never reused, even across a kill -9).
//
// What it records: blocks of link-id sequence numbers, reserved durably (written and fsynced) BEFORE the
// Trader may use any number in them. The hot path therefore never writes or waits: every create it sends
// already carries a sequence the journal holds, and after any crash the next run starts past every block an
// earlier run reserved, so no id can repeat. An order on the exchange whose link id is "<prefix>-<n>" with n
// in a reserved block of that prefix is ours (reconciliation cancels or adopts it); any other order is not,
// and is left alone.
//
// File format, one record per line (text, so an operator can read it):
//   reserve <prefix> <first> <last> <unix_ms>
// A torn last line (a crash in the middle of a write) is ignored with a warning; any other malformed line is
// an error naming the line.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mm {

struct JournalBlock {
  std::string prefix;
  uint64_t first = 0, last = 0;  // inclusive
};

class Journal {
 public:
  Journal() = default;
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Opens (creating it when absent) and reads `path`. Returns "" or an error naming the file (and line).
  // `warning` is set when a torn last record was ignored.
  [[nodiscard]] std::string open(const std::string& path, std::string& warning);

  // Reserves `count` sequence numbers for `prefix` after every number any block of the journal holds (of
  // any prefix, so a renamed prefix never confuses the recognition), writes the record and fsyncs it.
  // Returns "" (first = the block's first number) or an error (nothing reserved; do not trade).
  // Preconditions: open() succeeded; 1 <= count; prefix non-empty without spaces.
  [[nodiscard]] std::string reserve(std::string_view prefix, uint64_t count, int64_t unix_ms,
                                    uint64_t& first);

  // True when `link_id` is "<prefix>-<n>" with n inside a block reserved for that prefix.
  [[nodiscard]] bool owns(std::string_view link_id) const noexcept;

  const std::vector<JournalBlock>& blocks() const noexcept { return blocks_; }
  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
  std::vector<JournalBlock> blocks_;
};

}  // namespace mm
