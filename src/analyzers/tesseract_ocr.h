#pragma once
// Text lines read by Tesseract (C++ API, one TessBaseAPI per instance, initialised once). Tesseract
// finds the text regions itself (its page layout analysis, in "sparse text" mode by default, which
// suits captions scattered over a video frame) and recognises them with its LSTM engine.
// Not thread-safe: one instance per analyzer instance.
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace tesseract {
class TessBaseAPI;
}

namespace vidscope::analyzers {

struct OcrLine {
  std::string text;      // UTF-8, surrounding whitespace and line breaks removed
  cv::Rect box;          // pixels of the picture given to read()
  double confidence = 0; // Tesseract's line confidence / 100, in [0, 1]
};

enum class OcrLayout { kSparseText, kAuto };

class TesseractOcr {
 public:
  // `tessdata_dir` "" uses Tesseract's built-in location (TESSDATA_PREFIX, else the packaged directory,
  // /usr/share/tesseract-ocr/5/tessdata on Debian). Throws Error(kInput) when the language data cannot
  // be loaded, naming the directory and the language.
  TesseractOcr(const std::string& tessdata_dir, const std::string& language, OcrLayout layout);
  ~TesseractOcr();
  TesseractOcr(const TesseractOcr&) = delete;
  TesseractOcr& operator=(const TesseractOcr&) = delete;

  // Lines in an 8-bit grey picture (CV_8UC1), reading order.
  std::vector<OcrLine> read(const cv::Mat& gray);

  static std::string version();

 private:
  std::unique_ptr<tesseract::TessBaseAPI> api_;
};

}  // namespace vidscope::analyzers
