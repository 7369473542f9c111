#pragma once
// Reads a PNG/JPEG (anything OpenCV's imgcodecs reads) as packed 8-bit RGB for the VLM commands.
#include <cstdint>
#include <string>
#include <vector>

#include "vlm/bicubic_resize.h"

namespace vidscope::cli {

struct RgbImageFile {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> rgb;  // row-major, 3 bytes per pixel
  vlm::RgbImageView view() const { return {width, height, rgb}; }
};

// Throws vidscope::Error (input) naming the file when it is missing or not a readable image.
RgbImageFile read_rgb_image(const std::string& path);

}  // namespace vidscope::cli
