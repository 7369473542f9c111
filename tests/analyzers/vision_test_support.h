#pragma once
// Shared by the vision analyzer tests: paths of the committed fixtures and a one-segment run.
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "analyzers/analyzer.h"
#include "analyzers/synthetic_media.h"
#include "base/error.h"

namespace vidscope::analyzers::testing {

inline std::string model_path(const std::string& name) { return std::string(VIDSCOPE_TEST_DATA_DIR) + "/models/" + name; }

// tests/data/faces/astronaut.jpg as RGB (public domain, see its README).
inline cv::Mat astronaut_rgb() {
  const cv::Mat bgr = cv::imread(std::string(VIDSCOPE_TEST_DATA_DIR) + "/faces/astronaut.jpg", cv::IMREAD_COLOR);
  if (bgr.empty()) return bgr;
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return rgb;
}

// begin, one segment [0, 1) holding `images` as frames at 0, 0.25, ..., process, finish.
inline nlohmann::json run_one_segment(Analyzer& analyzer, const std::vector<cv::Mat>& images, nlohmann::json settings) {
  AnalyzerContext context;
  context.video.duration_s = 1.0;
  context.settings = std::move(settings);
  analyzer.begin(context);
  media::Segment segment;
  segment.t0 = 0;
  segment.t1 = 1.0;
  segment.is_last = true;
  std::vector<media::FramePtr> frames;
  for (size_t i = 0; i < images.size(); ++i) frames.push_back(make_frame(images[i], static_cast<std::int64_t>(i), 0.25 * i));
  analyzer.process(SegmentInput{segment, frames});
  return analyzer.finish();
}

// The kind of the vidscope::Error `action` throws, or nullopt when it throws none.
template <typename Action>
std::optional<ErrorKind> error_kind_of(Action&& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.kind();
  }
  return std::nullopt;
}

}  // namespace vidscope::analyzers::testing
