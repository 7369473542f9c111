#pragma once
// One analysis from start to end: probe the video, resolve the budgets, run every analyzer over one
// decode pass, and collect the report. This is the library entry point the CLI and server call.
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analyzers/analyzer.h"
#include "media/segment.h"
#include "memory/budget.h"
#include "pipeline/report.h"
#include "pipeline/scheduler.h"

namespace vidscope::pipeline {

struct AnalysisRequest {
  std::string video_path;
  // The analyzers to run (the caller resolves names through analyzers/registry.h).
  std::vector<std::unique_ptr<analyzers::Analyzer>> analyzers;
  media::SegmentPlan plan;
  memory::BudgetSpec ram_budget;   // unlimited: what the machine (or cgroup) has, see ram_capacity()
  memory::BudgetSpec gpu_budget;   // ignored, with a warning, when there is no GPU
  unsigned threads = 0;            // 0: default_thread_count()
  std::chrono::milliseconds sampler_interval{100};
  int max_segments_in_flight = 2;
  int decoder_threads = 0;         // FFmpeg frame threads; 0: automatic
  // Keyed by analyzer name; each analyzer receives its own entry as AnalyzerContext::settings.
  nlohmann::json analyzer_settings = nlohmann::json::object();
  // The VLM folder (Qwen2-VL / Qwen2.5-VL); empty: the VLM analyzers are skipped with the reason.
  std::string vlm_model_dir;
  // Governor levels of available RAM (% of total RAM or absolute): warn below the first, admit one step
  // at a time below the second.
  memory::BudgetSpec pressure_warning = memory::BudgetSpec::percent(10);
  memory::BudgetSpec pressure_critical = memory::BudgetSpec::percent(5);
  bool memory_report = false;      // add the per-owner ledger table (report.memory.owners)
  // The step profile store (memory/profile_store.h): analyzers measured by an earlier run are admitted by
  // that measurement, and this run's measurements are saved back. Empty: no store.
  std::filesystem::path profile_store;
};

// Runs the analysis. Throws Error(kInput) for a video that cannot be read, Error(kUsage) for bad
// settings, Error(kBudget) when an analyzer can never fit the budget or the VLM's plan does not fit
// (before anything is decoded or loaded).
// The VLM, when an analyzer needs it and a folder is given, is planned jointly for every analyzer that
// uses it, loaded as planned before the first segment, and unloaded with a verified release at the end.
// An analyzer that fails while running does not throw: it is reported failed and the others go on.
// `request` is taken by value because the analyzers move into the run.
Report run_analysis(AnalysisRequest request, const ProgressCallback& progress = {});

}  // namespace vidscope::pipeline
