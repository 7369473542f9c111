#pragma once
// CUDA runtime and cuBLASLt status codes turned into vidscope::Error: a failed call throws
// Error(kInternal) naming what was attempted and CUDA's own name for the error. The runtime's
// last-error slot is cleared on the way, so one failure does not resurface on the next call.
#include <string_view>

#include <cublasLt.h>
#include <cuda_runtime_api.h>

namespace vidscope::backend::cuda {

void check_cuda(cudaError_t status, std::string_view what);
void check_cublas(cublasStatus_t status, std::string_view what);

// True for the errors that mean "the device has no room" (then the caller throws kBudget).
bool is_out_of_memory(cudaError_t status);

}  // namespace vidscope::backend::cuda
