#include "backend/cuda/cuda_status.h"

#include <string>

#include "base/error.h"

namespace vidscope::backend::cuda {

void check_cuda(cudaError_t status, std::string_view what) {
  if (status == cudaSuccess) return;
  (void)cudaGetLastError();
  throw_internal_error("CUDA " + std::string(what) + " failed: " + cudaGetErrorName(status) + " (" +
                       cudaGetErrorString(status) + ")");
}

void check_cublas(cublasStatus_t status, std::string_view what) {
  if (status == CUBLAS_STATUS_SUCCESS) return;
  throw_internal_error("cuBLASLt " + std::string(what) + " failed: status " + std::to_string(static_cast<int>(status)));
}

bool is_out_of_memory(cudaError_t status) { return status == cudaErrorMemoryAllocation; }

}  // namespace vidscope::backend::cuda
