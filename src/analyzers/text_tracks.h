#pragma once
// On-screen text lines from successive sampled frames merged into tracks: a line continues a track when
// its text is close (normalised edit distance) and its box overlaps the track's last box, and the track
// was seen recently. A track keeps its distinct readings (OCR noise, or a counter that ticks) with their
// own times. Not thread-safe.
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace vidscope::analyzers {

// Levenshtein distance over bytes (ASCII-exact; a non-ASCII character counts per byte).
size_t edit_distance(const std::string& a, const std::string& b);
// edit_distance / length of the longer string (0 for two empty strings), case-insensitive, whitespace runs
// collapsed.
double normalized_edit_distance(const std::string& a, const std::string& b);
// Lower case (ASCII), whitespace runs collapsed to one space, trimmed.
std::string normalize_text(const std::string& text);

struct TextObservation {
  std::string text;
  cv::Rect2d box;     // normalised [0, 1] picture coordinates
  double confidence = 0;
};

struct TextReading {
  std::string text;
  double first_s = 0;
  double last_s = 0;
  int frames = 0;
  double confidence_sum = 0;
};

struct TextTrack {
  double first_s = 0;
  double last_s = 0;
  cv::Rect2d box;       // union of all observed boxes
  cv::Rect2d last_box;
  int frames = 0;
  double confidence_sum = 0;
  std::vector<TextReading> readings;  // distinct texts, first seen first

  // The reading seen most often (ties: higher mean confidence).
  const TextReading& best_reading() const;
  double mean_confidence() const { return frames > 0 ? confidence_sum / frames : 0.0; }
};

struct TextTrackParams {
  double max_distance = 0.34;  // normalised edit distance for "the same text"
  double max_gap_s = 1.25;     // a track unseen for longer is closed
  int max_readings = 20;       // distinct readings kept per track (more are counted, not stored)
};

class TextTrackBuilder {
 public:
  explicit TextTrackBuilder(TextTrackParams params = {}) : params_(params) {}
  // Lines of one frame at `time_s`; frames must come in time order.
  void observe(double time_s, const std::vector<TextObservation>& lines);
  // All tracks, ordered by first appearance.
  std::vector<TextTrack> tracks() const { return tracks_; }

 private:
  TextTrackParams params_;
  std::vector<TextTrack> tracks_;
};

}  // namespace vidscope::analyzers
