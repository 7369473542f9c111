#include "analyzers/audio_environment.h"

#include <algorithm>
#include <cmath>

#include "analyzers/audio_segment_stats.h"
#include "analyzers/settings_reader.h"

namespace vidscope::analyzers {
namespace {

constexpr char kName[] = "audio_environment";
constexpr double kAudibleDbfs = -60.0;

double percentile(std::vector<double> values, double share) {
  if (values.empty()) return -120;
  const auto nth = values.begin() + static_cast<std::ptrdiff_t>(share * static_cast<double>(values.size() - 1));
  std::nth_element(values.begin(), nth, values.end());
  return *nth;
}

double centroid_cv(const std::vector<AudioFrameFeatures>& frames) {
  double sum = 0, sum_sq = 0;
  size_t n = 0;
  for (const AudioFrameFeatures& frame : frames) {
    if (frame.rms_dbfs < kAudibleDbfs) continue;
    sum += frame.centroid_hz;
    sum_sq += frame.centroid_hz * frame.centroid_hz;
    ++n;
  }
  if (n < 2 || sum <= 0) return 0;
  const double mean = sum / static_cast<double>(n);
  const double variance = std::max(0.0, sum_sq / static_cast<double>(n) - mean * mean);
  return std::sqrt(variance) / mean;
}

std::string dominant(const std::map<std::string, double>& seconds) {
  std::string best;
  double best_s = -1;
  for (const auto& [label, s] : seconds) {
    if (s > best_s) best = label, best_s = s;
  }
  return best;
}

}  // namespace

AudioEnvironmentConfig parse_audio_environment_settings(const nlohmann::json& settings) {
  SettingsReader reader(kName, settings);
  AudioEnvironmentConfig config;
  AudioEnvironmentRule& rule = config.rule;
  rule.quiet_below_dbfs = reader.number("quiet_below_dbfs", rule.quiet_below_dbfs, -120, 0);
  rule.steady_max_onsets_per_s = reader.number("steady_max_onsets_per_s", rule.steady_max_onsets_per_s, 0, 100);
  rule.steady_max_level_std_db = reader.number("steady_max_level_std_db", rule.steady_max_level_std_db, 0, 60);
  rule.steady_max_centroid_cv = reader.number("steady_max_centroid_cv", rule.steady_max_centroid_cv, 0, 10);
  reader.reject_unknown_keys();
  return config;
}

std::string AudioEnvironmentAnalyzer::description() const {
  return "background sound per segment: quiet / steady ambience / active, texture (hum, broadband noise, rumble), noise floor";
}

AnalyzerNeeds AudioEnvironmentAnalyzer::needs(const AnalyzerContext& context) const {
  parse_audio_environment_settings(context.settings);
  AnalyzerNeeds needs;
  needs.audio = context.video.has_audio();
  needs.resources.ram_bytes = 2 * kMiB;  // aubio onset + tempo state, one segment of frame features
  needs.resources.threads = 1;
  return needs;
}

void AudioEnvironmentAnalyzer::begin(const AnalyzerContext& context) {
  config_ = parse_audio_environment_settings(context.settings);
  video_has_audio_ = context.video.has_audio();
  frame_analyzer_.reset();
  rhythm_.reset();
  segments_ = nlohmann::json::array();
  kind_seconds_.clear();
  texture_seconds_.clear();
  noise_floors_.clear();
}

void AudioEnvironmentAnalyzer::process(const SegmentInput& input) {
  if (!video_has_audio_) return;
  const media::Segment& segment = input.segment;
  const auto fresh = segment.new_audio();
  if (!frame_analyzer_) {
    frame_analyzer_.emplace(fresh_audio_start_s(segment));
    rhythm_.emplace(config_.rhythm, fresh_audio_start_s(segment));
  }
  segment_frames_.clear();
  frame_analyzer_->add(fresh, [this](const AudioFrameFeatures& frame) { segment_frames_.push_back(frame); });
  rhythm_->add(fresh);
  const size_t onsets = rhythm_->take_onsets().size();
  rhythm_->take_beats();

  nlohmann::json entry = {{"index", segment.index}, {"t0", segment.t0}, {"t1", segment.t1}};
  const AudioStretchStats stats = summarize_frames(segment_frames_);
  if (stats.duration_s < 0.5) {  // too little audio to judge steadiness
    entry["kind"] = nullptr;
    segments_.push_back(std::move(entry));
    return;
  }
  std::vector<double> levels;
  for (const AudioFrameFeatures& frame : segment_frames_) levels.push_back(frame.rms_dbfs);
  const double noise_floor = percentile(levels, 0.1);
  const double onset_rate = static_cast<double>(onsets) / stats.duration_s;
  const double cv = centroid_cv(segment_frames_);
  const AudioEnvironmentRule& rule = config_.rule;

  std::string kind = "active";
  if (stats.rms_dbfs < rule.quiet_below_dbfs) {
    kind = "quiet";
  } else if (onset_rate <= rule.steady_max_onsets_per_s && stats.level_std_db <= rule.steady_max_level_std_db &&
             cv <= rule.steady_max_centroid_cv) {
    kind = "steady_ambience";
  }
  std::string texture = "mixed";
  if (kind == "quiet") {
    texture = "none";
  } else if (stats.rolloff_hz <= rule.rumble_max_rolloff_hz) {
    texture = "low_rumble";
  } else if (stats.flatness <= rule.hum_max_flatness && kind == "steady_ambience") {
    texture = "hum";
  } else if (stats.flatness >= rule.broadband_min_flatness) {
    texture = "broadband_noise";
  }
  kind_seconds_[kind] += stats.duration_s;
  texture_seconds_[texture] += stats.duration_s;
  noise_floors_.push_back(noise_floor);
  entry["kind"] = kind;
  entry["texture"] = texture;
  entry["noise_floor_dbfs"] = noise_floor;
  entry["rms_dbfs"] = stats.rms_dbfs;
  entry["onsets_per_s"] = onset_rate;
  entry["level_std_db"] = stats.level_std_db;
  entry["centroid_cv"] = cv;
  entry["flatness"] = stats.flatness;
  segments_.push_back(std::move(entry));
}

nlohmann::json AudioEnvironmentAnalyzer::finish() {
  if (!video_has_audio_) return {{"has_audio", false}};
  double total = 0;
  for (const auto& [kind, seconds] : kind_seconds_) total += seconds;
  nlohmann::json shares = nlohmann::json::object();
  for (const char* kind : {"quiet", "steady_ambience", "active"}) {
    const auto it = kind_seconds_.find(kind);
    shares[kind] = total > 0 && it != kind_seconds_.end() ? it->second / total : 0.0;
  }
  const AudioEnvironmentRule& rule = config_.rule;
  return {{"has_audio", true},
          {"dominant_kind", total > 0 ? nlohmann::json(dominant(kind_seconds_)) : nlohmann::json()},
          {"dominant_texture", total > 0 ? nlohmann::json(dominant(texture_seconds_)) : nlohmann::json()},
          {"kind_shares", shares},
          {"noise_floor_dbfs", noise_floors_.empty() ? nlohmann::json() : nlohmann::json(percentile(noise_floors_, 0.5))},
          {"segments", segments_},
          {"params",
           {{"quiet_below_dbfs", rule.quiet_below_dbfs},
            {"steady_max_onsets_per_s", rule.steady_max_onsets_per_s},
            {"steady_max_level_std_db", rule.steady_max_level_std_db},
            {"steady_max_centroid_cv", rule.steady_max_centroid_cv},
            {"hum_max_flatness", rule.hum_max_flatness},
            {"broadband_min_flatness", rule.broadband_min_flatness},
            {"rumble_max_rolloff_hz", rule.rumble_max_rolloff_hz}}}};
}

}  // namespace vidscope::analyzers
