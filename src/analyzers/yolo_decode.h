#pragma once
// Pre- and post-processing for YOLO-style ONNX detectors (the objects analyzer): letterboxing into the
// model's square input, decoding the two common output layouts, and class-wise non-maximum suppression.
// Pure functions on cv::Mat, thread-safe.
//
// Layouts (batch 1, float):
//   YOLOv5: [1, N, 5 + C], each row cx, cy, w, h, objectness, C class scores; confidence = obj * score.
//   YOLOv8: [1, 4 + C, N], each column cx, cy, w, h, C class scores; confidence = score.
// Boxes are in input pixels (the letterboxed square). In auto mode the layout is read from the shape:
// real models have far more candidates than attributes (8400 vs 84), so the longer axis holds N.
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace vidscope::analyzers {

enum class YoloLayout { kAuto, kYolov5, kYolov8 };

// Where the source picture lies in the letterboxed input: input = source * scale + pad.
struct LetterboxGeometry {
  double scale = 1.0;
  double pad_x = 0;
  double pad_y = 0;
  int input_size = 0;
};

// `rgb` scaled to fit input_size x input_size (aspect kept, bicubic), centred on grey (114, as YOLO does).
cv::Mat letterbox(const cv::Mat& rgb, int input_size, LetterboxGeometry* geometry);

struct Detection {
  int class_id = 0;
  float confidence = 0;
  cv::Rect2d box;  // source picture pixels, clipped to the picture
};

struct YoloDecodeOptions {
  YoloLayout layout = YoloLayout::kAuto;
  float confidence_threshold = 0.25f;
  float nms_iou = 0.45f;
  int max_detections = 100;
};

// The layout `output` has. Throws Error(kInput) naming `model` when the shape fits neither layout (not
// 3-D with batch 1, or too few attributes) or, in auto mode, when both axes are equally long.
YoloLayout resolve_yolo_layout(const cv::Mat& output, YoloLayout requested, const std::string& model);

// Candidates at or above the threshold, mapped back to the source picture, NMS'd per class (a box only
// suppresses boxes of its own class), highest confidence first.
std::vector<Detection> decode_yolo(const cv::Mat& output, const LetterboxGeometry& geometry, cv::Size source,
                                   const YoloDecodeOptions& options, const std::string& model);

}  // namespace vidscope::analyzers
