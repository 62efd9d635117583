#pragma once
// Bounded single-producer single-consumer ring: the hand-off between two pinned hot-path threads.
//
// Why this layout: the producer writes `tail` and the consumer writes `head`; keeping them on separate cache
// lines stops the two cores from stealing one line on every operation. Each side also keeps a private copy of
// the other side's index and re-reads the shared one only when its copy says "full" (producer) or "empty"
// (consumer), so in steady state a push or pop touches the other core's line once per batch, not per item.
// Indices are 64-bit counters that never wrap in practice (2^64 items), so full/empty need no spare slot.
//
// The slots are inside the object (Capacity * sizeof(T) bytes plus two cache lines), so a large ring is
// allocated once at start-up (std::make_unique), not placed on a thread's stack.
//
// Thread contract: exactly one thread calls try_push/try_emplace and exactly one (other or same) thread calls
// try_pop. size_approx()/empty() may be called from either; the answer can be stale by the time it returns.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

#include "core/cache_line.h"

namespace mm {

template <typename T, std::size_t Capacity>
class SpscRing {
  static_assert(Capacity >= 2 && (Capacity & (Capacity - 1)) == 0, "Capacity must be a power of two >= 2");
  static_assert(std::is_trivially_copyable_v<T> ||
                    (std::is_nothrow_move_constructible_v<T> && std::is_nothrow_destructible_v<T>),
                "T must be trivially copyable or nothrow-movable: push/pop are noexcept");
  static_assert(alignof(T) <= kCacheLineSize, "over-aligned element types are not supported");

 public:
  using value_type = T;
  static constexpr std::size_t kCapacity = Capacity;

  SpscRing() noexcept { static_assert(layout_is_padded(), "producer, consumer and slots must not share lines"); }
  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;

  ~SpscRing() {
    if constexpr (!std::is_trivially_destructible_v<T>) {
      const std::uint64_t tail = producer_.tail.load(std::memory_order_acquire);
      for (std::uint64_t i = consumer_.head.load(std::memory_order_relaxed); i != tail; ++i) {
        std::destroy_at(slot(i));
      }
    }
  }

  // Producer only. Copies `value` into the ring. Returns false (ring unchanged) when the ring is full.
  [[nodiscard]] bool try_push(const T& value) noexcept
    requires std::is_nothrow_copy_constructible_v<T>
  {
    return try_emplace(value);
  }

  // Producer only. Moves `value` into the ring. Returns false (value untouched) when the ring is full.
  [[nodiscard]] bool try_push(T&& value) noexcept { return try_emplace(std::move(value)); }

  // Producer only. Constructs an element in place from `args`. Returns false (nothing constructed) when full.
  template <typename... Args>
    requires std::is_nothrow_constructible_v<T, Args&&...>
  [[nodiscard]] bool try_emplace(Args&&... args) noexcept {
    const std::uint64_t tail = producer_.tail.load(std::memory_order_relaxed);
    if (tail - producer_.cached_head == Capacity) {
      // Acquire pairs with the consumer's release of head: the slot it freed is no longer being read.
      producer_.cached_head = consumer_.head.load(std::memory_order_acquire);
      if (tail - producer_.cached_head == Capacity) return false;
    }
    std::construct_at(slot(tail), std::forward<Args>(args)...);
    // Release publishes the constructed element before the consumer can see the new tail.
    producer_.tail.store(tail + 1, std::memory_order_release);
    return true;
  }

  // Producer only. True when at least `n` slots are free: the next n pushes will succeed (only the producer
  // fills slots; the consumer can only free more). Lets a producer refuse a whole group of items up front
  // instead of pushing part of it. Re-reads the consumer's index only when the cached view is too small.
  [[nodiscard]] bool has_room(std::size_t n) noexcept {
    const std::uint64_t tail = producer_.tail.load(std::memory_order_relaxed);
    if (Capacity - (tail - producer_.cached_head) >= n) return true;
    producer_.cached_head = consumer_.head.load(std::memory_order_acquire);
    return Capacity - (tail - producer_.cached_head) >= n;
  }

  // Consumer only. Moves the oldest element into `out`. Returns false (out untouched) when the ring is empty.
  [[nodiscard]] bool try_pop(T& out) noexcept
    requires std::is_nothrow_move_assignable_v<T>
  {
    const std::uint64_t head = consumer_.head.load(std::memory_order_relaxed);
    if (head == consumer_.cached_tail) {
      // Acquire pairs with the producer's release of tail: the element is fully constructed.
      consumer_.cached_tail = producer_.tail.load(std::memory_order_acquire);
      if (head == consumer_.cached_tail) return false;
    }
    T* element = slot(head);
    out = std::move(*element);
    std::destroy_at(element);
    // Release orders our read of the slot before the producer may overwrite it.
    consumer_.head.store(head + 1, std::memory_order_release);
    return true;
  }

  // Either side. Number of elements at some instant during the call, in [0, Capacity].
  [[nodiscard]] std::size_t size_approx() const noexcept {
    // Head first: tail read later is >= the head read earlier, so the difference never underflows.
    const std::uint64_t head = consumer_.head.load(std::memory_order_acquire);
    const std::uint64_t tail = producer_.tail.load(std::memory_order_acquire);
    const std::uint64_t n = tail - head;
    return n > Capacity ? Capacity : static_cast<std::size_t>(n);
  }

  [[nodiscard]] bool empty() const noexcept { return size_approx() == 0; }

  [[nodiscard]] static constexpr std::size_t capacity() noexcept { return Capacity; }

 private:
  static constexpr std::uint64_t kMask = Capacity - 1;

  // Written by the producer; the consumer reads `tail`.
  struct alignas(kCacheLineSize) ProducerSide {
    std::atomic<std::uint64_t> tail{0};
    std::uint64_t cached_head = 0;  // producer's last view of consumer_.head
  };
  // Written by the consumer; the producer reads `head`.
  struct alignas(kCacheLineSize) ConsumerSide {
    std::atomic<std::uint64_t> head{0};
    std::uint64_t cached_tail = 0;  // consumer's last view of producer_.tail
  };
  static_assert(sizeof(ProducerSide) == kCacheLineSize && alignof(ProducerSide) == kCacheLineSize);
  static_assert(sizeof(ConsumerSide) == kCacheLineSize && alignof(ConsumerSide) == kCacheLineSize);
  static_assert(std::atomic<std::uint64_t>::is_always_lock_free);

  T* slot(std::uint64_t index) noexcept {
    return std::launder(reinterpret_cast<T*>(storage_ + (index & kMask) * sizeof(T)));
  }

  ProducerSide producer_;
  ConsumerSide consumer_;
  // Raw storage: elements live only between push and pop, so T needs no default constructor.
  alignas(kCacheLineSize) std::byte storage_[Capacity * sizeof(T)];

  // offsetof needs the complete class, so the check lives in a function the constructor static_asserts on.
  static constexpr bool layout_is_padded() noexcept {
    static_assert(std::is_standard_layout_v<ProducerSide> && std::is_standard_layout_v<ConsumerSide>);
    return offsetof(SpscRing, producer_) == 0 && offsetof(SpscRing, consumer_) == kCacheLineSize &&
           offsetof(SpscRing, storage_) == 2 * kCacheLineSize && alignof(SpscRing) == kCacheLineSize &&
           sizeof(SpscRing) % kCacheLineSize == 0;
  }
};

}  // namespace mm
