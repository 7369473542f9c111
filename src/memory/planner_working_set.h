#pragma once
// Working memory of a Qwen2-VL-like model at one admitted workload shape: KV cache, activations and
// scratch of the vision tower and of the LLM (prefill and decode). Sized once at the admitted shape
// ("reserve before run"). Every formula is written out in docs/memory-model.md, "Working memory".
//
// Thread-safety: pure functions.
#include <cstdint>

#include "base/units.h"
#include "memory/model_footprint.h"
#include "memory/planner_inputs.h"

namespace vidscope::memory {

// Transient bytes of one phase of a step on one device.
struct PhaseBytes {
  Bytes activations = 0;  // tensors that live through the phase (hidden states, inputs, outputs)
  Bytes scratch = 0;      // short-lived temporaries (attention scores, logits)
  Bytes total() const { return activations + scratch; }
};

struct VlmWorkingSet {
  Bytes kv_cache_per_layer = 0;  // K and V of one decoder layer for every sequence of the batch
  PhaseBytes vision;             // vision tower, one segment at a time, the batch's outputs held
  PhaseBytes prefill;            // one decoder layer at a time over one prompt chunk of one sequence
  PhaseBytes decode;             // one new token per sequence
  Bytes logits = 0;              // last-position logits, f32, on the device that runs lm_head
};

// Sizes at `workload` (which must have passed validate_plan_request).
VlmWorkingSet estimate_working_set(const ModelDims& dims, const Workload& workload, const PlannerOptions& options);

}  // namespace vidscope::memory
