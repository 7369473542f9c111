#pragma once
// segmentation: a user-supplied semantic segmentation ONNX model (output [1, C, H, W] class logits) run
// with OpenCV DNN; reports the share of the picture whose most likely class is the person class.
// Without a configured model it reports {"status": "skipped"}. See docs/analyzers.md.
#include <string>

#include <opencv2/dnn.hpp>

#include "analyzers/analyzer.h"
#include "analyzers/onnx_model.h"

namespace vidscope::analyzers {

struct SegmentationConfig {
  std::string model;
  int input_size = 512;
  int person_class = 15;  // PASCAL VOC's "person", the usual DeepLab/FCN label set
  BlobOptions blob;
  int frames_per_segment = 3;
};

SegmentationConfig parse_segmentation_settings(const nlohmann::json& settings);

// Share of pixels whose arg-max class is `person_class` in a [1, C, H, W] float output. Throws
// Error(kInput) naming `model` for another shape or a person_class >= C.
double person_share(const cv::Mat& output, int person_class, const std::string& model);

class SegmentationAnalyzer final : public Analyzer {
 public:
  std::string name() const override { return "segmentation"; }
  std::string description() const override;
  AnalyzerNeeds needs(const AnalyzerContext& context) const override;
  void begin(const AnalyzerContext& context) override;
  void process(const SegmentInput& input) override;
  nlohmann::json finish() override;

 private:
  SegmentationConfig config_;
  cv::dnn::Net net_;
  nlohmann::json segments_ = nlohmann::json::array();
  int frames_analyzed_ = 0;
  int frames_with_person_ = 0;
  double share_sum_ = 0;
};

}  // namespace vidscope::analyzers
