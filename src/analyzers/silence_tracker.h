#pragma once
// Finds silent stretches in a mono stream: consecutive windows whose RMS is below a dBFS threshold,
// kept when together they last at least `min_duration_s`. Fed in pieces of any length.
#include <cstddef>
#include <span>
#include <vector>

namespace vidscope::analyzers {

struct SilenceParams {
  double threshold_dbfs = -50.0;
  double min_duration_s = 0.3;
  double window_s = 0.05;
};

struct SilenceInterval {
  double start_s = 0;
  double end_s = 0;
};

class SilenceTracker {
 public:
  // `start_time_s`: time of the first sample that will be added.
  SilenceTracker(SilenceParams params, int sample_rate, double start_time_s);

  void add(std::span<const float> samples);
  // Evaluates the last, partial window and closes an open interval.
  void finish();

  const std::vector<SilenceInterval>& intervals() const { return intervals_; }
  double total_s() const;

 private:
  void end_window(size_t length);

  SilenceParams params_;
  int sample_rate_;
  double start_time_s_;
  size_t window_length_;
  double window_sum_sq_ = 0;
  size_t window_filled_ = 0;
  size_t samples_done_ = 0;          // samples in completed windows
  bool in_silence_ = false;
  size_t silence_start_sample_ = 0;
  std::vector<SilenceInterval> intervals_;
};

// 20 * log10(rms), floored at kSilenceFloorDbfs for digital silence.
double rms_dbfs(std::span<const float> samples);
constexpr double kSilenceFloorDbfs = -120.0;

}  // namespace vidscope::analyzers
