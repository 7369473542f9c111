#include "analyzers/speech_activity.h"

#include <algorithm>

#include "analyzers/settings_reader.h"

namespace vidscope::analyzers {
namespace {

constexpr char kName[] = "speech_activity";

double overlap_s(double a0, double a1, double b0, double b1) { return std::max(0.0, std::min(a1, b1) - std::max(a0, b0)); }

}  // namespace

SpeechActivityConfig parse_speech_activity_settings(const nlohmann::json& settings) {
  SettingsReader reader(kName, settings);
  SpeechActivityConfig config;
  config.vad = read_voice_activity_params(reader);
  config.syllables.min_dip_db = reader.number("syllable_min_dip_db", config.syllables.min_dip_db, 0.1, 30);
  config.sustained_min_s = reader.number("sustained_min_s", config.sustained_min_s, 0.1, 3600);
  config.min_syllable_rate = reader.number("min_syllable_rate", config.min_syllable_rate, 0, 20);
  config.syllables.above_noise_db = config.vad.above_noise_db;
  config.syllables.min_level_dbfs = config.vad.min_level_dbfs;
  config.syllables.min_speech_band_ratio = config.vad.min_speech_band_ratio;
  reader.reject_unknown_keys();
  return config;
}

std::string SpeechActivityAnalyzer::description() const {
  return "voice activity intervals, speech ratio, pauses and speech rate (syllable nuclei per second)";
}

AnalyzerNeeds SpeechActivityAnalyzer::needs(const AnalyzerContext& context) const {
  parse_speech_activity_settings(context.settings);
  AnalyzerNeeds needs;
  needs.audio = context.video.has_audio();
  // One 512-point FFT, a 5 s window of frame levels (250 doubles) and the result lists (~48 bytes per
  // speech interval): well under 1 MiB for any video shorter than days.
  needs.resources.ram_bytes = 1 * kMiB;
  needs.resources.threads = 1;
  return needs;
}

void SpeechActivityAnalyzer::begin(const AnalyzerContext& context) {
  config_ = parse_speech_activity_settings(context.settings);
  video_has_audio_ = context.video.has_audio();
  frames_.reset();
  vad_.emplace(config_.vad);
  syllables_.emplace(config_.syllables);
  intervals_.clear();
  sustained_.clear();
  segments_.clear();
  audio_start_s_ = audio_end_s_ = 0;
}

void SpeechActivityAnalyzer::on_frame(const AudioFrameFeatures& frame) {
  vad_->add(frame);
  syllables_->add(frame, vad_->noise_floor_dbfs());
  audio_end_s_ = frame.time_s + AudioFrameAnalyzer::kFrameSeconds;
  collect_closed();
}

void SpeechActivityAnalyzer::collect_closed() {
  for (const SpeechInterval& interval : vad_->take_closed()) {
    // Nuclei before this interval fell in non-speech (or dropped short bursts) and are discarded. The
    // smoothing centres a nucleus up to one frame from the voiced frames, hence the small margin.
    const double margin = AudioFrameAnalyzer::kFrameSeconds;
    const auto before = syllables_->take_before(interval.end_s + margin);
    const auto inside = std::count_if(before.begin(), before.end(),
                                      [&](double t) { return t >= interval.start_s - margin; });
    const TimedInterval entry{interval, static_cast<size_t>(inside)};
    const bool sustained = interval.duration_s() >= config_.sustained_min_s &&
                           static_cast<double>(entry.syllables) < config_.min_syllable_rate * interval.duration_s();
    (sustained ? sustained_ : intervals_).push_back(entry);
  }
}

void SpeechActivityAnalyzer::process(const SegmentInput& input) {
  if (!video_has_audio_) return;
  const media::Segment& segment = input.segment;
  segments_.push_back({segment.index, segment.t0, segment.t1});
  const auto fresh = segment.new_audio();
  if (!frames_) {
    audio_start_s_ = audio_end_s_ = fresh_audio_start_s(segment);
    frames_.emplace(audio_start_s_);
  }
  frames_->add(fresh, [this](const AudioFrameFeatures& frame) { on_frame(frame); });
}

nlohmann::json SpeechActivityAnalyzer::finish() {
  if (!video_has_audio_) return {{"has_audio", false}};
  if (!frames_ || audio_end_s_ <= audio_start_s_) {
    return {{"has_audio", false}, {"note", "the video lists an audio stream but no audio samples were decoded"}};
  }
  vad_->finish();
  collect_closed();

  double speech_s = 0;
  size_t syllables = 0;
  nlohmann::json intervals = nlohmann::json::array();
  nlohmann::json pauses = nlohmann::json::array();
  double pause_total_s = 0;
  for (size_t i = 0; i < intervals_.size(); ++i) {
    const TimedInterval& entry = intervals_[i];
    speech_s += entry.interval.duration_s();
    syllables += entry.syllables;
    intervals.push_back({{"start_s", entry.interval.start_s},
                         {"end_s", entry.interval.end_s},
                         {"syllables", entry.syllables}});
    if (i > 0) {
      const double start = intervals_[i - 1].interval.end_s;
      pauses.push_back({{"start_s", start}, {"end_s", entry.interval.start_s}});
      pause_total_s += entry.interval.start_s - start;
    }
  }
  const double duration_s = audio_end_s_ - audio_start_s_;
  nlohmann::json segments = nlohmann::json::array();
  for (const SegmentWindow& window : segments_) {
    double covered = 0;
    for (const TimedInterval& entry : intervals_) covered += overlap_s(window.t0, window.t1, entry.interval.start_s, entry.interval.end_s);
    const double length = window.t1 - window.t0;
    segments.push_back({{"index", window.index}, {"t0", window.t0}, {"t1", window.t1},
                        {"speech_ratio", length > 0 ? covered / length : 0.0}});
  }
  nlohmann::json params = voice_activity_params_to_json(config_.vad);
  params["syllable_min_dip_db"] = config_.syllables.min_dip_db;
  params["sustained_min_s"] = config_.sustained_min_s;
  params["min_syllable_rate"] = config_.min_syllable_rate;
  nlohmann::json sustained = nlohmann::json::array();
  for (const TimedInterval& entry : sustained_) {
    sustained.push_back({{"start_s", entry.interval.start_s}, {"end_s", entry.interval.end_s}, {"syllables", entry.syllables}});
  }
  return {{"has_audio", true},
          {"duration_s", duration_s},
          {"speech_s", speech_s},
          {"speech_ratio", duration_s > 0 ? speech_s / duration_s : 0.0},
          {"intervals", std::move(intervals)},
          {"pauses",
           {{"count", pauses.size()},
            {"mean_s", pauses.empty() ? nlohmann::json() : nlohmann::json(pause_total_s / static_cast<double>(pauses.size()))},
            {"total_s", pause_total_s},
            {"intervals", std::move(pauses)}}},
          {"syllables", syllables},
          {"speech_rate_syllables_per_s", speech_s > 0 ? nlohmann::json(static_cast<double>(syllables) / speech_s) : nlohmann::json()},
          {"sustained_non_speech", std::move(sustained)},
          {"segments", std::move(segments)},
          {"params", std::move(params)}};
}

}  // namespace vidscope::analyzers
