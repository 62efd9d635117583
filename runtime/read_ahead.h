#pragma once
// ReadAhead: keeps input I/O out of the measured interval. A recording is memory-mapped (MADV_SEQUENTIAL):
// the kernel reads the file ahead into the page cache, but maps it into the process only on first touch, 16
// pages per fault. On a virtual machine a fault costs 5-30 us, so about one frame in a hundred paid it inside
// `parse` (the codec is the first to read the payload) and the quote p99 followed it. The feed calls
// before_stamp() on each frame before it stamps the frame available: the frame's pages, and the next window
// of the input after them, are mapped in one madvise(MADV_POPULATE_READ) call (one kernel entry per window
// instead of one fault per 64 KiB), so the codec never faults on the input.
//
// Safety: MADV_POPULATE_READ never raises a signal; on memory that is not mapped it fails (ENOMEM), and the
// frame's own span (guaranteed readable: the frame plus kFramePadding) is then touched page by page. A reader
// that reuses one heap buffer (zstd, zip) lands inside the window after the first frame: one compare.
#include <sys/mman.h>

#include <cstddef>
#include <cstdint>

#include "core/frame.h"

namespace mm {

class ReadAhead {
 public:
  static constexpr uintptr_t kPage = 4096;
  static constexpr uintptr_t kWindow = uintptr_t{2} << 20;  // 2 MiB: one call per ~7,000 frames

  // Precondition: [data, data + size + kFramePadding) is readable (the FrameSource contract).
  void before_stamp(const char* data, size_t size) noexcept {
    const auto lo = reinterpret_cast<uintptr_t>(data);
    const uintptr_t hi = lo + size + kFramePadding;
    if (lo >= lo_ && hi <= hi_) return;
    const uintptr_t first = lo & ~(kPage - 1);
#ifdef MADV_POPULATE_READ
    if (::madvise(reinterpret_cast<void*>(first), kWindow, MADV_POPULATE_READ) == 0) {
      lo_ = first;
      hi_ = first + kWindow;
      if (hi <= hi_) return;
    }
#endif
    // Past the end of the mapping (or an older kernel): map only this frame's own pages.
    touch(first, hi);
    lo_ = first;
    hi_ = first;  // nothing beyond this frame is known to be mapped
  }

  // Forget the window (a new file: its mapping is elsewhere).
  void reset() noexcept {
    lo_ = hi_ = 0;
  }

 private:
  static void touch(uintptr_t first, uintptr_t end) noexcept {
    // Protection is per page: a page holding one readable byte of the span is readable from its first byte.
    for (uintptr_t p = first; p < end; p += kPage) (void)*reinterpret_cast<const volatile char*>(p);
  }

  uintptr_t lo_ = 0, hi_ = 0;
};

}  // namespace mm
