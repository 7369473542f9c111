#include "analyzers/age_estimation.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "analyzers/frame_mat.h"
#include "analyzers/normalized_box.h"
#include "analyzers/settings_reader.h"
#include "analyzers/vision_frames.h"
#include "base/error.h"

namespace vidscope::analyzers {
namespace {
constexpr char kName[] = "age_estimation";
constexpr Bytes kActivationBytesPerInputPixel = 512;
}  // namespace

AgeEstimationConfig parse_age_estimation_settings(const nlohmann::json& settings) {
  SettingsReader reader(kName, settings);
  AgeEstimationConfig config;
  config.model = reader.text("model", "");
  config.labels_file = reader.text("labels_file", "");
  config.output_is_probability = reader.choice("output", "logits", {"logits", "probabilities"}) == "probabilities";
  config.input_size = reader.integer("input_size", config.input_size, 8, 2048);
  config.face_margin = reader.number("face_margin", config.face_margin, 0, 1);
  config.blob.scale = reader.number("input_scale", config.blob.scale, 1e-6, 1e6);
  config.blob.mean = reader.number("input_mean", config.blob.mean, -1e6, 1e6);
  config.blob.swap_rb = reader.boolean("swap_rb", config.blob.swap_rb);
  config.detector = read_face_detector_settings(reader);
  config.frames_per_segment = reader.integer("frames_per_segment", config.frames_per_segment, 1, 64);
  config.max_size = reader.integer("max_size", config.max_size, 64, 4096);
  reader.reject_unknown_keys();
  return config;
}

std::vector<double> class_probabilities(const cv::Mat& output, bool is_probability, const std::string& model) {
  if (output.empty() || output.type() != CV_32F) {
    throw_input_error(fmt::format("age model '{}' must output float class scores [1, K]", model));
  }
  const cv::Mat flat = output.reshape(1, 1);
  std::vector<double> values(flat.begin<float>(), flat.end<float>());
  if (is_probability) return values;
  const double top = *std::max_element(values.begin(), values.end());
  double sum = 0;
  for (double& v : values) sum += (v = std::exp(v - top));  // shifted for overflow safety
  for (double& v : values) v /= sum;
  return values;
}

std::string AgeEstimationAnalyzer::description() const {
  return "age bracket per face from a user-supplied ONNX crop classifier; skipped without a model";
}

AnalyzerNeeds AgeEstimationAnalyzer::needs(const AnalyzerContext& context) const {
  const AgeEstimationConfig config = parse_age_estimation_settings(context.settings);
  if (config.model.empty()) return {};
  AnalyzerNeeds needs = face_analyzer_needs(config.detector, config.frames_per_segment, config.max_size);
  const Bytes pixels = static_cast<Bytes>(config.input_size) * static_cast<Bytes>(config.input_size);
  needs.resources.ram_bytes += file_bytes(config.model) * 2 + pixels * kActivationBytesPerInputPixel;
  needs.model = "age_classifier";
  return needs;
}

void AgeEstimationAnalyzer::begin(const AnalyzerContext& context) {
  config_ = parse_age_estimation_settings(context.settings);
  segments_ = nlohmann::json::array();
  bracket_counts_.clear();
  labels_.clear();
  faces_classified_ = 0;
  if (config_.model.empty()) return;
  net_ = load_onnx_model(kName, config_.model);
  if (!config_.labels_file.empty()) labels_ = read_label_file(kName, config_.labels_file);
  detector_ = std::make_unique<FaceDetector>(kName, config_.detector);
}

std::string AgeEstimationAnalyzer::label_of(size_t bracket) const {
  return bracket < labels_.size() ? labels_[bracket] : fmt::format("bracket_{}", bracket);
}

void AgeEstimationAnalyzer::process(const SegmentInput& input) {
  if (config_.model.empty()) return;
  nlohmann::json detections = nlohmann::json::array();
  for (const media::FramePtr& frame : input.frames) {
    if (!frame) continue;
    const cv::Mat rgb = view_rgb(*frame);
    nlohmann::json faces = nlohmann::json::array();
    for (const DetectedFace& face : detector_->detect(rgb)) {
      const int dx = static_cast<int>(face.box.width * config_.face_margin);
      const int dy = static_cast<int>(face.box.height * config_.face_margin);
      const cv::Rect crop = cv::Rect(face.box.x - dx, face.box.y - dy, face.box.width + 2 * dx, face.box.height + 2 * dy) &
                            cv::Rect(0, 0, rgb.cols, rgb.rows);
      const cv::Mat blob = make_blob(rgb(crop), cv::Size(config_.input_size, config_.input_size), config_.blob);
      const std::vector<double> p =
          class_probabilities(run_model(net_, blob, kName, config_.model), config_.output_is_probability, config_.model);
      if (!labels_.empty() && labels_.size() != p.size()) {
        throw_input_error(fmt::format("analyzer '{}': label file '{}' has {} brackets but model '{}' outputs {}", kName,
                                      config_.labels_file, labels_.size(), config_.model, p.size()));
      }
      const size_t best = static_cast<size_t>(std::max_element(p.begin(), p.end()) - p.begin());
      if (bracket_counts_.size() < p.size()) bracket_counts_.resize(p.size(), 0);
      ++bracket_counts_[best];
      ++faces_classified_;
      faces.push_back({{"box", normalized_box(face.box, rgb.size())}, {"bracket", best}, {"label", label_of(best)},
                       {"probability", p[best]}});
    }
    detections.push_back({{"time_s", frame->time_s}, {"faces", std::move(faces)}});
  }
  segments_.push_back({{"index", input.segment.index}, {"t0", input.segment.t0}, {"t1", input.segment.t1},
                       {"detections", std::move(detections)}});
}

nlohmann::json AgeEstimationAnalyzer::finish() {
  if (config_.model.empty()) {
    return skipped_result("no model configured: set the setting 'model' to an age classifier ONNX model (and "
                          "'labels_file' to its bracket names)");
  }
  nlohmann::json histogram = nlohmann::json::object();
  for (size_t k = 0; k < bracket_counts_.size(); ++k) {
    if (bracket_counts_[k] > 0) histogram[label_of(k)] = bracket_counts_[k];
  }
  return {{"status", "ok"},
          {"model", config_.model},
          {"face_method", detector_ ? detector_->method() : "haar"},
          {"summary", {{"faces_classified", faces_classified_}, {"brackets", histogram}}},
          {"segments", segments_}};
}

}  // namespace vidscope::analyzers
