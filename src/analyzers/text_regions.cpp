#include "analyzers/text_regions.h"

#include <algorithm>

#include <opencv2/imgproc.hpp>

#include "analyzers/text_change.h"

namespace vidscope::analyzers {
namespace {

// Two pieces belong to one line when their vertical extents overlap by half the smaller height and the
// gap between them is at most this many line heights (a word space at thumbnail scale is ~0.5).
constexpr double kJoinGapHeights = 1.5;
// Room around a line for Tesseract: its layout analysis needs a margin of background around glyphs,
// and the mask's box can cut ascenders, descenders and thin first/last letters.
constexpr double kPadHeights = 0.5;
constexpr int kPadMinPx = 4;

// A caption stands on a background without fine texture around it (a plain area, a box, a blurred or
// ordinary scene); a blob found inside noise or a cellular pattern is surrounded by more of it. Busyness
// is the mean absolute difference between horizontal and vertical neighbours at full resolution, in a
// ring half a line height wide around the line: about 0-15 grey levels beside captions on plain or
// photographic backgrounds, 60-120 in pixel-scale noise.
constexpr double kRingHeights = 0.5;

double ring_busyness(const cv::Mat& gray, const cv::Rect& box) {
  const int ring = std::max(2, static_cast<int>(kRingHeights * box.height));
  const cv::Rect outer = cv::Rect(box.x - ring, box.y - ring, box.width + 2 * ring, box.height + 2 * ring) &
                         cv::Rect(0, 0, gray.cols, gray.rows);
  if (outer.width < 2 || outer.height < 2) return 0;
  cv::Mat dx, dy;
  const cv::Mat area = gray(outer);
  cv::absdiff(area.colRange(1, area.cols), area.colRange(0, area.cols - 1), dx);
  cv::absdiff(area.rowRange(1, area.rows), area.rowRange(0, area.rows - 1), dy);
  const cv::Rect inner_x = (box - outer.tl()) & cv::Rect(0, 0, dx.cols, dx.rows);
  const cv::Rect inner_y = (box - outer.tl()) & cv::Rect(0, 0, dy.cols, dy.rows);
  const double ring_sum = cv::sum(dx)[0] - cv::sum(dx(inner_x))[0] + cv::sum(dy)[0] - cv::sum(dy(inner_y))[0];
  const double ring_count = static_cast<double>(dx.total() - inner_x.area() + dy.total() - inner_y.area());
  return ring_count > 0 ? ring_sum / ring_count : 0;
}

bool same_line(const cv::Rect& a, const cv::Rect& b) {
  const int overlap = std::min(a.y + a.height, b.y + b.height) - std::max(a.y, b.y);
  if (overlap < std::min(a.height, b.height) / 2) return false;
  const int gap = std::max(a.x, b.x) - std::min(a.x + a.width, b.x + b.width);
  return gap <= kJoinGapHeights * std::max(a.height, b.height);
}

// Repeatedly unites boxes that `joinable` accepts until no two are; few boxes, so quadratic is fine.
template <typename Joinable>
void unite(std::vector<cv::Rect>& boxes, Joinable joinable) {
  for (bool merged = true; merged;) {
    merged = false;
    for (size_t i = 0; i < boxes.size() && !merged; ++i) {
      for (size_t j = i + 1; j < boxes.size() && !merged; ++j) {
        if (!joinable(boxes[i], boxes[j])) continue;
        boxes[i] |= boxes[j];
        boxes.erase(boxes.begin() + static_cast<std::ptrdiff_t>(j));
        merged = true;
      }
    }
  }
}

std::vector<cv::Rect> line_candidates(const cv::Mat& mask, const TextRegionParams& params) {
  cv::Mat labels, stats, centroids;
  const int count = cv::connectedComponentsWithStats(mask, labels, stats, centroids, 8, CV_32S);
  std::vector<cv::Rect> boxes;
  for (int i = 1; i < count; ++i) {
    const cv::Rect box(stats.at<int>(i, cv::CC_STAT_LEFT), stats.at<int>(i, cv::CC_STAT_TOP),
                       stats.at<int>(i, cv::CC_STAT_WIDTH), stats.at<int>(i, cv::CC_STAT_HEIGHT));
    const int pixels = stats.at<int>(i, cv::CC_STAT_AREA);
    if (box.height < params.min_line_height_px || box.height > params.max_line_height * mask.rows) continue;
    if (box.width < params.min_aspect * box.height) continue;
    if (pixels < params.min_fill * box.area()) continue;
    boxes.push_back(box);
  }
  return boxes;
}

}  // namespace

std::vector<cv::Rect> find_text_regions(const cv::Mat& gray, const TextRegionParams& params) {
  CV_Assert(gray.type() == CV_8UC1);
  if (gray.empty()) return {};
  const cv::Mat thumbnail = text_thumbnail(gray);
  const cv::Mat mask = text_region_mask(thumbnail);
  std::vector<cv::Rect> lines = line_candidates(mask, params);
  unite(lines, same_line);

  const double to_frame = static_cast<double>(gray.cols) / thumbnail.cols;
  const cv::Rect frame(0, 0, gray.cols, gray.rows);
  std::vector<cv::Rect> regions;
  for (const cv::Rect& line : lines) {
    const int pad = std::max(kPadMinPx, static_cast<int>(kPadHeights * line.height * to_frame));
    const cv::Rect scaled(static_cast<int>(line.x * to_frame) - pad, static_cast<int>(line.y * to_frame) - pad,
                          static_cast<int>((line.width + 1) * to_frame) + 2 * pad,
                          static_cast<int>((line.height + 1) * to_frame) + 2 * pad);
    const cv::Rect line_in_frame = cv::Rect(static_cast<int>(line.x * to_frame), static_cast<int>(line.y * to_frame),
                                            static_cast<int>(line.width * to_frame), static_cast<int>(line.height * to_frame)) & frame;
    if (ring_busyness(gray, line_in_frame) > params.max_ring_busyness) continue;
    regions.push_back(scaled & frame);
  }
  // Padded lines that touch (a caption of two lines) are read as one block: fewer, larger OCR calls.
  unite(regions, [](const cv::Rect& a, const cv::Rect& b) { return (a & b).area() > 0; });
  std::sort(regions.begin(), regions.end(), [](const cv::Rect& a, const cv::Rect& b) { return a.area() > b.area(); });
  if (regions.size() > static_cast<size_t>(params.max_regions)) regions.resize(static_cast<size_t>(params.max_regions));
  return regions;
}

}  // namespace vidscope::analyzers
