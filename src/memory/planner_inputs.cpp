#include "memory/planner_inputs.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "base/error.h"
#include "memory/planner_saturating.h"

namespace vidscope::memory {

Bytes Margin::of(Bytes limit) const {
  const double scaled = std::floor(fraction * static_cast<double>(limit));
  const Bytes fractional = scaled >= static_cast<double>(limit) ? limit : static_cast<Bytes>(scaled);
  return std::min(limit, add_saturating(fractional, bytes));
}

std::uint64_t Workload::patches_per_segment() const { return product_saturating({grid_t, grid_h, grid_w}); }

std::uint64_t Workload::patches_per_temporal_patch() const { return product_saturating({grid_h, grid_w}); }

std::uint64_t Workload::visual_tokens_per_segment(std::uint32_t merge_size) const {
  return patches_per_segment() / (std::uint64_t{merge_size} * merge_size);
}

std::uint64_t Workload::prefill_tokens(std::uint32_t merge_size) const {
  return add_saturating(visual_tokens_per_segment(merge_size), prompt_text_tokens);
}

std::uint64_t Workload::kv_tokens(std::uint32_t merge_size) const {
  return context_tokens != 0 ? context_tokens : add_saturating(prefill_tokens(merge_size), max_new_tokens);
}

namespace {

void validate_devices(const DeviceInventory& devices) {
  if (devices.ram.total == 0) throw_usage_error("plan: RAM total must be greater than zero");
  if (devices.ram.free == 0 || devices.ram.free > devices.ram.total) {
    throw_usage_error(fmt::format("plan: free RAM ({} B) must be in (0, total = {} B]", devices.ram.free,
                                  devices.ram.total));
  }
  std::set<int> indices;
  for (const GpuDevice& gpu : devices.gpus) {
    if (gpu.total == 0 || gpu.free > gpu.total) {
      throw_usage_error(fmt::format("plan: GPU {} needs total > 0 and free <= total (total {} B, free {} B)",
                                    gpu.index, gpu.total, gpu.free));
    }
    if (!indices.insert(gpu.index).second) throw_usage_error(fmt::format("plan: GPU index {} is listed twice", gpu.index));
  }
}

void validate_margin(const Margin& margin, const char* device) {
  if (!(margin.fraction >= 0.0 && margin.fraction < 1.0)) {
    throw_usage_error(fmt::format("plan: the {} margin fraction must be in [0, 1), got {}", device, margin.fraction));
  }
}

void validate_budgets(const PlannerBudgets& budgets) {
  if (budgets.ram_limit && *budgets.ram_limit == 0) throw_usage_error("plan: the RAM budget must be greater than zero");
  if (budgets.gpu_limit && *budgets.gpu_limit == 0) throw_usage_error("plan: the GPU budget must be greater than zero");
  validate_margin(budgets.ram_margin, "RAM");
  validate_margin(budgets.gpu_margin, "GPU");
}

void validate_workload(const Workload& w, const ModelDims& dims) {
  const std::uint32_t merge = dims.vision.spatial_merge_size;
  if (w.grid_t == 0 || w.grid_h == 0 || w.grid_w == 0) {
    throw_usage_error(fmt::format("plan: the patch grid {}x{}x{} has a zero extent", w.grid_t, w.grid_h, w.grid_w));
  }
  if (w.grid_h % merge != 0 || w.grid_w % merge != 0) {
    throw_usage_error(fmt::format("plan: the patch grid {}x{} is not a multiple of the merge size {}", w.grid_h,
                                  w.grid_w, merge));
  }
  if (w.batch_segments == 0) throw_usage_error("plan: the batch must hold at least one segment");
  if (w.context_tokens > dims.llm.max_context_tokens) {
    throw_usage_error(fmt::format("plan: a context of {} tokens exceeds the model's maximum of {}", w.context_tokens,
                                  dims.llm.max_context_tokens));
  }
  const std::uint64_t need = add_saturating(w.prefill_tokens(merge), w.max_new_tokens);
  if (w.context_tokens != 0 && w.context_tokens < need) {
    throw_usage_error(fmt::format("plan: a context of {} tokens cannot hold the {} tokens the step needs "
                                  "(visual + prompt + new)",
                                  w.context_tokens, need));
  }
}

}  // namespace

void validate_plan_request(const PlanRequest& request) {
  validate_devices(request.devices);
  validate_budgets(request.budgets);
  if (request.models.empty()) throw_usage_error("plan: no model to place");
  std::set<std::string> names;
  int ladder_models = 0;
  for (const ModelRequest& model : request.models) {
    if (model.name.empty()) throw_usage_error("plan: a model has an empty name");
    if (!names.insert(model.name).second) throw_usage_error(fmt::format("plan: model {} is listed twice", model.name));
    if (const auto* fixed = std::get_if<FixedFootprint>(&model.footprint)) {
      if (add_saturating(fixed->weights, fixed->working) == 0) {
        throw_usage_error(fmt::format("plan: model {} has a footprint of 0 bytes", model.name));
      }
    } else {
      ++ladder_models;
      validate_footprint(std::get<ModelFootprint>(model.footprint));
      validate_workload(request.workload, std::get<ModelFootprint>(model.footprint).dims);
    }
  }
  if (ladder_models > 1) {
    throw_usage_error("plan: only one model can walk the precision ladder per plan; describe the others as fixed "
                      "footprints");
  }
}

}  // namespace vidscope::memory
