#pragma once
// Planner internals: what one device can hold and what a candidate placement puts on it. A device's
// predicted peak is its persistent bytes (weights, KV cache, overhead, frames, fixed models) plus the
// largest of its transient phases (load staging, vision, prefill, decode): phases run one after the
// other, so their temporaries never coexist.
#include <string>
#include <vector>

#include "base/units.h"
#include "memory/load_plan.h"
#include "memory/planner_working_set.h"

namespace vidscope::memory {

struct DeviceCapacity {
  std::string id;           // "cpu", "gpu0"
  std::string description;
  bool is_gpu = false;
  Bytes limit = 0;          // min(budget, free)
  Bytes margin = 0;
  Bytes overhead = 0;       // runtime overhead, charged once the device holds anything
  DeviceBytes committed;    // fixed-footprint models already placed here

  Bytes usable() const { return limit - margin; }  // margin <= limit by construction
};

struct NamedPhase {
  std::string name;
  PhaseBytes bytes;
};

// What one candidate placement puts on one device (on top of what is already committed there).
struct DeviceLoad {
  DeviceBytes persistent;
  std::vector<NamedPhase> phases;
  Bytes mapped_weights = 0;
};

// The resolved peak of a device: committed + persistent + the largest phase.
struct DeviceOutcome {
  DeviceBytes bytes;
  Bytes peak = 0;
  std::string phase = "steady";
  Bytes mapped_weights = 0;
};

DeviceOutcome resolve_device(const DeviceCapacity& device, const DeviceLoad& load);

bool outcome_fits(const DeviceCapacity& device, const DeviceOutcome& outcome);

// "needs 17.2 GiB on gpu0, usable 11.2 GiB (limit 12.0 GiB - margin 0.9 GiB)".
std::string describe_shortfall(const DeviceCapacity& device, const DeviceOutcome& outcome);

DevicePlan to_device_plan(const DeviceCapacity& device, const DeviceOutcome& outcome);

}  // namespace vidscope::memory
