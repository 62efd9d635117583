#pragma once
// FrameArena: the bytes of received frames between the feed thread and the decision thread of the pipeline
// layout (the readers reuse their buffers, so the feed copies each frame here before handing it over).
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

#include "core/cache_line.h"
#include "core/frame.h"

namespace mm {

// Circular byte arena with one producer (feed) and one consumer (decision). Positions are monotonic 64-bit
// byte counters; a frame never wraps (the producer skips the tail of the buffer instead), so the codec sees
// one contiguous padded span. The consumer releases frames in order by publishing the end of the last one.
class FrameArena {
 public:
  // Precondition: bytes > 0.
  // The buffer is written once here so that its pages are mapped at start-up, not on the first wrap.
  explicit FrameArena(size_t bytes) : bytes_(bytes), buf_(std::make_unique_for_overwrite<char[]>(bytes)) {
    std::memset(buf_.get(), 0, bytes);
  }

  uint64_t bytes() const noexcept { return bytes_; }

  // Bytes a frame of `size` occupies: itself + kFramePadding, rounded to a cache line so frames do not share
  // lines across the two threads.
  static constexpr uint64_t span(uint64_t size) noexcept {
    return (size + kFramePadding + kCacheLineSize - 1) / kCacheLineSize * kCacheLineSize;
  }

  // Producer only. Reserves span(size) contiguous bytes; false when the consumer has not released enough yet.
  // Precondition: span(size) <= bytes().
  [[nodiscard]] bool try_reserve(uint64_t size, uint64_t& pos) noexcept {
    const uint64_t n = span(size);
    uint64_t p = write_;
    const uint64_t off = p % bytes_;
    if (off + n > bytes_) p += bytes_ - off;
    if (p + n - cached_released_ > bytes_) {
      // Acquire pairs with release(): the consumer is done reading the bytes we are about to overwrite.
      cached_released_ = released_.load(std::memory_order_acquire);
      if (p + n - cached_released_ > bytes_) return false;
    }
    write_ = p + n;
    pos = p;
    return true;
  }

  char* at(uint64_t pos) noexcept { return buf_.get() + pos % bytes_; }

  // Consumer only: every byte before `end` may be reused.
  void release(uint64_t end) noexcept { released_.store(end, std::memory_order_release); }

 private:
  uint64_t bytes_;
  std::unique_ptr<char[]> buf_;
  alignas(kCacheLineSize) uint64_t write_ = 0;  // producer's line
  uint64_t cached_released_ = 0;
  alignas(kCacheLineSize) std::atomic<uint64_t> released_{0};  // consumer's line

  friend struct FrameArenaLayout;
};

// The layout the two threads rely on (tests/runtime/frame_arena_test.cpp checks it too).
struct FrameArenaLayout {
  static constexpr size_t kProducer = offsetof(FrameArena, write_);
  static constexpr size_t kConsumer = offsetof(FrameArena, released_);
};
static_assert(FrameArenaLayout::kConsumer - FrameArenaLayout::kProducer >= kCacheLineSize,
              "the producer's and the consumer's words of the arena must not share a cache line");

}  // namespace mm
