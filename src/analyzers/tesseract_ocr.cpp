#include "analyzers/tesseract_ocr.h"

#include <fmt/format.h>
#include <tesseract/baseapi.h>
#include <tesseract/resultiterator.h>

#include "base/error.h"

namespace vidscope::analyzers {
namespace {

// Frames carry no resolution; telling Tesseract one silences its "estimating resolution" guess, and 300
// matches the text sizes read() is given after upscaling (glyphs 20-60 px high).
constexpr int kAssumedDpi = 300;

std::string trimmed(const char* text) {
  std::string s = text ? text : "";
  const auto begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  const auto end = s.find_last_not_of(" \t\r\n");
  s = s.substr(begin, end - begin + 1);
  for (char& c : s) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return s;
}

}  // namespace

TesseractOcr::TesseractOcr(const std::string& tessdata_dir, const std::string& language, OcrLayout layout)
    : api_(std::make_unique<tesseract::TessBaseAPI>()) {
  const char* datapath = tessdata_dir.empty() ? nullptr : tessdata_dir.c_str();
  if (api_->Init(datapath, language.c_str(), tesseract::OEM_LSTM_ONLY) != 0) {
    api_.reset();
    throw_input_error(fmt::format("Tesseract cannot load language '{}' from {} (install tesseract-ocr-{} or set "
                                  "'tessdata_dir')", language,
                                  tessdata_dir.empty() ? std::string("its default tessdata directory") : "'" + tessdata_dir + "'",
                                  language));
  }
  api_->SetPageSegMode(layout == OcrLayout::kAuto ? tesseract::PSM_AUTO : tesseract::PSM_SPARSE_TEXT);
  api_->SetVariable("debug_file", "/dev/null");  // Tesseract's diagnostics would otherwise go to stderr
}

TesseractOcr::~TesseractOcr() {
  if (api_) api_->End();
}

std::string TesseractOcr::version() { return tesseract::TessBaseAPI::Version(); }

std::vector<OcrLine> TesseractOcr::read(const cv::Mat& gray) {
  CV_Assert(gray.type() == CV_8UC1);
  api_->SetImage(gray.data, gray.cols, gray.rows, 1, static_cast<int>(gray.step));
  api_->SetSourceResolution(kAssumedDpi);
  std::vector<OcrLine> lines;
  if (api_->Recognize(nullptr) != 0) return lines;
  std::unique_ptr<tesseract::ResultIterator> it(api_->GetIterator());
  if (!it) return lines;
  do {
    std::unique_ptr<char[]> text(it->GetUTF8Text(tesseract::RIL_TEXTLINE));
    OcrLine line;
    line.text = trimmed(text.get());
    if (line.text.empty()) continue;
    int left = 0, top = 0, right = 0, bottom = 0;
    it->BoundingBox(tesseract::RIL_TEXTLINE, &left, &top, &right, &bottom);
    line.box = cv::Rect(left, top, right - left, bottom - top);
    line.confidence = it->Confidence(tesseract::RIL_TEXTLINE) / 100.0;
    lines.push_back(std::move(line));
  } while (it->Next(tesseract::RIL_TEXTLINE));
  api_->Clear();
  return lines;
}

}  // namespace vidscope::analyzers
