#include "analyzers/scenes.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "analyzers/frame_mat.h"
#include "analyzers/settings_reader.h"

namespace vidscope::analyzers {
namespace {

constexpr char kName[] = "scenes";
constexpr int kHueBins = 8, kSatBins = 4, kValBins = 4;

nlohmann::json span_json(double start_s, double end_s) { return {{"start_s", start_s}, {"end_s", end_s}}; }

}  // namespace

ScenesConfig parse_scenes_settings(const nlohmann::json& settings) {
  SettingsReader reader(kName, settings);
  ScenesConfig config;
  config.detector.threshold = reader.number("cut_threshold", config.detector.threshold, 0, 255);
  config.detector.min_shot_s = reader.number("min_shot_s", config.detector.min_shot_s, 0, 3600);
  config.similarity_threshold = reader.number("similarity_threshold", config.similarity_threshold, -1, 1);
  config.link_window = reader.integer("link_window", config.link_window, 1, 50);
  config.signature_fps = reader.number("signature_fps", config.signature_fps, 0.1, 60);
  config.max_size = reader.integer("max_size", config.max_size, 16, 4096);
  reader.reject_unknown_keys();
  config.detector.fade.min_shot_s = config.detector.min_shot_s;
  return config;
}

cv::Mat colour_signature(const cv::Mat& rgb) {
  cv::Mat hsv;
  cv::cvtColor(rgb, hsv, cv::COLOR_RGB2HSV);
  const int channels[] = {0, 1, 2};
  const int bins[] = {kHueBins, kSatBins, kValBins};
  const float hue_range[] = {0, 180}, byte_range[] = {0, 256};
  const float* ranges[] = {hue_range, byte_range, byte_range};
  cv::Mat histogram;
  cv::calcHist(&hsv, 1, channels, cv::Mat(), histogram, 3, bins, ranges);
  // Flattened to one row so signatures can be averaged and compared as plain vectors.
  cv::Mat flat = histogram.reshape(1, 1).clone();
  const double total = cv::sum(flat)[0];
  if (total > 0) flat /= total;
  return flat;
}

std::vector<size_t> group_scenes(const std::vector<cv::Mat>& signatures, double similarity_threshold, int link_window) {
  std::vector<size_t> starts;
  if (signatures.empty()) return starts;
  // spanned[g]: the gap between shot g and g + 1 lies inside some link.
  std::vector<bool> spanned(signatures.size(), false);
  for (size_t i = 0; i < signatures.size(); ++i) {
    for (size_t j = i + 1; j < signatures.size() && j - i <= static_cast<size_t>(link_window); ++j) {
      if (cv::compareHist(signatures[i], signatures[j], cv::HISTCMP_CORREL) < similarity_threshold) continue;
      for (size_t gap = i; gap < j; ++gap) spanned[gap] = true;
    }
  }
  starts.push_back(0);
  for (size_t gap = 0; gap + 1 < signatures.size(); ++gap) {
    if (!spanned[gap]) starts.push_back(gap + 1);
  }
  return starts;
}

std::string ScenesAnalyzer::description() const {
  return "scenes: shots grouped by colour-signature similarity (HSV histograms, overlapping links)";
}

AnalyzerNeeds ScenesAnalyzer::needs(const AnalyzerContext& context) const {
  const ScenesConfig config = parse_scenes_settings(context.settings);
  AnalyzerNeeds needs;
  needs.frames = media::every_frame(config.max_size);  // the same stream as shot_cuts, so the pipeline decodes it once
  // The shot detector's window (as shot_cuts) plus one HSV copy for the signature; the stored signatures
  // (512 bytes each) grow with the video and are counted for one hour.
  const Bytes plane = static_cast<Bytes>(config.max_size) * static_cast<Bytes>(config.max_size);
  const Bytes kept_frames = static_cast<Bytes>(2 * config.detector.window_width + config.detector.fade_guard_frames + 4);
  const Bytes signatures_per_hour = static_cast<Bytes>(std::ceil(config.signature_fps * 3600)) * 600;
  needs.resources.ram_bytes = kept_frames * plane * 4 + plane * 15 + signatures_per_hour + kMiB;
  needs.resources.threads = 1;
  return needs;
}

void ScenesAnalyzer::begin(const AnalyzerContext& context) {
  config_ = parse_scenes_settings(context.settings);
  detector_.emplace(config_.detector);
  samples_.clear();
  next_sample_s_ = 0;
  last_frame_index_ = -1;
  video_end_s_ = context.video.duration_s;
}

void ScenesAnalyzer::process(const SegmentInput& input) {
  if (!detector_) throw_internal_error("scenes: process() called before begin()");
  video_end_s_ = std::max(video_end_s_, input.segment.t1);
  for (const media::FramePtr& frame : input.frames) {
    if (!frame || frame->index <= last_frame_index_) continue;  // overlap delivers some frames twice
    last_frame_index_ = frame->index;
    const cv::Mat rgb = view_rgb(*frame);
    detector_->add_frame(rgb, frame->index, frame->time_s);
    if (frame->time_s + 1e-9 >= next_sample_s_) {
      samples_.push_back({frame->time_s, colour_signature(rgb)});
      next_sample_s_ = frame->time_s + 1.0 / config_.signature_fps;
    }
  }
}

std::vector<cv::Mat> ScenesAnalyzer::shot_signatures(const std::vector<ShotSpan>& shots) const {
  std::vector<cv::Mat> signatures;
  for (const ShotSpan& shot : shots) {
    cv::Mat sum;
    int count = 0;
    for (const SignatureSample& sample : samples_) {
      if (sample.time_s < shot.start_s || sample.time_s >= shot.end_s) continue;
      if (sum.empty()) sum = sample.histogram.clone(); else sum += sample.histogram;
      ++count;
    }
    if (count == 0) {
      // A shot shorter than the sampling step: the sample nearest its middle stands for it.
      const double middle = (shot.start_s + shot.end_s) / 2;
      const auto nearest = std::min_element(samples_.begin(), samples_.end(), [&](const auto& a, const auto& b) {
        return std::abs(a.time_s - middle) < std::abs(b.time_s - middle);
      });
      signatures.push_back(nearest->histogram.clone());
    } else {
      signatures.push_back(sum / count);
    }
  }
  return signatures;
}

nlohmann::json ScenesAnalyzer::finish() {
  if (!detector_) throw_internal_error("scenes: finish() called before begin()");
  detector_->finish();
  const std::vector<ShotSpan> shots = list_shots(*detector_, video_end_s_, config_.detector.min_shot_s);
  nlohmann::json scenes = nlohmann::json::array();
  if (!shots.empty() && !samples_.empty()) {
    const std::vector<cv::Mat> signatures = shot_signatures(shots);
    const std::vector<size_t> starts = group_scenes(signatures, config_.similarity_threshold, config_.link_window);
    for (size_t s = 0; s < starts.size(); ++s) {
      const size_t first = starts[s];
      const size_t end = s + 1 < starts.size() ? starts[s + 1] : shots.size();
      nlohmann::json members = nlohmann::json::array();
      for (size_t i = first; i < end; ++i) members.push_back(span_json(shots[i].start_s, shots[i].end_s));
      nlohmann::json scene = span_json(shots[first].start_s, shots[end - 1].end_s);
      scene["shots"] = std::move(members);
      scenes.push_back(std::move(scene));
    }
  }
  return {{"shot_count", shots.size()},
          {"scene_count", scenes.size()},
          {"scenes", std::move(scenes)},
          {"params",
           {{"cut_threshold", config_.detector.threshold},
            {"min_shot_s", config_.detector.min_shot_s},
            {"similarity_threshold", config_.similarity_threshold},
            {"link_window", config_.link_window},
            {"signature_fps", config_.signature_fps},
            {"max_size", config_.max_size}}}};
}

}  // namespace vidscope::analyzers
