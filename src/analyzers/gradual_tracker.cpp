#include "analyzers/gradual_tracker.h"

#include <cstring>

namespace vidscope::analyzers {

std::optional<GradualTransition> GradualTracker::add_frame(const TrackedFrame* previous, const TrackedFrame& current,
                                                           bool is_hard_cut) {
  if (is_hard_cut) return close_run();
  const bool changing = current.score >= params_.run_threshold;
  if (!run_) {
    if (changing && previous != nullptr) run_ = Run{*previous, current, current, 0};
    return std::nullopt;
  }
  if (changing) {
    run_->last = current;
    run_->gap = 0;
    return std::nullopt;
  }
  if (++run_->gap > params_.max_gap) return close_run();
  return std::nullopt;
}

std::optional<GradualTransition> GradualTracker::finish() { return close_run(); }

const char* GradualTracker::endpoint_level(double mean_rgb) const {
  if (mean_rgb < params_.dark_level) return "black";
  if (mean_rgb > params_.bright_level) return "white";
  return "";
}

std::optional<GradualTransition> GradualTracker::close_run() {
  if (!run_) return std::nullopt;
  const Run run = std::move(*run_);
  run_.reset();
  const std::int64_t frames = run.last.index - run.first.index + 1;
  if (frames < params_.min_frames) return std::nullopt;
  if (run.last.time_s - run.before.time_s > params_.max_duration_s) return std::nullopt;
  if (run.before.frame.lum.size() != run.last.frame.lum.size()) return std::nullopt;
  const double total = compare_content_frames(run.before.frame, run.last.frame).score(params_.weights);
  if (total < params_.total_threshold) return std::nullopt;

  GradualTransition transition;
  transition.start_s = run.first.time_s;
  transition.end_s = run.last.time_s;
  transition.start_frame = run.first.index;
  transition.end_frame = run.last.index;
  transition.score = total;
  // The end that reaches black (or white) names the fade; a change between two pictures is a dissolve.
  const char* end_level = endpoint_level(run.last.frame.mean_rgb);
  const char* start_level = endpoint_level(run.before.frame.mean_rgb);
  if (std::strlen(end_level) > 0) {
    transition.kind = "fade_out";
    transition.via = end_level;
  } else if (std::strlen(start_level) > 0) {
    transition.kind = "fade_in";
    transition.via = start_level;
  } else {
    transition.kind = "dissolve";
  }
  return transition;
}

}  // namespace vidscope::analyzers
