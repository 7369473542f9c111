// The CUDA entry points of a build without CUDA (cmake/cuda.cmake found no CUDA compiler).
#include "backend/cuda/cuda_backend.h"
#include "base/error.h"

namespace vidscope::backend {

int cuda_device_count() { return 0; }

std::string cuda_unavailable_reason() { return "this vidscope was built without CUDA"; }

bool install_gpu_memory_reader() { return false; }

std::unique_ptr<Backend> make_cuda_backend(const CudaBackendOptions&) {
  throw_usage_error("this vidscope was built without CUDA (no CUDA compiler was found at configure time)");
}

}  // namespace vidscope::backend
