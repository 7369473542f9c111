#include "analyzers/audio_frame_features.h"

#include <cmath>
#include <numbers>

#include "base/error.h"

namespace vidscope::analyzers {
namespace {

constexpr double kSampleRate = 16000.0;
constexpr double kBinHz = kSampleRate / AudioFrameAnalyzer::kFftSize;
constexpr double kSpeechBandLowHz = 80.0;
constexpr double kSpeechBandHighHz = 3400.0;
constexpr double kRolloffShare = 0.85;
// Power below this (about -120 dBFS over the frame) is digital silence: spectral shape is meaningless.
constexpr double kSilentPower = 1e-12;

}  // namespace

AudioFrameAnalyzer::AudioFrameAnalyzer(double start_time_s)
    : next_frame_time_s_(start_time_s),
      hann_(kFrameSamples),
      previous_magnitude_(kFftSize / 2 + 1, 0.0),
      input_(new_fvec(kFftSize)),
      spectrum_(new_cvec(kFftSize)),
      fft_(new_aubio_fft(kFftSize)) {
  if (!input_ || !spectrum_ || !fft_) throw_internal_error("aubio could not allocate its FFT");
  for (int i = 0; i < kFrameSamples; ++i) {
    hann_[i] = static_cast<float>(0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * i / (kFrameSamples - 1)));
  }
  pending_.reserve(kFrameSamples);
}

void AudioFrameAnalyzer::add(std::span<const float> samples,
                             const std::function<void(const AudioFrameFeatures&)>& on_frame) {
  size_t at = 0;
  while (at < samples.size()) {
    const size_t take = std::min(samples.size() - at, static_cast<size_t>(kFrameSamples) - pending_.size());
    pending_.insert(pending_.end(), samples.begin() + static_cast<std::ptrdiff_t>(at),
                    samples.begin() + static_cast<std::ptrdiff_t>(at + take));
    at += take;
    if (pending_.size() == static_cast<size_t>(kFrameSamples)) {
      on_frame(analyze_frame());
      pending_.clear();
    }
  }
}

AudioFrameFeatures AudioFrameAnalyzer::analyze_frame() {
  AudioFrameFeatures features;
  features.time_s = next_frame_time_s_;
  next_frame_time_s_ += kFrameSeconds;

  double sum_squares = 0;
  int crossings = 0;
  for (int i = 0; i < kFrameSamples; ++i) {
    sum_squares += static_cast<double>(pending_[i]) * pending_[i];
    if (i > 0 && (pending_[i] >= 0) != (pending_[i - 1] >= 0)) ++crossings;
  }
  const double mean_square = sum_squares / kFrameSamples;
  features.rms_dbfs = mean_square > 1e-12 ? std::max(-120.0, 10.0 * std::log10(mean_square)) : -120.0;
  features.zero_crossing_rate = static_cast<double>(crossings) / (kFrameSamples - 1);

  for (int i = 0; i < kFftSize; ++i) input_->data[i] = i < kFrameSamples ? pending_[i] * hann_[i] : 0.0f;
  aubio_fft_do(fft_.get(), input_.get(), spectrum_.get());

  const int bins = kFftSize / 2 + 1;
  double total = 0, band = 0, weighted = 0, log_sum = 0, magnitude_sum = 0, rise = 0;
  for (int k = 1; k < bins; ++k) {  // DC carries no pitch or timbre
    const double magnitude = spectrum_->norm[k];
    const double power = magnitude * magnitude;
    const double hz = k * kBinHz;
    total += power;
    if (hz >= kSpeechBandLowHz && hz <= kSpeechBandHighHz) band += power;
    weighted += hz * power;
    log_sum += std::log(power + 1e-20);
    magnitude_sum += magnitude;
    rise += std::max(0.0, magnitude - previous_magnitude_[k]);
    previous_magnitude_[k] = magnitude;
  }
  if (total > kSilentPower) {
    features.speech_band_ratio = band / total;
    features.centroid_hz = weighted / total;
    double cumulative = 0;
    for (int k = 1; k < bins; ++k) {
      cumulative += static_cast<double>(spectrum_->norm[k]) * spectrum_->norm[k];
      if (cumulative >= kRolloffShare * total) {
        features.rolloff_hz = k * kBinHz;
        break;
      }
    }
    features.flatness = std::exp(log_sum / (bins - 1)) / (total / (bins - 1));
    features.flux = magnitude_sum > 0 ? rise / magnitude_sum : 0.0;
  }
  return features;
}

}  // namespace vidscope::analyzers
