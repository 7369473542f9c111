#include "memory/planner.h"

#include <algorithm>

#include <fmt/format.h>

#include "memory/planner_device_usage.h"
#include "memory/planner_ladder.h"
#include "memory/planner_saturating.h"
#include "memory/planner_shrink.h"

namespace vidscope::memory {

namespace {

struct Capacities {
  DeviceCapacity cpu;
  std::vector<DeviceCapacity> gpus;
};

DeviceCapacity make_capacity(std::string id, std::string description, bool is_gpu, Bytes free,
                             const std::optional<Bytes>& budget, const Margin& margin, Bytes overhead) {
  DeviceCapacity c;
  c.id = std::move(id);
  c.description = std::move(description);
  c.is_gpu = is_gpu;
  c.limit = budget ? std::min(*budget, free) : free;
  c.margin = margin.of(c.limit);
  c.overhead = overhead;
  return c;
}

Capacities make_capacities(const PlanRequest& request) {
  const PlannerBudgets& b = request.budgets;
  Capacities caps;
  caps.cpu = make_capacity("cpu", "RAM", false, request.devices.ram.free, b.ram_limit, b.ram_margin, b.ram_overhead);
  for (const GpuDevice& gpu : request.devices.gpus) {
    std::string description = gpu.name.empty() ? std::string("GPU") : gpu.name;
    if (gpu.assumed) description += " (assumed)";
    caps.gpus.push_back(make_capacity(fmt::format("gpu{}", gpu.index), std::move(description), true, gpu.free,
                                      b.gpu_limit, b.gpu_margin, b.gpu_overhead));
  }
  return caps;
}

// Room left on a device once its committed bytes (and its overhead, if it would become used) are in.
Bytes room(const DeviceCapacity& device) {
  const Bytes used = add_saturating(device.committed.total(), device.overhead);
  return used >= device.usable() ? 0 : device.usable() - used;
}

DeviceCapacity* roomiest_gpu(Capacities& caps) {
  DeviceCapacity* best = nullptr;
  for (DeviceCapacity& gpu : caps.gpus) {
    if (best == nullptr || room(gpu) > room(*best)) best = &gpu;
  }
  return best;
}

Bytes fixed_total(const FixedFootprint& f) { return add_saturating(f.weights, f.working); }

void commit_fixed(DeviceCapacity& device, const FixedFootprint& f) {
  device.committed.weights = add_saturating(device.committed.weights, f.weights);
  device.committed.activations = add_saturating(device.committed.activations, f.working);
}

// Smallest first, each on the roomiest GPU when it prefers one and fits there, else in RAM. Returns
// the reasons for models that fit nowhere.
std::vector<std::string> place_fixed_models(const PlanRequest& request, Capacities& caps,
                                            std::vector<ModelPlacement>& placements) {
  std::vector<const ModelRequest*> fixed;
  for (const ModelRequest& m : request.models) {
    if (std::holds_alternative<FixedFootprint>(m.footprint)) fixed.push_back(&m);
  }
  std::stable_sort(fixed.begin(), fixed.end(), [](const ModelRequest* a, const ModelRequest* b) {
    return fixed_total(std::get<FixedFootprint>(a->footprint)) < fixed_total(std::get<FixedFootprint>(b->footprint));
  });
  std::vector<std::string> reasons;
  for (const ModelRequest* m : fixed) {
    const FixedFootprint& f = std::get<FixedFootprint>(m->footprint);
    const Bytes need = fixed_total(f);
    DeviceCapacity* gpu = f.prefers_gpu ? roomiest_gpu(caps) : nullptr;
    DeviceCapacity* target = nullptr;
    if (gpu != nullptr && need <= room(*gpu)) {
      target = gpu;
    } else if (need <= room(caps.cpu)) {
      target = &caps.cpu;
    }
    if (target == nullptr) {
      reasons.push_back(fmt::format("{} needs {}; room left: {} in RAM{}", m->name, format_bytes(need),
                                    format_bytes(room(caps.cpu)),
                                    gpu != nullptr ? fmt::format(", {} on {}", format_bytes(room(*gpu)), gpu->id) : ""));
      continue;
    }
    commit_fixed(*target, f);
    ModelPlacement p;
    p.model = m->name;
    p.device = target->id;
    (target->is_gpu ? p.gpu_weight_bytes : p.cpu_weight_bytes) = f.weights;
    placements.push_back(std::move(p));
  }
  return reasons;
}

ModelPlacement vlm_placement(const std::string& name, const LadderChoice& c, const ModelFootprint& model,
                             const DeviceCapacity* gpu) {
  ModelPlacement p;
  p.model = name;
  p.precision = c.precision;
  p.weights_mapped = c.weights_mapped;
  p.llm_layers_total = model.dims.llm.layers;
  p.llm_layers_on_gpu = c.layers_on_gpu;
  p.gpu_weight_bytes = c.gpu_weights;
  p.cpu_weight_bytes = c.cpu_weights;
  const std::string gpu_id = gpu != nullptr ? gpu->id : std::string();
  if (c.tier == PlanTier::kGpuBf16 || c.tier == PlanTier::kGpuInt8 || c.tier == PlanTier::kGpuInt4) {
    p.device = gpu_id;
  } else if (c.tier == PlanTier::kSplit) {
    p.device = gpu_id + "+cpu";
  } else {
    p.device = "cpu";
  }
  p.vision_device = c.vision_on_gpu ? gpu_id : "cpu";
  return p;
}

// Devices in the plan: RAM first, then every GPU that holds something.
void add_devices(LoadPlan& plan, const Capacities& caps, const DeviceOutcome& cpu, const DeviceCapacity* vlm_gpu,
                 const DeviceOutcome* vlm_gpu_outcome) {
  plan.devices.push_back(to_device_plan(caps.cpu, cpu));
  for (const DeviceCapacity& gpu : caps.gpus) {
    const DeviceOutcome outcome =
        (&gpu == vlm_gpu && vlm_gpu_outcome != nullptr) ? *vlm_gpu_outcome : resolve_device(gpu, DeviceLoad{});
    if (outcome.peak != 0) plan.devices.push_back(to_device_plan(gpu, outcome));
  }
}

std::string describe_peaks(const LoadPlan& plan) {
  std::string text;
  for (const DevicePlan& d : plan.devices) {
    text += fmt::format("{}{} {} of {} usable", text.empty() ? "" : ", ", d.device, format_bytes(d.peak),
                        format_bytes(d.limit - d.margin));
  }
  return text;
}

LoadPlan plan_fixed_only(const PlanRequest& request, Capacities& caps, LoadPlan plan) {
  DeviceLoad frames;
  frames.persistent.frames = request.workload.frame_buffer_bytes;
  const DeviceOutcome cpu = resolve_device(caps.cpu, frames);
  if (!outcome_fits(caps.cpu, cpu)) {
    plan.reasons.push_back("fixed models and frames: " + describe_shortfall(caps.cpu, cpu));
    plan.summary = "no plan: " + plan.reasons.front();
    return plan;
  }
  plan.feasible = true;
  plan.tier = PlanTier::kFixedOnly;
  add_devices(plan, caps, cpu, nullptr, nullptr);
  plan.summary = fmt::format("{} fixed-footprint model(s) placed; peak {}", plan.models.size(), describe_peaks(plan));
  return plan;
}

LoadPlan finish_with_choice(LoadPlan plan, const Capacities& caps, const ModelRequest& vlm, const LadderChoice& c,
                            const DeviceCapacity* gpu) {
  const ModelFootprint& model = std::get<ModelFootprint>(vlm.footprint);
  plan.feasible = true;
  plan.tier = c.tier;
  plan.precision = c.precision;
  plan.models.push_back(vlm_placement(vlm.name, c, model, gpu));
  const bool uses_gpu = c.tier == PlanTier::kGpuBf16 || c.tier == PlanTier::kGpuInt8 ||
                        c.tier == PlanTier::kGpuInt4 || c.tier == PlanTier::kSplit;
  add_devices(plan, caps, c.cpu, uses_gpu ? gpu : nullptr, uses_gpu ? &c.gpu : nullptr);
  plan.summary = fmt::format("{}: {} at {}{} on {}{}; peak {}", tier_name(c.tier), vlm.name, precision_name(c.precision),
                             c.weights_mapped ? " (memory-mapped, slow)" : "", plan.models.back().device,
                             plan.shrunk ? ", workload shrunk" : "", describe_peaks(plan));
  return plan;
}

LoadPlan plan_ladder_model(const PlanRequest& request, Capacities& caps, const ModelRequest& vlm, LoadPlan plan) {
  const ModelFootprint& model = std::get<ModelFootprint>(vlm.footprint);
  const ModelWeights weights = compute_model_weights(model, request.options.quant);
  const DeviceCapacity* gpu = roomiest_gpu(caps);
  const std::uint32_t merge = model.dims.vision.spatial_merge_size;
  Workload workload = request.workload;
  while (true) {
    std::string why_shrink;
    const std::uint64_t context = workload.kv_tokens(merge);
    if (context > model.dims.llm.max_context_tokens) {
      why_shrink = fmt::format("the step needs {} tokens of context, {} allows {}", context, vlm.name,
                               model.dims.llm.max_context_tokens);
      plan.rejected.clear();
    } else {
      LadderResult ladder = walk_ladder(LadderInput{&model, &weights, &request.options, &caps.cpu, gpu, workload});
      plan.rejected = std::move(ladder.rejected);
      plan.admitted = workload;
      if (ladder.choice) return finish_with_choice(std::move(plan), caps, vlm, *ladder.choice, gpu);
      why_shrink = plan.rejected.back().reason;
    }
    std::optional<ShrinkStep> step = shrink_workload(workload, request.options, merge);
    if (!step) {
      plan.admitted = workload;
      plan.reasons.push_back(fmt::format("nothing fits even at the smallest workload ({} visual tokens per segment, "
                                         "batch {}): {}",
                                         workload.visual_tokens_per_segment(merge), workload.batch_segments,
                                         why_shrink));
      for (const RejectedTier& r : plan.rejected) plan.reasons.push_back(r.reason);
      plan.summary = "no plan: " + plan.reasons.front();
      return plan;
    }
    plan.shrunk = true;
    plan.shrink_steps.push_back(fmt::format("{} because {}", step->description, why_shrink));
    workload = step->workload;
  }
}

}  // namespace

LoadPlan plan_load(const PlanRequest& request) {
  validate_plan_request(request);
  Capacities caps = make_capacities(request);
  LoadPlan plan;
  plan.requested = request.workload;
  plan.admitted = request.workload;
  plan.reasons = place_fixed_models(request, caps, plan.models);
  if (!plan.reasons.empty()) {
    plan.summary = "no plan: " + plan.reasons.front();
    return plan;
  }
  const auto vlm = std::find_if(request.models.begin(), request.models.end(), [](const ModelRequest& m) {
    return std::holds_alternative<ModelFootprint>(m.footprint);
  });
  if (vlm == request.models.end()) return plan_fixed_only(request, caps, std::move(plan));
  return plan_ladder_model(request, caps, *vlm, std::move(plan));
}

}  // namespace vidscope::memory
