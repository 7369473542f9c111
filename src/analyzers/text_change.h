#pragma once
// Decides whether a frame's text could differ from the last frame that was OCRed, so unchanged frames
// are not read again (OCR is the expensive step). Cheap OpenCV text-region detector: morphological
// gradient of a small grey thumbnail, Otsu threshold, horizontal closing (letters join into line
// blobs). The frame "changed" when any 16x16 thumbnail tile that holds text-like pixels (in either
// frame) differs by more than a few grey levels on average; changes elsewhere (a moving background
// without text edges) do not count. Not thread-safe; one instance per analyzer.
#include <opencv2/core.hpp>

namespace vidscope::analyzers {

class TextChangeDetector {
 public:
  // True when `gray` (CV_8UC1, any size) must be OCRed: the first frame, a new size, or changed text
  // regions. Remembers `gray` as the reference only when it returns true.
  bool needs_ocr(const cv::Mat& gray);
  void reset() { reference_ = cv::Mat(); }

 private:
  cv::Mat reference_;       // thumbnail of the last OCRed frame
  cv::Mat reference_mask_;  // its text-like pixels
};

// Small enough to be cheap, large enough to see a changed digit.
inline constexpr int kTextThumbnailWidth = 480;

// `gray` shrunk (area) to kTextThumbnailWidth wide, or a copy when it is not wider.
cv::Mat text_thumbnail(const cv::Mat& gray);
// The text-like pixel mask of a grey thumbnail (255 = text-like), as described above.
cv::Mat text_region_mask(const cv::Mat& thumbnail);

}  // namespace vidscope::analyzers
