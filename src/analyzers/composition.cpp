#include "analyzers/composition.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include <opencv2/imgproc.hpp>
#include <opencv2/saliency.hpp>

#include "analyzers/frame_mat.h"
#include "analyzers/settings_reader.h"

namespace vidscope::analyzers {
namespace {

constexpr char kName[] = "composition";
constexpr double kThirdsBand = 1.0 / 18.0;      // half-width of a third line's band, share of the side
constexpr double kThirdsPointSigma = 0.05;      // Gaussian around each intersection, share of the diagonal
constexpr double kSameLineDeg = 2.0;            // horizon candidates this close to the longest are averaged

double to_degrees(double radians) { return radians * 180.0 / std::numbers::pi; }

double pearson(const cv::Mat& a, const cv::Mat& b) {
  cv::Scalar mean_a, std_a, mean_b, std_b;
  cv::meanStdDev(a, mean_a, std_a);
  cv::meanStdDev(b, mean_b, std_b);
  if (std_a[0] < 1e-6 || std_b[0] < 1e-6) return 1.0;  // a flat picture is its own mirror image
  cv::Mat centred_a = a - mean_a[0], centred_b = b - mean_b[0];
  return centred_a.dot(centred_b) / (static_cast<double>(a.total()) * std_a[0] * std_b[0]);
}

std::optional<double> horizon_tilt(const cv::Mat& gray, const CompositionConfig& config) {
  cv::Mat blurred, edges;
  cv::GaussianBlur(gray, blurred, cv::Size(5, 5), 1.2);
  cv::Canny(blurred, edges, 50, 150);
  std::vector<cv::Vec4i> lines;
  const double min_length = config.min_horizon_length * gray.cols;
  cv::HoughLinesP(edges, lines, 1, std::numbers::pi / 180, 50, min_length, 10);
  struct Candidate { double angle_deg, length; };
  std::vector<Candidate> candidates;
  for (const cv::Vec4i& l : lines) {
    double dx = l[2] - l[0], dy = l[3] - l[1];
    if (dx < 0) { dx = -dx; dy = -dy; }
    // Image y grows downwards, so a line rising to the right has dy < 0: counter-clockwise positive.
    const double angle = to_degrees(std::atan2(-dy, dx));
    if (std::abs(angle) <= config.max_horizon_deg) candidates.push_back({angle, std::hypot(dx, dy)});
  }
  if (candidates.empty()) return std::nullopt;
  const auto longest = std::max_element(candidates.begin(), candidates.end(),
                                        [](const auto& a, const auto& b) { return a.length < b.length; });
  double weighted = 0, total = 0;
  for (const Candidate& c : candidates) {
    if (std::abs(c.angle_deg - longest->angle_deg) > kSameLineDeg) continue;
    weighted += c.angle_deg * c.length;
    total += c.length;
  }
  return weighted / total;
}

void add_saliency_placement(const cv::Mat& saliency, FrameComposition& out) {
  const int w = saliency.cols, h = saliency.rows;
  const double diagonal = std::hypot(w, h), sigma = kThirdsPointSigma * diagonal;
  const double band_x = kThirdsBand * w, band_y = kThirdsBand * h;
  const double third_x[] = {w / 3.0, 2 * w / 3.0}, third_y[] = {h / 3.0, 2 * h / 3.0};
  double mass = 0, on_lines = 0, near_points = 0, sum_x = 0, sum_y = 0;
  for (int y = 0; y < h; ++y) {
    const float* row = saliency.ptr<float>(y);
    const double py = y + 0.5;
    for (int x = 0; x < w; ++x) {
      const double s = row[x];
      if (s <= 0) continue;
      const double px = x + 0.5;
      mass += s;
      sum_x += s * px;
      sum_y += s * py;
      const double to_line_x = std::min(std::abs(px - third_x[0]), std::abs(px - third_x[1]));
      const double to_line_y = std::min(std::abs(py - third_y[0]), std::abs(py - third_y[1]));
      if (to_line_x <= band_x || to_line_y <= band_y) on_lines += s;
      near_points += s * std::exp(-(to_line_x * to_line_x + to_line_y * to_line_y) / (2 * sigma * sigma));
    }
  }
  if (mass <= 0) return;  // no salient content: keep the neutral defaults
  out.thirds_lines_share = on_lines / mass;
  out.thirds_points_score = near_points / mass;
  out.centroid_x = sum_x / mass / w;
  out.centroid_y = sum_y / mass / h;
  out.center_offset = std::hypot((out.centroid_x - 0.5) * w, (out.centroid_y - 0.5) * h) / (diagonal / 2);
}

nlohmann::json composition_json(const FrameComposition& c) {
  return {{"thirds_lines_share", c.thirds_lines_share},
          {"thirds_points_score", c.thirds_points_score},
          {"centroid", {c.centroid_x, c.centroid_y}},
          {"center_offset", c.center_offset},
          {"symmetry", c.symmetry},
          {"horizon_tilt_deg", c.horizon_tilt_deg ? nlohmann::json(*c.horizon_tilt_deg) : nlohmann::json()}};
}

// Mean of every field; the tilt is the median of the frames that have one.
FrameComposition mean_composition(const std::vector<FrameComposition>& frames) {
  FrameComposition mean;
  mean.centroid_x = mean.centroid_y = mean.symmetry = 0;
  std::vector<double> tilts;
  for (const FrameComposition& f : frames) {
    mean.thirds_lines_share += f.thirds_lines_share / frames.size();
    mean.thirds_points_score += f.thirds_points_score / frames.size();
    mean.centroid_x += f.centroid_x / frames.size();
    mean.centroid_y += f.centroid_y / frames.size();
    mean.center_offset += f.center_offset / frames.size();
    mean.symmetry += f.symmetry / frames.size();
    if (f.horizon_tilt_deg) tilts.push_back(*f.horizon_tilt_deg);
  }
  if (!tilts.empty()) {
    std::sort(tilts.begin(), tilts.end());
    const size_t mid = tilts.size() / 2;
    mean.horizon_tilt_deg = tilts.size() % 2 ? tilts[mid] : (tilts[mid - 1] + tilts[mid]) / 2;
  }
  return mean;
}

}  // namespace

CompositionConfig parse_composition_settings(const nlohmann::json& settings) {
  SettingsReader reader(kName, settings);
  CompositionConfig c;
  c.frames_per_segment = reader.integer("frames_per_segment", c.frames_per_segment, 1, 64);
  c.max_size = reader.integer("max_size", c.max_size, 32, 4096);
  c.max_horizon_deg = reader.number("max_horizon_deg", c.max_horizon_deg, 0, 89);
  c.min_horizon_length = reader.number("min_horizon_length", c.min_horizon_length, 0.05, 1);
  reader.reject_unknown_keys();
  return c;
}

SaliencyMap::SaliencyMap() : spectral_residual_(cv::saliency::StaticSaliencySpectralResidual::create()) {}

cv::Mat SaliencyMap::compute(const cv::Mat& rgb) {
  // OpenCV's implementation converts BGR to grey; the channel order only changes the grey weights.
  cv::Mat map;
  if (!spectral_residual_->computeSaliency(rgb, map) || map.empty()) return cv::Mat::zeros(rgb.size(), CV_32F);
  if (map.type() != CV_32F) map.convertTo(map, CV_32F);
  if (map.size() != rgb.size()) cv::resize(map, map, rgb.size(), 0, 0, cv::INTER_LINEAR);
  return cv::max(map, 0.0);
}

FrameComposition measure_composition(const cv::Mat& rgb, const cv::Mat& saliency, const CompositionConfig& config) {
  FrameComposition out;
  add_saliency_placement(saliency, out);
  cv::Mat gray, mirrored;
  cv::cvtColor(rgb, gray, cv::COLOR_RGB2GRAY);
  cv::Mat gray_f;
  gray.convertTo(gray_f, CV_32F);
  cv::flip(gray_f, mirrored, 1);
  out.symmetry = pearson(gray_f, mirrored);
  out.horizon_tilt_deg = horizon_tilt(gray, config);
  return out;
}

std::string CompositionAnalyzer::description() const {
  return "composition: rule-of-thirds placement of salient content, centring, symmetry, horizon tilt";
}

AnalyzerNeeds CompositionAnalyzer::needs(const AnalyzerContext& context) const {
  const CompositionConfig config = parse_composition_settings(context.settings);
  AnalyzerNeeds needs;
  needs.frames = media::frames_per_segment(config.frames_per_segment, config.max_size);
  // Per frame: grey, float grey and its mirror, the saliency map (float), blur and edge planes.
  const Bytes plane = static_cast<Bytes>(config.max_size) * static_cast<Bytes>(config.max_size);
  needs.resources.ram_bytes = plane * (1 + 4 + 4 + 4 + 1 + 1 + 8) + kMiB;
  needs.resources.threads = 1;
  return needs;
}

void CompositionAnalyzer::begin(const AnalyzerContext& context) {
  config_ = parse_composition_settings(context.settings);
  saliency_.emplace();
  segments_ = nlohmann::json::array();
  all_frames_summary_.clear();
}

void CompositionAnalyzer::process(const SegmentInput& input) {
  if (!saliency_) throw_internal_error("composition: process() called before begin()");
  std::vector<FrameComposition> frames;
  for (const media::FramePtr& frame : input.frames) {
    if (!frame) continue;
    const cv::Mat rgb = view_rgb(*frame);
    frames.push_back(measure_composition(rgb, saliency_->compute(rgb), config_));
  }
  nlohmann::json entry = {{"index", input.segment.index},
                          {"t0", input.segment.t0},
                          {"t1", input.segment.t1},
                          {"frames", frames.size()}};
  if (!frames.empty()) {
    const FrameComposition mean = mean_composition(frames);
    entry.update(composition_json(mean));
    all_frames_summary_.push_back(mean);
  }
  segments_.push_back(std::move(entry));
}

nlohmann::json CompositionAnalyzer::finish() {
  return {{"segments", segments_},
          {"summary", all_frames_summary_.empty() ? nlohmann::json() : composition_json(mean_composition(all_frames_summary_))},
          {"params",
           {{"frames_per_segment", config_.frames_per_segment},
            {"max_size", config_.max_size},
            {"max_horizon_deg", config_.max_horizon_deg},
            {"min_horizon_length", config_.min_horizon_length}}}};
}

}  // namespace vidscope::analyzers
