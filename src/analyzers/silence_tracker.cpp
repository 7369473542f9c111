#include "analyzers/silence_tracker.h"

#include <algorithm>
#include <cmath>

namespace vidscope::analyzers {
namespace {

double to_dbfs(double mean_square) {
  if (mean_square <= 0) return kSilenceFloorDbfs;
  return std::max(kSilenceFloorDbfs, 10.0 * std::log10(mean_square));
}

}  // namespace

double rms_dbfs(std::span<const float> samples) {
  if (samples.empty()) return kSilenceFloorDbfs;
  double sum_sq = 0;
  for (const float s : samples) sum_sq += static_cast<double>(s) * s;
  return to_dbfs(sum_sq / static_cast<double>(samples.size()));
}

SilenceTracker::SilenceTracker(SilenceParams params, int sample_rate, double start_time_s)
    : params_(params),
      sample_rate_(sample_rate),
      start_time_s_(start_time_s),
      window_length_(std::max<size_t>(1, static_cast<size_t>(std::lround(params.window_s * sample_rate)))) {}

void SilenceTracker::add(std::span<const float> samples) {
  for (const float s : samples) {
    window_sum_sq_ += static_cast<double>(s) * s;
    if (++window_filled_ == window_length_) end_window(window_filled_);
  }
}

void SilenceTracker::end_window(size_t length) {
  const bool silent = to_dbfs(window_sum_sq_ / static_cast<double>(length)) < params_.threshold_dbfs;
  if (silent && !in_silence_) {
    in_silence_ = true;
    silence_start_sample_ = samples_done_;
  }
  samples_done_ += length;
  window_sum_sq_ = 0;
  window_filled_ = 0;
  if (!silent && in_silence_) {
    in_silence_ = false;
    const size_t end_sample = samples_done_ - length;
    const double start_s = start_time_s_ + static_cast<double>(silence_start_sample_) / sample_rate_;
    const double end_s = start_time_s_ + static_cast<double>(end_sample) / sample_rate_;
    if (end_s - start_s >= params_.min_duration_s - 1e-9) intervals_.push_back({start_s, end_s});
  }
}

void SilenceTracker::finish() {
  if (window_filled_ > 0) end_window(window_filled_);
  if (in_silence_) {
    in_silence_ = false;
    const double start_s = start_time_s_ + static_cast<double>(silence_start_sample_) / sample_rate_;
    const double end_s = start_time_s_ + static_cast<double>(samples_done_) / sample_rate_;
    if (end_s - start_s >= params_.min_duration_s - 1e-9) intervals_.push_back({start_s, end_s});
  }
}

double SilenceTracker::total_s() const {
  double total = 0;
  for (const SilenceInterval& interval : intervals_) total += interval.end_s - interval.start_s;
  return total;
}

}  // namespace vidscope::analyzers
