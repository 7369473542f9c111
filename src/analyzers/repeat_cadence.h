#pragma once
// Slow motion made by repeating frames: a clip slowed down by an editor without frame interpolation
// shows each source frame two or more times, so a steady share of frames equals the one before while
// no run of equal frames lasts long (that would be a freeze). Over a sliding window, a repeat share of
// r with short runs means the footage plays at about 1 / (1 - r) of its speed.
//
// What it cannot see: slow motion filmed at a high frame rate or made with interpolated frames
// (every frame differs), and time-lapse (frames dropped, not repeated).
//
// Not thread-safe; one per video. Memory: one window of (time, flag) pairs plus the result list.
#include <deque>
#include <vector>

namespace vidscope::analyzers {

struct RepeatCadenceParams {
  double window_s = 1.0;          // judged over this much video
  double min_repeat_share = 0.25; // at least this share of the window's frames repeat their predecessor
  int max_repeat_run = 3;         // and no run of repeats is longer than this many frames
  double min_duration_s = 1.0;    // a slow-motion stretch lasts at least this long
};

struct SlowMotion {
  double start_s = 0;
  double end_s = 0;
  double repeat_share = 0;  // repeated frames / frames, first to last repeat
  double factor = 1;        // playback speed is about 1 / factor of the original
};

class RepeatCadenceTracker {
 public:
  explicit RepeatCadenceTracker(RepeatCadenceParams params = {});

  // Frames in presentation order; `repeat`: the frame equals the previous one (a freeze-like step).
  void add(double time_s, bool repeat);
  void finish();  // closes a stretch still open at the end

  const std::vector<SlowMotion>& found() const { return found_; }

 private:
  struct Step {
    double time_s;
    bool repeat;
  };
  bool window_is_slow_motion() const;
  void close_stretch();

  RepeatCadenceParams params_;
  std::deque<Step> window_;
  bool open_ = false;
  double open_start_s_ = 0;
  double open_end_s_ = 0;
  int frames_ = 0;          // frames from the stretch's start
  int repeats_ = 0;
  int frames_to_end_ = 0;   // the same, up to its last repeat
  int repeats_to_end_ = 0;
  std::vector<SlowMotion> found_;
};

}  // namespace vidscope::analyzers
