#pragma once
// A byte ring of whole messages, sized once: [u32 length][bytes] records, oldest first. The transports queue
// outgoing text here while a write is in flight, so sending never allocates.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

namespace mm::detail {

class SendQueue {
 public:
  static constexpr size_t kRecordHeader = 4;
  // Preconditions: capacity >= 64.
  explicit SendQueue(size_t capacity) : buf_(new char[capacity]), cap_(capacity) {}

  // Largest message push() can ever take (on an empty queue).
  size_t max_message() const noexcept { return cap_ - kRecordHeader; }
  bool empty() const noexcept { return count_ == 0; }
  size_t count() const noexcept { return count_; }
  size_t bytes() const noexcept { return bytes_; }

  // Copies `m` in. False (nothing changed) when there is no contiguous room for it now.
  [[nodiscard]] bool push(std::string_view m) noexcept {
    const size_t need = kRecordHeader + m.size();
    if (m.size() > UINT32_MAX - 1) return false;
    if (count_ == 0) {
      head_ = tail_ = 0;
      if (need > cap_) return false;
    } else if (tail_ > head_) {  // not wrapped: room at the end, else at the start before head_
      if (cap_ - tail_ < need) {
        if (head_ <= need) return false;  // strict: tail_ == head_ would read as empty
        if (cap_ - tail_ >= kRecordHeader) write_len(tail_, kWrap);
        tail_ = 0;
      }
    } else if (head_ - tail_ <= need) {  // wrapped: room between tail_ and head_
      return false;
    }
    write_len(tail_, static_cast<uint32_t>(m.size()));
    if (!m.empty()) std::memcpy(buf_.get() + tail_ + kRecordHeader, m.data(), m.size());
    tail_ += need;
    ++count_;
    bytes_ += m.size();
    return true;
  }

  // The oldest message. Precondition: !empty().
  std::string_view front() noexcept {
    skip_wrap();
    return {buf_.get() + head_ + kRecordHeader, read_len(head_)};
  }

  // Drops the oldest message. Precondition: !empty().
  void pop() noexcept {
    skip_wrap();
    const uint32_t n = read_len(head_);
    head_ += kRecordHeader + n;
    bytes_ -= n;
    if (--count_ == 0) head_ = tail_ = 0;
  }

  void clear() noexcept { head_ = tail_ = count_ = bytes_ = 0; }

 private:
  static constexpr uint32_t kWrap = UINT32_MAX;
  void skip_wrap() noexcept {
    if (cap_ - head_ < kRecordHeader || read_len(head_) == kWrap) head_ = 0;
  }
  void write_len(size_t at, uint32_t v) noexcept { std::memcpy(buf_.get() + at, &v, sizeof v); }
  uint32_t read_len(size_t at) const noexcept {
    uint32_t v;
    std::memcpy(&v, buf_.get() + at, sizeof v);
    return v;
  }

  std::unique_ptr<char[]> buf_;
  size_t cap_;
  size_t head_ = 0;  // oldest record
  size_t tail_ = 0;  // where the next record goes
  size_t count_ = 0;
  size_t bytes_ = 0;  // payload bytes queued
};

}  // namespace mm::detail
