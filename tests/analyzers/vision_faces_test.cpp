// faces and eye_contact on a real frontal face (tests/data/faces/astronaut.jpg, public domain) and on
// drawn geometry with no face; the eye-contact score formula; errors for missing detector files.
#include "analyzers/eye_contact.h"
#include "analyzers/faces.h"
#include "analyzers/vision_test_support.h"

namespace vidscope::analyzers {
namespace {

using testing::astronaut_rgb;
using testing::error_kind_of;
using testing::run_one_segment;

// Circles, rectangles and stripes: edges and blobs, nothing face-like.
cv::Mat geometry() {
  cv::Mat rgb = testing::pattern(cv::Scalar(200, 180, 40), cv::Scalar(30, 60, 160), 24, 320, 240);
  cv::rectangle(rgb, cv::Rect(40, 40, 80, 50), cv::Scalar(250, 250, 250), cv::FILLED);
  return rgb;
}

TEST(VisionFaces, FindsTheAstronautsFace) {
  const cv::Mat face = astronaut_rgb();
  ASSERT_FALSE(face.empty()) << "tests/data/faces/astronaut.jpg is missing";
  FacesAnalyzer analyzer;
  const auto result = run_one_segment(analyzer, {face}, nlohmann::json::object());
  ASSERT_EQ(result.at("status"), "ok");
  EXPECT_EQ(result.at("method"), "haar");
  const auto& segment = result.at("segments").at(0);
  ASSERT_EQ(segment.at("max_faces"), 1) << segment.dump(2);
  const std::vector<double> box = segment.at("detections").at(0).at("faces").at(0).at("box");
  // The face lies around x 0.33-0.55, y 0.1-0.4 of the picture (read off the image by eye); the box
  // centre must fall inside that region and the face must be a plausible size.
  const double cx = box[0] + box[2] / 2, cy = box[1] + box[3] / 2;
  EXPECT_GT(cx, 0.33);
  EXPECT_LT(cx, 0.55);
  EXPECT_GT(cy, 0.10);
  EXPECT_LT(cy, 0.40);
  EXPECT_GT(box[2], 0.12);
  EXPECT_LT(box[2], 0.40);
  EXPECT_NEAR(segment.at("largest_face_share").get<double>(), box[2] * box[3], 1e-2);  // pixel rounding
}

TEST(VisionFaces, NoFaceInGeometryIsAnHonestZero) {
  FacesAnalyzer analyzer;
  const auto result = run_one_segment(analyzer, {geometry(), testing::solid(cv::Scalar(20, 20, 20), 320, 240)},
                                      nlohmann::json::object());
  EXPECT_EQ(result.at("status"), "ok");
  EXPECT_EQ(result.at("summary").at("max_faces"), 0);
  EXPECT_EQ(result.at("summary").at("frames_analyzed"), 2);
  EXPECT_EQ(result.at("summary").at("frames_with_faces"), 0);
  EXPECT_EQ(result.at("segments").at(0).at("largest_face_share"), 0.0);
}

TEST(VisionFaces, MissingDetectorFilesAreInputErrors) {
  FacesAnalyzer analyzer;
  AnalyzerContext context;
  context.settings = {{"face_cascade", "missing_cascade.xml"}};
  EXPECT_EQ(error_kind_of([&] { analyzer.begin(context); }), ErrorKind::kInput);
  context.settings = {{"yunet_model", "missing_yunet.onnx"}};
  EXPECT_EQ(error_kind_of([&] { analyzer.begin(context); }), ErrorKind::kInput);
  context.settings = {{"min_face_ratio", 2.0}};
  EXPECT_EQ(error_kind_of([&] { analyzer.begin(context); }), ErrorKind::kUsage);
}

TEST(VisionFaces, AnOnnxFileThatIsNotYunetIsAnInputError) {
  FacesAnalyzer analyzer;
  const nlohmann::json settings = {{"yunet_model", testing::model_path("age_fixed.onnx")}};
  EXPECT_EQ(error_kind_of([&] { run_one_segment(analyzer, {astronaut_rgb()}, settings); }), ErrorKind::kInput);
}

TEST(VisionEyeContact, ScoreFormula) {
  const cv::Rect face(0, 0, 100, 100);
  EXPECT_DOUBLE_EQ(score_from_eyes(face, {}), 0.1);
  EXPECT_DOUBLE_EQ(score_from_eyes(face, {cv::Rect(20, 30, 20, 20)}), 0.35);
  // Level and centred about x = 50: perfect.
  EXPECT_DOUBLE_EQ(score_from_eyes(face, {cv::Rect(20, 30, 20, 20), cv::Rect(60, 30, 20, 20)}), 1.0);
  // Centre offset 15% of the width and a tilt of 10% of the height: both terms gone.
  EXPECT_DOUBLE_EQ(score_from_eyes(face, {cv::Rect(35, 30, 20, 20), cv::Rect(75, 40, 20, 20)}), 0.5);
  // Landmarks: nose exactly between the eyes, level eyes.
  const std::array<cv::Point2f, 5> frontal = {cv::Point2f(30, 40), cv::Point2f(70, 40), cv::Point2f(50, 60),
                                              cv::Point2f(35, 80), cv::Point2f(65, 80)};
  EXPECT_DOUBLE_EQ(score_from_landmarks(face, frontal), 1.0);
  std::array<cv::Point2f, 5> turned = frontal;
  turned[2].x = 62;  // nose 12 px off centre with eyes 40 px apart: 0.3 -> yaw term 0
  EXPECT_NEAR(score_from_landmarks(face, turned), 0.75, 1e-6);
}

TEST(VisionEyeContact, TheAstronautLooksAtTheCamera) {
  EyeContactAnalyzer analyzer;
  const auto result = run_one_segment(analyzer, {astronaut_rgb()}, nlohmann::json::object());
  ASSERT_EQ(result.at("status"), "ok");
  const auto& faces = result.at("segments").at(0).at("detections").at(0).at("faces");
  ASSERT_EQ(faces.size(), 1u) << result.dump(2);
  // She faces the camera with both eyes open; the Haar eye cascade finds both on this picture.
  EXPECT_EQ(faces[0].at("eyes_found"), 2) << faces.dump(2);
  EXPECT_TRUE(faces[0].at("looking_at_camera").get<bool>()) << faces.dump(2);
  EXPECT_EQ(result.at("summary").at("faces_seen"), 1);
}

TEST(VisionEyeContact, SharedDetectionsGiveTheSameFacesAsOwnOnes) {
  // faces and eye_contact of one run share detections: a frame detected by one is not detected again by
  // the other, and each reports exactly what it would have found on its own.
  auto shared = std::make_shared<SharedFaceDetections>();
  FacesAnalyzer faces(shared);
  EyeContactAnalyzer eyes(shared);
  FacesAnalyzer faces_alone;
  const auto shared_faces = run_one_segment(faces, {astronaut_rgb(), geometry()}, nlohmann::json::object());
  const auto shared_eyes = run_one_segment(eyes, {astronaut_rgb(), geometry()}, nlohmann::json::object());
  const auto own_faces = run_one_segment(faces_alone, {astronaut_rgb(), geometry()}, nlohmann::json::object());
  EXPECT_EQ(shared_faces.at("segments"), own_faces.at("segments"));
  const auto& first = shared_eyes.at("segments").at(0).at("detections").at(0).at("faces");
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].at("box"), own_faces.at("segments").at(0).at("detections").at(0).at("faces").at(0).at("box"));
  EXPECT_EQ(first[0].at("eyes_found"), 2);
}

TEST(VisionEyeContact, NoFacesMeansNoEstimate) {
  EyeContactAnalyzer analyzer;
  const auto result = run_one_segment(analyzer, {geometry()}, nlohmann::json::object());
  EXPECT_EQ(result.at("summary").at("faces_seen"), 0);
  EXPECT_TRUE(result.at("summary").at("looking_share").is_null());
}

}  // namespace
}  // namespace vidscope::analyzers
