#include "vlm/bicubic_resize.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "base/error.h"

namespace vidscope::vlm {
namespace {

// Pillow keeps weights in fixed point with 32 - 8 - 2 fractional bits: an 8-bit pixel times a weight,
// summed over the taps, stays inside a signed 32-bit accumulator.
constexpr int kPrecisionBits = 32 - 8 - 2;
constexpr double kCubicSupport = 2.0;

// Keys cubic convolution kernel with a = -0.5 (Pillow's bicubic_filter).
double cubic_weight(double x) {
  constexpr double a = -0.5;
  if (x < 0.0) x = -x;
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

// Pillow's precompute_coeffs + normalize_coeffs_8bpc for the box [0, in_size).
BicubicResizer::AxisFilter make_axis_filter(int in_size, int out_size) {
  const double scale = static_cast<double>(in_size) / out_size;
  const double filter_scale = std::max(scale, 1.0);  // widen the kernel when shrinking (antialias)
  const double support = kCubicSupport * filter_scale;
  BicubicResizer::AxisFilter f;
  f.taps = static_cast<int>(std::ceil(support)) * 2 + 1;
  f.first.resize(out_size);
  f.count.resize(out_size);
  f.weights.assign(static_cast<size_t>(out_size) * f.taps, 0);
  std::vector<double> k(f.taps);
  for (int i = 0; i < out_size; ++i) {
    const double center = (i + 0.5) * scale;
    const double inv_scale = 1.0 / filter_scale;
    // (int) truncates toward zero, exactly as the C cast in Pillow.
    const int lo = std::max(static_cast<int>(center - support + 0.5), 0);
    const int hi = std::min(static_cast<int>(center + support + 0.5), in_size);
    const int n = hi - lo;
    double total = 0.0;
    for (int x = 0; x < n; ++x) {
      k[x] = cubic_weight((x + lo - center + 0.5) * inv_scale);
      total += k[x];
    }
    std::int32_t* w = &f.weights[static_cast<size_t>(i) * f.taps];
    for (int x = 0; x < n; ++x) {
      const double v = total != 0.0 ? k[x] / total : k[x];
      const double fixed = v * (1 << kPrecisionBits);
      w[x] = static_cast<std::int32_t>(v < 0 ? -0.5 + fixed : 0.5 + fixed);
    }
    f.first[i] = lo;
    f.count[i] = n;
  }
  return f;
}

std::uint8_t clip_fixed_to_u8(std::int32_t v) {
  if (v >= (1 << kPrecisionBits << 8)) return 255;
  if (v <= 0) return 0;
  return static_cast<std::uint8_t>(v >> kPrecisionBits);
}

// One pass along x: every row of `src` (width in_w) becomes a row of width out_w.
void resample_rows(const std::uint8_t* src, int in_w, int rows, const BicubicResizer::AxisFilter& f, int out_w,
                   std::uint8_t* dst) {
  for (int y = 0; y < rows; ++y) {
    const std::uint8_t* s = src + static_cast<size_t>(y) * in_w * 3;
    std::uint8_t* d = dst + static_cast<size_t>(y) * out_w * 3;
    for (int x = 0; x < out_w; ++x) {
      const std::int32_t* w = &f.weights[static_cast<size_t>(x) * f.taps];
      const std::uint8_t* p = s + static_cast<size_t>(f.first[x]) * 3;
      std::int32_t r = 1 << (kPrecisionBits - 1), g = r, b = r;
      for (int t = 0; t < f.count[x]; ++t) {
        r += p[3 * t + 0] * w[t];
        g += p[3 * t + 1] * w[t];
        b += p[3 * t + 2] * w[t];
      }
      d[3 * x + 0] = clip_fixed_to_u8(r);
      d[3 * x + 1] = clip_fixed_to_u8(g);
      d[3 * x + 2] = clip_fixed_to_u8(b);
    }
  }
}

// One pass along y: `src` (in rows of `width` pixels) becomes out_h rows.
void resample_columns(const std::uint8_t* src, int width, const BicubicResizer::AxisFilter& f, int out_h,
                      std::uint8_t* dst) {
  const size_t stride = static_cast<size_t>(width) * 3;
  for (int y = 0; y < out_h; ++y) {
    const std::int32_t* w = &f.weights[static_cast<size_t>(y) * f.taps];
    const std::uint8_t* s = src + static_cast<size_t>(f.first[y]) * stride;
    std::uint8_t* d = dst + static_cast<size_t>(y) * stride;
    for (size_t c = 0; c < stride; ++c) {
      std::int32_t acc = 1 << (kPrecisionBits - 1);
      for (int t = 0; t < f.count[y]; ++t) acc += s[t * stride + c] * w[t];
      d[c] = clip_fixed_to_u8(acc);
    }
  }
}

void check_size(int width, int height, const char* what) {
  if (width <= 0 || height <= 0) {
    throw_input_error(std::string("bicubic resize: ") + what + " size " + std::to_string(width) + "x" +
                      std::to_string(height) + " is not positive");
  }
}

}  // namespace

BicubicResizer::BicubicResizer(int in_width, int in_height, int out_width, int out_height)
    : in_width_(in_width), in_height_(in_height), out_width_(out_width), out_height_(out_height) {
  check_size(in_width, in_height, "input");
  check_size(out_width, out_height, "output");
  horizontal_ = make_axis_filter(in_width, out_width);
  vertical_ = make_axis_filter(in_height, out_height);
}

std::vector<std::uint8_t> BicubicResizer::resize(const RgbImageView& image) const {
  if (image.width != in_width_ || image.height != in_height_) {
    throw_input_error("bicubic resize: image is " + std::to_string(image.width) + "x" +
                      std::to_string(image.height) + " but the resizer was made for " +
                      std::to_string(in_width_) + "x" + std::to_string(in_height_));
  }
  const size_t in_bytes = static_cast<size_t>(in_width_) * in_height_ * 3;
  if (image.rgb.size() < in_bytes) {
    throw_input_error("bicubic resize: RGB buffer has " + std::to_string(image.rgb.size()) + " bytes, " +
                      std::to_string(in_bytes) + " needed");
  }
  // Pillow skips a pass whose size does not change; the skipped pass would be an exact identity anyway.
  const bool need_x = out_width_ != in_width_;
  const bool need_y = out_height_ != in_height_;
  std::vector<std::uint8_t> rows;
  const std::uint8_t* after_x = image.rgb.data();
  if (need_x) {
    rows.resize(static_cast<size_t>(out_width_) * in_height_ * 3);
    resample_rows(image.rgb.data(), in_width_, in_height_, horizontal_, out_width_, rows.data());
    after_x = rows.data();
  }
  if (!need_y) {
    if (need_x) return rows;
    return {image.rgb.begin(), image.rgb.begin() + in_bytes};
  }
  std::vector<std::uint8_t> out(static_cast<size_t>(out_width_) * out_height_ * 3);
  resample_columns(after_x, out_width_, vertical_, out_height_, out.data());
  return out;
}

std::vector<std::uint8_t> resize_bicubic(const RgbImageView& image, int out_width, int out_height) {
  return BicubicResizer(image.width, image.height, out_width, out_height).resize(image);
}

}  // namespace vidscope::vlm
