#include "pipeline/report.h"

#include "base/atomic_file.h"

#ifndef VIDSCOPE_VERSION
#define VIDSCOPE_VERSION "0.0.0"
#endif

namespace vidscope::pipeline {

std::string_view vidscope_version() { return VIDSCOPE_VERSION; }

std::string_view status_name(RunStatus status) {
  switch (status) {
    case RunStatus::kOk: return "ok";
    case RunStatus::kFailed: return "failed";
    case RunStatus::kSkipped: return "skipped";
  }
  return "skipped";
}

void to_json(nlohmann::json& out, const AnalyzerRun& run) {
  out = {{"status", status_name(run.status)},
         {"error", run.error},
         {"run_ms", run.run_ms},
         {"wait_ms", run.wait_ms},
         {"segments", run.segments},
         {"peak_rss_bytes", run.peak_rss_bytes},
         {"measured_step_bytes", run.measured_step_bytes},
         {"needs",
          {{"ram_bytes", run.needs.ram_bytes},
           {"gpu_bytes", run.needs.gpu_bytes},
           {"threads", run.needs.threads},
           {"declared_ram_bytes", run.declared_ram_bytes},
           {"source", run.needs_source}}}};
  if (run.needs_source == "measured") out["needs"]["profiled_step_bytes"] = run.profiled_step_bytes;
}

void to_json(nlohmann::json& out, const SegmentRecord& segment) {
  out = {{"index", segment.index}, {"t0", segment.t0}, {"t1", segment.t1}, {"is_partial", segment.is_partial}};
}

void to_json(nlohmann::json& out, const ReportSettings& settings) {
  out = {{"segment_plan",
          {{"segment_duration_s", settings.plan.segment_duration_s},
           {"frames_per_segment", settings.plan.frames_per_segment},
           {"overlap_ratio", settings.plan.overlap_ratio}}},
         {"ram_budget", settings.ram_budget},
         {"ram_budget_bytes", settings.ram_budget_bytes},
         {"gpu_budget", settings.gpu_budget},
         {"gpu_budget_bytes", nullptr},
         {"threads", settings.threads},
         {"max_segments_in_flight", settings.max_segments_in_flight},
         {"sampler_interval_ms", settings.sampler_interval_ms},
         {"analyzers", settings.analyzers},
         {"analyzer_settings", settings.analyzer_settings},
         {"vlm_model", settings.vlm_model},
         {"profile_store", settings.profile_store},
         {"pressure_levels",
          {{"warning_available_bytes", settings.pressure.warning},
           {"critical_available_bytes", settings.pressure.critical}}}};
  if (!settings.faults.empty()) out["injected_faults"] = settings.faults;
  if (settings.gpu_budget_bytes) out["gpu_budget_bytes"] = *settings.gpu_budget_bytes;
}

void to_json(nlohmann::json& out, const MemoryReport& memory) {
  out = {{"peak_rss_bytes", memory.peak_rss_bytes},
         {"peak_rss_anon_bytes", memory.peak_rss_anon_bytes},
         {"ledger_peak_frames_bytes", memory.ledger_peak_frames_bytes},
         {"system", memory.system},
         {"pressure_events", memory.pressure_events},
         {"timeline", memory.timeline}};
  if (!memory.owners.is_null()) out["owners"] = memory.owners;
  if (memory.peak_pss_bytes) out["peak_pss_bytes"] = *memory.peak_pss_bytes;
  if (memory.gpu) {
    out["gpu"] = *memory.gpu;
  } else {
    out["gpu"] = "no GPU";
  }
}

void to_json(nlohmann::json& out, const Report& report) {
  nlohmann::json runs = nlohmann::json::object();
  for (const auto& run : report.analyzer_runs) runs[run.name] = run;
  out = {{"schema_version", report.schema_version},
         {"generator", {{"name", "vidscope"}, {"version", vidscope_version()}}},
         {"video", report.video},
         {"settings", report.settings},
         {"segments", report.segments},
         {"analyzers", report.analyzers},
         {"analyzer_runs", std::move(runs)},
         {"timings", {{"decode_ms", report.decode_ms}, {"total_ms", report.total_ms}}},
         {"memory", report.memory},
         {"models", report.models},
         {"warnings", report.warnings}};
}

void write_report(const std::filesystem::path& path, const Report& report) {
  const nlohmann::json json = report;
  // Replace invalid UTF-8 (e.g. from a file name) instead of throwing halfway through a report.
  write_file_atomically(path, json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

}  // namespace vidscope::pipeline
