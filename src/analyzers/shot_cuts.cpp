#include "analyzers/shot_cuts.h"

#include <algorithm>


#include "analyzers/frame_mat.h"
#include "analyzers/settings_reader.h"
#include "analyzers/shot_list.h"

namespace vidscope::analyzers {
namespace {

constexpr char kName[] = "shot_cuts";

nlohmann::json params_json(const ShotCutsConfig& config) {
  const ShotDetectorParams& p = config.detector;
  return {
      {"method", p.method == CutMethod::kContent ? "content" : "adaptive"},
      {"threshold", p.threshold},
      {"weights", {{"hue", p.weights.hue}, {"sat", p.weights.sat}, {"lum", p.weights.lum}, {"edges", p.weights.edges}}},
      {"window_width", p.window_width},
      {"adaptive_threshold", p.adaptive_threshold},
      {"min_content_val", p.min_content_val},
      {"min_shot_s", p.min_shot_s},
      {"fade_guard", p.fade_guard},
      {"gradual_threshold", p.gradual.run_threshold},
      {"gradual_min_frames", p.gradual.min_frames},
      {"gradual_max_gap", p.gradual.max_gap},
      {"gradual_max_s", p.gradual.max_duration_s},
      {"gradual_total_threshold", p.gradual.total_threshold},
      {"fade_threshold", p.fade.threshold},
      {"fade_bias", p.fade.fade_bias},
      {"max_size", config.max_size},
  };
}

}  // namespace

ShotCutsConfig parse_shot_cuts_settings(const nlohmann::json& settings) {
  SettingsReader reader(kName, settings);
  ShotCutsConfig config;
  ShotDetectorParams& p = config.detector;
  p.method = reader.choice("method", "content", {"content", "adaptive"}) == "content" ? CutMethod::kContent
                                                                                     : CutMethod::kAdaptive;
  p.threshold = reader.number("threshold", p.threshold, 0, 255);
  p.weights.hue = reader.number("weight_hue", p.weights.hue, 0, 1000);
  p.weights.sat = reader.number("weight_sat", p.weights.sat, 0, 1000);
  p.weights.lum = reader.number("weight_lum", p.weights.lum, 0, 1000);
  p.weights.edges = reader.number("weight_edges", p.weights.edges, 0, 1000);
  p.window_width = reader.integer("window_width", p.window_width, 1, 50);
  p.adaptive_threshold = reader.number("adaptive_threshold", p.adaptive_threshold, 0, 255);
  p.min_content_val = reader.number("min_content_val", p.min_content_val, 0, 255);
  p.min_shot_s = reader.number("min_shot_s", p.min_shot_s, 0, 3600);
  p.fade_guard = reader.boolean("fade_guard", p.fade_guard);
  p.gradual.run_threshold = reader.number("gradual_threshold", p.gradual.run_threshold, 0, 255);
  p.gradual.min_frames = reader.integer("gradual_min_frames", p.gradual.min_frames, 2, 10000);
  p.gradual.max_gap = reader.integer("gradual_max_gap", p.gradual.max_gap, 0, 100);
  p.gradual.max_duration_s = reader.number("gradual_max_s", p.gradual.max_duration_s, 0, 3600);
  p.gradual.total_threshold = reader.number("gradual_total_threshold", p.gradual.total_threshold, 0, 255);
  p.fade.threshold = reader.number("fade_threshold", p.fade.threshold, 0, 255);
  p.fade.fade_bias = reader.number("fade_bias", p.fade.fade_bias, -1, 1);
  config.max_size = reader.integer("max_size", config.max_size, 16, 4096);
  reader.reject_unknown_keys();

  if (p.weights.hue + p.weights.sat + p.weights.lum + p.weights.edges <= 0) {
    throw_usage_error("analyzer 'shot_cuts': at least one of weight_hue, weight_sat, weight_lum, weight_edges must be > 0");
  }
  p.gradual.weights = p.weights;
  p.fade.min_shot_s = p.min_shot_s;
  return config;
}

std::string ShotCutsAnalyzer::description() const {
  return "hard cuts (PySceneDetect content/adaptive score), fades and dissolves, and the shot list";
}

AnalyzerNeeds ShotCutsAnalyzer::needs(const AnalyzerContext& context) const {
  const ShotCutsConfig config = parse_shot_cuts_settings(context.settings);
  AnalyzerNeeds needs;
  needs.frames = media::every_frame(config.max_size);
  // Frames kept for the decision window: 2 * window + ramp frames + the one before a run, each with
  // three HSV planes (+ an edge plane) of max_size^2 bytes; plus the conversion temporaries of one frame.
  const ShotDetectorParams& p = config.detector;
  const Bytes plane = static_cast<Bytes>(config.max_size) * static_cast<Bytes>(config.max_size);
  const Bytes kept_frames = static_cast<Bytes>(2 * p.window_width + p.fade_guard_frames + 4);
  needs.resources.ram_bytes = kept_frames * plane * 4 + plane * 12 + kMiB;
  needs.resources.threads = 1;
  return needs;
}

void ShotCutsAnalyzer::begin(const AnalyzerContext& context) {
  config_ = parse_shot_cuts_settings(context.settings);
  detector_.emplace(config_.detector);
  last_frame_index_ = -1;
  video_end_s_ = context.video.duration_s;
}

void ShotCutsAnalyzer::process(const SegmentInput& input) {
  if (!detector_) throw_internal_error("shot_cuts: process() called before begin()");
  video_end_s_ = std::max(video_end_s_, input.segment.t1);
  for (const media::FramePtr& frame : input.frames) {
    if (!frame || frame->index <= last_frame_index_) continue;
    last_frame_index_ = frame->index;
    // The pipeline normally delivers frames at the requested size already.
    detector_->add_frame_fitted(view_rgb(*frame), config_.max_size, frame->index, frame->time_s);
  }
}

nlohmann::json ShotCutsAnalyzer::shots_json() const {
  nlohmann::json shots = nlohmann::json::array();
  for (const ShotSpan& shot : list_shots(*detector_, video_end_s_, config_.detector.min_shot_s)) {
    shots.push_back({{"start_s", shot.start_s}, {"end_s", shot.end_s}});
  }
  return shots;
}

nlohmann::json ShotCutsAnalyzer::finish() {
  if (!detector_) throw_internal_error("shot_cuts: finish() called before begin()");
  detector_->finish();
  nlohmann::json cuts = nlohmann::json::array();
  for (const HardCut& cut : detector_->hard_cuts()) {
    cuts.push_back({{"time_s", cut.time_s},
                    {"frame_index", cut.frame_index},
                    {"score", cut.score},
                    {"adaptive_ratio", cut.adaptive_ratio}});
  }
  nlohmann::json gradual = nlohmann::json::array();
  for (const GradualTransition& t : detector_->gradual_transitions()) {
    nlohmann::json entry = {{"start_s", t.start_s}, {"end_s", t.end_s},         {"start_frame", t.start_frame},
                            {"end_frame", t.end_frame}, {"kind", t.kind},      {"score", t.score}};
    if (!t.via.empty()) entry["via"] = t.via;
    gradual.push_back(std::move(entry));
  }
  nlohmann::json fade_cuts = nlohmann::json::array();
  for (const FadeCut& cut : detector_->fade_cuts()) {
    fade_cuts.push_back({{"time_s", cut.time_s},
                         {"frame_index", cut.frame_index},
                         {"fade_out_frame", cut.fade_out_frame},
                         {"fade_in_frame", cut.fade_in_frame}});
  }
  return {{"frames_analyzed", detector_->frames_analyzed()},
          {"params", params_json(config_)},
          {"hard_cuts", std::move(cuts)},
          {"gradual_transitions", std::move(gradual)},
          {"fade_cuts", std::move(fade_cuts)},
          {"shots", shots_json()}};
}

}  // namespace vidscope::analyzers
