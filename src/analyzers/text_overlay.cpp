#include "analyzers/text_overlay.h"

#include <algorithm>
#include <cctype>
#include <set>

#include <opencv2/imgproc.hpp>

#include "analyzers/cta_phrases.h"
#include "analyzers/frame_mat.h"
#include "analyzers/onnx_model.h"  // skipped_result
#include "analyzers/settings_reader.h"
#include "analyzers/text_regions.h"
#include "base/error.h"

namespace vidscope::analyzers {
namespace {

constexpr char kName[] = "text_overlay";
constexpr double kMaxUpscale = 2.0;
constexpr double kGapIntervals = 2.5;  // a track survives one missed read (blur, a transition)
// Tesseract's LSTM model and page structures: peak RSS grew by ~27 MiB reading 1280x720 frames (maximum RSS
// 89 MiB vs 62 MiB for the same program without OCR); twice that leaves room for larger pictures.
constexpr Bytes kTesseractBytes = 64 * kMiB;

int alnum_count(const std::string& text) {
  return static_cast<int>(std::count_if(text.begin(), text.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)); }));
}

nlohmann::json box_json(const cv::Rect2d& box) { return {box.x, box.y, box.width, box.height}; }

}  // namespace

TextOverlayConfig parse_text_overlay_settings(const nlohmann::json& settings) {
  SettingsReader reader(kName, settings);
  TextOverlayConfig config;
  config.fps = reader.number("fps", config.fps, 0.05, 30);
  config.max_size = reader.integer("max_size", config.max_size, 64, 4096);
  config.language = reader.text("language", config.language);
  config.tessdata_dir = reader.text("tessdata_dir", config.tessdata_dir);
  config.layout = reader.choice("layout", "sparse", {"sparse", "auto"}) == "auto" ? OcrLayout::kAuto : OcrLayout::kSparseText;
  config.min_confidence = reader.number("min_confidence", config.min_confidence, 0, 1);
  config.min_chars = reader.integer("min_chars", config.min_chars, 1, 100);
  config.ocr_min_height = reader.integer("ocr_min_height", config.ocr_min_height, 0, 4096);
  config.skip_unchanged = reader.boolean("skip_unchanged", config.skip_unchanged);
  config.detect_regions = reader.boolean("detect_regions", config.detect_regions);
  config.tracks.max_distance = reader.number("max_distance", config.tracks.max_distance, 0, 1);
  config.tracks.max_gap_s = reader.number("max_gap_s", kGapIntervals / config.fps, 0, 3600);
  reader.reject_unknown_keys();
  if (config.language.empty()) throw_usage_error("analyzer 'text_overlay': setting 'language' must not be empty");
  return config;
}

TextOverlayAnalyzer::TextOverlayAnalyzer() = default;
TextOverlayAnalyzer::~TextOverlayAnalyzer() = default;

std::string TextOverlayAnalyzer::description() const {
  return "on-screen text (Tesseract OCR) tracked over time with positions, confidence and call-to-action phrases";
}

AnalyzerNeeds TextOverlayAnalyzer::needs(const AnalyzerContext& context) const {
  const TextOverlayConfig config = parse_text_overlay_settings(context.settings);
  AnalyzerNeeds needs;
  needs.frames = media::frames_at_fps(config.fps, config.max_size, media::ResizeQuality::kBicubic);
  // Grey copy, the enlargement of its text regions (up to 2x per side) and the thumbnails.
  const Bytes pixels = static_cast<Bytes>(config.max_size) * static_cast<Bytes>(config.max_size);
  needs.resources.ram_bytes = kTesseractBytes + pixels * 6;
  needs.resources.threads = 1;
  return needs;
}

void TextOverlayAnalyzer::begin(const AnalyzerContext& context) {
  config_ = parse_text_overlay_settings(context.settings);
  segments_ = nlohmann::json::array();
  frames_sampled_ = ocr_calls_ = skipped_ocr_calls_ = frames_without_text_regions_ = ocr_regions_ = 0;
  last_lines_.clear();
  change_.reset();
  tracks_ = std::make_unique<TextTrackBuilder>(config_.tracks);
  skip_reason_.clear();
  // Tesseract is initialised once per analyzer instance and reused across runs with the same data.
  const std::string key = config_.tessdata_dir + '\n' + config_.language + '\n' +
                          (config_.layout == OcrLayout::kAuto ? "auto" : "sparse");
  if (ocr_ && key == ocr_key_) return;
  ocr_.reset();
  ocr_key_ = key;
  try {
    ocr_ = std::make_unique<TesseractOcr>(config_.tessdata_dir, config_.language, config_.layout);
  } catch (const Error& e) {
    if (!config_.tessdata_dir.empty()) throw;
    skip_reason_ = e.what();
  }
}

std::vector<TextObservation> TextOverlayAnalyzer::read_frame(const cv::Mat& gray) {
  double scale = 1.0;
  if (config_.ocr_min_height > 0 && gray.rows < config_.ocr_min_height) {
    scale = std::min(kMaxUpscale, static_cast<double>(config_.ocr_min_height) / gray.rows);
  }
  const std::vector<cv::Rect> regions =
      config_.detect_regions ? find_text_regions(gray) : std::vector<cv::Rect>{cv::Rect(0, 0, gray.cols, gray.rows)};
  std::vector<TextObservation> lines;
  for (const cv::Rect& region : regions) {
    cv::Mat picture;
    if (scale > 1.0) {
      cv::resize(gray(region), picture, cv::Size(), scale, scale, cv::INTER_CUBIC);
    } else {
      picture = gray(region);
    }
    ++ocr_regions_;
    for (const OcrLine& line : ocr_->read(picture)) {
      if (line.confidence < config_.min_confidence || alnum_count(line.text) < config_.min_chars) continue;
      const cv::Rect2d box((region.x + line.box.x / scale) / gray.cols, (region.y + line.box.y / scale) / gray.rows,
                           line.box.width / scale / gray.cols, line.box.height / scale / gray.rows);
      lines.push_back({line.text, box, line.confidence});
    }
  }
  return lines;
}

void TextOverlayAnalyzer::process(const SegmentInput& input) {
  if (!ocr_) return;
  int frames = 0, calls = 0;
  std::set<std::string> texts;
  for (const media::FramePtr& frame : input.frames) {
    if (!frame) continue;
    cv::Mat gray;
    cv::cvtColor(view_rgb(*frame), gray, cv::COLOR_RGB2GRAY);
    ++frames;
    if (!config_.skip_unchanged || change_.needs_ocr(gray)) {
      const int regions_before = ocr_regions_;
      last_lines_ = read_frame(gray);
      if (ocr_regions_ > regions_before) {
        ++calls;
      } else {
        ++frames_without_text_regions_;
      }
    } else {
      ++skipped_ocr_calls_;
    }
    tracks_->observe(frame->time_s, last_lines_);
    for (const TextObservation& line : last_lines_) texts.insert(line.text);
  }
  frames_sampled_ += frames;
  ocr_calls_ += calls;
  segments_.push_back({{"index", input.segment.index}, {"t0", input.segment.t0}, {"t1", input.segment.t1},
                       {"frames", frames}, {"ocr_calls", calls}, {"texts", texts}});
}

nlohmann::json TextOverlayAnalyzer::finish() {
  if (!ocr_) return skipped_result(skip_reason_.empty() ? "Tesseract is not initialised" : skip_reason_);
  nlohmann::json tracks = nlohmann::json::array();
  nlohmann::json cta = nlohmann::json::array();
  const std::vector<TextTrack> found = tracks_ ? tracks_->tracks() : std::vector<TextTrack>{};
  for (size_t t = 0; t < found.size(); ++t) {
    const TextTrack& track = found[t];
    nlohmann::json readings = nlohmann::json::array();
    for (const TextReading& r : track.readings) {
      readings.push_back({{"text", r.text}, {"first_s", r.first_s}, {"last_s", r.last_s}, {"frames", r.frames},
                          {"mean_confidence", r.confidence_sum / std::max(1, r.frames)}});
    }
    const std::string text = track.best_reading().text;
    tracks.push_back({{"text", text}, {"first_s", track.first_s}, {"last_s", track.last_s}, {"box", box_json(track.box)},
                      {"mean_confidence", track.mean_confidence()}, {"frames", track.frames},
                      {"readings", std::move(readings)}});
    for (const CtaMatch& match : find_cta_phrases(text, track.first_s, track.last_s)) {
      nlohmann::json hit = cta_match_to_json(match, "on_screen");
      hit["track"] = t;
      cta.push_back(std::move(hit));
    }
  }
  return {{"status", "ok"},
          {"engine", {{"name", "tesseract"}, {"version", TesseractOcr::version()}, {"language", config_.language},
                      {"layout", config_.layout == OcrLayout::kAuto ? "auto" : "sparse"}}},
          {"frames_sampled", frames_sampled_},
          {"ocr_calls", ocr_calls_},
          {"skipped_ocr_calls", skipped_ocr_calls_},
          {"frames_without_text_regions", frames_without_text_regions_},
          {"ocr_regions", ocr_regions_},
          {"tracks", std::move(tracks)},
          {"cta", std::move(cta)},
          {"segments", segments_},
          {"params", {{"fps", config_.fps}, {"max_size", config_.max_size}, {"min_confidence", config_.min_confidence},
                      {"min_chars", config_.min_chars}, {"max_distance", config_.tracks.max_distance},
                      {"max_gap_s", config_.tracks.max_gap_s}, {"skip_unchanged", config_.skip_unchanged},
                      {"detect_regions", config_.detect_regions}}}};
}

}  // namespace vidscope::analyzers
