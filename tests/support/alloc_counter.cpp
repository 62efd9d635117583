// Replacement global allocation functions for every test binary (see alloc_counter.h).
// Why thread_local plain integers: they are constant-initialised TLS in the executable, so reading them
// needs no allocation and no lock, and a test on one thread is not disturbed by gtest or other threads.
#include "tests/support/alloc_counter.h"

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

namespace {

thread_local constinit mm::test::AllocStats t_stats{};  // `allocations` is kept in t_allocations instead
// The calling thread's allocation count, an atomic so that another thread may read it (ThreadAllocWatch): a
// relaxed load and store on a line only this thread writes cost about as much as a plain increment.
thread_local constinit std::atomic<uint64_t> t_allocations{0};
constinit std::atomic<uint64_t> g_allocations{0};

void note_allocation(std::size_t size) noexcept {
  t_allocations.store(t_allocations.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  t_stats.bytes += size;
  g_allocations.fetch_add(1, std::memory_order_relaxed);
}

void note_deallocation(void* p) noexcept {
  if (p != nullptr) ++t_stats.deallocations;
}

// malloc(0) may return nullptr; operator new must return a unique pointer, so ask for at least one byte.
void* try_allocate(std::size_t size) noexcept { return std::malloc(size == 0 ? 1 : size); }

void* try_allocate_aligned(std::size_t size, std::align_val_t alignment) noexcept {
  auto align = static_cast<std::size_t>(alignment);
  if (align < sizeof(void*)) align = sizeof(void*);  // posix_memalign's minimum
  void* p = nullptr;
  if (posix_memalign(&p, align, size == 0 ? 1 : size) != 0) return nullptr;
  return p;
}

// The throwing forms follow the standard: call the new-handler until it succeeds or none is installed.
void* allocate_or_throw(std::size_t size) {
  for (;;) {
    if (void* p = try_allocate(size)) {
      note_allocation(size);
      return p;
    }
    std::new_handler handler = std::get_new_handler();
    if (handler == nullptr) throw std::bad_alloc();
    handler();
  }
}

void* allocate_aligned_or_throw(std::size_t size, std::align_val_t alignment) {
  for (;;) {
    if (void* p = try_allocate_aligned(size, alignment)) {
      note_allocation(size);
      return p;
    }
    std::new_handler handler = std::get_new_handler();
    if (handler == nullptr) throw std::bad_alloc();
    handler();
  }
}

void* allocate_nothrow(std::size_t size) noexcept {
  try {
    return allocate_or_throw(size);
  } catch (...) {
    return nullptr;
  }
}

void* allocate_aligned_nothrow(std::size_t size, std::align_val_t alignment) noexcept {
  try {
    return allocate_aligned_or_throw(size, alignment);
  } catch (...) {
    return nullptr;
  }
}

void release(void* p) noexcept {
  note_deallocation(p);
  std::free(p);
}

}  // namespace

namespace mm::test {

AllocStats thread_alloc_stats() noexcept {
  AllocStats s = t_stats;
  s.allocations = t_allocations.load(std::memory_order_relaxed);
  return s;
}

uint64_t process_allocations() noexcept { return g_allocations.load(std::memory_order_relaxed); }

ThreadAllocWatch ThreadAllocWatch::of_this_thread() noexcept {
  return ThreadAllocWatch(&t_allocations);
}

uint64_t ThreadAllocWatch::allocations() const noexcept {
  return count_ == nullptr ? 0 : count_->load(std::memory_order_relaxed);
}

}  // namespace mm::test

void* operator new(std::size_t size) { return allocate_or_throw(size); }
void* operator new[](std::size_t size) { return allocate_or_throw(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return allocate_nothrow(size); }
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept { return allocate_nothrow(size); }
void* operator new(std::size_t size, std::align_val_t alignment) {
  return allocate_aligned_or_throw(size, alignment);
}
void* operator new[](std::size_t size, std::align_val_t alignment) {
  return allocate_aligned_or_throw(size, alignment);
}
void* operator new(std::size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
  return allocate_aligned_nothrow(size, alignment);
}
void* operator new[](std::size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
  return allocate_aligned_nothrow(size, alignment);
}

void operator delete(void* p) noexcept { release(p); }
void operator delete[](void* p) noexcept { release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t) noexcept { release(p); }
void operator delete(void* p, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::align_val_t) noexcept { release(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { release(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { release(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { release(p); }
