#include "analyzers/audio_loudness.h"

#include <cmath>

#include <ebur128.h>

#include "analyzers/settings_reader.h"
#include "base/error.h"

namespace vidscope::analyzers {
namespace {

constexpr char kName[] = "audio_loudness";
constexpr int kModes = EBUR128_MODE_I | EBUR128_MODE_LRA | EBUR128_MODE_TRUE_PEAK | EBUR128_MODE_SAMPLE_PEAK;

void check(int status, const char* what) {
  if (status != EBUR128_SUCCESS) throw_internal_error(std::string("audio_loudness: libebur128 ") + what + " failed");
}

// libebur128 reports "no measurement" (too short, or all blocks gated away) as -HUGE_VAL.
nlohmann::json finite_or_null(double value) { return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(); }

nlohmann::json linear_to_db_or_null(double linear) {
  return linear > 0 ? nlohmann::json(20.0 * std::log10(linear)) : nlohmann::json();
}

}  // namespace

struct AudioLoudnessAnalyzer::Meter {
  explicit Meter(ebur128_state* s) : state(s) {}
  ~Meter() { ebur128_destroy(&state); }
  Meter(const Meter&) = delete;
  Meter& operator=(const Meter&) = delete;
  ebur128_state* state;
};

AudioLoudnessAnalyzer::AudioLoudnessAnalyzer() = default;
AudioLoudnessAnalyzer::~AudioLoudnessAnalyzer() = default;

AudioLoudnessConfig parse_audio_loudness_settings(const nlohmann::json& settings) {
  SettingsReader reader(kName, settings);
  AudioLoudnessConfig config;
  config.silence.threshold_dbfs = reader.number("silence_threshold_dbfs", config.silence.threshold_dbfs, -120, 0);
  config.silence.min_duration_s = reader.number("silence_min_s", config.silence.min_duration_s, 0, 3600);
  config.silence.window_s = reader.number("silence_window_ms", config.silence.window_s * 1000.0, 1, 10000) / 1000.0;
  config.dual_mono = reader.boolean("dual_mono", config.dual_mono);
  reader.reject_unknown_keys();
  return config;
}

std::string AudioLoudnessAnalyzer::description() const {
  return "EBU R128 integrated loudness, loudness range and true peak (libebur128), silences, RMS per segment";
}

AnalyzerNeeds AudioLoudnessAnalyzer::needs(const AnalyzerContext& context) const {
  parse_audio_loudness_settings(context.settings);
  AnalyzerNeeds needs;
  needs.audio = context.video.has_audio();
  // libebur128 keeps the gating block histogram and a 3 s short-term buffer (LRA), plus the true-peak
  // resampler; about 1 MiB at 16 kHz mono. The segment's samples belong to the pipeline.
  needs.resources.ram_bytes = 2 * kMiB;
  needs.resources.threads = 1;
  return needs;
}

void AudioLoudnessAnalyzer::begin(const AnalyzerContext& context) {
  config_ = parse_audio_loudness_settings(context.settings);
  video_has_audio_ = context.video.has_audio();
  meter_.reset();
  silence_.reset();
  samples_measured_ = 0;
  segments_ = nlohmann::json::array();
  if (!video_has_audio_) return;
  ebur128_state* state = ebur128_init(1, static_cast<unsigned long>(media::kAudioSampleRate), kModes);
  if (state == nullptr) throw_internal_error("audio_loudness: libebur128 could not allocate its state");
  meter_ = std::make_unique<Meter>(state);
  check(ebur128_set_channel(meter_->state, 0, config_.dual_mono ? EBUR128_DUAL_MONO : EBUR128_CENTER), "set_channel");
}

void AudioLoudnessAnalyzer::process(const SegmentInput& input) {
  if (!meter_) return;
  const media::Segment& segment = input.segment;
  const std::span<const float> fresh = segment.new_audio();
  if (!silence_) {
    const double fresh_t0 = segment.audio_t0 + static_cast<double>(segment.audio_new_begin) / media::kAudioSampleRate;
    silence_.emplace(config_.silence, media::kAudioSampleRate, fresh_t0);
  }
  if (!fresh.empty()) {
    check(ebur128_add_frames_float(meter_->state, fresh.data(), fresh.size()), "add_frames");
    silence_->add(fresh);
    samples_measured_ += fresh.size();
  }
  nlohmann::json entry = {{"index", segment.index}, {"t0", segment.t0}, {"t1", segment.t1}};
  entry["rms_dbfs"] = segment.audio.empty() ? nlohmann::json() : nlohmann::json(rms_dbfs(segment.audio));
  segments_.push_back(std::move(entry));
}

nlohmann::json AudioLoudnessAnalyzer::finish() {
  if (!video_has_audio_) return {{"has_audio", false}};
  if (samples_measured_ == 0 || !meter_) {
    return {{"has_audio", false}, {"note", "the video lists an audio stream but no audio samples were decoded"}};
  }
  silence_->finish();
  double integrated = -HUGE_VAL, range = 0, true_peak = 0, sample_peak = 0;
  check(ebur128_loudness_global(meter_->state, &integrated), "loudness_global");
  // A stretch too short for short-term blocks has no range; libebur128 returns 0 LU then.
  check(ebur128_loudness_range(meter_->state, &range), "loudness_range");
  check(ebur128_true_peak(meter_->state, 0, &true_peak), "true_peak");
  check(ebur128_sample_peak(meter_->state, 0, &sample_peak), "sample_peak");

  nlohmann::json silences = nlohmann::json::array();
  for (const SilenceInterval& interval : silence_->intervals()) {
    silences.push_back({{"start_s", interval.start_s}, {"end_s", interval.end_s}});
  }
  return {{"has_audio", true},
          {"duration_s", static_cast<double>(samples_measured_) / media::kAudioSampleRate},
          {"integrated_lufs", finite_or_null(integrated)},
          {"loudness_range_lu", finite_or_null(range)},
          {"true_peak_dbtp", linear_to_db_or_null(true_peak)},
          {"sample_peak_dbfs", linear_to_db_or_null(sample_peak)},
          {"channel_weighting", config_.dual_mono ? "dual_mono" : "single_channel"},
          {"silence",
           {{"threshold_dbfs", config_.silence.threshold_dbfs},
            {"min_duration_s", config_.silence.min_duration_s},
            {"window_ms", config_.silence.window_s * 1000.0},
            {"total_s", silence_->total_s()},
            {"intervals", std::move(silences)}}},
          {"segments", segments_}};
}

}  // namespace vidscope::analyzers
