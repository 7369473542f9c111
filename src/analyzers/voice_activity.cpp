#include "analyzers/voice_activity.h"

#include <algorithm>
#include <cmath>

#include "analyzers/settings_reader.h"

namespace vidscope::analyzers {

VoiceActivityParams read_voice_activity_params(SettingsReader& reader) {
  VoiceActivityParams params;
  params.min_level_dbfs = reader.number("vad_min_level_dbfs", params.min_level_dbfs, -120, 0);
  params.above_noise_db = reader.number("vad_above_noise_db", params.above_noise_db, 0, 60);
  params.min_speech_band_ratio = reader.number("vad_speech_band_ratio", params.min_speech_band_ratio, 0, 1);
  params.hangover_s = reader.number("vad_hangover_ms", params.hangover_s * 1000, 0, 5000) / 1000;
  params.min_speech_s = reader.number("vad_min_speech_ms", params.min_speech_s * 1000, 0, 5000) / 1000;
  return params;
}

nlohmann::json voice_activity_params_to_json(const VoiceActivityParams& params) {
  return {{"vad_min_level_dbfs", params.min_level_dbfs},
          {"vad_above_noise_db", params.above_noise_db},
          {"vad_speech_band_ratio", params.min_speech_band_ratio},
          {"vad_hangover_ms", params.hangover_s * 1000},
          {"vad_min_speech_ms", params.min_speech_s * 1000},
          {"noise_window_s", params.noise_window_s},
          {"noise_percentile", params.noise_percentile}};
}

VoiceActivityDetector::VoiceActivityDetector(VoiceActivityParams params)
    : params_(params),
      noise_window_frames_(static_cast<size_t>(std::max(1.0, std::round(params.noise_window_s / AudioFrameAnalyzer::kFrameSeconds)))) {}

bool VoiceActivityDetector::add(const AudioFrameFeatures& frame) {
  recent_levels_.push_back(frame.rms_dbfs);
  if (recent_levels_.size() > noise_window_frames_) recent_levels_.pop_front();
  // The percentile of at most 250 values per 20 ms frame: cheap, and robust where a running minimum
  // would lock onto one dropout.
  std::vector<double> sorted(recent_levels_.begin(), recent_levels_.end());
  const auto nth = static_cast<std::ptrdiff_t>(params_.noise_percentile * static_cast<double>(sorted.size() - 1));
  std::nth_element(sorted.begin(), sorted.begin() + nth, sorted.end());
  noise_floor_dbfs_ = sorted[static_cast<size_t>(nth)];

  const double frame_end = frame.time_s + AudioFrameAnalyzer::kFrameSeconds;
  last_frame_end_s_ = frame_end;
  const bool loud = frame.rms_dbfs >= params_.min_level_dbfs && frame.rms_dbfs >= noise_floor_dbfs_ + params_.above_noise_db;
  const bool voiced = loud && frame.speech_band_ratio >= params_.min_speech_band_ratio;
  // Only a voiced frame starts speech; a loud unvoiced one (the hiss of "s", the burst of "t") keeps it
  // going, so consonants do not split words.
  if (voiced || (loud && open_start_)) {
    if (!open_start_) open_start_ = frame.time_s;
    last_voiced_end_s_ = frame_end;
  } else if (open_start_ && frame_end - last_voiced_end_s_ > params_.hangover_s) {
    close_open();
  }
  return voiced;
}

void VoiceActivityDetector::finish() {
  if (open_start_) close_open();
}

void VoiceActivityDetector::close_open() {
  const SpeechInterval interval{*open_start_, last_voiced_end_s_};
  open_start_.reset();
  if (interval.duration_s() >= params_.min_speech_s) closed_.push_back(interval);
}

std::vector<SpeechInterval> VoiceActivityDetector::take_closed() {
  std::vector<SpeechInterval> out;
  out.swap(closed_);
  return out;
}

std::optional<double> VoiceActivityDetector::open_start_s() const { return open_start_; }

}  // namespace vidscope::analyzers
