#include "analyzers/shot_list.h"

#include <algorithm>

namespace vidscope::analyzers {

std::vector<ShotSpan> list_shots(const ShotDetector& detector, double video_end_s, double min_shot_s) {
  std::vector<ShotSpan> shots;
  if (detector.frames_analyzed() == 0) return shots;
  std::vector<double> boundaries;
  for (const HardCut& cut : detector.hard_cuts()) boundaries.push_back(cut.time_s);
  for (const GradualTransition& t : detector.gradual_transitions()) boundaries.push_back((t.start_s + t.end_s) / 2);
  std::sort(boundaries.begin(), boundaries.end());

  const double end = std::max(video_end_s, detector.last_time_s());
  double shot_start = detector.first_time_s();
  for (const double boundary : boundaries) {
    // A fade-out followed by a fade-in makes two boundaries; a shot shorter than the minimum is merged.
    if (boundary - shot_start < min_shot_s || end - boundary < min_shot_s) continue;
    shots.push_back({shot_start, boundary});
    shot_start = boundary;
  }
  shots.push_back({shot_start, end});
  return shots;
}

}  // namespace vidscope::analyzers
