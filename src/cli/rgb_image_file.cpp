#include "cli/rgb_image_file.h"

#include <filesystem>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "base/error.h"

namespace vidscope::cli {

RgbImageFile read_rgb_image(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) throw_input_error(path + ": no such image file");
  cv::Mat bgr;
  try {
    bgr = cv::imread(path, cv::IMREAD_COLOR);
  } catch (const cv::Exception& e) {
    throw_input_error(path + ": cannot decode the image (" + e.what() + ")");
  }
  if (bgr.empty()) throw_input_error(path + ": not an image OpenCV can read (PNG, JPEG, ...)");
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  RgbImageFile out;
  out.width = rgb.cols;
  out.height = rgb.rows;
  out.rgb.resize(static_cast<std::size_t>(rgb.cols) * static_cast<std::size_t>(rgb.rows) * 3);
  for (int y = 0; y < rgb.rows; ++y) {
    const std::uint8_t* row = rgb.ptr<std::uint8_t>(y);
    std::copy(row, row + static_cast<std::ptrdiff_t>(rgb.cols) * 3,
              out.rgb.begin() + static_cast<std::ptrdiff_t>(y) * rgb.cols * 3);
  }
  return out;
}

}  // namespace vidscope::cli
