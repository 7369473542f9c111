#pragma once
// What `vidscope probe` reports about a file, read from the container and stream headers.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace vidscope::media {

struct AudioStreamInfo {
  int index = 0;             // stream index in the container
  std::string codec;
  int sample_rate = 0;
  int channels = 0;
  std::string language;      // "" when the container does not say
  double duration_s = 0;
};

struct VideoInfo {
  std::string path;
  std::string container;     // FFmpeg demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
  double duration_s = 0;     // of the chosen video stream (container duration when the stream has none)
  double fps = 0;            // average frame rate
  bool variable_fps = false; // true when frame durations differ (see media/probe.cpp for the rule)
  int coded_width = 0;       // as stored
  int coded_height = 0;
  int rotation_deg = 0;      // 0, 90, 180 or 270, clockwise, from the display matrix
  int width = 0;             // as displayed (after rotation)
  int height = 0;
  std::string pixel_format;  // e.g. "yuv420p"
  std::string codec;         // e.g. "h264"
  std::int64_t bit_rate = 0; // bits/s, 0 when unknown
  std::int64_t frame_count = 0;  // from the header; 0 when unknown (an estimate, never used for timing)
  int video_stream_index = -1;
  std::vector<AudioStreamInfo> audio_streams;

  bool has_audio() const { return !audio_streams.empty(); }
};

void to_json(nlohmann::json& out, const AudioStreamInfo& info);
void to_json(nlohmann::json& out, const VideoInfo& info);

// Opens the file and reads stream headers (and, for the VFR flag, the first packets' timestamps).
// Throws Error(kInput) naming the file for a missing/unreadable file, a non-media file, or a file
// without a decodable video stream.
VideoInfo probe_video(const std::string& path);

}  // namespace vidscope::media
