#include "analyzers/content_quality.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>

#include <opencv2/imgproc.hpp>

#include "analyzers/frame_mat.h"
#include "analyzers/settings_reader.h"

namespace vidscope::analyzers {
namespace {

constexpr char kName[] = "content_quality";
constexpr int kBlackClip = 2, kWhiteClip = 253;
constexpr int kBlock = 8;
// For Gaussian noise of std s, the residual of the kernel below has std 6 s, and the median absolute
// value of a Gaussian is 0.6745 of its std.
constexpr double kResidualScale = 6.0 * 0.6745;
// Added to both means of the block ratio so a perfectly flat picture reads 1, not 0/0.
constexpr double kStepEpsilon = 0.5;

double clipped_share(const cv::Mat& gray, bool dark) {
  cv::Mat mask = dark ? (gray <= kBlackClip) : (gray >= kWhiteClip);
  return static_cast<double>(cv::countNonZero(mask)) / gray.total();
}

// Immerkaer's noise kernel (a difference of two Laplacians, blind to planes and ramps), with the median
// of the absolute residual instead of its mean, so edges and texture bias it less. The residual of 8-bit
// luma is an integer of at most 16 x 255, so the median comes exactly from a histogram (a sort of
// millions of floats at 1080p cost several times more than everything else here).
double noise_sigma(const cv::Mat& gray) {
  constexpr int kMaxResidual = 16 * 255;
  const cv::Mat kernel = (cv::Mat_<float>(3, 3) << 1, -2, 1, -2, 4, -2, 1, -2, 1);
  cv::Mat residual;
  cv::filter2D(gray, residual, CV_16S, kernel);
  const cv::Mat inner = residual(cv::Rect(1, 1, gray.cols - 2, gray.rows - 2));
  std::vector<size_t> histogram(kMaxResidual + 1, 0);
  for (int y = 0; y < inner.rows; ++y) {
    const std::int16_t* row = inner.ptr<std::int16_t>(y);
    for (int x = 0; x < inner.cols; ++x) ++histogram[static_cast<size_t>(std::abs(row[x]))];
  }
  // The element a full sort would put at index total / 2.
  const size_t middle = inner.total() / 2;
  size_t below = 0;
  for (size_t value = 0; value < histogram.size(); ++value) {
    below += histogram[value];
    if (below > middle) return static_cast<double>(value) / kResidualScale;
  }
  return kMaxResidual / kResidualScale;
}

// Ratio of mean absolute steps between neighbours across 8-pixel boundaries to those inside blocks, in
// one direction (`horizontal`: steps between columns).
double boundary_ratio(const cv::Mat& gray, bool horizontal) {
  const cv::Mat a = horizontal ? gray.colRange(0, gray.cols - 1) : gray.rowRange(0, gray.rows - 1);
  const cv::Mat b = horizontal ? gray.colRange(1, gray.cols) : gray.rowRange(1, gray.rows);
  cv::Mat steps;
  cv::absdiff(a, b, steps);
  cv::Mat sums;
  cv::reduce(steps, sums, horizontal ? 0 : 1, cv::REDUCE_SUM, CV_64F);  // one sum per column (row) gap
  double on = 0, off = 0;
  int on_count = 0, off_count = 0;
  for (int i = 0; i < static_cast<int>(sums.total()); ++i) {
    const double s = sums.at<double>(i);
    // Gap i lies between pixel i and i + 1; a block boundary when i + 1 is a multiple of 8.
    if ((i + 1) % kBlock == 0) { on += s; ++on_count; } else { off += s; ++off_count; }
  }
  if (on_count == 0 || off_count == 0) return 1.0;
  const double lines = horizontal ? steps.rows : steps.cols;
  return (on / (on_count * lines) + kStepEpsilon) / (off / (off_count * lines) + kStepEpsilon);
}

nlohmann::json quality_json(const FrameQuality& q) {
  return {{"sharpness", q.sharpness},
          {"black_clip_share", q.black_clip_share},
          {"white_clip_share", q.white_clip_share},
          {"noise_sigma", q.noise_sigma},
          {"blockiness", q.blockiness}};
}

FrameQuality mean_quality(const std::vector<FrameQuality>& items) {
  FrameQuality mean;
  mean.blockiness = 0;
  for (const FrameQuality& q : items) {
    const double w = 1.0 / items.size();
    mean.sharpness += w * q.sharpness;
    mean.black_clip_share += w * q.black_clip_share;
    mean.white_clip_share += w * q.white_clip_share;
    mean.noise_sigma += w * q.noise_sigma;
    mean.blockiness += w * q.blockiness;
  }
  return mean;
}

}  // namespace

ContentQualityConfig parse_content_quality_settings(const nlohmann::json& settings) {
  SettingsReader reader(kName, settings);
  ContentQualityConfig c;
  c.frames_per_segment = reader.integer("frames_per_segment", c.frames_per_segment, 1, 64);
  c.max_size = reader.integer("max_size", c.max_size, 0, 16384);
  reader.reject_unknown_keys();
  if (c.max_size > 0 && c.max_size < 16) throw_usage_error("analyzer 'content_quality': max_size must be 0 (native) or >= 16");
  return c;
}

FrameQuality measure_frame_quality(const cv::Mat& rgb) {
  FrameQuality q;
  if (rgb.cols < 3 || rgb.rows < 3) return q;
  // Integer arithmetic on 8-bit luma throughout: every filter here has integer taps, so 16-bit results
  // are exact and the values equal those of a float pipeline at a fraction of its memory traffic.
  cv::Mat gray, laplacian;
  cv::cvtColor(rgb, gray, cv::COLOR_RGB2GRAY);
  cv::Laplacian(gray, laplacian, CV_16S);
  cv::Scalar mean, stddev;
  cv::meanStdDev(laplacian, mean, stddev);
  q.sharpness = stddev[0] * stddev[0];
  q.black_clip_share = clipped_share(gray, true);
  q.white_clip_share = clipped_share(gray, false);
  q.noise_sigma = noise_sigma(gray);
  q.blockiness = (boundary_ratio(gray, true) + boundary_ratio(gray, false)) / 2;
  return q;
}

std::string ContentQualityAnalyzer::description() const {
  return "picture quality: sharpness, clipping, noise, 8x8 blocking, resolution and bitrate";
}

AnalyzerNeeds ContentQualityAnalyzer::needs(const AnalyzerContext& context) const {
  const ContentQualityConfig config = parse_content_quality_settings(context.settings);
  AnalyzerNeeds needs;
  needs.frames = media::frames_per_segment(config.frames_per_segment, config.max_size);
  // Per pixel of one frame: grey (1), Laplacian (2), noise residual (2), the steps (1) and masks (1). Sized for the video's own resolution.
  Bytes pixels = static_cast<Bytes>(std::max(1, context.video.width)) * static_cast<Bytes>(std::max(1, context.video.height));
  if (config.max_size > 0) pixels = std::min(pixels, static_cast<Bytes>(config.max_size) * static_cast<Bytes>(config.max_size));
  if (context.video.width <= 0 && config.max_size == 0) pixels = 1920ull * 1080ull;  // unknown size: assume HD
  needs.resources.ram_bytes = pixels * 8 + kMiB;
  needs.resources.threads = 1;
  return needs;
}

void ContentQualityAnalyzer::begin(const AnalyzerContext& context) {
  config_ = parse_content_quality_settings(context.settings);
  video_ = context.video;
  segments_ = nlohmann::json::array();
  segment_means_.clear();
}

void ContentQualityAnalyzer::process(const SegmentInput& input) {
  std::vector<FrameQuality> frames;
  for (const media::FramePtr& frame : input.frames) {
    if (frame) frames.push_back(measure_frame_quality(view_rgb(*frame)));
  }
  nlohmann::json entry = {{"index", input.segment.index},
                          {"t0", input.segment.t0},
                          {"t1", input.segment.t1},
                          {"frames", frames.size()}};
  if (!frames.empty()) {
    const FrameQuality mean = mean_quality(frames);
    entry.update(quality_json(mean));
    segment_means_.push_back(mean);
  }
  segments_.push_back(std::move(entry));
}

nlohmann::json ContentQualityAnalyzer::finish() {
  nlohmann::json video = {{"width", video_.width}, {"height", video_.height}, {"codec", video_.codec},
                          {"fps", video_.fps}};
  video["bitrate_bps"] = video_.bit_rate > 0 ? nlohmann::json(video_.bit_rate) : nlohmann::json();
  // Bits per pixel per frame: comparable across resolutions (H.264 at ~0.1 is typical web quality).
  const double pixel_rate = static_cast<double>(video_.width) * video_.height * video_.fps;
  video["bits_per_pixel"] = video_.bit_rate > 0 && pixel_rate > 0 ? nlohmann::json(video_.bit_rate / pixel_rate) : nlohmann::json();
  nlohmann::json overall = segment_means_.empty() ? nlohmann::json() : quality_json(mean_quality(segment_means_));
  if (!segment_means_.empty()) {
    const auto softest = std::min_element(segment_means_.begin(), segment_means_.end(),
                                          [](const auto& a, const auto& b) { return a.sharpness < b.sharpness; });
    overall["min_segment_sharpness"] = softest->sharpness;
  }
  return {{"video", std::move(video)},
          {"overall", std::move(overall)},
          {"segments", segments_},
          {"params", {{"frames_per_segment", config_.frames_per_segment}, {"max_size", config_.max_size}}}};
}

}  // namespace vidscope::analyzers
