#include "analyzers/audio_features.h"

#include "analyzers/settings_reader.h"

namespace vidscope::analyzers {
namespace {

constexpr char kName[] = "audio_features";
// aubio's beat confidence: a click track scores ~2.6, speech, tones and noise 0-0.15. Below this the
// beat times are reported but no tempo is claimed.
constexpr double kMinTempoConfidence = 0.5;
constexpr const char* kClasses[] = {"speech", "music", "silence", "noise"};

nlohmann::json times_json(const std::vector<double>& times) {
  nlohmann::json out = nlohmann::json::array();
  for (const double t : times) out.push_back(t);
  return out;
}

}  // namespace

AudioFeaturesConfig parse_audio_features_settings(const nlohmann::json& settings) {
  SettingsReader reader(kName, settings);
  AudioFeaturesConfig config;
  config.rhythm.onset_threshold = reader.number("onset_threshold", config.rhythm.onset_threshold, 0, 10);
  config.rhythm.onset_min_interval_s = reader.number("onset_min_interval_ms", config.rhythm.onset_min_interval_s * 1000, 0, 5000) / 1000;
  config.rule.silence_below_dbfs = reader.number("silence_below_dbfs", config.rule.silence_below_dbfs, -120, 0);
  reader.reject_unknown_keys();
  return config;
}

std::string AudioFeaturesAnalyzer::description() const {
  return "spectral centroid/rolloff/flatness, zero-crossing rate, onsets, beats and tempo (aubio), "
         "music/speech/silence per segment";
}

AnalyzerNeeds AudioFeaturesAnalyzer::needs(const AnalyzerContext& context) const {
  parse_audio_features_settings(context.settings);
  AnalyzerNeeds needs;
  needs.audio = context.video.has_audio();
  // aubio's onset and tempo state (phase vocoders, the beat tracker's 512-frame onset history) is a few
  // hundred KiB; one segment's frame features are 64 bytes per 20 ms. Onset and beat lists grow with
  // the content (8 bytes each).
  needs.resources.ram_bytes = 2 * kMiB;
  needs.resources.threads = 1;
  return needs;
}

void AudioFeaturesAnalyzer::begin(const AnalyzerContext& context) {
  config_ = parse_audio_features_settings(context.settings);
  video_has_audio_ = context.video.has_audio();
  frame_analyzer_.reset();
  rhythm_.reset();
  onsets_.clear();
  beats_.clear();
  segments_ = nlohmann::json::array();
  weighted_seconds_ = centroid_sum_ = rolloff_sum_ = flatness_sum_ = zcr_sum_ = 0;
  class_seconds_.clear();
  audio_start_s_ = audio_end_s_ = 0;
}

void AudioFeaturesAnalyzer::process(const SegmentInput& input) {
  if (!video_has_audio_) return;
  const media::Segment& segment = input.segment;
  const auto fresh = segment.new_audio();
  if (!frame_analyzer_) {
    audio_start_s_ = audio_end_s_ = fresh_audio_start_s(segment);
    frame_analyzer_.emplace(audio_start_s_);
    rhythm_.emplace(config_.rhythm, audio_start_s_);
  }
  segment_frames_.clear();
  frame_analyzer_->add(fresh, [this](const AudioFrameFeatures& frame) { segment_frames_.push_back(frame); });
  rhythm_->add(fresh);
  audio_end_s_ += static_cast<double>(fresh.size()) / media::kAudioSampleRate;

  const std::vector<double> new_onsets = rhythm_->take_onsets();
  const std::vector<double> new_beats = rhythm_->take_beats();
  onsets_.insert(onsets_.end(), new_onsets.begin(), new_onsets.end());
  beats_.insert(beats_.end(), new_beats.begin(), new_beats.end());

  const AudioStretchStats stats = summarize_frames(segment_frames_);
  const std::string label = classify_stretch(stats, config_.rule);
  nlohmann::json entry = {{"index", segment.index}, {"t0", segment.t0}, {"t1", segment.t1}};
  entry["class"] = label.empty() ? nlohmann::json() : nlohmann::json(label);
  entry["features"] = stats.frames > 0 ? stretch_stats_to_json(stats) : nlohmann::json();
  entry["onsets"] = new_onsets.size();
  segments_.push_back(std::move(entry));

  if (stats.frames > 0) {
    weighted_seconds_ += stats.duration_s;
    centroid_sum_ += stats.centroid_hz * stats.duration_s;
    rolloff_sum_ += stats.rolloff_hz * stats.duration_s;
    flatness_sum_ += stats.flatness * stats.duration_s;
    zcr_sum_ += stats.zero_crossing_rate * stats.duration_s;
  }
  if (!label.empty()) class_seconds_[label] += stats.duration_s;
}

nlohmann::json AudioFeaturesAnalyzer::finish() {
  if (!video_has_audio_) return {{"has_audio", false}};
  if (!frame_analyzer_ || audio_end_s_ <= audio_start_s_) {
    return {{"has_audio", false}, {"note", "the video lists an audio stream but no audio samples were decoded"}};
  }
  double classified_s = 0;
  for (const auto& [label, seconds] : class_seconds_) classified_s += seconds;
  nlohmann::json shares = nlohmann::json::object();
  for (const char* label : kClasses) {
    const auto it = class_seconds_.find(label);
    shares[label] = classified_s > 0 && it != class_seconds_.end() ? it->second / classified_s : 0.0;
  }
  const double w = weighted_seconds_ > 0 ? weighted_seconds_ : 1.0;
  const double duration = audio_end_s_ - audio_start_s_;
  const double bpm = bpm_from_beats(beats_);
  return {{"has_audio", true},
          {"duration_s", duration},
          {"summary",
           {{"centroid_hz", centroid_sum_ / w},
            {"rolloff_hz", rolloff_sum_ / w},
            {"flatness", flatness_sum_ / w},
            {"zero_crossing_rate", zcr_sum_ / w},
            {"class_shares", shares}}},
          {"tempo",
           {{"bpm", bpm > 0 && rhythm_->aubio_confidence() >= kMinTempoConfidence ? nlohmann::json(bpm) : nlohmann::json()},
            {"bpm_unchecked", bpm > 0 ? nlohmann::json(bpm) : nlohmann::json()},
            {"aubio_bpm", rhythm_->aubio_bpm() > 0 ? nlohmann::json(rhythm_->aubio_bpm()) : nlohmann::json()},
            {"aubio_confidence", rhythm_->aubio_confidence()},
            {"beat_count", beats_.size()}}},
          {"beats", times_json(beats_)},
          {"onsets", times_json(onsets_)},
          {"onset_rate_per_s", duration > 0 ? static_cast<double>(onsets_.size()) / duration : 0.0},
          {"segments", segments_},
          {"params",
           {{"onset_method", "hfc"},
            {"onset_threshold", config_.rhythm.onset_threshold},
            {"onset_min_interval_ms", config_.rhythm.onset_min_interval_s * 1000},
            {"silence_below_dbfs", config_.rule.silence_below_dbfs},
            {"frame_ms", AudioFrameAnalyzer::kFrameSeconds * 1000}}}};
}

}  // namespace vidscope::analyzers
