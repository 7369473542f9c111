#pragma once
// What a CPU kernel driver runs with: a kernel table (SIMD level) and an optional worker pool.
#include "tensor/kernel_table.h"
#include "tensor/worker_pool.h"

namespace vidscope::tensor {

struct KernelContext {
  const KernelTable* kernels = &best_kernels();
  WorkerPool* pool = nullptr;  // null: run on the calling thread

  unsigned threads() const { return pool != nullptr ? pool->size() : 1; }
  // Calls fn(i) for i in [0, count) on the pool (or inline).
  template <typename Fn>
  void parallel_for(std::size_t count, Fn&& fn) const {
    if (pool != nullptr && count > 1) {
      pool->run(count, fn);
    } else {
      for (std::size_t i = 0; i < count; ++i) fn(i);
    }
  }
};

}  // namespace vidscope::tensor
