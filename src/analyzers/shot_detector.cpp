#include "analyzers/shot_detector.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

namespace vidscope::analyzers {
namespace {

constexpr double kMaxAdaptiveRatio = 255.0;    // AdaptiveDetector caps the ratio here
constexpr double kRampStepFloor = 0.5;         // mean R,G,B change per frame below this is noise
constexpr double kRampStepFactor = 3.0;        // a step this much larger than the ramp's is a real jump

}  // namespace

ShotDetector::ShotDetector(ShotDetectorParams params)
    : params_(params), gradual_tracker_(params.gradual), fade_detector_(params.fade) {}

void ShotDetector::add_frame_fitted(const cv::Mat& rgb, int max_size, std::int64_t index, double time_s) {
  const double scale = std::min(1.0, static_cast<double>(max_size) / std::max(rgb.cols, rgb.rows));
  if (scale >= 1.0) {
    add_frame(rgb, index, time_s);
    return;
  }
  const cv::Size size(std::max(1, static_cast<int>(std::lround(rgb.cols * scale))),
                      std::max(1, static_cast<int>(std::lround(rgb.rows * scale))));
  cv::resize(rgb, fitted_, size, 0, 0, cv::INTER_AREA);
  add_frame(fitted_, index, time_s);
}

void ShotDetector::add_frame(const cv::Mat& rgb, std::int64_t index, double time_s) {
  TrackedFrame current;
  current.index = index;
  current.time_s = time_s;
  current.frame = prepare_content_frame(rgb, params_.weights.edges != 0);
  // A size change (never expected inside one video) restarts the comparison instead of failing.
  if (!history_.empty() && history_.back().frame.lum.size() == current.frame.lum.size()) {
    current.score = compare_content_frames(history_.back().frame, current.frame).score(params_.weights);
  }
  if (frames_analyzed_ == 0) {
    first_time_s_ = time_s;
    last_cut_time_s_ = time_s;
  }
  ++frames_analyzed_;
  last_time_s_ = time_s;
  if (auto fade_cut = fade_detector_.add_frame(index, time_s, current.frame.mean_rgb)) fade_cuts_.push_back(*fade_cut);

  history_.push_back(std::move(current));
  const auto window = static_cast<size_t>(params_.window_width);
  while (next_undecided_ + window < history_.size()) decide(next_undecided_++);
  trim_history();
}

void ShotDetector::finish() {
  while (next_undecided_ < history_.size()) decide(next_undecided_++);
  if (auto transition = gradual_tracker_.finish()) gradual_.push_back(*transition);
  history_.clear();
  next_undecided_ = 0;
}

double ShotDetector::adaptive_ratio(size_t position) const {
  // Near the ends of the video the window holds fewer frames; the mean is over those present.
  const auto window = static_cast<size_t>(params_.window_width);
  const size_t begin = position >= window ? position - window : 0;
  const size_t end = std::min(history_.size(), position + window + 1);
  double sum = 0;
  int count = 0;
  for (size_t i = begin; i < end; ++i) {
    if (i == position) continue;
    sum += history_[i].score;
    ++count;
  }
  const double score = history_[position].score;
  const double mean = count > 0 ? sum / count : 0.0;
  if (std::abs(mean) < 1e-5) return score >= params_.min_content_val ? kMaxAdaptiveRatio : 0.0;
  return std::min(score / mean, kMaxAdaptiveRatio);
}

bool ShotDetector::inside_brightness_ramp(size_t position) const {
  const auto frames = static_cast<size_t>(params_.fade_guard_frames);
  if (position < frames + 1) return false;
  auto step = [&](size_t i) { return history_[i].frame.mean_rgb - history_[i - 1].frame.mean_rgb; };
  const double current_step = step(position);
  if (std::abs(current_step) < kRampStepFloor) return false;
  double largest_ramp_step = 0;
  for (size_t i = position - frames; i < position; ++i) {
    const double ramp_step = step(i);
    if (std::abs(ramp_step) < kRampStepFloor || (ramp_step > 0) != (current_step > 0)) return false;
    largest_ramp_step = std::max(largest_ramp_step, std::abs(ramp_step));
  }
  return std::abs(current_step) <= kRampStepFactor * largest_ramp_step;
}

void ShotDetector::decide(size_t position) {
  const TrackedFrame& frame = history_[position];
  const double ratio = adaptive_ratio(position);
  bool candidate = params_.method == CutMethod::kContent
                       ? frame.score >= params_.threshold
                       : ratio >= params_.adaptive_threshold && frame.score >= params_.min_content_val;
  if (candidate && params_.fade_guard && inside_brightness_ramp(position)) candidate = false;
  const bool is_cut = candidate && frame.time_s - last_cut_time_s_ >= params_.min_shot_s;
  if (is_cut) {
    hard_cuts_.push_back(HardCut{frame.time_s, frame.index, frame.score, ratio});
    last_cut_time_s_ = frame.time_s;
  }
  const TrackedFrame* previous = position > 0 ? &history_[position - 1] : nullptr;
  if (auto transition = gradual_tracker_.add_frame(previous, frame, is_cut)) gradual_.push_back(*transition);
}

void ShotDetector::trim_history() {
  // Keep what the next decision looks back at: its window, the brightness ramp and the previous frame.
  const size_t keep_before = static_cast<size_t>(std::max({params_.window_width, params_.fade_guard_frames + 1, 1}));
  while (next_undecided_ > keep_before) {
    history_.pop_front();
    --next_undecided_;
  }
}

}  // namespace vidscope::analyzers
