#pragma once
// Boxes in the report are normalised to the picture: [x, y, width, height], each in [0, 1], origin at the
// top-left corner, so they do not depend on the size frames were sampled at.
#include <algorithm>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

namespace vidscope::analyzers {

inline nlohmann::json normalized_box(const cv::Rect2d& box, cv::Size picture) {
  const double w = std::max(1, picture.width);
  const double h = std::max(1, picture.height);
  return nlohmann::json::array({box.x / w, box.y / h, box.width / w, box.height / h});
}

}  // namespace vidscope::analyzers
