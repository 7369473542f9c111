#include "analyzers/eye_contact.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "analyzers/frame_mat.h"
#include "analyzers/normalized_box.h"
#include "analyzers/settings_reader.h"
#include "analyzers/vision_frames.h"

namespace vidscope::analyzers {
namespace {

constexpr char kName[] = "eye_contact";
constexpr double kNoEyesScore = 0.1;   // a frontal face whose eyes are hidden, closed or turned away
constexpr double kOneEyeScore = 0.35;  // partly turned, or one eye missed by the cascade
constexpr double kMaxCentreOffset = 0.15;
constexpr double kMaxTilt = 0.10;
constexpr double kMaxNoseOffset = 0.30;

double closeness(double value, double limit) { return 1.0 - std::min(1.0, std::abs(value) / limit); }

}  // namespace

double score_from_eyes(const cv::Rect& face, const std::vector<cv::Rect>& eyes) {
  if (eyes.empty()) return kNoEyesScore;
  if (eyes.size() == 1) return kOneEyeScore;
  const cv::Point2d a = (eyes[0].tl() + eyes[0].br()) * 0.5;
  const cv::Point2d b = (eyes[1].tl() + eyes[1].br()) * 0.5;
  const double centre_offset = ((a.x + b.x) / 2 - (face.x + face.width / 2.0)) / face.width;
  const double tilt = (a.y - b.y) / face.height;
  return 0.5 + 0.25 * closeness(centre_offset, kMaxCentreOffset) + 0.25 * closeness(tilt, kMaxTilt);
}

double score_from_landmarks(const cv::Rect& face, const std::array<cv::Point2f, 5>& landmarks) {
  const cv::Point2f right_eye = landmarks[0], left_eye = landmarks[1], nose = landmarks[2];
  const double eye_distance = std::max(1.0, static_cast<double>(std::hypot(left_eye.x - right_eye.x, left_eye.y - right_eye.y)));
  const double nose_offset = (nose.x - (right_eye.x + left_eye.x) / 2) / eye_distance;
  const double tilt = (right_eye.y - left_eye.y) / std::max(1, face.height);
  return 0.5 + 0.25 * closeness(nose_offset, kMaxNoseOffset) + 0.25 * closeness(tilt, kMaxTilt);
}

EyeContactConfig parse_eye_contact_settings(const nlohmann::json& settings) {
  SettingsReader reader(kName, settings);
  EyeContactConfig config;
  config.detector = read_face_detector_settings(reader);
  config.eye_cascade = reader.text("eye_cascade", config.eye_cascade);
  config.looking_threshold = reader.number("looking_threshold", config.looking_threshold, 0, 1);
  config.frames_per_segment = reader.integer("frames_per_segment", config.frames_per_segment, 1, 64);
  config.max_size = reader.integer("max_size", config.max_size, 64, 4096);
  reader.reject_unknown_keys();
  return config;
}

std::string EyeContactAnalyzer::description() const {
  return "eyes per face and a looking-at-camera estimate (heuristic: both eyes, level, centred, frontal face)";
}

AnalyzerNeeds EyeContactAnalyzer::needs(const AnalyzerContext& context) const {
  const EyeContactConfig config = parse_eye_contact_settings(context.settings);
  return face_analyzer_needs(config.detector, config.frames_per_segment, config.max_size);
}

void EyeContactAnalyzer::begin(const AnalyzerContext& context) {
  config_ = parse_eye_contact_settings(context.settings);
  detector_ = std::make_unique<FaceDetector>(kName, config_.detector);
  if (config_.detector.yunet_model.empty()) eyes_ = load_cascade(kName, config_.eye_cascade);
  segments_ = nlohmann::json::array();
  faces_seen_ = faces_looking_ = 0;
  score_sum_ = 0;
}

EyeContactEstimate EyeContactAnalyzer::estimate(const cv::Mat& gray, const DetectedFace& face) {
  EyeContactEstimate out;
  if (face.landmarks) {
    out.eyes_found = 2;  // YuNet always places both eye landmarks
    out.score = score_from_landmarks(face.box, *face.landmarks);
    return out;
  }
  out.eyes = detect_eyes(eyes_, gray, face.box);
  out.eyes_found = static_cast<int>(out.eyes.size());
  out.score = score_from_eyes(face.box, out.eyes);
  return out;
}

void EyeContactAnalyzer::process(const SegmentInput& input) {
  nlohmann::json detections = nlohmann::json::array();
  int seen = 0, looking = 0;
  double score_sum = 0;
  const std::vector<FaceList> found = segment_faces(*detections_, *detector_, config_.detector, input.frames);
  size_t next = 0;
  for (const media::FramePtr& frame : input.frames) {
    if (!frame) continue;
    const cv::Mat rgb = view_rgb(*frame);
    const FaceList& faces = found[next++];
    cv::Mat gray;
    if (!faces.empty()) {  // the eye search needs it; most sampled frames have no face
      cv::cvtColor(rgb, gray, cv::COLOR_RGB2GRAY);
      cv::equalizeHist(gray, gray);
    }
    nlohmann::json list = nlohmann::json::array();
    for (const DetectedFace& face : faces) {
      const EyeContactEstimate e = estimate(gray, face);
      nlohmann::json eyes = nlohmann::json::array();
      for (const cv::Rect& eye : e.eyes) eyes.push_back(normalized_box(eye, rgb.size()));
      const bool is_looking = e.score >= config_.looking_threshold;
      list.push_back({{"box", normalized_box(face.box, rgb.size())}, {"eyes_found", e.eyes_found}, {"eyes", eyes},
                      {"score", e.score}, {"looking_at_camera", is_looking}});
      ++seen;
      looking += is_looking ? 1 : 0;
      score_sum += e.score;
    }
    detections.push_back({{"time_s", frame->time_s}, {"faces", std::move(list)}});
  }
  faces_seen_ += seen;
  faces_looking_ += looking;
  score_sum_ += score_sum;
  segments_.push_back({{"index", input.segment.index}, {"t0", input.segment.t0}, {"t1", input.segment.t1},
                       {"faces_seen", seen},
                       {"looking_share", seen > 0 ? nlohmann::json(static_cast<double>(looking) / seen) : nlohmann::json()},
                       {"mean_score", seen > 0 ? nlohmann::json(score_sum / seen) : nlohmann::json()},
                       {"detections", std::move(detections)}});
}

nlohmann::json EyeContactAnalyzer::finish() {
  const nlohmann::json summary = {
      {"faces_seen", faces_seen_},
      {"looking_share", faces_seen_ > 0 ? nlohmann::json(static_cast<double>(faces_looking_) / faces_seen_) : nlohmann::json()},
      {"mean_score", faces_seen_ > 0 ? nlohmann::json(score_sum_ / faces_seen_) : nlohmann::json()}};
  return {{"status", "ok"},
          {"method", detector_ ? detector_->method() : "haar"},
          {"estimate", "heuristic"},
          {"looking_threshold", config_.looking_threshold},
          {"summary", summary},
          {"segments", segments_}};
}

}  // namespace vidscope::analyzers
