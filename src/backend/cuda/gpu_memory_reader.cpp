// GPU 0's memory for the planner and the memory sampler (memory/probe.h's reader seam). The toolkit
// this project builds with ships no NVML, so the CUDA runtime answers: cudaMemGetInfo, which counts
// every process's allocations on the device. Its first call creates this process's context on GPU 0
// (a few hundred MiB of device memory, which the readings then include).
#include <cuda_runtime.h>

#include "backend/cuda/cuda_backend.h"
#include "memory/probe.h"

namespace vidscope::backend {

namespace {

constexpr int kPlannedDevice = 0;  // the planner's inventory holds one GPU: the first one CUDA sees

// Called from any thread (the sampler has its own); must not throw.
std::optional<memory::GpuMemory> read_cuda_memory() noexcept {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess || count <= kPlannedDevice) {
    (void)cudaGetLastError();
    return std::nullopt;
  }
  cudaDeviceProp prop{};
  std::size_t free = 0, total = 0;
  if (cudaSetDevice(kPlannedDevice) != cudaSuccess || cudaGetDeviceProperties(&prop, kPlannedDevice) != cudaSuccess ||
      cudaMemGetInfo(&free, &total) != cudaSuccess) {
    (void)cudaGetLastError();
    return std::nullopt;
  }
  memory::GpuMemory m;
  m.device = kPlannedDevice;
  m.name = prop.name;
  m.total = total;
  m.free = free;
  return m;
}

}  // namespace

bool install_gpu_memory_reader() {
  // Nothing touches CUDA here: commands that never plan (describe --device cpu, --help) stay free of
  // the driver's start-up; the reader answers nullopt when no device is there.
  memory::set_gpu_memory_reader(&read_cuda_memory);
  return true;
}

}  // namespace vidscope::backend
