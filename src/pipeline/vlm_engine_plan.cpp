#include "pipeline/vlm_engine_plan.h"

#include <algorithm>
#include <string>

#include <fmt/format.h>

#include "base/error.h"

namespace vidscope::pipeline {

namespace {

vlm::WeightPrecision engine_precision(const memory::LoadPlan& plan, const memory::ModelPlacement& placement) {
  if (plan.tier == memory::PlanTier::kCpuMapped || placement.weights_mapped) return vlm::WeightPrecision::kAsStored;
  if (!placement.precision) {
    throw_internal_error(fmt::format("the {} plan gives the VLM no precision", memory::tier_name(plan.tier)));
  }
  switch (*placement.precision) {
    case memory::Precision::kBf16: return vlm::WeightPrecision::kBf16;
    case memory::Precision::kInt8: return vlm::WeightPrecision::kInt8;
    case memory::Precision::kInt4: return vlm::WeightPrecision::kInt4;
  }
  throw_internal_error("unknown plan precision");
}

// "gpu3" -> 3; nullopt for "cpu".
std::optional<int> gpu_index(std::string_view device) {
  if (!device.starts_with("gpu")) return std::nullopt;
  const std::string_view digits = device.substr(3);
  if (digits.empty() || digits.size() > 3 || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    throw_internal_error(fmt::format("cannot map the plan's device '{}' to a GPU", device));
  }
  return std::stoi(std::string(digits));
}

// The device part of a placement: "gpu0" of "gpu0+cpu", "cpu" of "cpu".
std::string_view first_device(std::string_view placement) { return placement.substr(0, placement.find('+')); }

std::optional<Bytes> usable(const memory::LoadPlan& plan, std::string_view device) {
  for (const auto& d : plan.devices) {
    if (d.device == device) return d.limit > d.margin ? d.limit - d.margin : 0;
  }
  return std::nullopt;
}

}  // namespace

vlm::EngineOptions engine_options_for(const memory::LoadPlan& plan, std::string_view model) {
  if (!plan.feasible) throw_usage_error("the load plan is not feasible: " + plan.summary);
  const auto placement = std::find_if(plan.models.begin(), plan.models.end(),
                                      [&](const memory::ModelPlacement& m) { return m.model == model; });
  if (placement == plan.models.end()) throw_usage_error(fmt::format("the load plan does not place '{}'", model));
  vlm::EngineOptions options;
  options.precision = engine_precision(plan, *placement);
  options.byte_limit = usable(plan, "cpu");
  const std::string_view device = first_device(placement->device);
  if (const auto index = gpu_index(device)) {
    options.device = "cuda:" + std::to_string(*index);
    options.device_byte_limit = usable(plan, device);
    if (plan.tier == memory::PlanTier::kSplit) {
      options.device_layers = placement->llm_layers_on_gpu;
      options.vision_on_device = placement->vision_device.starts_with("gpu");
    }
  }
  return options;
}

}  // namespace vidscope::pipeline
