// Proves the allocation counter linked into every test binary actually counts.
#include "tests/support/alloc_counter.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <new>
#include <thread>
#include <vector>

namespace mm::test {
namespace {

// Keeps the compiler from eliding an allocation whose result is otherwise unused.
template <typename T>
void escape(T* p) {
  asm volatile("" : : "g"(p) : "memory");
}

TEST(AllocCounter, CountsVectorGrowth) {
  AllocScope scope;
  std::vector<int> v;
  v.push_back(1);
  escape(v.data());
  EXPECT_GE(scope.allocations(), 1u);
  EXPECT_GE(scope.bytes(), sizeof(int));
}

TEST(AllocCounter, StackValuesCountZero) {
  AllocScope scope;
  int x = 42;
  escape(&x);
  EXPECT_EQ(scope.allocations(), 0u);
  EXPECT_EQ(scope.deallocations(), 0u);
}

TEST(AllocCounter, CountsEveryOperatorNewVariant) {
  struct alignas(64) Wide {
    char bytes[64];
  };
  AllocScope scope;
  int* a = new int(1);
  escape(a);
  int* b = new int[3];
  escape(b);
  int* c = new (std::nothrow) int(2);
  escape(c);
  Wide* d = new Wide;
  escape(d);
  Wide* e = new Wide[2];
  escape(e);
  Wide* f = new (std::nothrow) Wide;
  escape(f);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(d) % 64, 0u);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(e) % 64, 0u);
  EXPECT_EQ(scope.allocations(), 6u);
  delete a;
  delete[] b;
  delete c;
  delete d;
  delete[] e;
  delete f;
  EXPECT_EQ(scope.deallocations(), 6u);
}

TEST(AllocCounter, OtherThreadsDoNotDisturbThisThreadsCount) {
  AllocScope scope;
  std::thread worker([] {
    AllocScope inner;
    auto p = std::make_unique<int>(5);
    escape(p.get());
    EXPECT_EQ(inner.allocations(), 1u);
  });
  worker.join();
  // std::thread allocates its state on this thread; the worker's own allocation is not ours.
  const uint64_t ours = scope.allocations();
  EXPECT_GE(scope.process_allocations_since(), ours + 1);
}

}  // namespace
}  // namespace mm::test
