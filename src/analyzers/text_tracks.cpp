#include "analyzers/text_tracks.h"

#include <algorithm>
#include <cctype>
#include <limits>

namespace vidscope::analyzers {

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string normalize_text(const std::string& text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

double normalized_edit_distance(const std::string& a, const std::string& b) {
  const std::string x = normalize_text(a), y = normalize_text(b);
  const size_t longer = std::max(x.size(), y.size());
  return longer == 0 ? 0.0 : static_cast<double>(edit_distance(x, y)) / static_cast<double>(longer);
}

const TextReading& TextTrack::best_reading() const {
  return *std::max_element(readings.begin(), readings.end(), [](const TextReading& a, const TextReading& b) {
    if (a.frames != b.frames) return a.frames < b.frames;
    return a.confidence_sum / a.frames < b.confidence_sum / b.frames;
  });
}

void TextTrackBuilder::observe(double time_s, const std::vector<TextObservation>& lines) {
  std::vector<bool> taken(tracks_.size(), false);  // one line per track per frame
  for (const TextObservation& line : lines) {
    size_t best = tracks_.size();
    double best_distance = std::numeric_limits<double>::max();
    for (size_t t = 0; t < tracks_.size(); ++t) {
      const TextTrack& track = tracks_[t];
      if (taken[t] || time_s - track.last_s > params_.max_gap_s || (track.last_box & line.box).area() <= 0) continue;
      double distance = std::numeric_limits<double>::max();
      for (const TextReading& reading : track.readings) distance = std::min(distance, normalized_edit_distance(reading.text, line.text));
      if (distance <= params_.max_distance && distance < best_distance) {
        best = t;
        best_distance = distance;
      }
    }
    if (best == tracks_.size()) {
      tracks_.push_back({time_s, time_s, line.box, line.box, 0, 0, {}});
      taken.push_back(false);
    }
    TextTrack& track = tracks_[best];
    taken[best] = true;
    track.last_s = time_s;
    track.box |= line.box;
    track.last_box = line.box;
    ++track.frames;
    track.confidence_sum += line.confidence;
    const std::string key = normalize_text(line.text);
    auto reading = std::find_if(track.readings.begin(), track.readings.end(),
                                [&](const TextReading& r) { return normalize_text(r.text) == key; });
    if (reading == track.readings.end()) {
      if (static_cast<int>(track.readings.size()) >= params_.max_readings) continue;
      track.readings.push_back({line.text, time_s, time_s, 0, 0});
      reading = track.readings.end() - 1;
    }
    reading->last_s = time_s;
    ++reading->frames;
    reading->confidence_sum += line.confidence;
  }
}

}  // namespace vidscope::analyzers
