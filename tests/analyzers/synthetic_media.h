#pragma once
// Builds frames, segments and analyzer runs in memory for the analyzer unit tests.
#include <cmath>
#include <functional>
#include <memory>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "analyzers/analyzer.h"
#include "media/frame.h"
#include "media/segment.h"

namespace vidscope::analyzers::testing {

// Copies an RGB CV_8UC3 image into a media::Frame.
inline media::FramePtr make_frame(const cv::Mat& rgb, std::int64_t index, double time_s) {
  auto frame = std::make_shared<media::Frame>();
  frame->index = index;
  frame->time_s = time_s;
  frame->width = rgb.cols;
  frame->height = rgb.rows;
  frame->rgb.resize(static_cast<size_t>(rgb.cols) * rgb.rows * 3);
  cv::Mat view(rgb.rows, rgb.cols, CV_8UC3, frame->rgb.data());
  rgb.copyTo(view);
  return frame;
}

inline cv::Mat solid(cv::Scalar rgb, int width = 256, int height = 144) { return cv::Mat(height, width, CV_8UC3, rgb); }

// A textured picture: stripes and a circle in two colours, so hue, saturation and edges all vary.
inline cv::Mat pattern(cv::Scalar a, cv::Scalar b, int stripe, int width = 256, int height = 144) {
  cv::Mat image(height, width, CV_8UC3, a);
  for (int x = 0; x < width; x += 2 * stripe) cv::rectangle(image, cv::Rect(x, 0, stripe, height), b, cv::FILLED);
  cv::circle(image, cv::Point(width / 2, height / 2), height / 3, (a + b) * 0.5, cv::FILLED);
  return image;
}

// Linear cross-fade: (1 - alpha) * from + alpha * to.
inline cv::Mat blend(const cv::Mat& from, const cv::Mat& to, double alpha) {
  cv::Mat out;
  cv::addWeighted(from, 1.0 - alpha, to, alpha, 0.0, out);
  return out;
}

// Runs `analyzer` over a video of `frame_count` frames at `fps`, cut into segments of `segment_s`,
// every frame delivered once (as the pipeline does for kEveryFrame).
inline nlohmann::json run_on_frames(Analyzer& analyzer, const std::function<cv::Mat(int)>& draw, int frame_count,
                                    double fps, double segment_s = 2.0, nlohmann::json settings = nlohmann::json::object()) {
  AnalyzerContext context;
  context.video.duration_s = frame_count / fps;
  context.video.fps = fps;
  context.settings = std::move(settings);
  analyzer.begin(context);
  const double duration = frame_count / fps;
  int next_frame = 0;
  for (int index = 0; index * segment_s < duration; ++index) {
    media::Segment segment;
    segment.index = index;
    segment.t0 = index * segment_s;
    segment.t1 = std::min(duration, (index + 1) * segment_s);
    segment.is_last = segment.t1 >= duration;
    std::vector<media::FramePtr> frames;
    while (next_frame < frame_count && next_frame / fps < segment.t1) {
      frames.push_back(make_frame(draw(next_frame), next_frame, next_frame / fps));
      ++next_frame;
    }
    analyzer.process(SegmentInput{segment, frames});
  }
  return analyzer.finish();
}

}  // namespace vidscope::analyzers::testing
