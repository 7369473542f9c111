#pragma once
// age_estimation: faces found as in `faces` (Haar or YuNet), each crop classified into age brackets by a
// user-supplied ONNX classifier (output [1, K] logits or probabilities), bracket names from a label
// file. Without a configured model it reports {"status": "skipped"}. See docs/analyzers.md.
#include <memory>
#include <string>
#include <vector>

#include <opencv2/dnn.hpp>

#include "analyzers/analyzer.h"
#include "analyzers/face_detector.h"
#include "analyzers/onnx_model.h"

namespace vidscope::analyzers {

struct AgeEstimationConfig {
  std::string model;
  std::string labels_file;  // one bracket name per line, in output order; "" = "bracket_<k>"
  bool output_is_probability = false;  // false: logits, softmax applied
  int input_size = 224;
  double face_margin = 0.2;  // crop grows by this share of the face size on every side
  BlobOptions blob;
  FaceDetectorConfig detector;
  int frames_per_segment = 3;
  int max_size = 640;
};

AgeEstimationConfig parse_age_estimation_settings(const nlohmann::json& settings);

// Probabilities from a classifier output of K values (any shape with K elements); softmax when
// `is_probability` is false. Throws Error(kInput) naming `model` for an empty or non-float output.
std::vector<double> class_probabilities(const cv::Mat& output, bool is_probability, const std::string& model);

class AgeEstimationAnalyzer final : public Analyzer {
 public:
  std::string name() const override { return "age_estimation"; }
  std::string description() const override;
  AnalyzerNeeds needs(const AnalyzerContext& context) const override;
  void begin(const AnalyzerContext& context) override;
  void process(const SegmentInput& input) override;
  nlohmann::json finish() override;

 private:
  std::string label_of(size_t bracket) const;

  AgeEstimationConfig config_;
  cv::dnn::Net net_;
  std::unique_ptr<FaceDetector> detector_;
  std::vector<std::string> labels_;
  std::vector<int> bracket_counts_;
  nlohmann::json segments_ = nlohmann::json::array();
  int faces_classified_ = 0;
};

}  // namespace vidscope::analyzers
