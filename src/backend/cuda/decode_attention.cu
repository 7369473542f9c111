// Decode attention: one query row per sequence against its KV cache, every sequence of a batch in
// one launch (a block per sequence and query head). The general kernel (attention.cu) gives a
// single query one warp of one block per head and stages keys through shared memory tile by tile,
// which leaves a decode step latency-bound, one launch per sequence.
//
// A block of kWarps warps: (1) each warp scores keys warp, warp + kWarps, ...: the 32 lanes read one
// key row as coalesced 16-byte words, dot it with the query slice they hold in registers and sum by
// shuffles; the scores go to shared memory; (2) the block takes their max and the exponentials' sum;
// (3) each warp accumulates p_j * v_j over its keys into its lanes' slice of the head dimension, and
// the warps' partial outputs are added through shared memory. f32 throughout, expf as the general
// kernel, so results differ from it only by summation order.
#include "backend/cuda/cuda_kernels.h"

namespace vidscope::backend::cuda {

namespace {

constexpr int kWarpSize = 32;
constexpr int kWarps = 8;
constexpr int kThreads = kWarps * kWarpSize;

__device__ inline float warp_sum(float v) {
#pragma unroll
  for (int offset = kWarpSize / 2; offset > 0; offset /= 2) v += __shfl_xor_sync(0xffffffffu, v, offset);
  return v;
}
__device__ inline float dot(const float4 a, const float4 b) { return a.x * b.x + a.y * b.y + a.z * b.z + a.w * b.w; }

// kVec: 16-byte words per lane (head_dim <= 128 * kVec).
template <int kVec>
__global__ void __launch_bounds__(kThreads) decode_attention_kernel(const DecodeAttentionCall* calls) {
  extern __shared__ float shared[];
  __shared__ float reduce[kWarps];
  const DecodeAttentionCall c = calls[blockIdx.x];
  const int head = static_cast<int>(blockIdx.y);
  if (head >= c.q_heads) return;  // block-uniform
  const int lane = static_cast<int>(threadIdx.x) % kWarpSize, warp = static_cast<int>(threadIdx.x) / kWarpSize;
  const int dim = c.head_dim;
  const int kv_head = head / (c.q_heads / c.kv_heads);
  float* scores = shared;                      // [keys]
  float* partial = shared + ((c.keys + 3) & ~3);  // [kWarps][dim], 16-byte aligned

  float4 query[kVec];
  const float* q = c.q + static_cast<std::int64_t>(head) * dim;
#pragma unroll
  for (int i = 0; i < kVec; ++i) {
    const int d = 4 * (lane + kWarpSize * i);
    query[i] = d < dim ? *reinterpret_cast<const float4*>(q + d) : make_float4(0.f, 0.f, 0.f, 0.f);
  }
  const std::int64_t head_offset = static_cast<std::int64_t>(kv_head) * dim;

  float local_max = -INFINITY;
#pragma unroll 4
  for (int j = warp; j < c.keys; j += kWarps) {
    const float* key = c.k + j * c.k_stride + head_offset;
    float s = 0.0f;
#pragma unroll
    for (int i = 0; i < kVec; ++i) {
      const int d = 4 * (lane + kWarpSize * i);
      if (d < dim) s += dot(query[i], __ldg(reinterpret_cast<const float4*>(key + d)));
    }
    s = warp_sum(s) * c.scale;
    if (lane == 0) scores[j] = s;
    local_max = fmaxf(local_max, s);
  }
  if (lane == 0) reduce[warp] = local_max;
  __syncthreads();
  float max_score = reduce[0];
#pragma unroll
  for (int w = 1; w < kWarps; ++w) max_score = fmaxf(max_score, reduce[w]);
  __syncthreads();  // reduce[] is reused below

  float local_sum = 0.0f;
  for (int j = static_cast<int>(threadIdx.x); j < c.keys; j += kThreads) {
    const float p = expf(scores[j] - max_score);
    scores[j] = p;
    local_sum += p;
  }
  local_sum = warp_sum(local_sum);
  if (lane == 0) reduce[warp] = local_sum;
  __syncthreads();  // scores[] and reduce[] written
  float sum = 0.0f;
#pragma unroll
  for (int w = 0; w < kWarps; ++w) sum += reduce[w];

  float4 acc[kVec];
#pragma unroll
  for (int i = 0; i < kVec; ++i) acc[i] = make_float4(0.f, 0.f, 0.f, 0.f);
#pragma unroll 4
  for (int j = warp; j < c.keys; j += kWarps) {
    const float p = scores[j];
    const float* value = c.v + j * c.v_stride + head_offset;
#pragma unroll
    for (int i = 0; i < kVec; ++i) {
      const int d = 4 * (lane + kWarpSize * i);
      if (d < dim) {
        const float4 v = __ldg(reinterpret_cast<const float4*>(value + d));
        acc[i].x += p * v.x;
        acc[i].y += p * v.y;
        acc[i].z += p * v.z;
        acc[i].w += p * v.w;
      }
    }
  }
#pragma unroll
  for (int i = 0; i < kVec; ++i) {
    const int d = 4 * (lane + kWarpSize * i);
    if (d < dim) *reinterpret_cast<float4*>(partial + warp * dim + d) = acc[i];
  }
  __syncthreads();
  const float inv = sum > 0.0f ? 1.0f / sum : 0.0f;  // no key: zeros, as attention.h says
  float* out = c.out + static_cast<std::int64_t>(head) * dim;
  for (int d = static_cast<int>(threadIdx.x); d < dim; d += kThreads) {
    float total = 0.0f;
#pragma unroll
    for (int w = 0; w < kWarps; ++w) total += partial[w * dim + d];
    out[d] = total * inv;
  }
}

bool aligned16(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % 16 == 0; }

template <int kVec>
cudaError_t launch_typed(const DecodeAttentionCall* calls, int count, int max_q_heads, int max_keys, int max_head_dim,
                         cudaStream_t stream) {
  const std::size_t bytes = sizeof(float) * (static_cast<std::size_t>((max_keys + 3) & ~3) +
                                             static_cast<std::size_t>(kWarps) * static_cast<std::size_t>(max_head_dim));
  if (bytes > 48 * 1024) {
    const cudaError_t e = cudaFuncSetAttribute(decode_attention_kernel<kVec>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                               static_cast<int>(bytes));
    if (e != cudaSuccess) return e;
  }
  decode_attention_kernel<kVec><<<dim3(static_cast<unsigned>(count), static_cast<unsigned>(max_q_heads)), kThreads, bytes,
                                  stream>>>(calls);
  return cudaGetLastError();
}

}  // namespace

bool decode_attention_fits(const DecodeAttentionCall& c) {
  return c.keys >= 0 && c.keys <= kDecodeAttentionMaxKeys && c.head_dim > 0 && c.head_dim % 4 == 0 &&
         c.head_dim <= kDecodeAttentionMaxHeadDim && c.kv_heads > 0 && c.q_heads % c.kv_heads == 0 &&
         c.k_stride % 4 == 0 && c.v_stride % 4 == 0 && aligned16(c.q) && aligned16(c.k) && aligned16(c.v) &&
         aligned16(c.out);
}

cudaError_t launch_decode_attention(const DecodeAttentionCall* calls, int count, int max_q_heads, int max_keys,
                                    int max_head_dim, cudaStream_t stream) {
  if (count == 0) return cudaSuccess;
  if (max_head_dim <= 128) return launch_typed<1>(calls, count, max_q_heads, max_keys, max_head_dim, stream);
  return launch_typed<2>(calls, count, max_q_heads, max_keys, max_head_dim, stream);
}

}  // namespace vidscope::backend::cuda
