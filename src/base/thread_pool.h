#pragma once
// A fixed pool of worker threads running submitted jobs in FIFO order. Jobs must not throw out of
// the pool: submit() wraps them in a std::packaged_task so exceptions travel to the future.
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace vidscope {

class ThreadPool {
 public:
  explicit ThreadPool(unsigned thread_count);
  ~ThreadPool();  // finishes queued jobs, then joins
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  template <typename F>
  auto submit(F&& job) -> std::future<decltype(job())> {
    using Result = decltype(job());
    auto task = std::make_shared<std::packaged_task<Result()>>(std::forward<F>(job));
    auto future = task->get_future();
    enqueue([task] { (*task)(); });
    return future;
  }

  unsigned size() const { return static_cast<unsigned>(workers_.size()); }

 private:
  void enqueue(std::function<void()> job);
  void work();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

// Threads to use when the user gave none: the cores this process may run on.
unsigned default_thread_count();

}  // namespace vidscope
