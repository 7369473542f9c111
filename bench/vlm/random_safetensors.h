#pragma once
// Writes the tensors of a model description as bf16 safetensors filled with random values, laid out
// like a Hugging Face snapshot: one `model.safetensors`, or shards `model-0000i-of-0000n.safetensors`
// plus `model.safetensors.index.json` when the tensors exceed the shard size.
//
// Values: norm weights 1, norm biases 0, everything else roughly N(0, 0.02) (the sum of four uniform
// draws, a close stand-in for a normal at a fraction of the cost). Each block of a tensor draws from its
// own xorshift stream seeded by (seed, tensor name, block), so the bytes do not depend on the thread
// count. Speed, not realism, is the point: engine speed does not depend on weight values.
#include <cstdint>
#include <filesystem>
#include <vector>

#include "memory/model_footprint.h"
#include "tensor/worker_pool.h"

namespace vidscope::bench {

struct RandomWeightsOptions {
  std::uint64_t shard_bytes = 4'000'000'000;  // 0: always one file
  std::uint64_t seed = 1;
};

struct WrittenWeights {
  std::vector<std::filesystem::path> files;
  std::uint64_t bytes = 0;  // tensor bytes written (headers excluded)
};

// Writes into `dir` (which must exist). Throws vidscope::Error (input) when a file cannot be written.
WrittenWeights write_random_weights(const std::filesystem::path& dir, const std::vector<memory::TensorSpec>& tensors,
                                    const RandomWeightsOptions& options, tensor::WorkerPool& pool);

}  // namespace vidscope::bench
