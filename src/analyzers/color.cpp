#include "analyzers/color.h"

#include <algorithm>

#include "analyzers/frame_mat.h"
#include "analyzers/settings_reader.h"

namespace vidscope::analyzers {
namespace {

constexpr char kName[] = "color";
// Segment palettes are pooled into the video palette; colours closer than this (CIE76) are one colour.
constexpr double kSummaryMergeDeltaE = 10.0;

nlohmann::json colors_json(const std::vector<DominantColor>& colors) {
  nlohmann::json out = nlohmann::json::array();
  for (const DominantColor& color : colors) {
    out.push_back({{"hex", to_hex(color.rgb)},
                   {"rgb", {color.rgb[0], color.rgb[1], color.rgb[2]}},
                   {"lab", {color.lab[0], color.lab[1], color.lab[2]}},
                   {"share", color.share}});
  }
  return out;
}

nlohmann::json optional_json(const std::optional<double>& value) { return value ? nlohmann::json(*value) : nlohmann::json(); }

nlohmann::json stats_json(const ColorStats& stats) {
  return {{"dominant_colors", colors_json(stats.dominant)},
          {"brightness", stats.brightness},
          {"contrast", stats.contrast},
          {"saturation", stats.saturation},
          {"colorfulness", stats.colorfulness},
          {"saturated_share", stats.saturated_share},
          {"warm_share", optional_json(stats.warm_share)},
          {"cool_share", optional_json(stats.cool_share)}};
}

}  // namespace

ColorConfig parse_color_settings(const nlohmann::json& settings) {
  SettingsReader reader(kName, settings);
  ColorConfig config;
  config.params.clusters = reader.integer("clusters", config.params.clusters, 1, 16);
  config.params.attempts = reader.integer("attempts", config.params.attempts, 1, 20);
  config.params.max_samples = reader.integer("max_samples", config.params.max_samples, 100, 1000000);
  config.params.seed = static_cast<unsigned long long>(reader.integer("seed", static_cast<int>(config.params.seed), 0, 1 << 30));
  config.params.saturated_min = reader.number("saturated_min", config.params.saturated_min, 0, 1);
  config.frames_per_segment = reader.integer("frames_per_segment", config.frames_per_segment, 1, 64);
  config.max_size = reader.integer("max_size", config.max_size, 16, 4096);
  reader.reject_unknown_keys();
  return config;
}

std::string ColorAnalyzer::description() const {
  return "dominant colours (k-means in Lab), brightness, contrast, saturation, colourfulness, warm/cool per segment";
}

AnalyzerNeeds ColorAnalyzer::needs(const AnalyzerContext& context) const {
  const ColorConfig config = parse_color_settings(context.settings);
  AnalyzerNeeds needs;
  needs.frames = media::frames_per_segment(config.frames_per_segment, config.max_size);
  // One HSV copy of a frame at a time, the Lab samples (float RGB + Lab + labels) and k-means' copies.
  const Bytes frame_pixels = static_cast<Bytes>(config.max_size) * static_cast<Bytes>(config.max_size);
  const Bytes samples = static_cast<Bytes>(config.params.max_samples) * (12 + 12 + 4 + 12);
  needs.resources.ram_bytes = frame_pixels * 3 + samples * 2 + kMiB;
  needs.resources.threads = 1;
  return needs;
}

void ColorAnalyzer::begin(const AnalyzerContext& context) {
  config_ = parse_color_settings(context.settings);
  segments_ = nlohmann::json::array();
  measured_.clear();
}

void ColorAnalyzer::process(const SegmentInput& input) {
  std::vector<cv::Mat> frames;
  for (const media::FramePtr& frame : input.frames) {
    if (frame) frames.push_back(view_rgb(*frame));
  }
  nlohmann::json entry = {{"index", input.segment.index},
                          {"t0", input.segment.t0},
                          {"t1", input.segment.t1},
                          {"frames", frames.size()}};
  if (!frames.empty()) {
    ColorStats stats = measure_colors(frames, config_.params);
    entry.update(stats_json(stats));
    measured_.push_back({std::max(0.0, input.segment.t1 - input.segment.t0), std::move(stats)});
  }
  segments_.push_back(std::move(entry));
}

nlohmann::json ColorAnalyzer::summary_json() const {
  double total = 0;
  for (const SegmentColors& s : measured_) total += s.duration_s;
  if (measured_.empty()) return nullptr;
  // Segments of zero duration still count (equally) so a one-frame video has a summary.
  auto weight = [&](const SegmentColors& s) { return total > 0 ? s.duration_s / total : 1.0 / measured_.size(); };
  ColorStats summary;
  double warm_weight = 0, warm = 0;
  std::vector<DominantColor> pooled;
  for (const SegmentColors& s : measured_) {
    const double w = weight(s);
    summary.brightness += w * s.stats.brightness;
    summary.contrast += w * s.stats.contrast;
    summary.saturation += w * s.stats.saturation;
    summary.colorfulness += w * s.stats.colorfulness;
    summary.saturated_share += w * s.stats.saturated_share;
    if (s.stats.warm_share) {
      warm += w * *s.stats.warm_share;
      warm_weight += w;
    }
    for (DominantColor color : s.stats.dominant) {
      color.share *= w;
      auto near = std::find_if(pooled.begin(), pooled.end(),
                               [&](const DominantColor& kept) { return cv::norm(kept.lab - color.lab) < kSummaryMergeDeltaE; });
      if (near == pooled.end()) {
        pooled.push_back(color);
      } else {
        const double sum = near->share + color.share;
        near->lab = (near->lab * static_cast<float>(near->share) + color.lab * static_cast<float>(color.share)) *
                    static_cast<float>(1.0 / sum);
        near->share = sum;
      }
    }
  }
  if (warm_weight > 0) {
    summary.warm_share = warm / warm_weight;
    summary.cool_share = 1.0 - *summary.warm_share;
  }
  std::sort(pooled.begin(), pooled.end(), [](const auto& a, const auto& b) { return a.share > b.share; });
  if (pooled.size() > static_cast<size_t>(config_.params.clusters)) pooled.resize(static_cast<size_t>(config_.params.clusters));
  double kept_share = 0;
  for (const DominantColor& color : pooled) kept_share += color.share;
  for (DominantColor& color : pooled) {
    color.share /= kept_share;
    color.rgb = lab_to_rgb(color.lab);
  }
  summary.dominant = std::move(pooled);
  return stats_json(summary);
}

nlohmann::json ColorAnalyzer::finish() {
  return {{"segments", segments_}, {"summary", summary_json()}, {"params", {{"clusters", config_.params.clusters},
                                                                           {"attempts", config_.params.attempts},
                                                                           {"max_samples", config_.params.max_samples},
                                                                           {"seed", config_.params.seed},
                                                                           {"saturated_min", config_.params.saturated_min},
                                                                           {"frames_per_segment", config_.frames_per_segment},
                                                                           {"max_size", config_.max_size}}}};
}

}  // namespace vidscope::analyzers
