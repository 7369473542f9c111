#include "analyzers/repeat_cadence.h"

#include <algorithm>

namespace vidscope::analyzers {

RepeatCadenceTracker::RepeatCadenceTracker(RepeatCadenceParams params) : params_(params) {}

bool RepeatCadenceTracker::window_is_slow_motion() const {
  if (window_.size() < 4 || window_.back().time_s - window_.front().time_s < params_.window_s * 0.95) return false;
  int repeats = 0;
  int run = 0;
  int longest = 0;
  for (const Step& s : window_) {
    run = s.repeat ? run + 1 : 0;
    longest = std::max(longest, run);
    repeats += s.repeat ? 1 : 0;
  }
  const double share = static_cast<double>(repeats) / static_cast<double>(window_.size());
  return share >= params_.min_repeat_share && longest <= params_.max_repeat_run;
}

void RepeatCadenceTracker::add(double time_s, bool repeat) {
  window_.push_back({time_s, repeat});
  while (window_.size() > 1 && time_s - window_.front().time_s > params_.window_s) window_.pop_front();
  if (window_is_slow_motion()) {
    if (!open_) {
      open_ = true;
      // The stretch starts at its first repeated frame, not at the window's edge.
      open_start_s_ = std::find_if(window_.begin(), window_.end(), [](const Step& s) { return s.repeat; })->time_s;
      frames_ = repeats_ = 0;
      for (const Step& s : window_) {
        if (s.time_s < open_start_s_) continue;
        ++frames_;
        if (s.repeat) {
          ++repeats_;
          open_end_s_ = s.time_s;
          frames_to_end_ = frames_;
          repeats_to_end_ = repeats_;
        }
      }
    } else {
      ++frames_;
      // The window trails the stretch: it ends at the last repeat seen while the cadence held.
      if (repeat) {
        ++repeats_;
        open_end_s_ = time_s;
        frames_to_end_ = frames_;
        repeats_to_end_ = repeats_;
      }
    }
  } else if (open_) {
    close_stretch();
  }
}

void RepeatCadenceTracker::close_stretch() {
  open_ = false;
  if (open_end_s_ - open_start_s_ < params_.min_duration_s || frames_to_end_ == 0) return;
  SlowMotion s;
  s.start_s = open_start_s_;
  s.end_s = open_end_s_;
  // Over the stretch itself (first to last repeat): edge windows would dilute a windowed average.
  s.repeat_share = static_cast<double>(repeats_to_end_) / static_cast<double>(frames_to_end_);
  s.factor = 1.0 / std::max(1e-6, 1.0 - s.repeat_share);
  found_.push_back(s);
}

void RepeatCadenceTracker::finish() {
  if (open_) close_stretch();
}

}  // namespace vidscope::analyzers
