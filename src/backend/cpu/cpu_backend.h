#pragma once
// The CPU backend: host memory and the kernels of tensor/ at one SIMD level, on its own worker
// pool. It is the reference every other backend is tested against, and it is always built.
#include <memory>
#include <optional>

#include "backend/backend.h"
#include "tensor/cpu_features.h"

namespace vidscope::backend {

struct CpuBackendOptions {
  // Kernel level; nullopt picks the best this CPU supports. A level the CPU lacks is refused.
  std::optional<tensor::SimdLevel> simd_level;
  unsigned threads = 0;                       // 0: every core this process may use
  memory::MemoryLedger* ledger = nullptr;     // optional; must outlive the backend's buffers
  std::optional<Bytes> byte_limit;            // allocations past this many live bytes fail
};

// Throws Error(kUsage) when options.simd_level is not supported by this CPU.
std::unique_ptr<Backend> make_cpu_backend(const CpuBackendOptions& options = {});

}  // namespace vidscope::backend
