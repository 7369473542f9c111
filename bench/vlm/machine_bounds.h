#pragma once
// What the machine can do at best, measured in the same run as the engine so the engine's numbers can
// be read as fractions of it: memory read bandwidth (the bound of batch-1 decode, which streams every
// weight once per token) and the GEMM throughput of the compute backend (the bound of vision encode
// and prefill).
#include "backend/backend.h"

namespace vidscope::bench {

// Bytes per second read by `threads` threads summing disjoint halves of a 512 MiB buffer (far beyond
// any last-level cache); the best of several passes.
double measure_read_bandwidth(unsigned threads);

// FLOP/s of the backend's f32-weight matmul at a prefill-like shape ([322, 1536] x [8960, 1536]^T);
// the best of a few calls.
double measure_gemm_flops(backend::Backend& backend);

}  // namespace vidscope::bench
