#include "pipeline/analysis.h"

#include <algorithm>

#include <fmt/format.h>

#include "base/error.h"
#include "base/thread_pool.h"
#include "memory/fault_injection.h"
#include "memory/ledger.h"
#include "memory/probe.h"
#include "memory/profile_store.h"
#include "memory/sampler.h"
#include "pipeline/pressure_monitor.h"
#include "pipeline/segment_feed.h"
#include "pipeline/vlm_host.h"

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

// The largest step any VLM analyzer asks for, dimension by dimension (their steps run one at a time).
std::optional<memory::Workload> merged_vlm_workload(const std::vector<std::unique_ptr<analyzers::Analyzer>>& list,
                                                    const analyzers::AnalyzerContext& context) {
  std::optional<memory::Workload> merged;
  for (const auto& analyzer : list) {
    if (!analyzer) continue;
    analyzers::AnalyzerContext own = context;
    own.settings = context.settings.value(analyzer->name(), nlohmann::json::object());
    const analyzers::AnalyzerNeeds needs = analyzer->needs(own);
    if (needs.model != "vlm" || !needs.vlm_workload) continue;
    const memory::Workload& w = *needs.vlm_workload;
    if (!merged) {
      merged = w;
      continue;
    }
    merged->grid_t = std::max(merged->grid_t, w.grid_t);
    merged->grid_h = std::max(merged->grid_h, w.grid_h);
    merged->grid_w = std::max(merged->grid_w, w.grid_w);
    merged->batch_segments = std::max(merged->batch_segments, w.batch_segments);
    merged->prompt_text_tokens = std::max(merged->prompt_text_tokens, w.prompt_text_tokens);
    merged->max_new_tokens = std::max(merged->max_new_tokens, w.max_new_tokens);
    merged->frame_buffer_bytes = std::max(merged->frame_buffer_bytes, w.frame_buffer_bytes);
  }
  return merged;
}

PressureLevels resolve_pressure_levels(const AnalysisRequest& request) {
  const memory::SystemMemory system = memory::read_system_memory();
  const Bytes total = system.usable_total();
  PressureLevels levels;
  levels.warning = request.pressure_warning.resolve(total).value_or(0);
  levels.critical = std::min(levels.warning, request.pressure_critical.resolve(total).value_or(0));
  return levels;
}

// owner -> purpose -> peak bytes, plus each owner's total of those peaks, for --memory-report.
nlohmann::json owner_table(const memory::MemoryLedger& ledger) {
  nlohmann::json table = nlohmann::json::object();
  for (const auto& [owner, purposes] : ledger.peaks_by_owner_and_purpose()) {
    nlohmann::json row = nlohmann::json::object();
    for (const auto& [purpose, bytes] : purposes) row[purpose + "_peak_bytes"] = bytes;
    table[owner] = std::move(row);
  }
  return table;
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

  memory::load_fault_spec_from_environment();
  settings.faults = memory::fault_spec();
  settings.vlm_model = request.vlm_model_dir;
  settings.pressure = resolve_pressure_levels(request);

  if (progress) progress("probe", 0.0);
  report.video = media::probe_video(request.video_path);

  memory::MemorySampler sampler(request.sampler_interval);
  memory::MemoryLedger ledger;
  analyzers::AnalyzerContext context{report.video, request.plan, request.analyzer_settings};
  memory::Budget analyzers_budget = budget;

  // The VLM: planned for what its analyzers ask, before anything is decoded; loaded as planned.
  analyzers::LoadedModels models;
  std::optional<VlmHost> vlm_host;
  sampler.start();
  struct StopSampler {
    memory::MemorySampler& sampler;
    ~StopSampler() { sampler.stop(); }
  } stop_sampler{sampler};
  const auto vlm_workload = merged_vlm_workload(request.analyzers, context);
  if (vlm_workload && (report.video.width <= 0 || report.video.height <= 0)) {
    models.vlm_unavailable = "the input has no video stream to describe";
  } else if (vlm_workload && request.vlm_model_dir.empty()) {
    models.vlm_unavailable =
        "no VLM model configured: pass --model DIR (a Qwen2-VL or Qwen2.5-VL folder or a registered name), or set "
        "[analysis] vlm = \"NAME\" in the config file";
  } else if (vlm_workload) {
    if (progress) progress("plan", 0.0);
    VlmHostOptions host_options{request.vlm_model_dir, *vlm_workload, budget, budget.threads, &ledger, &sampler};
    memory::LoadPlan plan = VlmHost::plan(host_options);
    if (progress) progress("load model", 0.0);
    vlm_host.emplace(std::move(host_options), std::move(plan));
    const memory::LoadPlan& chosen = vlm_host->record().plan;
    if (chosen.shrunk) {
      std::string steps;
      for (const auto& step : chosen.shrink_steps) steps += (steps.empty() ? "" : "; ") + step;
      report.warnings.push_back("the VLM workload was reduced to fit the memory budget: " + steps);
    }
    models.vlm = &vlm_host->engine();
    models.vlm_workload = vlm_host->admitted();
    models.vlm_step_bytes = vlm_host->step_ram_bytes();
    models.vlm_threads = budget.threads;
    const Bytes resident = vlm_host->resident_ram_bytes();
    analyzers_budget.ram_bytes = analyzers_budget.ram_bytes > resident ? analyzers_budget.ram_bytes - resident : 0;
  } else if (!request.vlm_model_dir.empty()) {
    report.warnings.push_back("a VLM model was given but no analyzer that uses it runs (vlm_segments, vlm_transitions)");
  }
  context.models = &models;

  memory::ProfileStore profiles = memory::ProfileStore::open(request.profile_store, report.warnings);
  settings.profile_store = request.profile_store.string();
  Scheduler scheduler(std::move(request.analyzers), context,
                      SchedulerOptions{analyzers_budget, request.max_segments_in_flight, &sampler, &ledger, &profiles});

  media::SourceOptions source_options;
  source_options.plan = request.plan;
  source_options.streams = scheduler.streams();
  source_options.want_audio = scheduler.wants_audio();
  source_options.decoder_threads = request.decoder_threads;
  SourceFeed feed(request.video_path, std::move(source_options));

  PressureMonitor pressure(settings.pressure, scheduler.gate(), request.sampler_interval);
  pressure.start();
  ScheduleResult result = scheduler.run(feed, progress);
  pressure.stop();
  if (vlm_host) {
    vlm_host->unload();
    report.models.push_back(vlm_host->record());
    if (vlm_host->record().release && vlm_host->record().release->leak) {
      report.warnings.push_back(vlm_host->record().release->verdict);
    }
  }
  sampler.stop();

  report.segments = std::move(result.segments);
  report.analyzers = std::move(result.analyzers);
  report.analyzer_runs = std::move(result.runs);
  report.decode_ms = result.decode_ms;
  profiles.save(report.warnings);
  report.warnings.insert(report.warnings.end(), result.warnings.begin(), result.warnings.end());
  report.memory.peak_rss_bytes = sampler.peak_rss();
  report.memory.peak_rss_anon_bytes = sampler.peak_rss_anon();
  report.memory.peak_pss_bytes = sampler.peak_pss();
  report.memory.ledger_peak_frames_bytes = ledger.peaks_by_purpose()[std::string(memory::purpose_name(memory::Purpose::kFrames))];
  report.memory.pressure_events = pressure.events();
  if (request.memory_report) report.memory.owners = owner_table(ledger);
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
