#pragma once
// The CUDA backend: one NVIDIA GPU, its memory and the ops of backend.h as CUDA kernels and
// cuBLASLt GEMMs, all queued on one stream of the backend (ops return before the GPU finishes;
// download() and synchronize() wait). docs/cuda.md describes the numerics of every op.
//
// Built when CMake finds a CUDA compiler (cmake/cuda.cmake). In a build without CUDA the same
// functions exist: cuda_device_count() is 0 and make_cuda_backend() throws Error(kUsage), so
// callers and tests need no #ifdef to ask whether a GPU is there.
#include <memory>
#include <optional>
#include <string>

#include "backend/backend.h"

namespace vidscope::backend {

struct CudaBackendOptions {
  int device_index = 0;                    // CUDA device ordinal; the ledger device is "gpu<index>"
  memory::MemoryLedger* ledger = nullptr;  // optional; must outlive the backend's buffers
  std::optional<Bytes> byte_limit;         // allocations past this many live bytes fail
  // Matmuls with up to this many rows of x (0..8) use the decode GEMV kernels; more rows go through
  // cuBLASLt, which rounds x to bf16 for non-f32 weights. -1 (the default): per weight type, from
  // the measurements in docs/benchmarks.md (cuda/cuda_kernels.h, gemv_max_rows_for). A knob for
  // the benches.
  int gemv_max_rows = -1;
};

// GPUs this process can use; 0 (never an exception) when CUDA is not built in, no driver is
// installed, or no device is visible.
int cuda_device_count();

// Why cuda_device_count() is 0 ("built without CUDA", or the CUDA runtime's error such as
// "cudaErrorInsufficientDriver: ..."); empty when a device is visible.
std::string cuda_unavailable_reason();

// Makes memory::read_gpu_memory() (the planner's inventory, the sampler's gpu_used) report GPU 0
// through the CUDA runtime (nullopt while no device is visible). Returns false, installing nothing,
// when CUDA is not built in. CUDA is first touched by a reading, not here. Call once at start-up,
// before planning.
bool install_gpu_memory_reader();

// Throws Error(kUsage) when CUDA is not built in or options.device_index names no device, and
// Error(kInternal) when the device cannot be initialized.
std::unique_ptr<Backend> make_cuda_backend(const CudaBackendOptions& options = {});

}  // namespace vidscope::backend
