#pragma once
// Bicubic resize of packed RGB24 images that reproduces Pillow's Image.resize(..., BICUBIC) bit for bit:
// separable Keys cubic (a = -0.5), the kernel widened by the scale factor when shrinking (antialias),
// weights normalised per output pixel and quantised to 22-bit fixed point, horizontal pass first into an
// 8-bit intermediate, then the vertical pass, each rounded and clamped to 0..255. The released models
// were trained on images preprocessed this way, and the reference outputs use it too.
#include <cstdint>
#include <span>
#include <vector>

namespace vidscope::vlm {

// A read-only view of a packed RGB24 image (row stride = width * 3, top row first). The caller keeps
// the bytes alive while the view is used.
struct RgbImageView {
  int width = 0;
  int height = 0;
  std::span<const std::uint8_t> rgb;
};

// Resizes many same-sized images (the frames of one video) to one output size; the filter weights are
// computed once in the constructor. Immutable after construction: resize() may run on several threads.
class BicubicResizer {
 public:
  // Throws vidscope::Error (input) when a size is not positive.
  BicubicResizer(int in_width, int in_height, int out_width, int out_height);

  // Returns out_width * out_height * 3 bytes. Throws vidscope::Error (input) when `image` does not have
  // the input size given to the constructor or its buffer is shorter than width * height * 3.
  std::vector<std::uint8_t> resize(const RgbImageView& image) const;

  int out_width() const { return out_width_; }
  int out_height() const { return out_height_; }

  // Weights of one axis: for output index i, `taps` weights starting at input index first[i].
  struct AxisFilter {
    int taps = 0;
    std::vector<int> first;
    std::vector<int> count;
    std::vector<std::int32_t> weights;  // size out * taps, fixed point
  };

 private:
  int in_width_, in_height_, out_width_, out_height_;
  AxisFilter horizontal_;
  AxisFilter vertical_;
};

// Convenience for a single image: same as BicubicResizer(...).resize(image); returns a copy when the
// size is unchanged (Pillow does the same).
std::vector<std::uint8_t> resize_bicubic(const RgbImageView& image, int out_width, int out_height);

}  // namespace vidscope::vlm
