// segmentation and age_estimation: post-processing proven with the tiny generated models
// (scripts/gen-tiny-onnx.py), plus the skip and error behaviour.
#include <cmath>

#include "analyzers/age_estimation.h"
#include "analyzers/segmentation.h"
#include "analyzers/vision_test_support.h"

namespace vidscope::analyzers {
namespace {

using testing::astronaut_rgb;
using testing::error_kind_of;
using testing::model_path;
using testing::run_one_segment;

// Blue picture with a red rectangle covering `share` of its width (full height): the generated
// segmentation model's "person" logit is the red channel, its background logit the blue one.
cv::Mat red_on_blue(int red_columns) {
  cv::Mat rgb(128, 128, CV_8UC3, cv::Scalar(0, 0, 255));
  cv::rectangle(rgb, cv::Rect(0, 0, red_columns, 128), cv::Scalar(255, 0, 0), cv::FILLED);
  return rgb;
}

nlohmann::json segmentation_settings() {
  return {{"model", model_path("segmentation_rb.onnx")}, {"input_size", 64}, {"person_class", 0}};
}

TEST(VisionSegmentation, PersonShareFollowsTheMask) {
  SegmentationAnalyzer analyzer;
  const auto result = run_one_segment(analyzer, {red_on_blue(32), red_on_blue(96), red_on_blue(0)}, segmentation_settings());
  ASSERT_EQ(result.at("status"), "ok") << result.dump(2);
  const auto& frames = result.at("segments").at(0).at("frames");
  ASSERT_EQ(frames.size(), 3u);
  // 128 -> 64 columns: the red edge lands between two input columns; bilinear blending can move the
  // arg-max boundary by one column = 1/64.
  EXPECT_NEAR(frames[0].at("person_share").get<double>(), 0.25, 1.0 / 64);
  EXPECT_NEAR(frames[1].at("person_share").get<double>(), 0.75, 1.0 / 64);
  EXPECT_EQ(frames[2].at("person_share").get<double>(), 0.0);
  EXPECT_NEAR(result.at("segments").at(0).at("person_share").get<double>(), (0.25 + 0.75) / 3, 1.0 / 64);
  EXPECT_EQ(result.at("summary").at("frames_with_person"), 2);
}

TEST(VisionSegmentation, ArgmaxOverClasses) {
  // [1, 3, 1, 2]: pixel 0 -> class 2, pixel 1 -> class 1.
  cv::Mat output(std::vector<int>{1, 3, 1, 2}, CV_32F);
  const float values[6] = {0.1f, 0.0f, 0.2f, 0.9f, 0.5f, 0.3f};
  std::copy(values, values + 6, output.ptr<float>());
  EXPECT_DOUBLE_EQ(person_share(output, 2, "m"), 0.5);
  EXPECT_DOUBLE_EQ(person_share(output, 1, "m"), 0.5);
  EXPECT_DOUBLE_EQ(person_share(output, 0, "m"), 0.0);
  EXPECT_EQ(error_kind_of([&] { person_share(output, 3, "m"); }), ErrorKind::kInput);
  EXPECT_EQ(error_kind_of([] { person_share(cv::Mat(2, 2, CV_32F), 0, "m"); }), ErrorKind::kInput);
}

TEST(VisionSegmentation, MissingPersonClassIsInputError) {
  SegmentationAnalyzer analyzer;
  nlohmann::json settings = segmentation_settings();
  settings["person_class"] = 15;  // the model has 2 classes
  EXPECT_EQ(error_kind_of([&] { run_one_segment(analyzer, {red_on_blue(32)}, settings); }), ErrorKind::kInput);
}

TEST(VisionSegmentation, WithoutModelIsSkipped) {
  SegmentationAnalyzer analyzer;
  EXPECT_FALSE(analyzer.needs(AnalyzerContext{}).frames.has_value());
  const auto result = run_one_segment(analyzer, {red_on_blue(32)}, nlohmann::json::object());
  EXPECT_EQ(result.at("status"), "skipped");
  EXPECT_FALSE(result.at("reason").get<std::string>().empty());
}

TEST(VisionAge, SoftmaxOfLogits) {
  cv::Mat logits(1, 3, CV_32F);
  logits.at<float>(0) = 0;
  logits.at<float>(1) = std::log(3.0f);
  logits.at<float>(2) = 0;
  const auto p = class_probabilities(logits, false, "m");
  ASSERT_EQ(p.size(), 3u);
  EXPECT_NEAR(p[1], 0.6, 1e-6);  // 3 / (1 + 3 + 1)
  EXPECT_NEAR(p[0], 0.2, 1e-6);
  EXPECT_NEAR(class_probabilities(logits, true, "m")[1], std::log(3.0), 1e-6);  // taken as given
}

TEST(VisionAge, ClassifiesTheFaceCropWithTheConstantModel) {
  const cv::Mat face = astronaut_rgb();
  ASSERT_FALSE(face.empty()) << "tests/data/faces/astronaut.jpg is missing";
  AgeEstimationAnalyzer analyzer;
  const nlohmann::json settings = {
      {"model", model_path("age_fixed.onnx")}, {"labels_file", model_path("age_brackets.txt")}, {"input_size", 32}};
  const auto result = run_one_segment(analyzer, {face}, settings);
  ASSERT_EQ(result.at("status"), "ok") << result.dump(2);
  const auto& faces = result.at("segments").at(0).at("detections").at(0).at("faces");
  ASSERT_EQ(faces.size(), 1u) << result.dump(2);
  // Constant logits (0.1, 2.0, 0.5, 0.2): bracket 1 with softmax probability e^2 / sum.
  const double expected = std::exp(2.0) / (std::exp(0.1) + std::exp(2.0) + std::exp(0.5) + std::exp(0.2));
  EXPECT_EQ(faces[0].at("bracket"), 1);
  EXPECT_EQ(faces[0].at("label"), "13-24");
  EXPECT_NEAR(faces[0].at("probability").get<double>(), expected, 1e-5);
  EXPECT_EQ(result.at("summary").at("brackets").at("13-24"), 1);
}

TEST(VisionAge, WithoutModelIsSkippedAndLabelMismatchIsInputError) {
  AgeEstimationAnalyzer skipped;
  EXPECT_EQ(run_one_segment(skipped, {astronaut_rgb()}, nlohmann::json::object()).at("status"), "skipped");

  AgeEstimationAnalyzer mismatched;
  const nlohmann::json settings = {
      {"model", model_path("age_fixed.onnx")}, {"labels_file", model_path("classes.txt")}, {"input_size", 32}};
  EXPECT_EQ(error_kind_of([&] { run_one_segment(mismatched, {astronaut_rgb()}, settings); }), ErrorKind::kInput);
}

}  // namespace
}  // namespace vidscope::analyzers
