#include "analyzers/sound_effects.h"

#include <algorithm>

#include "analyzers/settings_reader.h"

namespace vidscope::analyzers {
namespace {

constexpr char kName[] = "sound_effects";
constexpr double kBeforeS = 0.25;     // the level an onset is measured against: median of this long before it
constexpr double kBeforeGapS = 0.03;  // ... ending this long before it (aubio's onset time is within a hop)
constexpr double kAttackS = 0.1;      // the peak must come this soon after the onset
constexpr double kKeepS = 2.0;

}  // namespace

SoundEffectsConfig parse_sound_effects_settings(const nlohmann::json& settings) {
  SettingsReader reader(kName, settings);
  SoundEffectsConfig config;
  config.min_jump_db = reader.number("min_jump_db", config.min_jump_db, 0, 120);
  config.min_peak_dbfs = reader.number("min_peak_dbfs", config.min_peak_dbfs, -120, 0);
  config.speech_margin_s = reader.number("speech_margin_ms", config.speech_margin_s * 1000, 0, 5000) / 1000;
  config.impact_max_centroid_hz = reader.number("impact_max_centroid_hz", config.impact_max_centroid_hz, 0, 8000);
  config.vad = read_voice_activity_params(reader);
  reader.reject_unknown_keys();
  return config;
}

std::string SoundEffectsAnalyzer::description() const {
  return "sudden-onset sound effects outside speech (aubio onsets with a large level jump), with times";
}

AnalyzerNeeds SoundEffectsAnalyzer::needs(const AnalyzerContext& context) const {
  parse_sound_effects_settings(context.settings);
  AnalyzerNeeds needs;
  needs.audio = context.video.has_audio();
  // aubio state (a few hundred KiB) and 2 s of frame features (100 x 64 bytes); the event and speech
  // interval lists grow with the content.
  needs.resources.ram_bytes = 2 * kMiB;
  needs.resources.threads = 1;
  return needs;
}

void SoundEffectsAnalyzer::begin(const AnalyzerContext& context) {
  config_ = parse_sound_effects_settings(context.settings);
  video_has_audio_ = context.video.has_audio();
  frame_analyzer_.reset();
  rhythm_.reset();
  vad_.emplace(config_.vad);
  recent_frames_.clear();
  pending_onsets_.clear();
  candidates_.clear();
  speech_.clear();
  onsets_seen_ = 0;
}

void SoundEffectsAnalyzer::on_frame(const AudioFrameFeatures& frame) {
  vad_->add(frame);
  for (const SpeechInterval& interval : vad_->take_closed()) speech_.push_back(interval);
  recent_frames_.push_back(frame);
  while (!recent_frames_.empty() && recent_frames_.front().time_s < frame.time_s - kKeepS) recent_frames_.pop_front();
}

void SoundEffectsAnalyzer::judge_ready_onsets(bool at_end) {
  const double frames_until = recent_frames_.empty() ? 0 : recent_frames_.back().time_s + AudioFrameAnalyzer::kFrameSeconds;
  while (!pending_onsets_.empty()) {
    const double onset = pending_onsets_.front();
    if (!at_end && onset + kAttackS > frames_until) break;
    pending_onsets_.pop_front();
    std::vector<double> before;
    const AudioFrameFeatures* peak = nullptr;
    for (const AudioFrameFeatures& frame : recent_frames_) {
      const double centre = frame.time_s + AudioFrameAnalyzer::kFrameSeconds / 2;
      if (centre >= onset - kBeforeS - kBeforeGapS && centre < onset - kBeforeGapS) before.push_back(frame.rms_dbfs);
      if (centre >= onset - kBeforeGapS && centre <= onset + kAttackS && (!peak || frame.rms_dbfs > peak->rms_dbfs)) peak = &frame;
    }
    if (peak == nullptr) continue;
    // At the very start there is nothing before to measure a jump against (aubio also reports an
    // onset at the first hop of any stream): no event.
    if (before.empty()) continue;
    const auto middle = before.begin() + static_cast<std::ptrdiff_t>(before.size() / 2);
    std::nth_element(before.begin(), middle, before.end());
    const double reference = *middle;
    const double jump = peak->rms_dbfs - reference;
    if (jump >= config_.min_jump_db && peak->rms_dbfs >= config_.min_peak_dbfs) {
      candidates_.push_back({onset, jump, peak->rms_dbfs, peak->centroid_hz});
    }
  }
}

void SoundEffectsAnalyzer::process(const SegmentInput& input) {
  if (!video_has_audio_) return;
  const media::Segment& segment = input.segment;
  const auto fresh = segment.new_audio();
  if (!frame_analyzer_) {
    frame_analyzer_.emplace(fresh_audio_start_s(segment));
    rhythm_.emplace(config_.rhythm, fresh_audio_start_s(segment));
  }
  frame_analyzer_->add(fresh, [this](const AudioFrameFeatures& frame) { on_frame(frame); });
  rhythm_->add(fresh);
  rhythm_->take_beats();
  for (const double onset : rhythm_->take_onsets()) {
    pending_onsets_.push_back(onset);
    ++onsets_seen_;
  }
  judge_ready_onsets(false);
}

nlohmann::json SoundEffectsAnalyzer::finish() {
  if (!video_has_audio_) return {{"has_audio", false}};
  judge_ready_onsets(true);
  vad_->finish();
  for (const SpeechInterval& interval : vad_->take_closed()) speech_.push_back(interval);

  nlohmann::json events = nlohmann::json::array();
  size_t in_speech = 0;
  for (const Event& event : candidates_) {
    const bool inside = std::any_of(speech_.begin(), speech_.end(), [&](const SpeechInterval& interval) {
      return event.time_s >= interval.start_s - config_.speech_margin_s && event.time_s <= interval.end_s + config_.speech_margin_s;
    });
    if (inside) {
      ++in_speech;
      continue;
    }
    events.push_back({{"time_s", event.time_s},
                      {"level_jump_db", event.jump_db},
                      {"peak_dbfs", event.peak_dbfs},
                      {"centroid_hz", event.centroid_hz},
                      {"kind", event.centroid_hz <= config_.impact_max_centroid_hz ? "impact" : "sharp"}});
  }
  return {{"has_audio", true},
          {"events", std::move(events)},
          {"onsets_examined", onsets_seen_},
          {"dropped_inside_speech", in_speech},
          {"params",
           {{"min_jump_db", config_.min_jump_db},
            {"min_peak_dbfs", config_.min_peak_dbfs},
            {"speech_margin_ms", config_.speech_margin_s * 1000},
            {"impact_max_centroid_hz", config_.impact_max_centroid_hz}}}};
}

}  // namespace vidscope::analyzers
