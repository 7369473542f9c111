#pragma once
// Syllable nuclei in the spirit of de Jong & Wempe (2009, "Praat script to detect syllable nuclei and
// measure speech rate automatically"): peaks of the speech-band level contour that stand at least
// `min_dip_db` above the dips on both sides, are loud enough, and are voiced. Here "voiced" is the
// speech-band power ratio (no pitch tracker) and the contour is the 300-3400 Hz level of 20 ms frames,
// smoothed over 3 frames (60 ms). Streaming, constant memory apart from the returned peak times.
//
// Not thread-safe; one instance per stream.
#include <array>
#include <vector>

#include "analyzers/audio_frame_features.h"

namespace vidscope::analyzers {

struct SyllableParams {
  double min_dip_db = 2.0;          // de Jong & Wempe's "minimum dip between peaks"
  double above_noise_db = 12.0;     // a nucleus is this far above the noise floor ...
  double min_level_dbfs = -45.0;    // ... and at least this loud
  double min_speech_band_ratio = 0.5;
};

class SyllableNucleusDetector {
 public:
  explicit SyllableNucleusDetector(SyllableParams params) : params_(params) {}

  // `noise_floor_dbfs`: the VAD's current estimate. Frames must come in time order.
  void add(const AudioFrameFeatures& frame, double noise_floor_dbfs);

  // Times of nuclei found so far that lie before `before_s`, removed from the detector.
  std::vector<double> take_before(double before_s);
  // All remaining nuclei.
  std::vector<double> take_all();

 private:
  struct Point {
    double time_s = 0;
    double level_db = -120;
    bool qualifies = false;  // loud and voiced enough to count as a nucleus
  };

  SyllableParams params_;
  std::array<double, 3> recent_{-120, -120, -120};
  std::array<double, 3> recent_times_{};
  std::array<bool, 3> recent_qualifies_{};
  size_t seen_ = 0;
  bool rising_ = false;  // false: following a dip down; true: climbing to a peak
  Point candidate_;      // the highest point since the last dip (while rising)
  double low_db_ = -120; // the lowest point since the last peak (while falling)
  std::vector<double> nuclei_;
};

}  // namespace vidscope::analyzers
