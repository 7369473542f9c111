#include "analyzers/face_detector.h"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>

#include "base/error.h"

namespace vidscope::analyzers {
namespace {

// Eyes lie in the upper part of a frontal face box; searching only there halves false eyes (nostrils,
// mouth corners).
constexpr double kEyeBandShare = 0.6;
constexpr int kYunetLandmarks = 5;
constexpr double kEyeSearchFaceWidth = 160.0;

}  // namespace

FaceDetectorConfig read_face_detector_settings(SettingsReader& reader) {
  FaceDetectorConfig config;
  config.face_cascade = reader.text("face_cascade", config.face_cascade);
  config.yunet_model = reader.text("yunet_model", config.yunet_model);
  config.min_face_ratio = reader.number("min_face_ratio", config.min_face_ratio, 0.01, 1.0);
  config.min_neighbors = reader.integer("min_neighbors", config.min_neighbors, 1, 50);
  config.scale_factor = reader.number("scale_factor", config.scale_factor, 1.01, 2.0);
  config.yunet_score = reader.number("yunet_score", config.yunet_score, 0.0, 1.0);
  return config;
}

cv::CascadeClassifier load_cascade(const std::string& analyzer, const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw_input_error(fmt::format("analyzer '{}': cascade file '{}' does not exist (Debian package opencv-data "
                                  "installs the Haar cascades)", analyzer, path));
  }
  cv::CascadeClassifier cascade;
  try {
    if (cascade.load(path) && !cascade.empty()) return cascade;
  } catch (const cv::Exception& e) {
    throw_input_error(fmt::format("analyzer '{}': cascade file '{}' cannot be loaded: {}", analyzer, path, e.what()));
  }
  throw_input_error(fmt::format("analyzer '{}': cascade file '{}' is not an OpenCV cascade", analyzer, path));
}

FaceDetector::FaceDetector(const std::string& analyzer, const FaceDetectorConfig& config) : config_(config) {
  if (config_.yunet_model.empty()) {
    cascade_ = load_cascade(analyzer, config_.face_cascade);
    return;
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(config_.yunet_model, ec)) {
    throw_input_error(fmt::format("analyzer '{}': YuNet model '{}' does not exist", analyzer, config_.yunet_model));
  }
  try {
    yunet_ = cv::FaceDetectorYN::create(config_.yunet_model, "", cv::Size(320, 320),
                                        static_cast<float>(config_.yunet_score));
  } catch (const cv::Exception& e) {
    throw_input_error(fmt::format("analyzer '{}': YuNet model '{}' cannot be loaded: {}", analyzer, config_.yunet_model,
                                  e.what()));
  }
  if (!yunet_) throw_input_error(fmt::format("analyzer '{}': YuNet model '{}' cannot be loaded", analyzer, config_.yunet_model));
}

FaceDetector::~FaceDetector() = default;

std::string FaceDetector::method() const { return yunet_ ? "yunet" : "haar"; }

std::vector<DetectedFace> FaceDetector::detect(const cv::Mat& rgb) {
  std::vector<DetectedFace> faces;
  const cv::Rect picture(0, 0, rgb.cols, rgb.rows);
  const int min_side = std::max(1, static_cast<int>(std::min(rgb.cols, rgb.rows) * config_.min_face_ratio));
  if (yunet_) {
    cv::Mat bgr;
    cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);  // YuNet was trained on B,G,R input
    cv::Mat rows;
    try {
      yunet_->setInputSize(bgr.size());
      yunet_->detect(bgr, rows);
    } catch (const cv::Exception& e) {
      throw_input_error(fmt::format("YuNet model '{}' failed on a {}x{} picture (is it a YuNet face detector?): {}",
                                    config_.yunet_model, bgr.cols, bgr.rows, e.what()));
    }
    if (!rows.empty() && (rows.type() != CV_32F || rows.cols < 15)) {
      throw_input_error(fmt::format("YuNet model '{}' returned rows of {} values, expected 15", config_.yunet_model, rows.cols));
    }
    for (int r = 0; r < rows.rows; ++r) {
      const float* v = rows.ptr<float>(r);
      DetectedFace face;
      face.box = cv::Rect(cv::Point(cvRound(v[0]), cvRound(v[1])), cv::Size(cvRound(v[2]), cvRound(v[3]))) & picture;
      if (face.box.width < min_side || face.box.height < min_side) continue;
      std::array<cv::Point2f, 5> marks;
      for (int k = 0; k < kYunetLandmarks; ++k) marks[static_cast<size_t>(k)] = cv::Point2f(v[4 + 2 * k], v[5 + 2 * k]);
      face.landmarks = marks;
      face.score = v[14];
      faces.push_back(face);
    }
  } else {
    cv::Mat gray;
    cv::cvtColor(rgb, gray, cv::COLOR_RGB2GRAY);
    cv::equalizeHist(gray, gray);
    std::vector<cv::Rect> boxes;
    cascade_.detectMultiScale(gray, boxes, config_.scale_factor, config_.min_neighbors, 0, cv::Size(min_side, min_side));
    for (const cv::Rect& box : boxes) faces.push_back({box & picture, 1.0f, std::nullopt});
  }
  std::sort(faces.begin(), faces.end(), [](const DetectedFace& a, const DetectedFace& b) { return a.box.area() > b.box.area(); });
  return faces;
}

std::vector<cv::Rect> detect_eyes(cv::CascadeClassifier& eyes, const cv::Mat& gray, const cv::Rect& face) {
  const cv::Rect band(face.x, face.y, face.width, std::max(1, static_cast<int>(face.height * kEyeBandShare)));
  const cv::Rect area = band & cv::Rect(0, 0, gray.cols, gray.rows);
  if (area.empty()) return {};
  // The eye cascade's window is 20x20 px and an eye is ~1/5 of a face's width, so faces narrower than
  // kEyeSearchFaceWidth are enlarged first; otherwise eyes of small faces are never found.
  const double scale = std::max(1.0, kEyeSearchFaceWidth / std::max(1, face.width));
  cv::Mat search = gray(area);
  if (scale > 1.0) cv::resize(search, search, cv::Size(), scale, scale, cv::INTER_CUBIC);
  const int scaled_width = static_cast<int>(face.width * scale);
  std::vector<cv::Rect> found;
  eyes.detectMultiScale(search, found, 1.1, 3, 0, cv::Size(scaled_width / 10, scaled_width / 10),
                        cv::Size(scaled_width / 2, scaled_width / 2));
  std::sort(found.begin(), found.end(), [](const cv::Rect& a, const cv::Rect& b) { return a.area() > b.area(); });
  if (found.size() > 2) found.resize(2);
  for (cv::Rect& eye : found) {
    eye = cv::Rect(area.x + cvRound(eye.x / scale), area.y + cvRound(eye.y / scale), cvRound(eye.width / scale),
                   cvRound(eye.height / scale));
  }
  std::sort(found.begin(), found.end(), [](const cv::Rect& a, const cv::Rect& b) { return a.x < b.x; });
  return found;
}

}  // namespace vidscope::analyzers
