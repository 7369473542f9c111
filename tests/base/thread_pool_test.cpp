#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>

#include "base/thread_pool.h"

namespace vidscope {
namespace {

TEST(ThreadPool, RunsEveryJobAndReturnsResults) {
  ThreadPool pool(3);
  std::atomic<int> sum{0};
  std::vector<std::future<int>> results;
  for (int i = 1; i <= 100; ++i) {
    results.push_back(pool.submit([i, &sum] {
      sum += i;
      return i * 2;
    }));
  }
  int doubled = 0;
  for (auto& r : results) doubled += r.get();
  EXPECT_EQ(sum.load(), 5050);
  EXPECT_EQ(doubled, 10100);
}

TEST(ThreadPool, ExceptionsTravelToTheFuture) {
  ThreadPool pool(1);
  auto f = pool.submit([]() -> int { throw std::runtime_error("boom"); });
  EXPECT_THROW(f.get(), std::runtime_error);
  EXPECT_EQ(pool.submit([] { return 7; }).get(), 7);  // the worker survived
}

TEST(DefaultThreadCount, IsAtLeastOne) { EXPECT_GE(default_thread_count(), 1u); }

}  // namespace
}  // namespace vidscope
