#pragma once
// A persistent pool for data-parallel kernels: run(count, fn) calls fn(i) for every i in
// [0, count), spread over the pool's threads (the calling thread takes part), and returns when all
// calls are done. Tasks are handed out one at a time from an atomic counter, so a core that is
// busy with something else (other processes share the machine) slows the run down rather than
// stalling it.
//
// Why not base/ThreadPool: a kernel is launched thousands of times per second during decode; a
// futures-and-mutex queue costs microseconds per launch. Workers here spin briefly on an atomic
// generation counter and then sleep on a condition variable, so the pool costs no CPU when idle
// and about a microsecond to launch when busy.
//
// Thread-safety: run() may be called from any thread, but calls are serialized (a mutex); fn must
// not call run() on the same pool. If fn throws, the first exception is rethrown by run() after
// every started task has finished.
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace vidscope::tensor {

class WorkerPool {
 public:
  // `threads` >= 1 counts the calling thread; threads - 1 workers are started.
  explicit WorkerPool(unsigned threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  unsigned size() const { return static_cast<unsigned>(workers_.size()) + 1; }

  template <typename Fn>
  void run(std::size_t count, Fn&& fn) {
    auto call = [](void* context, std::size_t i) { (*static_cast<std::remove_reference_t<Fn>*>(context))(i); };
    run_tasks(count, call, &fn);
  }

 private:
  using TaskFn = void (*)(void* context, std::size_t index);
  void run_tasks(std::size_t count, TaskFn fn, void* context);
  void work();
  void drain();

  std::mutex run_mutex_;
  std::vector<std::thread> workers_;
  // The current job; published by bumping generation_.
  TaskFn fn_ = nullptr;
  void* context_ = nullptr;
  std::size_t count_ = 0;
  std::atomic<std::size_t> next_{0};
  std::atomic<unsigned> generation_{0};
  std::atomic<unsigned> busy_workers_{0};
  std::atomic<bool> stopping_{false};
  std::mutex sleep_mutex_;                 // guards sleeping on the two condition variables
  std::condition_variable work_ready_;     // workers: a new generation (or stop) was published
  std::condition_variable work_done_;      // caller: busy_workers_ reached 0
  std::mutex error_mutex_;
  std::exception_ptr error_;
};

}  // namespace vidscope::tensor
