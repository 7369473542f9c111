#pragma once
// The frame-difference score of PySceneDetect's ContentDetector (scenedetect/detectors/
// content_detector.py), ported: frames are converted to HSV, and the score of a pair is the weighted
// mean of the mean absolute per-pixel differences of hue, saturation and value, plus (optionally) the
// share of pixels whose dilated Canny edges differ, scaled to 0..255. Values follow OpenCV's 8-bit HSV
// (hue 0..179), as PySceneDetect's do, so its thresholds (27 for a hard cut) carry over.
#include <opencv2/core.hpp>

namespace vidscope::analyzers {

struct ContentWeights {
  double hue = 1.0;
  double sat = 1.0;
  double lum = 1.0;
  double edges = 0.0;
};

// One frame prepared for comparison. Owns its planes (they outlive the source frame).
struct ContentFrame {
  cv::Mat hue, sat, lum;  // CV_8U planes
  cv::Mat edges;          // CV_8U 0/255 dilated edges; empty when edges were not requested
  double mean_rgb = 0;    // mean of all R, G and B values, 0..255 (ThresholdDetector's measure)
};

struct ContentDelta {
  double hue = 0, sat = 0, lum = 0, edges = 0;

  // Weighted mean of the components, divided by the sum of the absolute weights.
  double score(const ContentWeights& weights) const;
};

// `rgb` is CV_8UC3 in R,G,B order. `with_edges` computes the edge plane (costs a Canny and a dilate).
ContentFrame prepare_content_frame(const cv::Mat& rgb, bool with_edges);

// Both frames must have the same size (and both have edges, or the edge delta is 0).
ContentDelta compare_content_frames(const ContentFrame& previous, const ContentFrame& current);

}  // namespace vidscope::analyzers
