#pragma once
// The planner's answer: where each model goes, at which precision, how many bytes each device will
// hold by category, the workload actually admitted, and why every better tier was rejected. A plan
// with feasible == false is a normal answer ("nothing fits, here is why"), not an error.
//
// Thread-safety: plain values.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "base/units.h"
#include "memory/planner_inputs.h"
#include "memory/weight_precision.h"

namespace vidscope::memory {

// The ladder, best first (docs/memory-model.md, "Ladder").
enum class PlanTier {
  kGpuBf16,
  kGpuInt8,
  kGpuInt4,
  kSplit,      // first N decoder layers on a GPU, the rest in RAM
  kCpuBf16,
  kCpuInt8,
  kCpuInt4,
  kCpuMapped,  // weights memory-mapped from the checkpoint, used in place (page cache as the disk tier)
  kFixedOnly,  // no ladder model was requested: only fixed footprints were placed
  kNone,       // nothing fits
};

// "gpu-bf16", "gpu-int8", "gpu-int4", "split", "cpu-bf16", "cpu-int8", "cpu-int4", "cpu-mmap",
// "fixed", "none".
std::string_view tier_name(PlanTier tier);

struct DeviceBytes {
  Bytes weights = 0;
  Bytes kv_cache = 0;
  Bytes activations = 0;
  Bytes scratch = 0;
  Bytes overhead = 0;
  Bytes frames = 0;
  Bytes total() const;  // saturating sum
};

struct DevicePlan {
  std::string device;       // "cpu", "gpu0", ...
  std::string description;  // "RAM", "NVIDIA H100 80GB HBM3 (assumed)"
  Bytes limit = 0;          // min(budget, free)
  Bytes margin = 0;         // headroom the plan leaves unused
  DeviceBytes bytes;        // at the peak phase
  Bytes peak = 0;           // == bytes.total() <= limit - margin
  std::string peak_phase;   // "load", "vision", "prefill", "decode" or "steady" (nothing transient)
  Bytes mapped_weights = 0; // cpu-mmap tier: file-backed, reclaimable pages, not counted in `peak`
};

struct ModelPlacement {
  std::string model;
  std::string device;                  // "gpu0", "cpu" or "gpu0+cpu" (split)
  std::optional<Precision> precision;  // absent for fixed footprints
  bool weights_mapped = false;
  std::uint32_t llm_layers_on_gpu = 0;
  std::uint32_t llm_layers_total = 0;
  std::string vision_device;           // where the vision tower runs; empty for fixed footprints
  Bytes gpu_weight_bytes = 0;
  Bytes cpu_weight_bytes = 0;          // resident bytes (the working set for mapped weights)
};

struct RejectedTier {
  PlanTier tier = PlanTier::kNone;
  std::string reason;  // "gpu-bf16: needs 17.2 GiB on gpu0, usable 11.2 GiB (budget 12.0 GiB - margin 0.9 GiB)"
};

struct LoadPlan {
  bool feasible = false;
  PlanTier tier = PlanTier::kNone;
  std::optional<Precision> precision;  // of the ladder model
  std::vector<ModelPlacement> models;
  std::vector<DevicePlan> devices;     // every device that holds something, cpu first
  Workload requested;
  Workload admitted;                   // == requested unless shrunk
  bool shrunk = false;
  std::vector<std::string> shrink_steps;  // in order, each with the reason it was needed
  std::vector<RejectedTier> rejected;     // tiers tried at the admitted (or last tried) workload
  std::vector<std::string> reasons;       // why there is no plan; empty when feasible
  std::string summary;                    // one sentence in plain words
};

void to_json(nlohmann::json& out, const LoadPlan& plan);

// A fixed-width text table for the CLI: one row per device and category, then placements, shrink
// steps and rejected tiers.
std::string to_table(const LoadPlan& plan);

}  // namespace vidscope::memory
