#include "pipeline/vlm_host.h"

#include <chrono>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "base/error.h"
#include "memory/device_inventory.h"
#include "memory/planner.h"
#include "memory/probe.h"
#include "models/model_footprint_reader.h"
#include "pipeline/vlm_engine_plan.h"

namespace vidscope::pipeline {

namespace {

constexpr char kSamplerOwner[] = "model:vlm";
constexpr char kLoadingOwner[] = "model:vlm loading";
constexpr char kLedgerOwner[] = "vlm";  // every engine buffer's owner starts with it
constexpr char kPlannedModel[] = "vlm";  // the model's name in the plan request

using Clock = std::chrono::steady_clock;

const memory::DevicePlan* cpu_device(const memory::LoadPlan& plan) {
  for (const auto& device : plan.devices) {
    if (device.device == "cpu") return &device;
  }
  return nullptr;
}

Bytes minus(Bytes a, Bytes b) { return a > b ? a - b : 0; }

// Decoder layers the plan puts on a GPU: all of them for a gpu-* tier, N for split, 0 on the CPU.
std::uint32_t layers_on_gpu(const memory::LoadPlan& plan) {
  for (const auto& m : plan.models) {
    if (m.model == kPlannedModel) return m.llm_layers_on_gpu;
  }
  return 0;
}

}  // namespace

memory::LoadPlan VlmHost::plan(const VlmHostOptions& options) {
  memory::PlanRequest request;
  request.devices = memory::probe_device_inventory();
  request.budgets.ram_limit = options.budget.ram_bytes;
  if (!request.devices.gpus.empty() && options.budget.gpu_bytes) request.budgets.gpu_limit = *options.budget.gpu_bytes;
  request.models.push_back({kPlannedModel, models::read_model_footprint(options.model_dir)});
  request.workload = options.workload;
  return memory::plan_load(request);
}

VlmHost::VlmHost(VlmHostOptions options, memory::LoadPlan plan) : options_(std::move(options)) {
  record_.dir = options_.model_dir.string();
  record_.plan = std::move(plan);
  if (!record_.plan.feasible) {
    std::string why;
    for (const auto& reason : record_.plan.reasons) why += "\n  " + reason;
    throw_budget_error(fmt::format("the VLM in {} does not fit the budget, so it was not loaded: {}{}",
                                   record_.dir, record_.plan.summary, why));
  }
  vlm::EngineOptions engine_options = engine_options_for(record_.plan, kPlannedModel);
  engine_options.threads = options_.threads;
  engine_options.ledger = options_.ledger;
  const vlm::WeightPrecision precision = engine_options.precision;
  record_.precision = precision == vlm::WeightPrecision::kAsStored ? "as-stored"
                                                                      : std::string(vlm::weight_precision_name(precision));
  record_.device = engine_options.device;
  record_.device_layers = layers_on_gpu(record_.plan);
  if (const auto* cpu = cpu_device(record_.plan)) {
    record_.predicted_peak_bytes = cpu->peak;
    record_.predicted_anon_peak_bytes =
        record_.plan.tier == memory::PlanTier::kCpuMapped ? minus(cpu->peak, cpu->bytes.weights) : cpu->peak;
  }

  const memory::ProcessMemory before_load = memory::read_process_memory_without_pss();
  record_.rss_before_load = before_load.rss;
  record_.rss_anon_before_load = before_load.rss_anon;
  if (options_.sampler != nullptr) {
    options_.sampler->enter(kSamplerOwner);
    options_.sampler->enter(kLoadingOwner);
  }
  const auto start = Clock::now();
  try {
    // The budgets hold even when the estimate is off: past what the plan may use on a device (the
    // engine options carry each device's limit minus its margin), an allocation fails and the step is
    // retried smaller instead of growing the process.
    engine_ = vlm::VlmEngine::load(options_.model_dir, engine_options);
  } catch (...) {
    if (options_.sampler != nullptr) {
      options_.sampler->leave(kLoadingOwner);
      options_.sampler->leave(kSamplerOwner);
    }
    throw;
  }
  record_.load_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  if (options_.sampler != nullptr) {
    options_.sampler->leave(kLoadingOwner);
    record_.measured_load_peak_bytes = minus(options_.sampler->peak_rss_while(kLoadingOwner), record_.rss_before_load);
  }
  record_.architecture = engine_->config().architecture;
  record_.after_load = memory::read_process_memory();
  spdlog::info("loaded the VLM from {} at {} ({} tier, {}) in {:.0f} ms", record_.dir, record_.precision,
               memory::tier_name(record_.plan.tier), record_.device, record_.load_ms);
}

VlmHost::~VlmHost() {
  try {
    unload();
  } catch (const std::exception& e) {
    spdlog::warn("unloading the VLM: {}", e.what());
  }
}

Bytes VlmHost::resident_ram_bytes() const {
  const auto* cpu = cpu_device(record_.plan);
  return cpu != nullptr ? cpu->bytes.weights + cpu->bytes.overhead : 0;
}

Bytes VlmHost::step_ram_bytes() const {
  const auto* cpu = cpu_device(record_.plan);
  if (cpu == nullptr) return 0;
  return cpu->bytes.kv_cache + cpu->bytes.activations + cpu->bytes.scratch + cpu->bytes.frames;
}

void VlmHost::unload() {
  if (!engine_) return;
  const memory::MemorySnapshot before = memory::take_snapshot(options_.ledger, kLedgerOwner);
  engine_.reset();
  const bool trimmed = memory::trim_allocator_caches();
  const memory::MemorySnapshot after = memory::take_snapshot(options_.ledger, kLedgerOwner);
  if (options_.sampler != nullptr) {
    record_.measured_peak_bytes = minus(options_.sampler->peak_rss_while(kSamplerOwner), record_.rss_before_load);
    record_.measured_anon_peak_bytes =
        minus(options_.sampler->peak_rss_anon_while(kSamplerOwner), record_.rss_anon_before_load);
    options_.sampler->leave(kSamplerOwner);
  }
  record_.release = memory::compare_release(kLedgerOwner, before, after, trimmed);
  if (record_.release->leak) spdlog::warn("{}", record_.release->verdict);
}

void to_json(nlohmann::json& out, const ModelRecord& r) {
  out = {{"role", r.role},
         {"dir", r.dir},
         {"architecture", r.architecture},
         {"tier", memory::tier_name(r.plan.tier)},
         {"precision", r.precision},
         {"device", r.device},
         {"device_layers", r.device_layers},
         {"plan", r.plan},
         {"load_ms", r.load_ms},
         {"rss_before_load_bytes", r.rss_before_load},
         {"rss_anon_before_load_bytes", r.rss_anon_before_load},
         {"predicted_peak_bytes", r.predicted_peak_bytes},
         {"measured_peak_bytes", r.measured_peak_bytes},
         {"measured_load_peak_bytes", r.measured_load_peak_bytes},
         {"after_load", r.after_load}};
  out["predicted_anon_peak_bytes"] = r.predicted_anon_peak_bytes;
  out["measured_anon_peak_bytes"] = r.measured_anon_peak_bytes;
  const bool mapped = r.plan.tier == memory::PlanTier::kCpuMapped;
  const Bytes predicted = mapped ? r.predicted_anon_peak_bytes : r.predicted_peak_bytes;
  const Bytes measured = mapped ? r.measured_anon_peak_bytes : r.measured_peak_bytes;
  out["compared_by"] = mapped ? "anonymous RSS" : "RSS";
  if (predicted > 0 && measured > 0) {
    out["measured_over_predicted"] = static_cast<double>(measured) / static_cast<double>(predicted);
  }
  if (r.release) out["release"] = *r.release;
}

}  // namespace vidscope::pipeline
