#include "analyzers/segmentation.h"

#include <fmt/format.h>

#include "analyzers/frame_mat.h"
#include "analyzers/settings_reader.h"
#include "base/error.h"

namespace vidscope::analyzers {
namespace {

constexpr char kName[] = "segmentation";
// A frame "has a person" when at least this share of it is person pixels: a few stray pixels of a
// wrong class are common at object borders.
constexpr double kPersonPresentShare = 0.01;
constexpr Bytes kActivationBytesPerInputPixel = 512;  // DeepLab-style nets keep wide feature maps

}  // namespace

SegmentationConfig parse_segmentation_settings(const nlohmann::json& settings) {
  SettingsReader reader(kName, settings);
  SegmentationConfig config;
  config.model = reader.text("model", "");
  config.input_size = reader.integer("input_size", config.input_size, 16, 4096);
  config.person_class = reader.integer("person_class", config.person_class, 0, 100000);
  config.blob.scale = reader.number("input_scale", config.blob.scale, 1e-6, 1e6);
  config.blob.mean = reader.number("input_mean", config.blob.mean, -1e6, 1e6);
  config.blob.swap_rb = reader.boolean("swap_rb", config.blob.swap_rb);
  config.frames_per_segment = reader.integer("frames_per_segment", config.frames_per_segment, 1, 64);
  reader.reject_unknown_keys();
  return config;
}

double person_share(const cv::Mat& output, int person_class, const std::string& model) {
  if (output.dims != 4 || output.size[0] != 1 || output.type() != CV_32F) {
    throw_input_error(fmt::format("segmentation model '{}' must output float [1, C, H, W] class scores", model));
  }
  const int classes = output.size[1];
  if (person_class >= classes) {
    throw_input_error(fmt::format("segmentation model '{}' has {} classes; person_class {} does not exist", model,
                                  classes, person_class));
  }
  const size_t plane = static_cast<size_t>(output.size[2]) * static_cast<size_t>(output.size[3]);
  const float* data = output.ptr<float>();
  size_t person = 0;
  for (size_t p = 0; p < plane; ++p) {
    int best = 0;
    for (int c = 1; c < classes; ++c) {
      if (data[c * plane + p] > data[best * plane + p]) best = c;
    }
    person += best == person_class ? 1 : 0;
  }
  return plane > 0 ? static_cast<double>(person) / static_cast<double>(plane) : 0.0;
}

std::string SegmentationAnalyzer::description() const {
  return "person/background screen share from a user-supplied segmentation ONNX model; skipped without a model";
}

AnalyzerNeeds SegmentationAnalyzer::needs(const AnalyzerContext& context) const {
  const SegmentationConfig config = parse_segmentation_settings(context.settings);
  AnalyzerNeeds needs;
  if (config.model.empty()) return needs;
  needs.frames = media::frames_per_segment(config.frames_per_segment, config.input_size, media::ResizeQuality::kBicubic);
  needs.model = "segmenter";
  const Bytes pixels = static_cast<Bytes>(config.input_size) * static_cast<Bytes>(config.input_size);
  needs.resources.ram_bytes = file_bytes(config.model) * 2 + pixels * kActivationBytesPerInputPixel;
  return needs;
}

void SegmentationAnalyzer::begin(const AnalyzerContext& context) {
  config_ = parse_segmentation_settings(context.settings);
  segments_ = nlohmann::json::array();
  frames_analyzed_ = frames_with_person_ = 0;
  share_sum_ = 0;
  if (!config_.model.empty()) net_ = load_onnx_model(kName, config_.model);
}

void SegmentationAnalyzer::process(const SegmentInput& input) {
  if (config_.model.empty()) return;
  nlohmann::json frames = nlohmann::json::array();
  double sum = 0;
  int count = 0;
  for (const media::FramePtr& frame : input.frames) {
    if (!frame) continue;
    // Stretching to the square input keeps area shares (both axes scale uniformly over the picture).
    const cv::Mat blob = make_blob(view_rgb(*frame), cv::Size(config_.input_size, config_.input_size), config_.blob);
    const double share = person_share(run_model(net_, blob, kName, config_.model), config_.person_class, config_.model);
    frames.push_back({{"time_s", frame->time_s}, {"person_share", share}});
    sum += share;
    ++count;
    ++frames_analyzed_;
    share_sum_ += share;
    frames_with_person_ += share >= kPersonPresentShare ? 1 : 0;
  }
  segments_.push_back({{"index", input.segment.index}, {"t0", input.segment.t0}, {"t1", input.segment.t1},
                       {"person_share", count > 0 ? nlohmann::json(sum / count) : nlohmann::json()},
                       {"frames", std::move(frames)}});
}

nlohmann::json SegmentationAnalyzer::finish() {
  if (config_.model.empty()) {
    return skipped_result("no model configured: set the setting 'model' to a segmentation ONNX model with output [1, C, H, W]");
  }
  return {{"status", "ok"},
          {"model", config_.model},
          {"person_class", config_.person_class},
          {"summary", {{"frames_analyzed", frames_analyzed_},
                       {"mean_person_share", frames_analyzed_ > 0 ? nlohmann::json(share_sum_ / frames_analyzed_) : nlohmann::json()},
                       {"frames_with_person", frames_with_person_}}},
          {"segments", segments_}};
}

}  // namespace vidscope::analyzers
