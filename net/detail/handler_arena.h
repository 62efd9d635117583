#pragma once
// Fixed memory for asio's per-operation state (the reactor op of a read, a write, a posted completion), so a
// connected Beast stream reads and writes without touching the heap. asio asks a handler for its memory
// through the handler's associated allocator; ArenaHandler answers with blocks of its client's arena.
// Why: asio's own per-thread cache keeps one block per purpose, and a stream with a read and a write in
// flight needs more than one at a time (measured: 3 heap allocations per echo round trip without this).
#include <array>
#include <cstddef>
#include <new>
#include <utility>

namespace mm::detail {

class HandlerArena {
 public:
  static constexpr size_t kBlocks = 8;
  static constexpr size_t kBlockSize = 1024;

  // A free block when n fits one, else the heap (correct, just not free).
  void* allocate(size_t n) {
    if (n <= kBlockSize) {
      for (size_t i = 0; i < kBlocks; ++i) {
        if (!used_[i]) {
          used_[i] = true;
          return blocks_[i].bytes;
        }
      }
    }
    return ::operator new(n);
  }
  void deallocate(void* p, size_t n) noexcept {
    for (size_t i = 0; i < kBlocks; ++i) {
      if (p == blocks_[i].bytes) {
        used_[i] = false;
        return;
      }
    }
    ::operator delete(p, n);
  }

 private:
  struct alignas(std::max_align_t) Block {
    unsigned char bytes[kBlockSize];
  };
  std::array<Block, kBlocks> blocks_{};
  std::array<bool, kBlocks> used_{};
};

template <class T>
struct ArenaAllocator {
  using value_type = T;
  HandlerArena* arena;
  explicit ArenaAllocator(HandlerArena* a) noexcept : arena(a) {}
  template <class U>
  ArenaAllocator(const ArenaAllocator<U>& o) noexcept : arena(o.arena) {}  // NOLINT: rebinding is implicit
  T* allocate(size_t n) { return static_cast<T*>(arena->allocate(n * sizeof(T))); }
  void deallocate(T* p, size_t n) noexcept { arena->deallocate(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const ArenaAllocator<U>& o) const noexcept {
    return arena == o.arena;
  }
  template <class U>
  bool operator!=(const ArenaAllocator<U>& o) const noexcept {
    return arena != o.arena;
  }
};

// Wraps a completion handler so that asio (and Beast's composed operations, which forward the allocator and
// the allocation hooks of the handler they wrap) allocate from `arena`.
template <class H>
struct ArenaHandler {
  using allocator_type = ArenaAllocator<void>;
  HandlerArena* arena;
  H handler;
  allocator_type get_allocator() const noexcept { return allocator_type(arena); }
  template <class... Args>
  void operator()(Args&&... args) {
    handler(std::forward<Args>(args)...);
  }
  // Boost 1.74's reactor operations still ask through these hooks (found by ADL; Beast's composed operations
  // forward them to the handler they wrap), not through the associated allocator.
  friend void* asio_handler_allocate(std::size_t n, ArenaHandler* self) { return self->arena->allocate(n); }
  friend void asio_handler_deallocate(void* p, std::size_t n, ArenaHandler* self) {
    self->arena->deallocate(p, n);
  }
};

template <class H>
ArenaHandler<std::decay_t<H>> in_arena(HandlerArena& arena, H&& h) {
  return {&arena, std::forward<H>(h)};
}

}  // namespace mm::detail
