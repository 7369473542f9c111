#include "vlm/test_support.h"

#include <fstream>
#include <stdexcept>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace vidscope::vlm::test {

std::string vlm_data_path(const std::string& relative) {
  return std::string(VIDSCOPE_TEST_DATA_DIR) + "/vlm/" + relative;
}

OwnedRgb load_test_image(const std::string& name) {
  const std::string path = vlm_data_path("images/" + name);
  const cv::Mat bgr = cv::imread(path, cv::IMREAD_COLOR);
  if (bgr.empty()) throw std::runtime_error("cannot read test image " + path);
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  OwnedRgb out{rgb.cols, rgb.rows, {}};
  out.rgb.resize(static_cast<size_t>(rgb.cols) * rgb.rows * 3);
  for (int y = 0; y < rgb.rows; ++y) {
    const std::uint8_t* row = rgb.ptr<std::uint8_t>(y);
    std::copy(row, row + rgb.cols * 3, out.rgb.begin() + static_cast<std::ptrdiff_t>(y) * rgb.cols * 3);
  }
  return out;
}

nlohmann::json load_json_fixture(const std::string& name) {
  const std::string path = vlm_data_path(name);
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open fixture " + path);
  return nlohmann::json::parse(in);
}

OwnedRgb make_synthetic_rgb(int width, int height) {
  OwnedRgb out{width, height, std::vector<std::uint8_t>(static_cast<size_t>(width) * height * 3)};
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      for (int c = 0; c < 3; ++c) {
        const int v = x * 7 + y * 13 + c * 29 + (x * y) % 17 + ((x / 5 + y / 3) % 2) * 90;
        out.rgb[(static_cast<size_t>(y) * width + x) * 3 + c] = static_cast<std::uint8_t>(v % 256);
      }
    }
  }
  return out;
}

}  // namespace vidscope::vlm::test
