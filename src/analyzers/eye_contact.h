#pragma once
// eye_contact: for each frontal face, the eyes found and a looking-at-camera estimate. A heuristic, not a
// gaze model: a face seen frontally with both eyes level and centred about the face's midline is taken
// as facing the camera (the same kind of cue MediaPipe's face-mesh blendshapes give). See
// docs/analyzers.md for the score formula.
#include <memory>
#include <vector>

#include <opencv2/objdetect.hpp>

#include "analyzers/analyzer.h"
#include "analyzers/face_detector.h"
#include "analyzers/shared_face_detections.h"

namespace vidscope::analyzers {

struct EyeContactConfig {
  FaceDetectorConfig detector;
  std::string eye_cascade = kDefaultEyeCascade;
  double looking_threshold = 0.75;
  int frames_per_segment = 2;
  int max_size = 480;
};

// Throws Error(kUsage) for unknown keys or bad values.
EyeContactConfig parse_eye_contact_settings(const nlohmann::json& settings);

// What one face's eyes say. `score` in [0, 1].
struct EyeContactEstimate {
  int eyes_found = 0;
  std::vector<cv::Rect> eyes;  // Haar only
  double score = 0;
};

// Scores from the eye boxes found inside `face` (Haar): 0 eyes 0.1, one eye 0.35, two eyes
// 0.5 + 0.25 * centring + 0.25 * levelness (each 1 when perfect, falling to 0 at an offset of 15% of the
// face width / a tilt of 10% of the face height).
double score_from_eyes(const cv::Rect& face, const std::vector<cv::Rect>& eyes);
// Scores from YuNet landmarks: 0.5 + 0.25 * (nose centred between the eyes: 0 at 30% of the eye distance)
// + 0.25 * levelness.
double score_from_landmarks(const cv::Rect& face, const std::array<cv::Point2f, 5>& landmarks);

class EyeContactAnalyzer final : public Analyzer {
 public:
  // Detections of its own, or shared with the run's other face analyzers (shared_face_detections.h).
  explicit EyeContactAnalyzer(std::shared_ptr<SharedFaceDetections> detections = std::make_shared<SharedFaceDetections>())
      : detections_(std::move(detections)) {}
  std::string name() const override { return "eye_contact"; }
  std::string description() const override;
  AnalyzerNeeds needs(const AnalyzerContext& context) const override;
  void begin(const AnalyzerContext& context) override;
  void process(const SegmentInput& input) override;
  nlohmann::json finish() override;

 private:
  EyeContactEstimate estimate(const cv::Mat& gray, const DetectedFace& face);

  EyeContactConfig config_;
  std::unique_ptr<FaceDetector> detector_;
  std::shared_ptr<SharedFaceDetections> detections_;
  cv::CascadeClassifier eyes_;
  nlohmann::json segments_ = nlohmann::json::array();
  int faces_seen_ = 0;
  int faces_looking_ = 0;
  double score_sum_ = 0;
};

}  // namespace vidscope::analyzers
