#include "memory/load_plan.h"

#include <array>

#include <nlohmann/json.hpp>
#include <fmt/format.h>

#include "memory/planner_saturating.h"

namespace vidscope::memory {

std::string_view tier_name(PlanTier tier) {
  switch (tier) {
    case PlanTier::kGpuBf16: return "gpu-bf16";
    case PlanTier::kGpuInt8: return "gpu-int8";
    case PlanTier::kGpuInt4: return "gpu-int4";
    case PlanTier::kSplit: return "split";
    case PlanTier::kCpuBf16: return "cpu-bf16";
    case PlanTier::kCpuInt8: return "cpu-int8";
    case PlanTier::kCpuInt4: return "cpu-int4";
    case PlanTier::kCpuMapped: return "cpu-mmap";
    case PlanTier::kFixedOnly: return "fixed";
    case PlanTier::kNone: return "none";
  }
  return "none";
}

Bytes DeviceBytes::total() const { return sum_saturating({weights, kv_cache, activations, scratch, overhead, frames}); }

namespace {

nlohmann::json workload_json(const Workload& w) {
  return {{"grid_thw", {w.grid_t, w.grid_h, w.grid_w}},
          {"batch_segments", w.batch_segments},
          {"prompt_text_tokens", w.prompt_text_tokens},
          {"max_new_tokens", w.max_new_tokens},
          {"context_tokens", w.context_tokens},
          {"frame_buffer_bytes", w.frame_buffer_bytes}};
}

nlohmann::json device_json(const DevicePlan& d) {
  const DeviceBytes& b = d.bytes;
  return {{"device", d.device},
          {"description", d.description},
          {"limit_bytes", d.limit},
          {"margin_bytes", d.margin},
          {"peak_bytes", d.peak},
          {"peak_phase", d.peak_phase},
          {"mapped_weight_bytes", d.mapped_weights},
          {"bytes",
           {{"weights", b.weights},
            {"kv_cache", b.kv_cache},
            {"activations", b.activations},
            {"scratch", b.scratch},
            {"overhead", b.overhead},
            {"frames", b.frames}}}};
}

nlohmann::json placement_json(const ModelPlacement& m) {
  nlohmann::json j = {{"model", m.model},
                      {"device", m.device},
                      {"weights_mapped", m.weights_mapped},
                      {"gpu_weight_bytes", m.gpu_weight_bytes},
                      {"cpu_weight_bytes", m.cpu_weight_bytes}};
  if (m.precision) {
    j["precision"] = precision_name(*m.precision);
    j["llm_layers_on_gpu"] = m.llm_layers_on_gpu;
    j["llm_layers_total"] = m.llm_layers_total;
    j["vision_device"] = m.vision_device;
  }
  return j;
}

}  // namespace

void to_json(nlohmann::json& out, const LoadPlan& plan) {
  out = nlohmann::json::object();
  out["feasible"] = plan.feasible;
  out["tier"] = tier_name(plan.tier);
  out["precision"] = plan.precision ? nlohmann::json(precision_name(*plan.precision)) : nlohmann::json(nullptr);
  out["summary"] = plan.summary;
  out["models"] = nlohmann::json::array();
  for (const ModelPlacement& m : plan.models) out["models"].push_back(placement_json(m));
  out["devices"] = nlohmann::json::array();
  for (const DevicePlan& d : plan.devices) out["devices"].push_back(device_json(d));
  out["requested_workload"] = workload_json(plan.requested);
  out["admitted_workload"] = workload_json(plan.admitted);
  out["shrunk"] = plan.shrunk;
  out["shrink_steps"] = plan.shrink_steps;
  out["rejected"] = nlohmann::json::array();
  for (const RejectedTier& r : plan.rejected) {
    out["rejected"].push_back({{"tier", tier_name(r.tier)}, {"reason", r.reason}});
  }
  out["reasons"] = plan.reasons;
}

std::string to_table(const LoadPlan& plan) {
  std::string text = fmt::format("plan: {}\n", plan.summary);
  if (!plan.devices.empty()) {
    const auto row = [](std::string_view device, const std::array<std::string, 9>& cells, std::string_view phase) {
      std::string line = fmt::format("{:<6}", device);
      for (const std::string& cell : cells) line += fmt::format(" {:>10}", cell);
      return line + fmt::format("  {}\n", phase);
    };
    text += row("device", {"weights", "kv cache", "activ.", "scratch", "overhead", "frames", "peak", "margin", "limit"},
                "peak phase");
    for (const DevicePlan& d : plan.devices) {
      const DeviceBytes& b = d.bytes;
      text += row(d.device,
                  {format_bytes(b.weights), format_bytes(b.kv_cache), format_bytes(b.activations),
                   format_bytes(b.scratch), format_bytes(b.overhead), format_bytes(b.frames), format_bytes(d.peak),
                   format_bytes(d.margin), format_bytes(d.limit)},
                  d.peak_phase);
    }
  }
  for (const DevicePlan& d : plan.devices) {
    if (d.mapped_weights != 0) {
      text += fmt::format("{}: {} of weights mapped from disk (reclaimable page cache, not counted)\n", d.device,
                          format_bytes(d.mapped_weights));
    }
  }
  for (const ModelPlacement& m : plan.models) {
    if (m.precision) {
      text += fmt::format("model {}: {} at {}{}, {} of {} decoder layers on GPU, vision tower on {}\n", m.model,
                          m.device, precision_name(*m.precision), m.weights_mapped ? " (mapped)" : "",
                          m.llm_layers_on_gpu, m.llm_layers_total, m.vision_device);
    } else {
      text += fmt::format("model {}: {} (fixed footprint)\n", m.model, m.device);
    }
  }
  for (const std::string& step : plan.shrink_steps) text += fmt::format("shrunk: {}\n", step);
  // A plan that failed lists every tier among its reasons already.
  if (plan.feasible) {
    for (const RejectedTier& r : plan.rejected) text += fmt::format("rejected {}\n", r.reason);
  }
  for (const std::string& reason : plan.reasons) text += fmt::format("no plan: {}\n", reason);
  return text;
}

}  // namespace vidscope::memory
