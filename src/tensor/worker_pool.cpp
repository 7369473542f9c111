#include "tensor/worker_pool.h"


namespace vidscope::tensor {

namespace {
// Spin this many checks before sleeping: long enough to catch back-to-back kernel launches
// (decode issues several per layer), short enough not to steal a shared core for long.
constexpr int kSpinChecks = 20000;

inline void cpu_relax() { __builtin_ia32_pause(); }
}  // namespace

WorkerPool::WorkerPool(unsigned threads) {
  if (threads == 0) threads = 1;
  workers_.reserve(threads - 1);
  for (unsigned i = 1; i < threads; ++i) workers_.emplace_back([this] { work(); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(sleep_mutex_);
    stopping_.store(true);
    generation_.fetch_add(1);
  }
  work_ready_.notify_all();
  for (auto& worker : workers_) worker.join();
}

void WorkerPool::drain() {
  for (;;) {
    const std::size_t i = next_.fetch_add(1, std::memory_order_relaxed);
    if (i >= count_) return;
    try {
      fn_(context_, i);
    } catch (...) {
      std::lock_guard lock(error_mutex_);
      if (!error_) error_ = std::current_exception();
      next_.store(count_, std::memory_order_relaxed);  // hand out nothing more
    }
  }
}

void WorkerPool::work() {
  // Generation 0 is the one current at construction; reading the counter here instead could
  // already see the first job's generation (a thread may start late) and then wait past it.
  unsigned seen = 0;
  for (;;) {
    int spins = 0;
    unsigned now;
    while ((now = generation_.load(std::memory_order_acquire)) == seen) {
      if (++spins < kSpinChecks) {
        cpu_relax();
      } else {
        std::unique_lock lock(sleep_mutex_);
        work_ready_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
      }
    }
    seen = now;
    if (stopping_.load()) return;
    drain();
    if (busy_workers_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      { std::lock_guard lock(sleep_mutex_); }  // the caller is either before its check or waiting
      work_done_.notify_one();
    }
  }
}

void WorkerPool::run_tasks(std::size_t count, TaskFn fn, void* context) {
  if (count == 0) return;
  std::lock_guard lock(run_mutex_);
  if (workers_.empty() || count == 1) {
    for (std::size_t i = 0; i < count; ++i) fn(context, i);
    return;
  }
  fn_ = fn;
  context_ = context;
  count_ = count;
  error_ = nullptr;
  next_.store(0, std::memory_order_relaxed);
  busy_workers_.store(static_cast<unsigned>(workers_.size()), std::memory_order_relaxed);
  {
    std::lock_guard lock(sleep_mutex_);
    generation_.fetch_add(1, std::memory_order_release);
  }
  work_ready_.notify_all();
  drain();
  int spins = 0;
  while (busy_workers_.load(std::memory_order_acquire) != 0) {
    if (++spins < kSpinChecks) {
      cpu_relax();
    } else {
      std::unique_lock lock(sleep_mutex_);
      work_done_.wait(lock, [&] { return busy_workers_.load(std::memory_order_acquire) == 0; });
    }
  }
  if (error_) std::rethrow_exception(error_);
}

}  // namespace vidscope::tensor
