#pragma once
// The report of one analysis: what was analyzed, with which settings, every analyzer's result, how
// each analyzer ran, and where memory went. docs/report-schema.md documents every JSON field; change
// both together and bump kReportSchemaVersion when a field changes meaning or disappears.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "analyzers/analyzer.h"
#include "base/units.h"
#include "media/segment.h"
#include "media/video_info.h"
#include "memory/probe.h"
#include "memory/sampler.h"
#include "pipeline/pressure_monitor.h"
#include "pipeline/vlm_host.h"

namespace vidscope::pipeline {

inline constexpr std::string_view kReportSchemaVersion = "1.2";

// The version written as generator.version (the project version from CMake).
std::string_view vidscope_version();

enum class RunStatus {
  kOk,       // finish() returned a result
  kFailed,   // begin(), process() or finish() threw; `error` says which and why
  kSkipped,  // never ran to the end because the run stopped early
};
std::string_view status_name(RunStatus status);  // "ok", "failed", "skipped"

struct AnalyzerRun {
  std::string name;
  RunStatus status = RunStatus::kSkipped;
  std::string error;              // "" unless failed
  double run_ms = 0;              // time inside begin/process/finish
  double wait_ms = 0;             // time waiting for admission under the budget
  int segments = 0;               // segments processed successfully
  Bytes peak_rss_bytes = 0;       // process RSS peak while this analyzer was running (0: never seen)
  analyzers::ResourceNeeds needs; // as admitted (threads clamped to the budget)
  Bytes declared_ram_bytes = 0;   // the RAM need the analyzer declared for one step
  std::string needs_source = "declared";  // "measured": needs.ram_bytes came from the profile store
  Bytes profiled_step_bytes = 0;  // with "measured": the earlier run's step peak it came from
  Bytes measured_step_bytes = 0;  // the most heap one of its segment steps allocated in this run
};

struct SegmentRecord {
  int index = 0;
  double t0 = 0;
  double t1 = 0;
  bool is_partial = false;
};

struct ReportSettings {
  media::SegmentPlan plan;
  std::string ram_budget = "unlimited";  // as the user wrote it
  Bytes ram_budget_bytes = 0;            // resolved
  std::string gpu_budget = "unlimited";
  std::optional<Bytes> gpu_budget_bytes; // absent without a GPU
  unsigned threads = 1;
  int max_segments_in_flight = 2;
  double sampler_interval_ms = 100;
  std::vector<std::string> analyzers;    // requested, in the order given
  std::string vlm_model;                 // the VLM folder; "" when none was configured
  PressureLevels pressure;               // available-RAM levels of the governor
  std::string faults;                    // injected faults (VIDSCOPE_FAULTS), "" when none
  std::string profile_store;             // the step profile store file; "" when none was used
  nlohmann::json analyzer_settings = nlohmann::json::object();
};

struct MemoryReport {
  Bytes peak_rss_bytes = 0;
  Bytes peak_rss_anon_bytes = 0;
  std::optional<Bytes> peak_pss_bytes;
  Bytes ledger_peak_frames_bytes = 0;    // most decoded frame/audio bytes held at once
  std::vector<PressureEvent> pressure_events;
  // --memory-report: owner -> purpose -> peak bytes from the ledger (weights, kv_cache, activations,
  // frames, scratch); null when not asked for.
  nlohmann::json owners;
  memory::SystemMemory system;           // at the start of the run
  std::optional<memory::GpuMemory> gpu;  // absent: written as "no GPU"
  std::vector<memory::MemorySample> timeline;
};

struct Report {
  std::string schema_version{kReportSchemaVersion};
  media::VideoInfo video;
  ReportSettings settings;
  std::vector<SegmentRecord> segments;
  nlohmann::json analyzers = nlohmann::json::object();  // name -> finish() result (ok analyzers only)
  std::vector<AnalyzerRun> analyzer_runs;
  double decode_ms = 0;
  double total_ms = 0;
  MemoryReport memory;
  std::vector<ModelRecord> models;       // models loaded by the plan, with load and release measurements
  std::vector<std::string> warnings;
};

void to_json(nlohmann::json& out, const AnalyzerRun& run);
void to_json(nlohmann::json& out, const SegmentRecord& segment);
void to_json(nlohmann::json& out, const ReportSettings& settings);
void to_json(nlohmann::json& out, const MemoryReport& memory);
void to_json(nlohmann::json& out, const Report& report);

// Writes the report as indented JSON, atomically (a reader sees the old file or the whole new one).
// Throws Error(kInput) naming the path when it cannot be written.
void write_report(const std::filesystem::path& path, const Report& report);

}  // namespace vidscope::pipeline
