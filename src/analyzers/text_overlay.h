#pragma once
// text_overlay: on-screen text read with Tesseract on frames sampled at a fixed rate, merged across
// frames into tracks (first/last time, position, confidence, readings), with the call-to-action phrases
// found in it. Only text-like regions are OCRed (text_regions.h), and frames whose text regions did not
// change are not OCRed again (text_change.h). See docs/analyzers.md.
#include <memory>
#include <string>
#include <vector>

#include "analyzers/analyzer.h"
#include "analyzers/tesseract_ocr.h"
#include "analyzers/text_change.h"
#include "analyzers/text_tracks.h"

namespace vidscope::analyzers {

struct TextOverlayConfig {
  double fps = 2.0;
  int max_size = 1280;
  std::string language = "eng";
  std::string tessdata_dir;  // "" = Tesseract's default
  OcrLayout layout = OcrLayout::kSparseText;
  double min_confidence = 0.5;
  int min_chars = 2;             // letters or digits a line needs to count
  int ocr_min_height = 720;      // shorter frames are enlarged (at most 2x) before OCR
  bool skip_unchanged = true;
  bool detect_regions = true;    // OCR only text-like regions (text_regions.h); false: whole frames
  TextTrackParams tracks;        // max_gap_s defaults to 2.5 sampling intervals
};

// Throws Error(kUsage) for unknown keys or bad values.
TextOverlayConfig parse_text_overlay_settings(const nlohmann::json& settings);

class TextOverlayAnalyzer final : public Analyzer {
 public:
  TextOverlayAnalyzer();
  ~TextOverlayAnalyzer() override;
  std::string name() const override { return "text_overlay"; }
  std::string description() const override;
  AnalyzerNeeds needs(const AnalyzerContext& context) const override;
  // Initialises Tesseract once. Missing language data: Error(kInput) when `tessdata_dir` was set,
  // otherwise the analyzer reports {"status": "skipped"} with the reason.
  void begin(const AnalyzerContext& context) override;
  void process(const SegmentInput& input) override;
  nlohmann::json finish() override;

 private:
  std::vector<TextObservation> read_frame(const cv::Mat& gray);

  TextOverlayConfig config_;
  std::unique_ptr<TesseractOcr> ocr_;
  std::string ocr_key_;  // the data directory, language and layout ocr_ was initialised with
  std::string skip_reason_;
  TextChangeDetector change_;
  std::unique_ptr<TextTrackBuilder> tracks_;
  std::vector<TextObservation> last_lines_;
  nlohmann::json segments_ = nlohmann::json::array();
  int frames_sampled_ = 0;
  int ocr_calls_ = 0;
  int skipped_ocr_calls_ = 0;
  int frames_without_text_regions_ = 0;  // changed frames with nothing text-like: not given to Tesseract
  int ocr_regions_ = 0;                  // crops given to Tesseract
};

}  // namespace vidscope::analyzers
