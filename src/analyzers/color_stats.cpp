#include "analyzers/color_stats.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>

namespace vidscope::analyzers {
namespace {

// Running sums over all pixels of all frames, for the scalar measures.
struct PixelSums {
  double count = 0;
  double luma = 0, luma_sq = 0;
  double sat = 0;
  double rg = 0, rg_sq = 0, yb = 0, yb_sq = 0;
  double warm = 0, cool = 0;
};

void accumulate(const cv::Mat& rgb, const ColorParams& params, PixelSums& sums) {
  cv::Mat hsv;
  cv::cvtColor(rgb, hsv, cv::COLOR_RGB2HSV);  // 8-bit: H in [0, 180), S and V in [0, 255]
  const double saturated_min = params.saturated_min * 255.0;
  for (int y = 0; y < rgb.rows; ++y) {
    const auto* px = rgb.ptr<cv::Vec3b>(y);
    const auto* hsv_px = hsv.ptr<cv::Vec3b>(y);
    for (int x = 0; x < rgb.cols; ++x) {
      const double r = px[x][0], g = px[x][1], b = px[x][2];
      // 8-bit integer luma, as cv::COLOR_RGB2GRAY gives: integer sums are exact, so a flat frame has
      // exactly zero contrast.
      const double luma = static_cast<double>((299 * px[x][0] + 587 * px[x][1] + 114 * px[x][2] + 500) / 1000);
      sums.luma += luma;
      sums.luma_sq += luma * luma;
      sums.sat += hsv_px[x][1];
      const double rg = r - g;
      const double yb = 0.5 * (r + g) - b;
      sums.rg += rg;
      sums.rg_sq += rg * rg;
      sums.yb += yb;
      sums.yb_sq += yb * yb;
      if (hsv_px[x][1] >= saturated_min && hsv_px[x][2] >= saturated_min) {
        const int hue_deg = hsv_px[x][0] * 2;
        if (hue_deg < 90 || hue_deg >= 330) {
          sums.warm += 1;
        } else {
          sums.cool += 1;
        }
      }
    }
  }
  sums.count += static_cast<double>(rgb.total());
}

double variance(double sum, double sum_sq, double count) {
  const double mean = sum / count;
  return std::max(0.0, sum_sq / count - mean * mean);
}

cv::Mat sample_lab(const std::vector<cv::Mat>& frames, int max_samples) {
  size_t total = 0;
  for (const cv::Mat& frame : frames) total += frame.total();
  const size_t stride = std::max<size_t>(1, (total + static_cast<size_t>(max_samples) - 1) / static_cast<size_t>(max_samples));
  cv::Mat samples(0, 1, CV_32FC3);
  samples.reserve(total / stride + 1);
  size_t position = 0;
  for (const cv::Mat& frame : frames) {
    for (int y = 0; y < frame.rows; ++y) {
      const auto* px = frame.ptr<cv::Vec3b>(y);
      for (int x = 0; x < frame.cols; ++x, ++position) {
        if (position % stride != 0) continue;
        samples.push_back(cv::Vec3f(px[x][0] / 255.f, px[x][1] / 255.f, px[x][2] / 255.f));
      }
    }
  }
  cv::Mat lab;
  cv::cvtColor(samples, lab, cv::COLOR_RGB2Lab);  // float input in [0, 1]: L in [0, 100]
  return lab.reshape(1, lab.rows);                // one row per sample, three float columns
}

std::vector<DominantColor> cluster_colors(const std::vector<cv::Mat>& frames, const ColorParams& params) {
  const cv::Mat samples = sample_lab(frames, params.max_samples);
  if (samples.rows == 0) return {};
  const int clusters = std::min(params.clusters, samples.rows);
  cv::Mat labels, centers;
  // kmeans draws its initial centres from OpenCV's thread-local RNG: seeding it makes results repeatable.
  // The previous state is restored so other OpenCV users on this thread are unaffected.
  const cv::RNG saved_rng = cv::theRNG();
  cv::theRNG() = cv::RNG(params.seed);
  cv::kmeans(samples, clusters, labels, cv::TermCriteria(cv::TermCriteria::EPS + cv::TermCriteria::COUNT, 50, 0.1),
             params.attempts, cv::KMEANS_PP_CENTERS, centers);
  cv::theRNG() = saved_rng;

  std::vector<DominantColor> colors(static_cast<size_t>(clusters));
  for (int i = 0; i < clusters; ++i) {
    colors[static_cast<size_t>(i)].lab = cv::Vec3f(centers.at<float>(i, 0), centers.at<float>(i, 1), centers.at<float>(i, 2));
  }
  for (int i = 0; i < labels.rows; ++i) colors[static_cast<size_t>(labels.at<int>(i))].share += 1.0;
  for (DominantColor& color : colors) color.share /= samples.rows;

  // Merge near-identical centres (k-means splits a flat colour into several clusters).
  std::sort(colors.begin(), colors.end(), [](const auto& a, const auto& b) { return a.share > b.share; });
  std::vector<DominantColor> merged;
  for (const DominantColor& color : colors) {
    if (color.share <= 0) continue;
    auto near = std::find_if(merged.begin(), merged.end(), [&](const DominantColor& kept) {
      return cv::norm(kept.lab - color.lab) < params.merge_delta_e;
    });
    if (near == merged.end()) {
      merged.push_back(color);
    } else {
      const double total = near->share + color.share;
      near->lab = (near->lab * static_cast<float>(near->share) + color.lab * static_cast<float>(color.share)) *
                  static_cast<float>(1.0 / total);
      near->share = total;
    }
  }
  for (DominantColor& color : merged) color.rgb = lab_to_rgb(color.lab);
  std::sort(merged.begin(), merged.end(), [](const auto& a, const auto& b) { return a.share > b.share; });
  return merged;
}

}  // namespace

std::string to_hex(const cv::Vec3b& rgb) { return fmt::format("#{:02x}{:02x}{:02x}", rgb[0], rgb[1], rgb[2]); }

cv::Vec3b lab_to_rgb(const cv::Vec3f& lab) {
  cv::Mat lab_pixel(1, 1, CV_32FC3, cv::Scalar(lab[0], lab[1], lab[2]));
  cv::Mat rgb_pixel;
  cv::cvtColor(lab_pixel, rgb_pixel, cv::COLOR_Lab2RGB);
  const cv::Vec3f rgb = rgb_pixel.at<cv::Vec3f>(0, 0);
  cv::Vec3b out;
  for (int c = 0; c < 3; ++c) out[c] = cv::saturate_cast<uchar>(std::lround(std::clamp(rgb[c], 0.f, 1.f) * 255.f));
  return out;
}

ColorStats measure_colors(const std::vector<cv::Mat>& frames, const ColorParams& params) {
  ColorStats stats;
  PixelSums sums;
  for (const cv::Mat& frame : frames) accumulate(frame, params, sums);
  if (sums.count == 0) return stats;

  stats.brightness = sums.luma / sums.count / 255.0;
  stats.contrast = std::sqrt(variance(sums.luma, sums.luma_sq, sums.count)) / 255.0;
  stats.saturation = sums.sat / sums.count / 255.0;
  const double sigma = std::sqrt(variance(sums.rg, sums.rg_sq, sums.count) + variance(sums.yb, sums.yb_sq, sums.count));
  const double mu = std::hypot(sums.rg / sums.count, sums.yb / sums.count);
  stats.colorfulness = sigma + 0.3 * mu;
  const double counted = sums.warm + sums.cool;
  stats.saturated_share = counted / sums.count;
  if (counted > 0) {
    stats.warm_share = sums.warm / counted;
    stats.cool_share = sums.cool / counted;
  }
  stats.dominant = cluster_colors(frames, params);
  return stats;
}

}  // namespace vidscope::analyzers
