#pragma once
// objects: a user-supplied YOLOv5/YOLOv8 ONNX detector run with OpenCV DNN on a few frames per segment
// (letterbox, confidence threshold, class-wise NMS; yolo_decode.h). Without a configured model it
// reports {"status": "skipped"}. See docs/analyzers.md.
#include <string>
#include <vector>

#include <opencv2/dnn.hpp>

#include "analyzers/analyzer.h"
#include "analyzers/onnx_model.h"
#include "analyzers/yolo_decode.h"

namespace vidscope::analyzers {

struct ObjectsConfig {
  std::string model;         // "" = not configured
  std::string classes_file;  // one class name per line; "" = names "class_<id>"
  int input_size = 640;
  YoloDecodeOptions decode;
  BlobOptions blob;
  int frames_per_segment = 3;
};

// Throws Error(kUsage) for unknown keys or bad values.
ObjectsConfig parse_objects_settings(const nlohmann::json& settings);

class ObjectsAnalyzer final : public Analyzer {
 public:
  std::string name() const override { return "objects"; }
  std::string description() const override;
  AnalyzerNeeds needs(const AnalyzerContext& context) const override;
  // Loads the model and class names; throws Error(kInput) when a configured file is unusable.
  void begin(const AnalyzerContext& context) override;
  void process(const SegmentInput& input) override;
  nlohmann::json finish() override;

 private:
  std::string label_of(int class_id) const;
  nlohmann::json detect(const media::Frame& frame);

  ObjectsConfig config_;
  cv::dnn::Net net_;
  std::vector<std::string> labels_;
  std::string layout_name_;
  int frames_analyzed_ = 0;
  nlohmann::json segments_ = nlohmann::json::array();
  nlohmann::json summary_ = nlohmann::json::object();  // label -> {frames, max_count, max_confidence}
};

}  // namespace vidscope::analyzers
