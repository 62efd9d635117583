#pragma once
// Heap allocation counting for tests. alloc_counter.cpp replaces the global operator new/delete (every
// variant: plain, array, nothrow, aligned, sized) in each test binary; each replacement calls malloc/free
// (which is also what AddressSanitizer requires of a replacement) and bumps thread-local counters.
// Only operator new is counted: direct malloc calls from C libraries are not.
//
//   mm::test::AllocScope scope;
//   hot_path_call();
//   EXPECT_EQ(scope.allocations(), 0u);
#include <atomic>
#include <cstdint>

namespace mm::test {

struct AllocStats {
  uint64_t allocations = 0;    // successful operator new calls
  uint64_t deallocations = 0;  // operator delete calls with a non-null pointer
  uint64_t bytes = 0;          // bytes requested by those operator new calls
};

// Totals for the calling thread since it started.
[[nodiscard]] AllocStats thread_alloc_stats() noexcept;

// Allocations by every thread since the process started (for code that allocates on helper threads).
[[nodiscard]] uint64_t process_allocations() noexcept;

// Counts the calling thread's allocations from construction on.
class AllocScope {
 public:
  AllocScope() noexcept : start_(thread_alloc_stats()), process_start_(process_allocations()) {}

  [[nodiscard]] uint64_t allocations() const noexcept { return thread_alloc_stats().allocations - start_.allocations; }
  [[nodiscard]] uint64_t deallocations() const noexcept {
    return thread_alloc_stats().deallocations - start_.deallocations;
  }
  [[nodiscard]] uint64_t bytes() const noexcept { return thread_alloc_stats().bytes - start_.bytes; }
  // Allocations by all threads since construction (noisy if unrelated threads run concurrently).
  [[nodiscard]] uint64_t process_allocations_since() const noexcept {
    return process_allocations() - process_start_;
  }

 private:
  AllocStats start_;
  uint64_t process_start_;
};

// The allocation count of one thread, readable from another: a test that starts a thread running code it
// cannot call into (the live node's hot loop inside LiveNode::run) takes the watch on that thread, then reads
// it from its own thread between two moments. Precondition: the watched thread is still running when read.
class ThreadAllocWatch {
 public:
  ThreadAllocWatch() noexcept = default;
  [[nodiscard]] static ThreadAllocWatch of_this_thread() noexcept;
  // Operator new calls on the watched thread since it started (0 for a default-constructed watch).
  [[nodiscard]] uint64_t allocations() const noexcept;

 private:
  explicit ThreadAllocWatch(const std::atomic<uint64_t>* count) noexcept : count_(count) {}
  const std::atomic<uint64_t>* count_ = nullptr;
};

}  // namespace mm::test
