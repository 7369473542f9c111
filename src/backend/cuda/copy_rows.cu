// Many independent f32 row copies in one launch (Backend::copy_batch): a decode step appends every
// sequence's new key and value rows to its own KV-cache slot, two copies per sequence and layer, and
// at batch 15 one memcpy each would be 840 launches per step. Block row y serves copy y; its blocks
// stride over the copy's elements, so neighbouring threads move neighbouring floats (coalesced).
#include "backend/cuda/cuda_kernels.h"

namespace vidscope::backend::cuda {

namespace {

constexpr int kCopyThreads = 256;
constexpr std::int64_t kMaxBlocksPerCopy = 256;

__global__ void row_copies_kernel(const RowCopy* copies) {
  const RowCopy c = copies[blockIdx.y];
  const std::int64_t total = static_cast<std::int64_t>(c.rows) * c.cols;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const std::int64_t row = i / c.cols, col = i - row * c.cols;
    c.dst[row * c.dst_stride + col] = c.src[row * c.src_stride + col];
  }
}

}  // namespace

cudaError_t launch_row_copies(const RowCopy* copies, int count, std::int64_t max_elements, cudaStream_t stream) {
  if (count <= 0 || max_elements <= 0) return cudaSuccess;
  const std::int64_t blocks = (max_elements + kCopyThreads - 1) / kCopyThreads;
  const dim3 grid(static_cast<unsigned>(blocks < kMaxBlocksPerCopy ? blocks : kMaxBlocksPerCopy),
                  static_cast<unsigned>(count));
  row_copies_kernel<<<grid, kCopyThreads, 0, stream>>>(copies);
  return cudaGetLastError();
}

}  // namespace vidscope::backend::cuda
