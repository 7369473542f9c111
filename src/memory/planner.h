#pragma once
// The load planner: (devices, budgets, models, workload) -> LoadPlan. Pure: no hardware, no files,
// no clock, so it is tested with described devices and can answer "what would happen on an 80 GiB
// GPU" on a laptop. The rules (ladder order, split rule, joint placement, shrink order) and every byte
// formula are in docs/memory-model.md.
//
// Usage:
//   PlanRequest request;
//   request.devices = {{64 * kGiB, 60 * kGiB}, {{0, "H100", 80 * kGiB, 79 * kGiB}}};
//   request.models.push_back({"qwen2-vl-7b", qwen2vl_footprint("qwen2-vl-7b", qwen2vl_7b_dims())});
//   request.workload = {.grid_t = 4, .grid_h = 20, .grid_w = 36, .prompt_text_tokens = 64, .max_new_tokens = 128};
//   LoadPlan plan = plan_load(request);   // plan.tier == PlanTier::kGpuBf16
//
// Thread-safety: re-entrant; no shared state.
#include "memory/load_plan.h"
#include "memory/planner_inputs.h"

namespace vidscope::memory {

// Places every model of `request`. Fixed footprints go first, smallest first, each on the GPU with the
// most room when it prefers a GPU and fits there, else in RAM. The ladder model then tries, in order,
// gpu-bf16, gpu-int8, gpu-int4, split, cpu-bf16, cpu-int8, cpu-int4, cpu-mmap on what remains; the first
// tier that fits every device wins. When none fits, the workload is shrunk one step (batch, then frames
// per segment, then pixels per frame) and the ladder is walked again, until a tier fits or the floors
// in request.options are reached.
//
// Returns a feasible plan whose every device satisfies peak + margin <= limit, or a plan with
// feasible == false, tier kNone and `reasons` in plain words. Throws Error(kUsage) only for an invalid
// request (see validate_plan_request), never because something does not fit.
LoadPlan plan_load(const PlanRequest& request);

}  // namespace vidscope::memory
