#include "analyzers/audio_segment_stats.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace vidscope::analyzers {
namespace {

constexpr double kAudibleDbfs = -60.0;
constexpr double kPauseBelowP90Db = 25.0;
constexpr double kMinMeanRiseDb = 0.3;
constexpr double kEnvelopeRateHz = 1.0 / AudioFrameAnalyzer::kFrameSeconds;  // 50 Hz

double mean(const std::vector<double>& values) {
  if (values.empty()) return 0;
  double sum = 0;
  for (const double v : values) sum += v;
  return sum / static_cast<double>(values.size());
}

double standard_deviation(const std::vector<double>& values) {
  if (values.size() < 2) return 0;
  const double m = mean(values);
  double sum = 0;
  for (const double v : values) sum += (v - m) * (v - m);
  return std::sqrt(sum / static_cast<double>(values.size() - 1));
}

double percentile(std::vector<double> values, double share) {
  if (values.empty()) return -120;
  const auto nth = values.begin() + static_cast<std::ptrdiff_t>(share * static_cast<double>(values.size() - 1));
  std::nth_element(values.begin(), nth, values.end());
  return *nth;
}

// Power of the mean-removed envelope at frequency `hz` (one DFT bin, direct sum: at most a few hundred
// samples per segment).
double modulation_power(const std::vector<double>& envelope, double hz) {
  double re = 0, im = 0;
  for (size_t n = 0; n < envelope.size(); ++n) {
    const double phase = 2.0 * std::numbers::pi * hz * static_cast<double>(n) / kEnvelopeRateHz;
    re += envelope[n] * std::cos(phase);
    im -= envelope[n] * std::sin(phase);
  }
  return re * re + im * im;
}

double modulation_share(std::vector<double> envelope) {
  if (envelope.size() < 25) return 0;  // under 0.5 s: no 2 Hz cycle fits
  const double m = mean(envelope);
  for (double& v : envelope) v -= m;
  double band = 0, total = 0;
  for (double hz = 0.5; hz <= 25.0; hz += 0.25) {
    const double power = modulation_power(envelope, hz);
    total += power;
    if (hz >= 2.0 && hz <= 8.0) band += power;
  }
  return total > 0 ? band / total : 0;
}

// Onset strength: the positive level rise of each frame; a beat makes it periodic.
double periodicity(const std::vector<double>& levels_db) {
  if (levels_db.size() < 2) return 0;
  std::vector<double> strength(levels_db.size(), 0.0);
  for (size_t i = 1; i < levels_db.size(); ++i) strength[i] = std::max(0.0, levels_db[i] - levels_db[i - 1]);
  const double m = mean(strength);
  // A steady sound's level jitters by hundredths of a dB; its "rhythm" is noise, not a beat.
  if (m < kMinMeanRiseDb) return 0;
  for (double& v : strength) v -= m;
  double energy = 0;
  for (const double v : strength) energy += v * v;
  if (energy <= 1e-9) return 0;
  const auto min_lag = static_cast<size_t>(0.25 * kEnvelopeRateHz);
  const auto max_lag = std::min(strength.size() / 2, static_cast<size_t>(1.5 * kEnvelopeRateHz));
  double best = 0;
  for (size_t lag = min_lag; lag <= max_lag; ++lag) {
    double sum = 0;
    for (size_t i = lag; i < strength.size(); ++i) sum += strength[i] * strength[i - lag];
    // Normalised by the overlap length so long lags are not penalised for having fewer products.
    const double normalised = sum / energy * static_cast<double>(strength.size()) / static_cast<double>(strength.size() - lag);
    best = std::max(best, normalised);
  }
  return std::min(1.0, best);
}

}  // namespace

AudioStretchStats summarize_frames(const std::vector<AudioFrameFeatures>& frames) {
  AudioStretchStats stats;
  stats.frames = frames.size();
  stats.duration_s = static_cast<double>(frames.size()) * AudioFrameAnalyzer::kFrameSeconds;
  if (frames.empty()) return stats;
  std::vector<double> levels, envelope, centroid, rolloff, flatness, zcr, flux, audible_levels;
  double power_sum = 0, band_power = 0;
  for (const AudioFrameFeatures& frame : frames) {
    const double power = std::pow(10.0, frame.rms_dbfs / 10.0);
    power_sum += power;
    band_power += power * frame.speech_band_ratio;
    levels.push_back(frame.rms_dbfs);
    envelope.push_back(std::sqrt(power));
    if (frame.rms_dbfs < kAudibleDbfs) continue;
    audible_levels.push_back(frame.rms_dbfs);
    centroid.push_back(frame.centroid_hz);
    rolloff.push_back(frame.rolloff_hz);
    flatness.push_back(frame.flatness);
    zcr.push_back(frame.zero_crossing_rate);
    flux.push_back(frame.flux);
  }
  const double mean_power = power_sum / static_cast<double>(frames.size());
  stats.rms_dbfs = mean_power > 1e-12 ? 10.0 * std::log10(mean_power) : -120.0;
  stats.speech_band_ratio = power_sum > 0 ? band_power / power_sum : 0;
  stats.centroid_hz = mean(centroid);
  stats.rolloff_hz = mean(rolloff);
  stats.flatness = mean(flatness);
  stats.zero_crossing_rate = mean(zcr);
  stats.zero_crossing_rate_cv = stats.zero_crossing_rate > 0 ? standard_deviation(zcr) / stats.zero_crossing_rate : 0;
  stats.flux = mean(flux);
  stats.level_std_db = standard_deviation(audible_levels);
  const double p90 = percentile(levels, 0.9);
  const auto pauses = std::count_if(levels.begin(), levels.end(),
                                    [&](double level) { return level < kAudibleDbfs || level < p90 - kPauseBelowP90Db; });
  stats.pause_ratio = static_cast<double>(pauses) / static_cast<double>(levels.size());
  stats.modulation_2_8hz = modulation_share(envelope);
  stats.beat_periodicity = periodicity(levels);
  return stats;
}

nlohmann::json stretch_stats_to_json(const AudioStretchStats& stats) {
  return {{"rms_dbfs", stats.rms_dbfs},
          {"centroid_hz", stats.centroid_hz},
          {"rolloff_hz", stats.rolloff_hz},
          {"flatness", stats.flatness},
          {"zero_crossing_rate", stats.zero_crossing_rate},
          {"zero_crossing_rate_cv", stats.zero_crossing_rate_cv},
          {"speech_band_ratio", stats.speech_band_ratio},
          {"spectral_flux", stats.flux},
          {"level_std_db", stats.level_std_db},
          {"pause_ratio", stats.pause_ratio},
          {"modulation_2_8hz", stats.modulation_2_8hz},
          {"beat_periodicity", stats.beat_periodicity}};
}

std::string classify_stretch(const AudioStretchStats& stats, const AudioClassRule& rule) {
  if (stats.duration_s < rule.min_duration_s) return "";
  if (stats.rms_dbfs < rule.silence_below_dbfs) return "silence";
  const bool periodic = stats.beat_periodicity >= rule.music_min_periodicity;
  const bool syllabic = stats.modulation_2_8hz >= rule.speech_min_modulation &&
                        (stats.pause_ratio >= rule.speech_min_pause_ratio || stats.zero_crossing_rate_cv >= rule.speech_min_zcr_cv);
  if (!periodic && syllabic && stats.speech_band_ratio >= rule.speech_min_band_ratio) return "speech";
  if (periodic) return "music";
  if (stats.pause_ratio <= rule.music_max_pause_ratio && stats.flatness <= rule.music_max_flatness) return "music";
  return "noise";
}

}  // namespace vidscope::analyzers
