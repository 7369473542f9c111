#pragma once
// The VLM of one analysis, from plan to verified release: the model is planned against the budgets
// before anything is loaded (a plan that does not fit is an Error(kBudget), nothing is started), loaded
// at the precision the plan chose, measured while it loads and lives (predicted vs measured peak), and
// unloaded at the end with a verified release (memory/release_check.h).
//
// Thread-safety: one owner thread; the engine it hands out follows the engine's own rules.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "memory/budget.h"
#include "memory/ledger.h"
#include "memory/load_plan.h"
#include "memory/release_check.h"
#include "memory/sampler.h"
#include "vlm/vlm_engine.h"

namespace vidscope::pipeline {

struct VlmHostOptions {
  std::filesystem::path model_dir;
  memory::Workload workload;                 // what the analyzers asked for (merged)
  memory::Budget budget;                     // resolved RAM / GPU budgets of the analysis
  unsigned threads = 1;
  memory::MemoryLedger* ledger = nullptr;    // not owned; the engine's buffers are entered here
  memory::MemorySampler* sampler = nullptr;  // not owned; marks "model:vlm" while it is loaded
};

struct ModelRecord {
  std::string role = "vlm";
  std::string dir;
  std::string architecture;
  memory::LoadPlan plan;
  std::string precision;                 // the engine precision the plan's tier maps to
  std::string device = "cpu";            // where the engine runs: "cpu" or "cuda:N"
  std::int64_t device_layers = 0;        // decoder layers on that GPU (all of them unless split; 0 on the CPU)
  double load_ms = 0;
  Bytes rss_before_load = 0;
  Bytes rss_anon_before_load = 0;        // the comparable base for the cpu-mmap tier (file pages are cache)
  Bytes predicted_peak_bytes = 0;        // the plan's RAM peak (weights resident + working set)
  Bytes measured_peak_bytes = 0;         // peak RSS while loaded, minus RSS before loading
  Bytes measured_load_peak_bytes = 0;    // the same during loading only
  // The same without file-backed pages: what the cpu-mmap tier is compared by, since its mapped weights
  // are page cache the kernel keeps or drops as RAM allows (the plan's peak for that tier counts the hot
  // mapped working set on top of the anonymous part).
  Bytes predicted_anon_peak_bytes = 0;   // the plan's peak minus the mapped weights it counts resident
  Bytes measured_anon_peak_bytes = 0;    // peak anonymous RSS while loaded, minus it before loading
  memory::ProcessMemory after_load;
  std::optional<memory::ReleaseCheck> release;
};

void to_json(nlohmann::json& out, const ModelRecord& record);

class VlmHost {
 public:
  // Plans the model at options.workload. Throws Error(kInput) for an unreadable checkpoint.
  static memory::LoadPlan plan(const VlmHostOptions& options);

  // Loads the model as `plan` says. Throws Error(kBudget) with the plan's reasons when it is not
  // feasible (nothing is loaded then), Error(kUsage) for a GPU tier when the GPU cannot be used (a
  // build without CUDA never plans one: its inventory has no GPU).
  VlmHost(VlmHostOptions options, memory::LoadPlan plan);
  ~VlmHost();  // unloads if unload() was not called
  VlmHost(const VlmHost&) = delete;
  VlmHost& operator=(const VlmHost&) = delete;

  vlm::VlmEngine& engine() { return *engine_; }
  const memory::Workload& admitted() const { return record_.plan.admitted; }
  // Bytes the model keeps in RAM for its whole life (weights resident): the analyzers' RAM budget
  // shrinks by this much.
  Bytes resident_ram_bytes() const;
  // Working memory of one step (KV cache, activations, scratch, frames) at the admitted workload.
  Bytes step_ram_bytes() const;

  // Frees the model, trims allocator caches and verifies the release; idempotent.
  void unload();
  const ModelRecord& record() const { return record_; }

 private:
  VlmHostOptions options_;
  ModelRecord record_;
  std::unique_ptr<vlm::VlmEngine> engine_;
};

}  // namespace vidscope::pipeline
