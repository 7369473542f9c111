#include "analyzers/syllable_nuclei.h"

#include <algorithm>
#include <cmath>

namespace vidscope::analyzers {

void SyllableNucleusDetector::add(const AudioFrameFeatures& frame, double noise_floor_dbfs) {
  const double band_db = frame.speech_band_ratio > 0 ? frame.rms_dbfs + 10.0 * std::log10(frame.speech_band_ratio) : -120.0;
  const size_t slot = seen_ % 3;
  recent_[slot] = band_db;
  recent_times_[slot] = frame.time_s + AudioFrameAnalyzer::kFrameSeconds / 2;
  recent_qualifies_[slot] = frame.rms_dbfs >= params_.min_level_dbfs &&
                            frame.rms_dbfs >= noise_floor_dbfs + params_.above_noise_db &&
                            frame.speech_band_ratio >= params_.min_speech_band_ratio;
  ++seen_;
  if (seen_ < 3) return;
  // The smoothed point is centred on the middle frame of the last three.
  const size_t middle = (seen_ - 2) % 3;
  const Point point{recent_times_[middle], (recent_[0] + recent_[1] + recent_[2]) / 3.0, recent_qualifies_[middle]};

  if (rising_) {
    if (point.level_db >= candidate_.level_db) {
      candidate_ = point;
    } else if (point.level_db <= candidate_.level_db - params_.min_dip_db) {
      if (candidate_.qualifies) nuclei_.push_back(candidate_.time_s);
      rising_ = false;
      low_db_ = point.level_db;
    }
  } else {
    low_db_ = std::min(low_db_, point.level_db);
    if (point.level_db >= low_db_ + params_.min_dip_db) {
      rising_ = true;
      candidate_ = point;
    }
  }
}

std::vector<double> SyllableNucleusDetector::take_before(double before_s) {
  const auto split = std::partition_point(nuclei_.begin(), nuclei_.end(), [&](double t) { return t < before_s; });
  std::vector<double> out(nuclei_.begin(), split);
  nuclei_.erase(nuclei_.begin(), split);
  return out;
}

std::vector<double> SyllableNucleusDetector::take_all() {
  std::vector<double> out;
  out.swap(nuclei_);
  return out;
}

}  // namespace vidscope::analyzers
