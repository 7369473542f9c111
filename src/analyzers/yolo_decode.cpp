#include "analyzers/yolo_decode.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include "base/error.h"

namespace vidscope::analyzers {
namespace {

constexpr int kLetterboxGrey = 114;

struct Candidate {
  int class_id;
  float confidence;
  cv::Rect2d box;
};

// Reads attribute `a` of candidate `n` whatever the layout.
struct OutputView {
  const float* data;
  int candidates;
  int attributes;
  bool attribute_major;  // YOLOv8: [attributes, candidates]
  float at(int n, int a) const {
    return attribute_major ? data[static_cast<size_t>(a) * candidates + n] : data[static_cast<size_t>(n) * attributes + a];
  }
};

}  // namespace

cv::Mat letterbox(const cv::Mat& rgb, int input_size, LetterboxGeometry* geometry) {
  const double scale = std::min(static_cast<double>(input_size) / rgb.cols, static_cast<double>(input_size) / rgb.rows);
  const int width = std::max(1, static_cast<int>(std::lround(rgb.cols * scale)));
  const int height = std::max(1, static_cast<int>(std::lround(rgb.rows * scale)));
  cv::Mat resized;
  cv::resize(rgb, resized, cv::Size(width, height), 0, 0, cv::INTER_CUBIC);
  cv::Mat out(input_size, input_size, rgb.type(), cv::Scalar::all(kLetterboxGrey));
  const int pad_x = (input_size - width) / 2;
  const int pad_y = (input_size - height) / 2;
  resized.copyTo(out(cv::Rect(pad_x, pad_y, width, height)));
  *geometry = {scale, static_cast<double>(pad_x), static_cast<double>(pad_y), input_size};
  return out;
}

YoloLayout resolve_yolo_layout(const cv::Mat& output, YoloLayout requested, const std::string& model) {
  if (output.dims != 3 || output.size[0] != 1 || output.type() != CV_32F) {
    throw_input_error(fmt::format("detector '{}' must output a float [1, N, 5+C] (YOLOv5) or [1, 4+C, N] (YOLOv8) "
                                  "tensor; its output has {} dimensions", model, output.dims));
  }
  const int rows = output.size[1];
  const int cols = output.size[2];
  YoloLayout layout = requested;
  if (layout == YoloLayout::kAuto) {
    if (rows == cols) {
      throw_input_error(fmt::format("detector '{}': output [1, {}, {}] is ambiguous; set 'layout' to yolov5 or yolov8",
                                    model, rows, cols));
    }
    layout = rows > cols ? YoloLayout::kYolov5 : YoloLayout::kYolov8;
  }
  const int attributes = layout == YoloLayout::kYolov5 ? cols : rows;
  const int minimum = layout == YoloLayout::kYolov5 ? 6 : 5;
  if (attributes < minimum) {
    throw_input_error(fmt::format("detector '{}': output [1, {}, {}] has {} attributes per box, {} layout needs >= {}",
                                  model, rows, cols, attributes, layout == YoloLayout::kYolov5 ? "YOLOv5" : "YOLOv8",
                                  minimum));
  }
  return layout;
}

std::vector<Detection> decode_yolo(const cv::Mat& output, const LetterboxGeometry& geometry, cv::Size source,
                                   const YoloDecodeOptions& options, const std::string& model) {
  const YoloLayout layout = resolve_yolo_layout(output, options.layout, model);
  const bool v8 = layout == YoloLayout::kYolov8;
  const OutputView view{output.ptr<float>(), v8 ? output.size[2] : output.size[1], v8 ? output.size[1] : output.size[2], v8};
  const int first_class = v8 ? 4 : 5;
  const cv::Rect2d frame(0, 0, source.width, source.height);

  std::map<int, std::vector<Candidate>> by_class;
  for (int n = 0; n < view.candidates; ++n) {
    int best_class = 0;
    float best_score = view.at(n, first_class);
    for (int a = first_class + 1; a < view.attributes; ++a) {
      if (view.at(n, a) > best_score) {
        best_score = view.at(n, a);
        best_class = a - first_class;
      }
    }
    const float confidence = v8 ? best_score : best_score * view.at(n, 4);
    if (!(confidence >= options.confidence_threshold)) continue;  // also drops NaN
    const double w = view.at(n, 2) / geometry.scale;
    const double h = view.at(n, 3) / geometry.scale;
    const double x = (view.at(n, 0) - geometry.pad_x) / geometry.scale - w / 2;
    const double y = (view.at(n, 1) - geometry.pad_y) / geometry.scale - h / 2;
    const cv::Rect2d box = cv::Rect2d(x, y, w, h) & frame;
    if (box.area() <= 0) continue;
    by_class[best_class].push_back({best_class, confidence, box});
  }

  std::vector<Detection> kept;
  for (const auto& [class_id, candidates] : by_class) {
    std::vector<cv::Rect2d> boxes;
    std::vector<float> scores;
    for (const Candidate& c : candidates) {
      boxes.push_back(c.box);
      scores.push_back(c.confidence);
    }
    std::vector<int> indices;
    cv::dnn::NMSBoxes(boxes, scores, options.confidence_threshold, options.nms_iou, indices);
    for (int i : indices) kept.push_back({class_id, candidates[static_cast<size_t>(i)].confidence, candidates[static_cast<size_t>(i)].box});
  }
  std::stable_sort(kept.begin(), kept.end(), [](const Detection& a, const Detection& b) { return a.confidence > b.confidence; });
  if (kept.size() > static_cast<size_t>(options.max_detections)) kept.resize(static_cast<size_t>(options.max_detections));
  return kept;
}

}  // namespace vidscope::analyzers
