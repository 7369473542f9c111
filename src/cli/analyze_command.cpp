#include <cstdio>
#include <filesystem>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "analyzers/registry.h"
#include "base/error.h"
#include "base/units.h"
#include "cli/command.h"
#include "cli/progress_bar.h"
#include "cli/report_summary.h"
#include "base/atomic_file.h"
#include "memory/profile_store.h"
#include "models/model_store.h"
#include "pipeline/analysis.h"
#include "pipeline/report_html.h"

namespace vidscope::cli {

namespace {

struct AnalyzeOptions {
  std::string video;
  std::string output;
  std::string analyzers;
  double segment_duration_s = 2.0;
  int frames_per_segment = 3;
  double overlap = 0.0;
  std::string ram_budget = "unlimited";
  std::string gpu_budget = "unlimited";
  unsigned threads = 0;
  std::string settings_file;
  bool summary = false;
  std::string model;
  bool memory_report = false;
  std::string html;
  std::string pressure_warning = "10%";
  std::string pressure_critical = "5%";
  std::string profile_store = "default";
};

std::vector<std::string> split_names(const std::string& list) {
  std::vector<std::string> names;
  std::stringstream in(list);
  std::string name;
  while (std::getline(in, name, ',')) {
    if (!name.empty()) names.push_back(name);
  }
  return names;
}

// Default output: next to the video, "<video>.report.json" in the current directory's terms.
std::string default_output_path(const std::string& video) {
  return std::filesystem::path(video).filename().string() + ".report.json";
}

nlohmann::json read_settings_file(const std::string& path) {
  if (path.empty()) return nlohmann::json::object();
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) throw_input_error("cannot read analyzer settings file '" + path + "'");
  std::string text;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, n);
  std::fclose(file);
  auto settings = nlohmann::json::parse(text, nullptr, false);
  if (settings.is_discarded() || !settings.is_object()) {
    throw_input_error("analyzer settings file '" + path +
                      "' is not a JSON object of the form {\"analyzer_name\": {\"key\": value}}");
  }
  return settings;
}

void check_output_directory(const std::string& output) {
  const auto parent = std::filesystem::path(output).parent_path();
  if (!parent.empty() && !std::filesystem::is_directory(parent)) {
    throw_input_error("output directory '" + parent.string() + "' does not exist (for -o " + output + ")");
  }
}

int run_analyze(const AnalyzeOptions& options, const GlobalOptions& global) {
  pipeline::AnalysisRequest request;
  request.video_path = options.video;
  const auto names =
      options.analyzers.empty() ? analyzers::default_analyzer_names() : split_names(options.analyzers);
  if (names.empty()) throw_usage_error("--analyzers is empty; run `vidscope analyzers` for the list");
  for (const auto& name : names) request.analyzers.push_back(analyzers::create_analyzer(name));
  request.plan.segment_duration_s = options.segment_duration_s;
  request.plan.frames_per_segment = options.frames_per_segment;
  request.plan.overlap_ratio = options.overlap;
  request.ram_budget = memory::BudgetSpec::parse(options.ram_budget);
  request.gpu_budget = memory::BudgetSpec::parse(options.gpu_budget);
  request.threads = options.threads;
  request.analyzer_settings = read_settings_file(options.settings_file);
  request.pressure_warning = memory::BudgetSpec::parse(options.pressure_warning);
  request.pressure_critical = memory::BudgetSpec::parse(options.pressure_critical);
  request.memory_report = options.memory_report;
  if (options.profile_store == "default") {
    request.profile_store = memory::default_profile_store_path();
  } else if (options.profile_store != "off") {
    request.profile_store = options.profile_store;
  }
  const auto store = models::ModelStore::from_environment();
  if (!options.model.empty()) {
    request.vlm_model_dir = store.resolve(options.model).string();
  } else if (const auto configured = store.default_vlm()) {
    request.vlm_model_dir = configured->string();
  }
  if (!options.html.empty()) check_output_directory(options.html);

  const std::string output = options.output.empty() ? default_output_path(options.video) : options.output;
  check_output_directory(output);

  ProgressBar bar(!global.quiet);
  const auto report = pipeline::run_analysis(std::move(request), [&bar](std::string_view stage, double fraction) {
    bar.update(std::string(stage), fraction);
  });
  bar.finish();
  pipeline::write_report(output, report);
  if (!options.html.empty()) {
    write_file_atomically(options.html, pipeline::render_report_html(nlohmann::json(report)));
  }

  for (const auto& run : report.analyzer_runs) {
    if (run.status == pipeline::RunStatus::kFailed) {
      spdlog::error("analyzer {} failed: {}", run.name, run.error);
    }
  }
  if (options.summary || !global.quiet) print_summary(report, output, options.summary);
  // A failed analyzer does not fail the run: its status is in the report and the others' results stand.
  return 0;
}

}  // namespace

CommandRunner register_analyze_command(CLI::App& app, const GlobalOptions& global) {
  auto* sub = app.add_subcommand("analyze", "Analyze a video and write a JSON report");
  auto options = std::make_shared<AnalyzeOptions>();
  sub->add_option("VIDEO", options->video, "Video file (any container/codec FFmpeg decodes)")->required();
  sub->add_option("-o,--output", options->output, "Report path (default: <video name>.report.json here)");
  sub->add_option("--analyzers", options->analyzers,
                  "Comma-separated analyzer names (default: all default analyzers; see `vidscope analyzers`)");
  sub->add_option("--segment-duration", options->segment_duration_s, "Segment length in seconds")
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  sub->add_option("--frames-per-segment", options->frames_per_segment, "Frames sampled per segment")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  sub->add_option("--overlap", options->overlap, "Overlap between consecutive segments, as a ratio")
      ->check(CLI::Range(0.0, 0.9))
      ->capture_default_str();
  sub->add_option("--ram-budget", options->ram_budget, "RAM budget: 12GiB, 800MiB, 80% or unlimited")
      ->capture_default_str();
  sub->add_option("--gpu-budget", options->gpu_budget, "GPU memory budget (same forms; ignored without a GPU)")
      ->capture_default_str();
  sub->add_option("--threads", options->threads, "Worker threads (default: the cores available)")
      ->check(CLI::Range(1u, 1024u));
  sub->add_option("--settings", options->settings_file,
                  "JSON file with per-analyzer settings: {\"shot_cuts\": {\"threshold\": 27}}");
  sub->add_flag("--summary", options->summary, "Print a short human-readable summary to stdout");
  sub->add_option("--model", options->model,
                  "VLM for vlm_segments / vlm_transitions: a model folder or a name from `vidscope models list` "
                  "(default: [analysis] vlm of the config file; without one they are skipped)");
  sub->add_flag("--memory-report", options->memory_report,
                "Add a per-owner memory table (weights, KV cache, activations, frames) to the report");
  sub->add_option("--html", options->html, "Also write a self-contained HTML page with the memory timeline");
  sub->add_option("--pressure-warning", options->pressure_warning,
                  "Warn when available RAM drops below this (size or % of RAM)")
      ->capture_default_str();
  sub->add_option("--pressure-critical", options->pressure_critical,
                  "Admit one step at a time when available RAM drops below this (size or % of RAM)")
      ->capture_default_str();
  sub->add_option("--profile-store", options->profile_store,
                  "File of measured step peaks from earlier runs: steps are admitted by what they really used, "
                  "and this run's measurements are saved there. 'off' uses none. Default: $VIDSCOPE_PROFILE_STORE, "
                  "else $XDG_STATE_HOME/vidscope/step-profiles.json, else ~/.local/state/vidscope/step-profiles.json");
  return [options, &global] { return run_analyze(*options, global); };
}

}  // namespace vidscope::cli
