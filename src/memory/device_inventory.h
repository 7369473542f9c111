#pragma once
// The planner's devices as this machine has them now: RAM (total capped by the cgroup; free = what this
// process could still get) and the GPU when one is present. The bridge from the probes to the pure
// planner inputs, shared by `vidscope plan` and the analysis pipeline.
#include "memory/planner_inputs.h"

namespace vidscope::memory {

DeviceInventory probe_device_inventory();

}  // namespace vidscope::memory
