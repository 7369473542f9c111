#pragma once
// Where a frame may hold text, found cheaply before OCR so that Tesseract reads only those crops and
// never a whole frame of texture (noise, foliage, cellular patterns make its layout analysis and LSTM
// many times slower than on captions, and find nothing there).
//
// Method: the text-like pixel mask of a thumbnail (text_change.h: morphological gradient, Otsu,
// horizontal closing), its connected components filtered by line geometry (not taller than a share of
// the frame, at least as wide as tall, solid enough), components on the same line joined, each box
// padded with room for ascenders and descenders. Lines whose surroundings are busy with pixel-scale
// texture are islands in noise and are dropped, as are blobs that are too tall or too hollow.
#include <vector>

#include <opencv2/core.hpp>

namespace vidscope::analyzers {

struct TextRegionParams {
  double max_line_height = 0.25;  // share of the frame height: taller blobs are shapes or texture
  double min_line_height_px = 4;  // in thumbnail pixels (~10 px at 1280 wide): smaller is noise
  double min_aspect = 1.0;        // width / height of a line candidate
  double min_fill = 0.35;         // mask pixels / box area: a glyph line fills its box, a mesh does not
  double max_ring_busyness = 40;  // grey levels (text_regions.cpp): a busier ring is texture around a blob
  int max_regions = 16;           // more candidates than this are texture; the largest are kept
};

// Boxes in `gray` (CV_8UC1) pixels, clipped to it, largest first. Empty: nothing text-like.
std::vector<cv::Rect> find_text_regions(const cv::Mat& gray, const TextRegionParams& params = {});

}  // namespace vidscope::analyzers
