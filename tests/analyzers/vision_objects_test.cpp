// objects: YOLO decoding (both layouts, letterbox mapping, threshold, class-wise NMS) on the tiny constant
// detectors from scripts/gen-tiny-onnx.py, and the skip / error behaviour.
#include <algorithm>
#include <filesystem>
#include <fstream>

#include "analyzers/objects.h"
#include "analyzers/registry.h"
#include "analyzers/settings_reader.h"
#include "analyzers/vision_test_support.h"
#include "analyzers/yolo_decode.h"

namespace vidscope::analyzers {
namespace {

using testing::error_kind_of;
using testing::model_path;
using testing::run_one_segment;

// The generator's boxes in 64x64 input pixels; a 128x128 frame letterboxes at scale 0.5 with no padding,
// so frame pixels are input pixels x 2. Normalised: / 128.
struct ExpectedBox {
  int class_id;
  const char* label;
  double confidence, cx, cy, w, h;
};
const std::vector<ExpectedBox> kExpected = {
    {1, "car", 0.855, 48, 44, 12, 20},   // highest confidence first
    {0, "person", 0.81, 20, 20, 16, 16},
    {1, "car", 0.72, 21, 21, 16, 16},    // overlaps the person box but is another class: NMS keeps it
};

nlohmann::json detector_settings(const std::string& model) {
  return {{"model", model_path(model)}, {"classes_file", model_path("classes.txt")}, {"input_size", 64}};
}

void expect_fixed_boxes(const nlohmann::json& result) {
  ASSERT_EQ(result.at("status"), "ok") << result.dump(2);
  const nlohmann::json& detections = result.at("segments").at(0).at("frames").at(0).at("detections");
  ASSERT_EQ(detections.size(), kExpected.size()) << detections.dump(2);
  for (size_t i = 0; i < kExpected.size(); ++i) {
    const ExpectedBox& e = kExpected[i];
    const nlohmann::json& d = detections[i];
    EXPECT_EQ(d.at("class_id"), e.class_id) << i;
    EXPECT_EQ(d.at("label"), e.label) << i;
    EXPECT_NEAR(d.at("confidence").get<double>(), e.confidence, 1e-5) << i;  // float products
    const std::vector<double> box = d.at("box");
    // Exact arithmetic on small integers; 1e-6 covers float storage.
    EXPECT_NEAR(box[0], (e.cx - e.w / 2) * 2 / 128, 1e-6) << i;
    EXPECT_NEAR(box[1], (e.cy - e.h / 2) * 2 / 128, 1e-6) << i;
    EXPECT_NEAR(box[2], e.w * 2 / 128, 1e-6) << i;
    EXPECT_NEAR(box[3], e.h * 2 / 128, 1e-6) << i;
  }
  EXPECT_EQ(result.at("segments").at(0).at("counts").at("car"), 2);
  EXPECT_EQ(result.at("summary").at("person").at("max_count"), 1);
}

cv::Mat grey_frame() { return cv::Mat(128, 128, CV_8UC3, cv::Scalar(90, 90, 90)); }

TEST(VisionObjects, Yolov5LayoutDecodesThresholdsAndSuppresses) {
  ObjectsAnalyzer analyzer;
  const auto result = run_one_segment(analyzer, {grey_frame()}, detector_settings("yolov5_fixed.onnx"));
  EXPECT_EQ(result.at("layout"), "yolov5");
  expect_fixed_boxes(result);
}

TEST(VisionObjects, Yolov8LayoutGivesTheSameBoxes) {
  ObjectsAnalyzer analyzer;
  const auto result = run_one_segment(analyzer, {grey_frame()}, detector_settings("yolov8_fixed.onnx"));
  EXPECT_EQ(result.at("layout"), "yolov8");
  expect_fixed_boxes(result);
}

TEST(VisionObjects, LowerThresholdKeepsTheWeakBoxAndLooserNmsKeepsTheDuplicate) {
  ObjectsAnalyzer analyzer;
  nlohmann::json settings = detector_settings("yolov5_fixed.onnx");
  settings["confidence"] = 0.1;  // the 0.18 box passes
  settings["nms_iou"] = 0.9;     // the duplicate overlaps with IoU 225/287 = 0.78 < 0.9: kept
  const auto result = run_one_segment(analyzer, {grey_frame()}, settings);
  EXPECT_EQ(result.at("segments").at(0).at("frames").at(0).at("detections").size(), 5u) << result.dump(2);
}

TEST(VisionObjects, LetterboxPaddingIsUndone) {
  // One YOLOv5 row: a box centred at (32, 40) in a 64x64 input, 16x8 big, objectness 1, score 0.9.
  cv::Mat output(std::vector<int>{1, 1, 6}, CV_32F);
  const float row[6] = {32, 40, 16, 8, 1.0f, 0.9f};
  std::copy(row, row + 6, output.ptr<float>());
  LetterboxGeometry geometry;
  const cv::Mat input = letterbox(cv::Mat(64, 128, CV_8UC3, cv::Scalar::all(0)), 64, &geometry);
  ASSERT_EQ(input.size(), cv::Size(64, 64));
  EXPECT_DOUBLE_EQ(geometry.scale, 0.5);
  EXPECT_DOUBLE_EQ(geometry.pad_y, 16);
  YoloDecodeOptions options;
  options.layout = YoloLayout::kYolov5;
  const auto detections = decode_yolo(output, geometry, cv::Size(128, 64), options, "test");
  ASSERT_EQ(detections.size(), 1u);
  // Source = (input - pad) / scale: centre (64, 48), size 32x16.
  EXPECT_DOUBLE_EQ(detections[0].box.x, 48);
  EXPECT_DOUBLE_EQ(detections[0].box.y, 40);
  EXPECT_DOUBLE_EQ(detections[0].box.width, 32);
  EXPECT_DOUBLE_EQ(detections[0].box.height, 16);
}

TEST(VisionObjects, LayoutFromShape) {
  EXPECT_EQ(resolve_yolo_layout(cv::Mat(std::vector<int>{1, 8400, 85}, CV_32F), YoloLayout::kAuto, "m"), YoloLayout::kYolov5);
  EXPECT_EQ(resolve_yolo_layout(cv::Mat(std::vector<int>{1, 84, 8400}, CV_32F), YoloLayout::kAuto, "m"), YoloLayout::kYolov8);
  EXPECT_EQ(error_kind_of([] { resolve_yolo_layout(cv::Mat(std::vector<int>{1, 7, 7}, CV_32F), YoloLayout::kAuto, "m"); }),
            ErrorKind::kInput);
  EXPECT_EQ(error_kind_of([] { resolve_yolo_layout(cv::Mat(4, 4, CV_32F), YoloLayout::kAuto, "m"); }), ErrorKind::kInput);
  EXPECT_EQ(resolve_yolo_layout(cv::Mat(std::vector<int>{1, 7, 7}, CV_32F), YoloLayout::kYolov8, "m"), YoloLayout::kYolov8);
}

TEST(VisionObjects, WithoutModelIsSkippedAndAsksForNoFrames) {
  ObjectsAnalyzer analyzer;
  AnalyzerContext context;
  EXPECT_FALSE(analyzer.needs(context).frames.has_value());
  const auto result = run_one_segment(analyzer, {grey_frame()}, nlohmann::json::object());
  EXPECT_EQ(result.at("status"), "skipped");
  EXPECT_NE(result.at("reason").get<std::string>().find("model"), std::string::npos);
  EXPECT_FALSE(result.contains("segments"));
}

TEST(VisionObjects, BadModelFilesAreInputErrors) {
  ObjectsAnalyzer analyzer;
  AnalyzerContext context;
  context.settings = {{"model", model_path("missing.onnx")}};
  EXPECT_EQ(error_kind_of([&] { analyzer.begin(context); }), ErrorKind::kInput);
  context.settings = {{"model", model_path("classes.txt")}};  // not a model
  EXPECT_EQ(error_kind_of([&] { analyzer.begin(context); }), ErrorKind::kInput);

  const auto three_names = std::filesystem::temp_directory_path() / "vidscope_three_classes.txt";
  std::ofstream(three_names) << "a\nb\nc\n";
  ObjectsAnalyzer mismatched;
  nlohmann::json settings = detector_settings("yolov5_fixed.onnx");
  settings["classes_file"] = three_names.string();
  EXPECT_EQ(error_kind_of([&] { run_one_segment(mismatched, {grey_frame()}, settings); }), ErrorKind::kInput);
  std::filesystem::remove(three_names);
}

TEST(VisionObjects, UnknownSettingIsUsageError) {
  EXPECT_EQ(error_kind_of([] { parse_objects_settings({{"modle", "x.onnx"}}); }), ErrorKind::kUsage);
  EXPECT_EQ(error_kind_of([] { parse_objects_settings({{"model", 3}}); }), ErrorKind::kUsage);
}

}  // namespace
}  // namespace vidscope::analyzers

namespace vidscope::analyzers {
namespace {

TEST(VisionRegistry, TheSixAnalyzersAreListedEnabledAndDeclareTheirFrames) {
  const std::vector<std::string> names = default_analyzer_names();
  for (const char* name : {"text_overlay", "faces", "eye_contact", "objects", "segmentation", "age_estimation"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
    const auto analyzer = create_analyzer(name);
    EXPECT_EQ(analyzer->name(), name);
    const AnalyzerNeeds needs = analyzer->needs(AnalyzerContext{});
    const bool model_based = std::string(name) == "objects" || std::string(name) == "segmentation" ||
                             std::string(name) == "age_estimation";
    // Without a model the model-based analyzers ask for nothing; the others always need frames.
    EXPECT_EQ(needs.frames.has_value(), !model_based) << name;
  }
  const AnalyzerNeeds text = create_analyzer("text_overlay")->needs(AnalyzerContext{});
  EXPECT_EQ(text.frames->mode, media::SampleMode::kFps);
  EXPECT_DOUBLE_EQ(text.frames->fps, 2.0);
  EXPECT_EQ(text.frames->max_width, 1280);
  EXPECT_EQ(text.frames->quality, media::ResizeQuality::kBicubic);
  EXPECT_GT(text.resources.ram_bytes, 64 * kMiB);
}

TEST(VisionSettings, TextGetterReadsStringsAndRejectsOtherTypes) {
  SettingsReader reader("x", {{"path", "a.onnx"}, {"number", 3}});
  EXPECT_EQ(reader.text("path", ""), "a.onnx");
  EXPECT_EQ(reader.text("absent", "fallback"), "fallback");
  EXPECT_EQ(testing::error_kind_of([&] { reader.text("number", ""); }), ErrorKind::kUsage);
}

}  // namespace
}  // namespace vidscope::analyzers
