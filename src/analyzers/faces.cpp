#include "analyzers/faces.h"

#include <algorithm>

#include "analyzers/frame_mat.h"
#include "analyzers/normalized_box.h"
#include "analyzers/settings_reader.h"
#include "analyzers/vision_frames.h"

namespace vidscope::analyzers {
namespace {
constexpr char kName[] = "faces";
}  // namespace

FacesConfig parse_faces_settings(const nlohmann::json& settings) {
  SettingsReader reader(kName, settings);
  FacesConfig config;
  config.detector = read_face_detector_settings(reader);
  config.frames_per_segment = reader.integer("frames_per_segment", config.frames_per_segment, 1, 64);
  config.max_size = reader.integer("max_size", config.max_size, 64, 4096);
  reader.reject_unknown_keys();
  return config;
}

std::string FacesAnalyzer::description() const {
  return "frontal faces (Haar cascade, or YuNet with a model): counts, boxes, largest face's screen share";
}

AnalyzerNeeds FacesAnalyzer::needs(const AnalyzerContext& context) const {
  const FacesConfig config = parse_faces_settings(context.settings);
  return face_analyzer_needs(config.detector, config.frames_per_segment, config.max_size);
}

void FacesAnalyzer::begin(const AnalyzerContext& context) {
  config_ = parse_faces_settings(context.settings);
  detector_ = std::make_unique<FaceDetector>(kName, config_.detector);
  segments_ = nlohmann::json::array();
  frames_analyzed_ = frames_with_faces_ = max_faces_ = 0;
  largest_share_sum_ = 0;
}

void FacesAnalyzer::process(const SegmentInput& input) {
  nlohmann::json detections = nlohmann::json::array();
  int frames = 0, segment_max = 0, face_total = 0;
  double segment_largest = 0;
  const std::vector<FaceList> found = segment_faces(*detections_, *detector_, config_.detector, input.frames);
  size_t next = 0;
  for (const media::FramePtr& frame : input.frames) {
    if (!frame) continue;
    const cv::Mat rgb = view_rgb(*frame);
    const FaceList& faces = found[next++];
    nlohmann::json list = nlohmann::json::array();
    for (const DetectedFace& face : faces) {
      list.push_back({{"box", normalized_box(face.box, rgb.size())}, {"score", face.score}});
    }
    const double largest = faces.empty() ? 0.0 : static_cast<double>(faces.front().box.area()) / (rgb.cols * rgb.rows);
    detections.push_back({{"time_s", frame->time_s}, {"faces", std::move(list)}, {"largest_face_share", largest}});
    ++frames;
    face_total += static_cast<int>(faces.size());
    segment_max = std::max(segment_max, static_cast<int>(faces.size()));
    segment_largest = std::max(segment_largest, largest);
    ++frames_analyzed_;
    if (!faces.empty()) {
      ++frames_with_faces_;
      largest_share_sum_ += largest;
    }
  }
  max_faces_ = std::max(max_faces_, segment_max);
  segments_.push_back({{"index", input.segment.index}, {"t0", input.segment.t0}, {"t1", input.segment.t1},
                       {"frames", frames}, {"max_faces", segment_max},
                       {"mean_faces", frames > 0 ? static_cast<double>(face_total) / frames : 0.0},
                       {"largest_face_share", segment_largest}, {"detections", std::move(detections)}});
}

nlohmann::json FacesAnalyzer::finish() {
  const nlohmann::json summary = {
      {"frames_analyzed", frames_analyzed_},
      {"frames_with_faces", frames_with_faces_},
      {"share_of_frames_with_faces", frames_analyzed_ > 0 ? static_cast<double>(frames_with_faces_) / frames_analyzed_ : 0.0},
      {"max_faces", max_faces_},
      {"mean_largest_face_share", frames_with_faces_ > 0 ? largest_share_sum_ / frames_with_faces_ : 0.0}};
  return {{"status", "ok"}, {"method", detector_ ? detector_->method() : "haar"}, {"summary", summary},
          {"segments", segments_}};
}

}  // namespace vidscope::analyzers
