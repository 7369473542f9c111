#pragma once
// The shot list that follows from a ShotDetector's boundaries, shared by every analyzer that reasons
// about shots (shot_cuts, scenes, pacing) so they all agree on where shots begin and end.
#include <vector>

#include "analyzers/shot_detector.h"

namespace vidscope::analyzers {

struct ShotSpan {
  double start_s = 0;
  double end_s = 0;

  double duration_s() const { return end_s - start_s; }
};

// Boundaries are the hard cuts and the midpoints of the gradual transitions; a boundary closer than
// `min_shot_s` to the previous one or to the end is dropped. The shots cover [first frame, end], where
// end is the later of `video_end_s` and the last frame's time. Empty when no frame was analysed.
// Call after detector.finish().
std::vector<ShotSpan> list_shots(const ShotDetector& detector, double video_end_s, double min_shot_s);

}  // namespace vidscope::analyzers
