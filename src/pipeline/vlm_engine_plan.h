#pragma once
// The bridge from a load plan to the engine: which precision, which device, how many decoder layers on
// it and where the vision tower runs, and the byte cap of each device, all read off the plan so that
// the engine loads exactly what the planner priced.
#include <string_view>

#include "memory/load_plan.h"
#include "vlm/vlm_engine.h"

namespace vidscope::pipeline {

// Engine options for `model`'s placement in `plan` (threads and ledger left for the caller):
//   cpu-* tiers: the CPU at the tier's precision (cpu-mmap: as stored);
//   gpu-* tiers: device "cuda:N" for "gpuN", every layer and the vision tower there;
//   split: the same device with device_layers = the plan's llm_layers_on_gpu and the vision tower
//          where the plan put it.
// byte_limit / device_byte_limit are each device's limit minus its margin. Throws Error(kUsage) when
// the plan is not feasible or does not place `model`, Error(kInternal) for a device name it cannot map.
vlm::EngineOptions engine_options_for(const memory::LoadPlan& plan, std::string_view model);

}  // namespace vidscope::pipeline
