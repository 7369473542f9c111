#include "analyzers/text_change.h"

#include <algorithm>

#include <opencv2/imgproc.hpp>

namespace vidscope::analyzers {
namespace {

constexpr int kTile = 16;
// Mean absolute difference of a tile that counts as changed. Re-encoded static video differs by 1-3 grey
// levels; a replaced glyph covers a good part of a tile and moves its mean by tens of levels.
constexpr double kTileChangeLevels = 8.0;
// A gradient this weak is compression noise or a soft background, not a glyph edge.
constexpr double kMinGradient = 24.0;

}  // namespace

cv::Mat text_thumbnail(const cv::Mat& gray) {
  if (gray.cols <= kTextThumbnailWidth) return gray.clone();
  const int height = std::max(1, gray.rows * kTextThumbnailWidth / gray.cols);
  cv::Mat out;
  cv::resize(gray, out, cv::Size(kTextThumbnailWidth, height), 0, 0, cv::INTER_AREA);
  return out;
}

cv::Mat text_region_mask(const cv::Mat& thumbnail) {
  cv::Mat gradient, mask;
  cv::morphologyEx(thumbnail, gradient, cv::MORPH_GRADIENT, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(3, 3)));
  const double otsu = cv::threshold(gradient, mask, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU);
  if (otsu < kMinGradient) cv::threshold(gradient, mask, kMinGradient, 255, cv::THRESH_BINARY);
  cv::morphologyEx(mask, mask, cv::MORPH_CLOSE, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(9, 1)));
  cv::dilate(mask, mask, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(3, 3)));
  return mask;
}

bool TextChangeDetector::needs_ocr(const cv::Mat& gray) {
  const cv::Mat thumbnail = text_thumbnail(gray);
  const cv::Mat mask = text_region_mask(thumbnail);
  bool changed = reference_.empty() || reference_.size() != thumbnail.size();
  if (!changed) {
    cv::Mat difference, either;
    cv::absdiff(thumbnail, reference_, difference);
    cv::bitwise_or(mask, reference_mask_, either);
    for (int y = 0; y < thumbnail.rows && !changed; y += kTile) {
      for (int x = 0; x < thumbnail.cols && !changed; x += kTile) {
        const cv::Rect tile = cv::Rect(x, y, kTile, kTile) & cv::Rect(0, 0, thumbnail.cols, thumbnail.rows);
        if (cv::countNonZero(either(tile)) == 0) continue;
        changed = cv::mean(difference(tile))[0] > kTileChangeLevels;
      }
    }
  }
  if (changed) {
    reference_ = thumbnail;
    reference_mask_ = mask;
  }
  return changed;
}

}  // namespace vidscope::analyzers
