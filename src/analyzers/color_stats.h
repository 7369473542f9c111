#pragma once
// Colour statistics of a set of frames (one segment): dominant colours by k-means in CIE Lab and
// scalar measures of brightness, contrast, saturation, colourfulness and warmth. Pure functions.
#include <optional>
#include <vector>

#include <opencv2/core.hpp>

namespace vidscope::analyzers {

struct DominantColor {
  cv::Vec3b rgb;   // centre converted back to 8-bit sRGB
  cv::Vec3f lab;   // L in [0, 100], a and b roughly [-128, 127]
  double share = 0;  // fraction of the sampled pixels in this cluster; shares sum to 1
};

struct ColorParams {
  int clusters = 5;
  int attempts = 3;
  int max_samples = 6000;        // pixels fed to k-means, taken on a regular stride
  unsigned long long seed = 0x5eed;  // fixed so that results are reproducible
  double merge_delta_e = 2.0;    // clusters whose centres are closer (CIE76) are reported as one
  double saturated_min = 0.2;    // warm/cool: only pixels with HSV S and V at least this count
};

struct ColorStats {
  std::vector<DominantColor> dominant;  // by share, largest first
  double brightness = 0;     // mean luma (BT.601), 0..1
  double contrast = 0;       // standard deviation of luma, 0..1
  double saturation = 0;     // mean HSV saturation, 0..1
  double colorfulness = 0;   // Hasler & Suesstrunk (2003) M, on 0..255 channel values
  double saturated_share = 0;  // share of pixels that count for warm/cool
  std::optional<double> warm_share;  // among those: hue in [0, 90) or [330, 360) degrees
  std::optional<double> cool_share;  // among those: hue in [90, 330) degrees; nullopt when none count
};

// `frames`: CV_8UC3 R,G,B images (any sizes). Returns all-zero stats for an empty list.
ColorStats measure_colors(const std::vector<cv::Mat>& frames, const ColorParams& params);

// "#rrggbb".
std::string to_hex(const cv::Vec3b& rgb);

// Lab -> 8-bit sRGB, clamped.
cv::Vec3b lab_to_rgb(const cv::Vec3f& lab);

}  // namespace vidscope::analyzers
