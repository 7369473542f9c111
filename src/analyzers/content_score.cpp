#include "analyzers/content_score.h"

#include <algorithm>
#include <array>
#include <cmath>

#include <opencv2/imgproc.hpp>

namespace vidscope::analyzers {
namespace {

// PySceneDetect: 4 + round(sqrt(w * h) / 192), made odd, so the dilation scales with resolution.
int estimated_kernel_size(int width, int height) {
  int size = 4 + static_cast<int>(std::lround(std::sqrt(static_cast<double>(width) * height) / 192.0));
  if (size % 2 == 0) ++size;
  return size;
}

// numpy.median of an 8-bit plane: the mean of the two middle values for an even pixel count.
double median_u8(const cv::Mat& plane) {
  std::array<size_t, 256> histogram{};
  for (int y = 0; y < plane.rows; ++y) {
    const auto* row = plane.ptr<std::uint8_t>(y);
    for (int x = 0; x < plane.cols; ++x) ++histogram[row[x]];
  }
  const size_t count = plane.total();
  auto value_at = [&](size_t rank) {
    size_t seen = 0;
    for (int v = 0; v < 256; ++v) {
      seen += histogram[static_cast<size_t>(v)];
      if (seen > rank) return v;
    }
    return 255;
  };
  if (count % 2 == 1) return value_at(count / 2);
  return (value_at(count / 2 - 1) + value_at(count / 2)) / 2.0;
}

cv::Mat detect_edges(const cv::Mat& lum) {
  // Canny thresholds at median * (1 -+ 1/3), as PySceneDetect does, so edges adapt to exposure.
  constexpr double kSigma = 1.0 / 3.0;
  const double median = median_u8(lum);
  const int low = static_cast<int>(std::max(0.0, (1.0 - kSigma) * median));
  const int high = static_cast<int>(std::min(255.0, (1.0 + kSigma) * median));
  cv::Mat edges;
  cv::Canny(lum, edges, low, high);
  const int kernel_size = estimated_kernel_size(lum.cols, lum.rows);
  cv::Mat dilated;
  cv::dilate(edges, dilated, cv::Mat::ones(kernel_size, kernel_size, CV_8U));
  return dilated;
}

double mean_abs_difference(const cv::Mat& a, const cv::Mat& b) {
  cv::Mat difference;
  cv::absdiff(a, b, difference);
  return cv::mean(difference)[0];
}

}  // namespace

double ContentDelta::score(const ContentWeights& weights) const {
  const double total = std::abs(weights.hue) + std::abs(weights.sat) + std::abs(weights.lum) + std::abs(weights.edges);
  if (total <= 0) return 0;
  return (hue * weights.hue + sat * weights.sat + lum * weights.lum + edges * weights.edges) / total;
}

ContentFrame prepare_content_frame(const cv::Mat& rgb, bool with_edges) {
  ContentFrame frame;
  cv::Mat hsv;
  cv::cvtColor(rgb, hsv, cv::COLOR_RGB2HSV);
  cv::Mat planes[3];
  cv::split(hsv, planes);
  frame.hue = planes[0];
  frame.sat = planes[1];
  frame.lum = planes[2];
  if (with_edges) frame.edges = detect_edges(frame.lum);
  const cv::Scalar channel_means = cv::mean(rgb);
  frame.mean_rgb = (channel_means[0] + channel_means[1] + channel_means[2]) / 3.0;
  return frame;
}

ContentDelta compare_content_frames(const ContentFrame& previous, const ContentFrame& current) {
  ContentDelta delta;
  delta.hue = mean_abs_difference(previous.hue, current.hue);
  delta.sat = mean_abs_difference(previous.sat, current.sat);
  delta.lum = mean_abs_difference(previous.lum, current.lum);
  if (!previous.edges.empty() && !current.edges.empty()) delta.edges = mean_abs_difference(previous.edges, current.edges);
  return delta;
}

}  // namespace vidscope::analyzers
