#include "cli/report_summary.h"

#include <cstdio>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "base/units.h"

namespace vidscope::cli {

namespace {

std::string analyzer_line(const pipeline::Report& report, const pipeline::AnalyzerRun& run) {
  // An analyzer that ran but had nothing to work with (no model configured) says so in its result.
  const nlohmann::json* result = report.analyzers.contains(run.name) ? &report.analyzers.at(run.name) : nullptr;
  const bool skipped = result != nullptr && result->is_object() && result->value("status", "") == "skipped";
  const std::string status = skipped ? "skipped" : std::string(pipeline::status_name(run.status));
  std::string line = fmt::format("  {:<17} {:<7} {:>8.0f} ms", run.name, status, run.run_ms);
  if (run.status == pipeline::RunStatus::kFailed) return line + "  " + run.error;
  if (skipped) return line + "  " + result->value("reason", "");
  if (result == nullptr) return line;
  if (run.name == "shot_cuts" && result->contains("hard_cuts")) {
    line += fmt::format("  {} hard cuts, {} gradual transitions", (*result)["hard_cuts"].size(),
                        result->value("gradual_transitions", nlohmann::json::array()).size());
  } else if (run.name == "audio_loudness" && result->contains("integrated_lufs") &&
             (*result)["integrated_lufs"].is_number()) {
    line += fmt::format("  {:.1f} LUFS integrated", (*result)["integrated_lufs"].get<double>());
  } else if (run.name == "color" && result->contains("segments")) {
    line += fmt::format("  {} segments", (*result)["segments"].size());
  } else if (run.name == "vlm_segments" && result->contains("segments")) {
    line += fmt::format("  {} segments described", (*result)["segments"].size());
  } else if (run.name == "vlm_transitions" && result->contains("transitions")) {
    line += fmt::format("  {} transitions described", (*result)["transitions"].size());
  }
  return line;
}

}  // namespace

void print_summary(const pipeline::Report& report, const std::string& report_path, bool to_stdout) {
  if (!to_stdout) {
    spdlog::info("report written to {} ({} segments, {:.1f} s, peak RSS {})", report_path, report.segments.size(),
                 report.total_ms / 1000.0, format_bytes(report.memory.peak_rss_bytes));
    return;
  }
  std::printf("report: %s\n", report_path.c_str());
  std::printf("video:  %s, %.2f s, %dx%d @ %.2f fps, %s\n", report.video.path.c_str(), report.video.duration_s,
              report.video.width, report.video.height, report.video.fps,
              report.video.has_audio() ? "with audio" : "no audio");
  std::printf("run:    %zu segments in %.2f s, peak RSS %s\n", report.segments.size(), report.total_ms / 1000.0,
              format_bytes(report.memory.peak_rss_bytes).c_str());
  std::printf("analyzers:\n");
  for (const auto& run : report.analyzer_runs) std::printf("%s\n", analyzer_line(report, run).c_str());
  for (const auto& warning : report.warnings) std::printf("warning: %s\n", warning.c_str());
}

}  // namespace vidscope::cli
