#include "media/video_info.h"

#include <nlohmann/json.hpp>

namespace vidscope::media {

void to_json(nlohmann::json& out, const AudioStreamInfo& info) {
  out = nlohmann::json{{"index", info.index},           {"codec", info.codec},
                       {"sample_rate", info.sample_rate}, {"channels", info.channels},
                       {"language", info.language},     {"duration_s", info.duration_s}};
}

void to_json(nlohmann::json& out, const VideoInfo& info) {
  out = nlohmann::json{{"path", info.path},
                       {"container", info.container},
                       {"codec", info.codec},
                       {"duration_s", info.duration_s},
                       {"fps", info.fps},
                       {"variable_fps", info.variable_fps},
                       {"coded_width", info.coded_width},
                       {"coded_height", info.coded_height},
                       {"rotation_deg", info.rotation_deg},
                       {"width", info.width},
                       {"height", info.height},
                       {"pixel_format", info.pixel_format},
                       {"bit_rate", info.bit_rate},
                       {"frame_count", info.frame_count},
                       {"video_stream_index", info.video_stream_index},
                       {"audio_streams", info.audio_streams}};
}

}  // namespace vidscope::media
