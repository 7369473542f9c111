#pragma once
// Everything the load planner reads: devices, budgets, the models to place and the workload shape.
// All plain values, filled by the caller (from the probes, the CLI flags, config.json and the
// pipeline's segment spec), so the planner itself touches no hardware and no files.
// Formulas and defaults: docs/memory-model.md.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/units.h"
#include "memory/model_footprint.h"
#include "memory/weight_precision.h"

namespace vidscope::memory {

struct HostMemory {
  Bytes total = 0;
  Bytes free = 0;  // what this process could still get (MemAvailable + own RSS, capped by the cgroup)
};

struct GpuDevice {
  int index = 0;
  std::string name;
  Bytes total = 0;
  Bytes free = 0;
  bool assumed = false;  // not probed: described by the user for capacity planning (`--assume`)
};

struct DeviceInventory {
  HostMemory ram;
  std::vector<GpuDevice> gpus;  // zero or more
};

// Headroom a plan never fills: `fraction` of the device limit plus `bytes`.
struct Margin {
  double fraction = 0.0;  // in [0, 1)
  Bytes bytes = 0;
  Bytes of(Bytes limit) const;  // min(limit, fraction * limit + bytes)
};

// Defaults: GPU 5 % + 256 MiB (CUDA context, cuBLAS workspaces, allocator slack); RAM 128 MiB
// (code, thread stacks, allocator arenas).
inline constexpr Margin kDefaultGpuMargin{0.05, 256 * kMiB};
inline constexpr Margin kDefaultRamMargin{0.0, 128 * kMiB};

struct PlannerBudgets {
  std::optional<Bytes> ram_limit;  // resolved (`--ram-budget`); nullopt: the free RAM is the limit
  std::optional<Bytes> gpu_limit;  // per GPU, resolved (`--gpu-budget`); nullopt: each GPU's free bytes
  Margin ram_margin = kDefaultRamMargin;
  Margin gpu_margin = kDefaultGpuMargin;
  // Fixed runtime overhead measured once per backend (the "overhead" category); 0 until measured.
  Bytes ram_overhead = 0;
  Bytes gpu_overhead = 0;
};

// The shape of one step of work for the VLM. The patch grid is what the image/video processor
// derives with smart_resize: grid_t temporal patches (2 frames each) of grid_h x grid_w patches
// (14 px each); visual tokens per segment = grid_t * grid_h * grid_w / merge^2.
struct Workload {
  std::uint32_t grid_t = 1;
  std::uint32_t grid_h = 0;
  std::uint32_t grid_w = 0;
  std::uint32_t batch_segments = 1;      // segments generated together (decoded as one batch)
  std::uint32_t prompt_text_tokens = 0;  // template + question, per segment
  std::uint32_t max_new_tokens = 0;
  // KV cache length per sequence; 0 means "exactly what the step needs" (visual + text + new tokens).
  // A value below that need is a usage error; the model's max context caps either.
  std::uint32_t context_tokens = 0;
  Bytes frame_buffer_bytes = 0;          // decoded frames the pipeline holds in RAM for this step

  std::uint64_t patches_per_segment() const;
  std::uint64_t patches_per_temporal_patch() const;
  std::uint64_t visual_tokens_per_segment(std::uint32_t merge_size) const;
  std::uint64_t prefill_tokens(std::uint32_t merge_size) const;  // visual + prompt text
  std::uint64_t kv_tokens(std::uint32_t merge_size) const;       // context_tokens, or prefill + new
};

// A model whose footprint does not depend on the workload (a detector, an OCR net): placed as a whole.
struct FixedFootprint {
  Bytes weights = 0;
  Bytes working = 0;        // activations and scratch at its fixed input size
  bool prefers_gpu = true;  // tried on a GPU first, then in RAM; false: RAM only
};

// One model to place: a VLM described tensor by tensor (walks the ladder) or a fixed footprint.
struct ModelRequest {
  std::string name;
  std::variant<ModelFootprint, FixedFootprint> footprint;
};

// How the planner estimates working memory and how far it may shrink a workload.
struct PlannerOptions {
  QuantPolicy quant;
  Bytes kv_bytes_per_element = 4;  // the engine keeps its KV cache in f32 (vlm/kv_cache.h)
  // Query rows whose attention scores a backend stores at once, in the LLM prefill and the vision tower
  // alike. 0: none, as both of the engine's backends run an online softmax over tiles of keys and never
  // store a score matrix. A row-chunked kernel would set its tile height; a naive one UINT32_MAX.
  std::uint32_t attention_score_rows = 0;
  // Prompt rows the generator pushes through the decoder at once (vlm::GenerationOptions'
  // prefill_chunk_tokens); 0 = the whole prompt.
  std::uint32_t prefill_chunk_tokens = 512;
  // Shrink floors: the smallest workload the planner will admit before giving up.
  std::uint32_t min_grid_t = 1;                      // 2 frames
  // qwen-vl-utils VIDEO_MIN_PIXELS = 128 x 28 x 28: the processor would not go lower either.
  std::uint32_t min_visual_tokens_per_temporal_patch = 128;
};

struct PlanRequest {
  DeviceInventory devices;
  PlannerBudgets budgets;
  std::vector<ModelRequest> models;  // at most one ModelFootprint (the VLM); any number of fixed ones
  Workload workload;
  PlannerOptions options;
};

// Throws Error(kUsage) naming the field for an invalid request: RAM total or free of 0 or free >
// total; a GPU with total 0, free > total or a duplicate index; a margin fraction outside [0, 1); a
// budget of 0 bytes; no model, an empty model name or two models with the same name; more than one
// ModelFootprint; a fixed footprint of 0 bytes; a VLM workload whose grid is 0, whose grid_h/grid_w is
// not a multiple of the merge size, whose batch is 0, or whose context_tokens is set below the need or
// above the model's max_context_tokens. Also re-checks the ModelFootprint (validate_footprint).
void validate_plan_request(const PlanRequest& request);

}  // namespace vidscope::memory
