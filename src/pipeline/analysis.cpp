#include "pipeline/analysis.h"

#include <algorithm>

#include <fmt/format.h>

#include "base/error.h"
#include "base/thread_pool.h"
#include "memory/ledger.h"
#include "memory/probe.h"
#include "memory/sampler.h"
#include "pipeline/segment_feed.h"

namespace vidscope::pipeline {

namespace {

using Clock = std::chrono::steady_clock;

memory::Budget resolve_budget(const AnalysisRequest& request, const std::optional<memory::GpuMemory>& gpu,
                              std::vector<std::string>& warnings) {
  memory::Budget budget;
  const Bytes ram_capacity = memory::ram_capacity();
  budget.ram_bytes = request.ram_budget.resolve(ram_capacity).value_or(ram_capacity);
  if (budget.ram_bytes > ram_capacity) {
    warnings.push_back(fmt::format("the RAM budget {} is more than this process can use now ({})",
                                   format_bytes(budget.ram_bytes), format_bytes(ram_capacity)));
  }
  if (gpu) {
    budget.gpu_bytes = request.gpu_budget.resolve(gpu->total).value_or(gpu->total);
  } else if (!request.gpu_budget.is_unlimited()) {
    warnings.push_back(fmt::format("a GPU budget ({}) was given but there is no GPU; it is ignored",
                                   request.gpu_budget.to_string()));
  }
  budget.threads = request.threads > 0 ? request.threads : default_thread_count();
  return budget;
}

void warn_about_unused_settings(const AnalysisRequest& request, std::vector<std::string>& warnings) {
  if (!request.analyzer_settings.is_object()) {
    throw_usage_error("analyzer settings must be a JSON object keyed by analyzer name");
  }
  for (const auto& [name, value] : request.analyzer_settings.items()) {
    const bool requested = std::any_of(request.analyzers.begin(), request.analyzers.end(),
                                       [&name](const auto& analyzer) { return analyzer && analyzer->name() == name; });
    if (!requested) warnings.push_back(fmt::format("settings for analyzer '{}' are ignored: it is not run", name));
  }
}

}  // namespace

Report run_analysis(AnalysisRequest request, const ProgressCallback& progress) {
  const auto start = Clock::now();
  Report report;
  report.memory.system = memory::read_system_memory();
  report.memory.gpu = memory::read_gpu_memory();
  warn_about_unused_settings(request, report.warnings);
  const memory::Budget budget = resolve_budget(request, report.memory.gpu, report.warnings);

  ReportSettings& settings = report.settings;
  settings.plan = request.plan;
  settings.ram_budget = request.ram_budget.to_string();
  settings.ram_budget_bytes = budget.ram_bytes;
  settings.gpu_budget = request.gpu_budget.to_string();
  settings.gpu_budget_bytes = budget.gpu_bytes;
  settings.threads = budget.threads;
  settings.max_segments_in_flight = request.max_segments_in_flight;
  settings.sampler_interval_ms = static_cast<double>(request.sampler_interval.count());
  settings.analyzer_settings = request.analyzer_settings;
  for (const auto& analyzer : request.analyzers) {
    if (analyzer) settings.analyzers.push_back(analyzer->name());
  }

  if (progress) progress("probe", 0.0);
  report.video = media::probe_video(request.video_path);

  memory::MemorySampler sampler(request.sampler_interval);
  memory::MemoryLedger ledger;
  analyzers::AnalyzerContext context{report.video, request.plan, request.analyzer_settings};
  Scheduler scheduler(std::move(request.analyzers), context,
                      SchedulerOptions{budget, request.max_segments_in_flight, &sampler, &ledger});

  media::SourceOptions source_options;
  source_options.plan = request.plan;
  source_options.streams = scheduler.streams();
  source_options.want_audio = scheduler.wants_audio();
  source_options.decoder_threads = request.decoder_threads;
  SourceFeed feed(request.video_path, std::move(source_options));

  sampler.start();
  ScheduleResult result;
  try {
    result = scheduler.run(feed, progress);
  } catch (...) {
    sampler.stop();
    throw;
  }
  sampler.stop();

  report.segments = std::move(result.segments);
  report.analyzers = std::move(result.analyzers);
  report.analyzer_runs = std::move(result.runs);
  report.decode_ms = result.decode_ms;
  report.warnings.insert(report.warnings.end(), result.warnings.begin(), result.warnings.end());
  report.memory.peak_rss_bytes = sampler.peak_rss();
  report.memory.peak_rss_anon_bytes = sampler.peak_rss_anon();
  report.memory.peak_pss_bytes = sampler.peak_pss();
  report.memory.ledger_peak_frames_bytes = ledger.peak_total();  // the pipeline enters only segment buffers
  report.memory.timeline = sampler.samples();
  if (report.memory.peak_rss_bytes > budget.ram_bytes) {
    report.warnings.push_back(fmt::format("peak RSS {} exceeded the RAM budget {}",
                                          format_bytes(report.memory.peak_rss_bytes), format_bytes(budget.ram_bytes)));
  }
  for (const auto& run : report.analyzer_runs) {
    if (run.status == RunStatus::kFailed) report.warnings.push_back("analyzer '" + run.name + "' failed: " + run.error);
  }
  report.total_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  return report;
}

}  // namespace vidscope::pipeline
