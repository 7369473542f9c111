#include "analyzers/objects.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "analyzers/frame_mat.h"
#include "analyzers/normalized_box.h"
#include "analyzers/settings_reader.h"
#include "base/error.h"

namespace vidscope::analyzers {
namespace {

constexpr char kName[] = "objects";
// OpenCV keeps every intermediate blob of a YOLO graph; measured peaks are a few hundred bytes per input
// pixel for YOLOv5s/YOLOv8n, so this is a generous estimate per input pixel.
constexpr Bytes kActivationBytesPerInputPixel = 256;

YoloLayout parse_layout(const std::string& text) {
  if (text == "yolov5") return YoloLayout::kYolov5;
  if (text == "yolov8") return YoloLayout::kYolov8;
  return YoloLayout::kAuto;
}

}  // namespace

ObjectsConfig parse_objects_settings(const nlohmann::json& settings) {
  SettingsReader reader(kName, settings);
  ObjectsConfig config;
  config.model = reader.text("model", "");
  config.classes_file = reader.text("classes_file", "");
  config.input_size = reader.integer("input_size", config.input_size, 32, 4096);
  config.decode.layout = parse_layout(reader.choice("layout", "auto", {"auto", "yolov5", "yolov8"}));
  config.decode.confidence_threshold = static_cast<float>(reader.number("confidence", 0.25, 0, 1));
  config.decode.nms_iou = static_cast<float>(reader.number("nms_iou", 0.45, 0, 1));
  config.decode.max_detections = reader.integer("max_detections", config.decode.max_detections, 1, 10000);
  config.blob.scale = reader.number("input_scale", config.blob.scale, 1e-6, 1e6);
  config.blob.mean = reader.number("input_mean", config.blob.mean, -1e6, 1e6);
  config.blob.swap_rb = reader.boolean("swap_rb", config.blob.swap_rb);
  config.frames_per_segment = reader.integer("frames_per_segment", config.frames_per_segment, 1, 64);
  reader.reject_unknown_keys();
  return config;
}

std::string ObjectsAnalyzer::description() const {
  return "objects from a user-supplied YOLOv5/YOLOv8 ONNX detector (OpenCV DNN); skipped without a model";
}

AnalyzerNeeds ObjectsAnalyzer::needs(const AnalyzerContext& context) const {
  const ObjectsConfig config = parse_objects_settings(context.settings);
  AnalyzerNeeds needs;
  if (config.model.empty()) return needs;  // skipped: no frames, no memory
  needs.frames = media::frames_per_segment(config.frames_per_segment, config.input_size, media::ResizeQuality::kBicubic);
  needs.model = "object_detector";
  const Bytes pixels = static_cast<Bytes>(config.input_size) * static_cast<Bytes>(config.input_size);
  needs.resources.ram_bytes = file_bytes(config.model) * 2 + pixels * kActivationBytesPerInputPixel;
  needs.resources.threads = 1;
  return needs;
}

void ObjectsAnalyzer::begin(const AnalyzerContext& context) {
  config_ = parse_objects_settings(context.settings);
  segments_ = nlohmann::json::array();
  summary_ = nlohmann::json::object();
  frames_analyzed_ = 0;
  layout_name_.clear();
  labels_.clear();
  if (config_.model.empty()) return;
  net_ = load_onnx_model(kName, config_.model);
  if (!config_.classes_file.empty()) labels_ = read_label_file(kName, config_.classes_file);
}

std::string ObjectsAnalyzer::label_of(int class_id) const {
  if (class_id >= 0 && static_cast<size_t>(class_id) < labels_.size()) return labels_[static_cast<size_t>(class_id)];
  return fmt::format("class_{}", class_id);
}

nlohmann::json ObjectsAnalyzer::detect(const media::Frame& frame) {
  const cv::Mat rgb = view_rgb(frame);
  LetterboxGeometry geometry;
  const cv::Mat input = letterbox(rgb, config_.input_size, &geometry);
  const cv::Mat output = run_model(net_, make_blob(input, input.size(), config_.blob), kName, config_.model);
  const YoloLayout layout = resolve_yolo_layout(output, config_.decode.layout, config_.model);
  const int classes = layout == YoloLayout::kYolov5 ? output.size[2] - 5 : output.size[1] - 4;
  if (!labels_.empty() && static_cast<int>(labels_.size()) != classes) {
    throw_input_error(fmt::format("analyzer '{}': class file '{}' has {} names but model '{}' outputs {} classes", kName,
                                  config_.classes_file, labels_.size(), config_.model, classes));
  }
  layout_name_ = layout == YoloLayout::kYolov5 ? "yolov5" : "yolov8";
  YoloDecodeOptions options = config_.decode;
  options.layout = layout;
  const std::vector<Detection> detections = decode_yolo(output, geometry, rgb.size(), options, config_.model);

  nlohmann::json list = nlohmann::json::array();
  std::map<std::string, int> counts;
  for (const Detection& d : detections) {
    const std::string label = label_of(d.class_id);
    list.push_back({{"class_id", d.class_id}, {"label", label}, {"confidence", d.confidence},
                    {"box", normalized_box(d.box, rgb.size())}});
    ++counts[label];
    nlohmann::json& entry = summary_[label];
    if (entry.is_null()) entry = {{"frames", 0}, {"max_count", 0}, {"max_confidence", 0.0}};
    entry["max_confidence"] = std::max(entry["max_confidence"].get<double>(), static_cast<double>(d.confidence));
  }
  for (const auto& [label, count] : counts) {
    nlohmann::json& entry = summary_[label];
    entry["frames"] = entry["frames"].get<int>() + 1;
    entry["max_count"] = std::max(entry["max_count"].get<int>(), count);
  }
  ++frames_analyzed_;
  return {{"time_s", frame.time_s}, {"detections", std::move(list)}};
}

void ObjectsAnalyzer::process(const SegmentInput& input) {
  if (config_.model.empty()) return;
  nlohmann::json frames = nlohmann::json::array();
  std::map<std::string, int> max_counts;
  for (const media::FramePtr& frame : input.frames) {
    if (!frame) continue;
    nlohmann::json result = detect(*frame);
    std::map<std::string, int> counts;
    for (const nlohmann::json& d : result["detections"]) ++counts[d["label"].get<std::string>()];
    for (const auto& [label, count] : counts) max_counts[label] = std::max(max_counts[label], count);
    frames.push_back(std::move(result));
  }
  segments_.push_back({{"index", input.segment.index}, {"t0", input.segment.t0}, {"t1", input.segment.t1},
                       {"counts", max_counts}, {"frames", std::move(frames)}});
}

nlohmann::json ObjectsAnalyzer::finish() {
  if (config_.model.empty()) {
    return skipped_result("no model configured: set the setting 'model' to a YOLOv5 or YOLOv8 ONNX detector");
  }
  return {{"status", "ok"},
          {"model", config_.model},
          {"layout", layout_name_.empty() ? nlohmann::json(nullptr) : nlohmann::json(layout_name_)},
          {"frames_analyzed", frames_analyzed_},
          {"segments", segments_},
          {"summary", summary_},
          {"params", {{"input_size", config_.input_size},
                      {"confidence", config_.decode.confidence_threshold},
                      {"nms_iou", config_.decode.nms_iou},
                      {"max_detections", config_.decode.max_detections},
                      {"frames_per_segment", config_.frames_per_segment}}}};
}

}  // namespace vidscope::analyzers
