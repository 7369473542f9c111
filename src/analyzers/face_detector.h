#pragma once
// Face (and eye) detection shared by faces, eye_contact and age_estimation: OpenCV's Haar cascades from
// Debian's opencv-data by default, or YuNet (cv::FaceDetectorYN) when the user gives its ONNX file.
// One instance per analyzer instance: cascades and YuNet are not safe to share between threads.
#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/objdetect.hpp>

#include "analyzers/settings_reader.h"

namespace vidscope::analyzers {

// Debian's opencv-data install locations.
inline constexpr char kDefaultFaceCascade[] = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml";
inline constexpr char kDefaultEyeCascade[] = "/usr/share/opencv4/haarcascades/haarcascade_eye.xml";

struct FaceDetectorConfig {
  std::string face_cascade = kDefaultFaceCascade;
  std::string yunet_model;          // "" = Haar cascade
  double min_face_ratio = 0.05;     // smallest face side as a share of the picture's shorter side
  int min_neighbors = 5;            // Haar: overlapping hits needed (higher = fewer false faces)
  double scale_factor = 1.1;        // Haar: pyramid step
  double yunet_score = 0.6;         // YuNet: minimum face score
};

// Reads the detector keys (face_cascade, yunet_model, min_face_ratio, min_neighbors, scale_factor,
// yunet_score) from `reader`; the caller reads its own keys and calls reject_unknown_keys().
FaceDetectorConfig read_face_detector_settings(SettingsReader& reader);

struct DetectedFace {
  cv::Rect box;               // picture pixels, clipped to the picture
  float score = 1.0f;         // YuNet's score; 1 for Haar (which has none)
  // YuNet only: right eye, left eye, nose tip, right and left mouth corner (from the viewer: the
  // subject's right eye is on the picture's left).
  std::optional<std::array<cv::Point2f, 5>> landmarks;
};

class FaceDetector {
 public:
  // Loads the cascade or YuNet. Throws Error(kInput) naming `analyzer` and the file when it is missing
  // or not loadable.
  FaceDetector(const std::string& analyzer, const FaceDetectorConfig& config);
  ~FaceDetector();
  FaceDetector(const FaceDetector&) = delete;
  FaceDetector& operator=(const FaceDetector&) = delete;

  // "haar" or "yunet".
  std::string method() const;
  // Faces in an RGB CV_8UC3 picture, largest first.
  std::vector<DetectedFace> detect(const cv::Mat& rgb);

 private:
  FaceDetectorConfig config_;
  cv::CascadeClassifier cascade_;
  cv::Ptr<cv::FaceDetectorYN> yunet_;
};

// Eyes inside one face with the Haar eye cascade, searched in the upper 60% of the face; picture
// pixels, at most the two largest, left to right. Loads nothing itself: `eyes` must be loaded.
std::vector<cv::Rect> detect_eyes(cv::CascadeClassifier& eyes, const cv::Mat& gray, const cv::Rect& face);

// Loads a cascade file; throws Error(kInput) naming `analyzer` and the path when it cannot.
cv::CascadeClassifier load_cascade(const std::string& analyzer, const std::string& path);

}  // namespace vidscope::analyzers
