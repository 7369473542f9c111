#include "analyzers/camera_motion.h"

#include <cmath>

#include <opencv2/calib3d.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>

#include "analyzers/frame_mat.h"
#include "analyzers/settings_reader.h"

namespace vidscope::analyzers {
namespace {

constexpr char kName[] = "camera_motion";
constexpr double kCornerQuality = 0.01;
constexpr double kCornerMinDistance = 8.0;
constexpr double kRansacThresholdPx = 1.5;
// Share of tracked corners that must fit one similarity for a high-scoring pair to count as motion.
constexpr double kCoherentInlierShare = 0.5;

}  // namespace

CameraMotionConfig parse_camera_motion_settings(const nlohmann::json& settings) {
  SettingsReader reader(kName, settings);
  CameraMotionConfig c;
  c.fps = reader.number("fps", c.fps, 1, 60);
  c.max_size = reader.integer("max_size", c.max_size, 64, 4096);
  c.max_corners = reader.integer("max_corners", c.max_corners, 10, 5000);
  c.min_tracked_points = reader.integer("min_tracked_points", c.min_tracked_points, 3, 5000);
  c.cut_threshold = reader.number("cut_threshold", c.cut_threshold, 0, 255);
  c.pan_threshold = reader.number("pan_threshold", c.pan_threshold, 0, 100);
  c.zoom_threshold = reader.number("zoom_threshold", c.zoom_threshold, 0, 100);
  c.shake_threshold = reader.number("shake_threshold", c.shake_threshold, 0, 10);
  reader.reject_unknown_keys();
  return c;
}

std::optional<PairMotion> estimate_pair_motion(const cv::Mat& previous_gray, const cv::Mat& gray, int max_corners,
                                               int min_tracked_points) {
  std::vector<cv::Point2f> corners;
  cv::goodFeaturesToTrack(previous_gray, corners, max_corners, kCornerQuality, kCornerMinDistance);
  if (static_cast<int>(corners.size()) < min_tracked_points) return std::nullopt;
  std::vector<cv::Point2f> moved;
  std::vector<unsigned char> found;
  std::vector<float> errors;
  cv::calcOpticalFlowPyrLK(previous_gray, gray, corners, moved, found, errors, cv::Size(21, 21), 3);
  std::vector<cv::Point2f> from, to;
  for (size_t i = 0; i < corners.size(); ++i) {
    if (!found[i]) continue;
    from.push_back(corners[i]);
    to.push_back(moved[i]);
  }
  if (static_cast<int>(from.size()) < min_tracked_points) return std::nullopt;
  std::vector<unsigned char> inlier_mask;
  const cv::Mat transform = cv::estimateAffinePartial2D(from, to, inlier_mask, cv::RANSAC, kRansacThresholdPx);
  if (transform.empty()) return std::nullopt;

  // The similarity maps p to A p + t; a zoom about the centre also moves the origin, so the camera's
  // translation is read at the image centre, where a pure zoom moves nothing.
  const double a = transform.at<double>(0, 0), b = transform.at<double>(1, 0);
  const double cx = previous_gray.cols / 2.0, cy = previous_gray.rows / 2.0;
  PairMotion motion;
  motion.dx_px = a * cx - b * cy + transform.at<double>(0, 2) - cx;
  motion.dy_px = b * cx + a * cy + transform.at<double>(1, 2) - cy;
  motion.scale = std::sqrt(a * a + b * b);
  motion.tracked_points = static_cast<int>(from.size());
  motion.inliers = cv::countNonZero(inlier_mask);
  return motion;
}

std::string CameraMotionAnalyzer::description() const {
  return "camera pan, tilt, zoom, shake or static per segment (sparse optical flow, RANSAC similarity)";
}

AnalyzerNeeds CameraMotionAnalyzer::needs(const AnalyzerContext& context) const {
  const CameraMotionConfig config = parse_camera_motion_settings(context.settings);
  AnalyzerNeeds needs;
  needs.frames = media::frames_at_fps(config.fps, config.max_size);
  // Two grey frames, two prepared content frames (3 planes), the 4-level LK pyramids of both frames
  // (with derivatives, about 8 bytes per pixel per level) and the corner detector's float maps.
  const Bytes plane = static_cast<Bytes>(config.max_size) * static_cast<Bytes>(config.max_size);
  needs.resources.ram_bytes = plane * (2 + 6 + 2 * 8 * 2 + 8) + kMiB;
  needs.resources.threads = 1;
  return needs;
}

void CameraMotionAnalyzer::begin(const AnalyzerContext& context) {
  config_ = parse_camera_motion_settings(context.settings);
  previous_gray_.release();
  previous_content_ = ContentFrame{};
  previous_index_ = -1;
  segments_ = nlohmann::json::array();
  primary_seconds_.clear();
}

void CameraMotionAnalyzer::process(const SegmentInput& input) {
  std::vector<TimedMotion> pairs;
  int cut_pairs = 0, untrackable_pairs = 0;
  for (const media::FramePtr& frame : input.frames) {
    if (!frame || frame->index <= previous_index_) continue;
    const cv::Mat rgb = view_rgb(*frame);
    cv::Mat gray;
    cv::cvtColor(rgb, gray, cv::COLOR_RGB2GRAY);
    ContentFrame content = prepare_content_frame(rgb, false);
    const bool comparable = !previous_gray_.empty() && previous_gray_.size() == gray.size() &&
                            frame->time_s > previous_time_s_;
    if (comparable) {
      const double score = compare_content_frames(previous_content_, content).score(ContentWeights{});
      const auto motion = estimate_pair_motion(previous_gray_, gray, config_.max_corners, config_.min_tracked_points);
      // A fast pan over fine detail also scores high, but there most corners agree on one motion.
      const bool coherent = motion && motion->inliers >= config_.min_tracked_points &&
                            motion->inliers >= kCoherentInlierShare * motion->tracked_points;
      if (score >= config_.cut_threshold && !coherent) {
        ++cut_pairs;  // a cut: the two pictures show different things, their "motion" means nothing
      } else if (motion) {
        pairs.push_back({frame->time_s - previous_time_s_, static_cast<double>(gray.cols), *motion});
      } else {
        ++untrackable_pairs;
      }
    }
    previous_gray_ = gray;
    previous_content_ = std::move(content);
    previous_time_s_ = frame->time_s;
    previous_index_ = frame->index;
  }
  segments_.push_back(segment_json(input.segment, pairs, cut_pairs, untrackable_pairs));
}

nlohmann::json CameraMotionAnalyzer::segment_json(const media::Segment& segment, const std::vector<TimedMotion>& pairs,
                                                  int cut_pairs, int untrackable_pairs) {
  nlohmann::json entry = {{"index", segment.index},       {"t0", segment.t0},
                          {"t1", segment.t1},             {"pairs", pairs.size()},
                          {"cut_pairs", cut_pairs},       {"untrackable_pairs", untrackable_pairs}};
  if (pairs.empty()) {
    entry["labels"] = nlohmann::json::array();
    entry["primary"] = "unknown";
    primary_seconds_["unknown"] += segment.t1 - segment.t0;
    return entry;
  }
  // Speeds are net displacement over elapsed time: random jitter cancels out, a steady pan does not.
  double total_s = 0, sum_x = 0, sum_y = 0, sum_log_scale = 0;
  for (const TimedMotion& p : pairs) {
    total_s += p.dt_s;
    sum_x += p.motion.dx_px / p.width_px;
    sum_y += p.motion.dy_px / p.width_px;
    sum_log_scale += std::log(p.motion.scale);
  }
  // Content moving left means the camera pans right; content moving down means it tilts up.
  const double pan_speed = -sum_x / total_s;
  const double tilt_speed = sum_y / total_s;
  const double zoom_rate = sum_log_scale / total_s;
  const double mean_x = sum_x / pairs.size(), mean_y = sum_y / pairs.size();
  double deviation = 0;
  for (const TimedMotion& p : pairs) {
    deviation += std::pow(p.motion.dx_px / p.width_px - mean_x, 2) + std::pow(p.motion.dy_px / p.width_px - mean_y, 2);
  }
  const double jitter = std::sqrt(deviation / pairs.size());

  nlohmann::json labels = nlohmann::json::array();
  std::string primary = "static";
  double strongest = 1.0;  // motion strength in multiples of its threshold; the largest names the segment
  auto consider = [&](double value, double threshold, const char* positive, const char* negative) {
    if (threshold <= 0 || std::abs(value) < threshold) return;
    labels.push_back(value > 0 ? positive : negative);
    if (std::abs(value) / threshold > strongest) {
      strongest = std::abs(value) / threshold;
      primary = labels.back();
    }
  };
  consider(pan_speed, config_.pan_threshold, "pan_right", "pan_left");
  consider(tilt_speed, config_.pan_threshold, "tilt_up", "tilt_down");
  consider(zoom_rate, config_.zoom_threshold, "zoom_in", "zoom_out");
  if (jitter >= config_.shake_threshold) {
    labels.push_back("shake");
    primary = "shake";  // shaking dominates how a shot feels, whatever else the camera does
  }
  if (labels.empty()) labels.push_back("static");
  primary_seconds_[primary] += segment.t1 - segment.t0;

  entry.update({{"pan_speed", pan_speed},
                {"tilt_speed", tilt_speed},
                {"zoom_rate", zoom_rate},
                {"jitter", jitter},
                {"labels", std::move(labels)},
                {"primary", primary}});
  return entry;
}

nlohmann::json CameraMotionAnalyzer::finish() {
  double total = 0;
  for (const auto& [label, seconds] : primary_seconds_) total += seconds;
  nlohmann::json shares = nlohmann::json::object();
  for (const auto& [label, seconds] : primary_seconds_) shares[label] = total > 0 ? seconds / total : 0.0;
  return {{"segments", segments_},
          {"summary", {{"primary_share", std::move(shares)}}},
          {"params",
           {{"fps", config_.fps},
            {"max_size", config_.max_size},
            {"max_corners", config_.max_corners},
            {"min_tracked_points", config_.min_tracked_points},
            {"cut_threshold", config_.cut_threshold},
            {"pan_threshold", config_.pan_threshold},
            {"zoom_threshold", config_.zoom_threshold},
            {"shake_threshold", config_.shake_threshold}}}};
}

}  // namespace vidscope::analyzers
