#pragma once
// faces: frontal faces on a few frames per segment with OpenCV's Haar cascade (Debian opencv-data) or,
// when the setting yunet_model names its ONNX file, YuNet (cv::FaceDetectorYN): counts, normalised
// boxes and the largest face's share of the screen. See docs/analyzers.md.
#include <memory>

#include "analyzers/analyzer.h"
#include "analyzers/face_detector.h"
#include "analyzers/shared_face_detections.h"

namespace vidscope::analyzers {

struct FacesConfig {
  FaceDetectorConfig detector;
  int frames_per_segment = 2;
  int max_size = 480;
};

// Throws Error(kUsage) for unknown keys or bad values.
FacesConfig parse_faces_settings(const nlohmann::json& settings);

class FacesAnalyzer final : public Analyzer {
 public:
  // Detections of its own, or shared with the run's other face analyzers (shared_face_detections.h).
  explicit FacesAnalyzer(std::shared_ptr<SharedFaceDetections> detections = std::make_shared<SharedFaceDetections>())
      : detections_(std::move(detections)) {}
  std::string name() const override { return "faces"; }
  std::string description() const override;
  AnalyzerNeeds needs(const AnalyzerContext& context) const override;
  // Loads the cascade or YuNet once; throws Error(kInput) when it cannot.
  void begin(const AnalyzerContext& context) override;
  void process(const SegmentInput& input) override;
  nlohmann::json finish() override;

 private:
  FacesConfig config_;
  std::unique_ptr<FaceDetector> detector_;
  std::shared_ptr<SharedFaceDetections> detections_;
  nlohmann::json segments_ = nlohmann::json::array();
  int frames_analyzed_ = 0;
  int frames_with_faces_ = 0;
  int max_faces_ = 0;
  double largest_share_sum_ = 0;  // over frames with faces
};

}  // namespace vidscope::analyzers
