#include "memory/planner_device_usage.h"

#include <fmt/format.h>

#include "memory/planner_saturating.h"

namespace vidscope::memory {

namespace {

DeviceBytes add(const DeviceBytes& a, const DeviceBytes& b) {
  return DeviceBytes{add_saturating(a.weights, b.weights),         add_saturating(a.kv_cache, b.kv_cache),
                     add_saturating(a.activations, b.activations), add_saturating(a.scratch, b.scratch),
                     add_saturating(a.overhead, b.overhead),       add_saturating(a.frames, b.frames)};
}

}  // namespace

DeviceOutcome resolve_device(const DeviceCapacity& device, const DeviceLoad& load) {
  DeviceOutcome out;
  out.bytes = add(device.committed, load.persistent);
  const NamedPhase* largest = nullptr;
  for (const NamedPhase& phase : load.phases) {
    if (phase.bytes.total() == 0) continue;
    if (largest == nullptr || phase.bytes.total() > largest->bytes.total()) largest = &phase;
  }
  if (largest != nullptr) {
    out.bytes.activations = add_saturating(out.bytes.activations, largest->bytes.activations);
    out.bytes.scratch = add_saturating(out.bytes.scratch, largest->bytes.scratch);
    out.phase = largest->name;
  }
  const bool used = out.bytes.total() != 0 || load.mapped_weights != 0;
  if (used) out.bytes.overhead = add_saturating(out.bytes.overhead, device.overhead);
  out.peak = out.bytes.total();
  out.mapped_weights = load.mapped_weights;
  return out;
}

bool outcome_fits(const DeviceCapacity& device, const DeviceOutcome& outcome) { return outcome.peak <= device.usable(); }

std::string describe_shortfall(const DeviceCapacity& device, const DeviceOutcome& outcome) {
  const std::string needs =
      outcome.peak == kSaturatedBytes ? std::string("more than 16 EiB") : format_bytes(outcome.peak);
  return fmt::format("needs {} on {}, usable {} (limit {} - margin {})", needs, device.id,
                     format_bytes(device.usable()), format_bytes(device.limit), format_bytes(device.margin));
}

DevicePlan to_device_plan(const DeviceCapacity& device, const DeviceOutcome& outcome) {
  DevicePlan plan;
  plan.device = device.id;
  plan.description = device.description;
  plan.limit = device.limit;
  plan.margin = device.margin;
  plan.bytes = outcome.bytes;
  plan.peak = outcome.peak;
  plan.peak_phase = outcome.phase;
  plan.mapped_weights = outcome.mapped_weights;
  return plan;
}

}  // namespace vidscope::memory
