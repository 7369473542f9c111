// Attention (tensor/attention.h semantics: grouped-query heads, causal, segments) as a tiled
// online-softmax kernel: no score matrix is ever stored. A block takes kQueriesPerBlock queries of
// one head; its warps stage tiles of kKeyTile keys and values in shared memory and each warp runs
// the online softmax for its queries: lane j scores key j of the tile (a dot product over the head
// dimension from shared memory, rows padded by one float so the 32 lanes hit 32 banks), the warp
// takes the tile's max and sum by shuffles, and every lane accumulates its slice of the head
// dimension of the output. f32 throughout, expf (accurate) for the exponentials.
//
// Decode (one query) uses one warp of one block per head; splitting long KV caches across blocks
// is left to the decode-attention kernel of the engine work (docs/cuda.md).
#include "backend/cuda/cuda_kernels.h"

namespace vidscope::backend::cuda {

namespace {

constexpr int kWarpSize = 32;
constexpr int kWarps = 4;
constexpr int kQueriesPerWarp = 4;
constexpr int kQueriesPerBlock = kWarps * kQueriesPerWarp;
constexpr int kKeyTile = kWarpSize;  // one key per lane when scoring

// Keys [lo, hi) that query i sees (attention.h).
__device__ void key_range(const AttentionLaunch& a, std::int64_t i, std::int64_t& lo, std::int64_t& hi) {
  lo = 0;
  hi = a.k_rows;
  if (a.segment_count > 0) {
    int first = 1, last = a.segment_count;  // the first bound > i; bounds[0] = 0 <= i < bounds[count]
    while (first < last) {
      const int mid = (first + last) / 2;
      if (a.segment_bounds[mid] > i) {
        last = mid;
      } else {
        first = mid + 1;
      }
    }
    lo = a.segment_bounds[first - 1];
    hi = a.segment_bounds[first];
  }
  if (a.causal && a.query_position + i + 1 < hi) hi = a.query_position + i + 1;
}

std::size_t shared_bytes(int head_dim) {
  return sizeof(float) * (static_cast<std::size_t>(kKeyTile) * (head_dim + 1) + static_cast<std::size_t>(kKeyTile) * head_dim +
                          static_cast<std::size_t>(kQueriesPerBlock) * head_dim);
}

// kChunks: head_dim <= 32 * kChunks; lane holds output dims lane, lane + 32, ...
template <int kChunks>
__global__ void __launch_bounds__(kWarps* kWarpSize) attention_kernel(AttentionLaunch a) {
  extern __shared__ float shared[];
  const int dim = a.head_dim;
  float* keys = shared;                        // [kKeyTile][dim + 1]
  float* values = keys + kKeyTile * (dim + 1);  // [kKeyTile][dim]
  float* queries = values + kKeyTile * dim;     // [kQueriesPerBlock][dim]
  const int lane = static_cast<int>(threadIdx.x) % kWarpSize, warp = static_cast<int>(threadIdx.x) / kWarpSize;
  const int head = static_cast<int>(blockIdx.y);
  const int kv_head = head / (a.q_heads / a.kv_heads);
  const std::int64_t q0 = static_cast<std::int64_t>(blockIdx.x) * kQueriesPerBlock;
  const std::int64_t q_end = q0 + kQueriesPerBlock < a.q_rows ? q0 + kQueriesPerBlock : a.q_rows;

  // Key ranges never move backwards as the query index grows, so the block's keys are
  // [lo(first query), hi(last query)).
  std::int64_t block_lo, block_hi, unused;
  key_range(a, q0, block_lo, unused);
  key_range(a, q_end - 1, unused, block_hi);

  for (int i = static_cast<int>(threadIdx.x); i < kQueriesPerBlock * dim; i += blockDim.x) {
    const std::int64_t row = q0 + i / dim;
    queries[i] = row < a.q_rows ? a.q[row * a.q_stride + static_cast<std::int64_t>(head) * dim + i % dim] : 0.0f;
  }

  std::int64_t lo[kQueriesPerWarp], hi[kQueriesPerWarp];
  float running_max[kQueriesPerWarp], running_sum[kQueriesPerWarp], acc[kQueriesPerWarp][kChunks];
#pragma unroll
  for (int t = 0; t < kQueriesPerWarp; ++t) {
    const std::int64_t row = q0 + warp * kQueriesPerWarp + t;
    lo[t] = hi[t] = 0;
    if (row < a.q_rows) key_range(a, row, lo[t], hi[t]);
    running_max[t] = -INFINITY;
    running_sum[t] = 0.0f;
#pragma unroll
    for (int c = 0; c < kChunks; ++c) acc[t][c] = 0.0f;
  }

  for (std::int64_t tile = block_lo; tile < block_hi; tile += kKeyTile) {
    __syncthreads();  // the previous tile is no longer read (and the queries are written)
    for (int i = static_cast<int>(threadIdx.x); i < kKeyTile * dim; i += blockDim.x) {
      const int j = i / dim, d = i % dim;
      const std::int64_t key = tile + j;
      const bool inside = key < block_hi;
      const std::int64_t offset = static_cast<std::int64_t>(kv_head) * dim + d;
      keys[j * (dim + 1) + d] = inside ? a.k[key * a.k_stride + offset] : 0.0f;
      values[j * dim + d] = inside ? a.v[key * a.v_stride + offset] : 0.0f;
    }
    __syncthreads();

#pragma unroll
    for (int t = 0; t < kQueriesPerWarp; ++t) {
      if (tile >= hi[t] || tile + kKeyTile <= lo[t]) continue;  // warp-uniform
      const float* query = queries + (warp * kQueriesPerWarp + t) * dim;
      const std::int64_t key = tile + lane;
      const bool visible = key >= lo[t] && key < hi[t];
      float score = -INFINITY;
      if (visible) {
        const float* k = keys + lane * (dim + 1);
        float s = 0.0f;
        for (int d = 0; d < dim; ++d) s += query[d] * k[d];
        score = s * a.scale;
      }
      float tile_max = score;
#pragma unroll
      for (int offset = kWarpSize / 2; offset > 0; offset /= 2) {
        tile_max = fmaxf(tile_max, __shfl_xor_sync(0xffffffffu, tile_max, offset));
      }
      const float new_max = fmaxf(running_max[t], tile_max);
      const float correction = expf(running_max[t] - new_max);  // 0 for the first tile (-inf)
      const float p = visible ? expf(score - new_max) : 0.0f;
      float p_sum = p;
#pragma unroll
      for (int offset = kWarpSize / 2; offset > 0; offset /= 2) p_sum += __shfl_xor_sync(0xffffffffu, p_sum, offset);
      running_sum[t] = running_sum[t] * correction + p_sum;
      running_max[t] = new_max;
#pragma unroll
      for (int c = 0; c < kChunks; ++c) acc[t][c] *= correction;
      for (int j = 0; j < kKeyTile; ++j) {
        const float pj = __shfl_sync(0xffffffffu, p, j);
        if (pj == 0.0f) continue;  // warp-uniform: invisible key (or an underflowed weight)
        const float* v = values + j * dim;
#pragma unroll
        for (int c = 0; c < kChunks; ++c) {
          const int d = lane + c * kWarpSize;
          if (d < dim) acc[t][c] += pj * v[d];
        }
      }
    }
  }

#pragma unroll
  for (int t = 0; t < kQueriesPerWarp; ++t) {
    const std::int64_t row = q0 + warp * kQueriesPerWarp + t;
    if (row >= a.q_rows) continue;
    const float inv = running_sum[t] > 0.0f ? 1.0f / running_sum[t] : 0.0f;  // no key seen: zeros
    float* out = a.out + row * a.out_stride + static_cast<std::int64_t>(head) * dim;
#pragma unroll
    for (int c = 0; c < kChunks; ++c) {
      const int d = lane + c * kWarpSize;
      if (d < dim) out[d] = acc[t][c] * inv;
    }
  }
}

template <int kChunks>
cudaError_t launch_attention_typed(const AttentionLaunch& a, cudaStream_t stream) {
  const std::size_t bytes = shared_bytes(a.head_dim);
  if (bytes > 48 * 1024) {
    const cudaError_t e = cudaFuncSetAttribute(attention_kernel<kChunks>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                               static_cast<int>(bytes));
    if (e != cudaSuccess) return e;
  }
  const dim3 grid(static_cast<unsigned>((a.q_rows + kQueriesPerBlock - 1) / kQueriesPerBlock),
                  static_cast<unsigned>(a.q_heads));
  attention_kernel<kChunks><<<grid, kWarps * kWarpSize, bytes, stream>>>(a);
  return cudaGetLastError();
}

}  // namespace

cudaError_t launch_attention(const AttentionLaunch& a, cudaStream_t stream) {
  if (a.q_rows == 0) return cudaSuccess;
  if (a.head_dim <= 64) return launch_attention_typed<2>(a, stream);
  if (a.head_dim <= 128) return launch_attention_typed<4>(a, stream);
  if (a.head_dim <= kAttentionMaxHeadDim) return launch_attention_typed<8>(a, stream);
  return cudaErrorInvalidValue;
}

}  // namespace vidscope::backend::cuda
