// probe_video: stream headers plus a look at the first packets' timestamps for the VFR flag
// (rule in media/frame_rate_rule.h).
#include <cmath>

extern "C" {
#include <libavutil/pixdesc.h>
}

#include "base/error.h"
#include "media/av_handles.h"
#include "media/frame_rate_rule.h"
#include "media/video_info.h"

namespace vidscope::media {
namespace {

constexpr int kPacketsForFrameRate = 100;

double seconds(std::int64_t ts, AVRational time_base) {
  return ts == AV_NOPTS_VALUE ? 0.0 : static_cast<double>(ts) * av_q2d(time_base);
}

double rate_of(AVRational rate) { return rate.num > 0 && rate.den > 0 ? av_q2d(rate) : 0.0; }

double stream_duration_s(const AVFormatContext& format, const AVStream& stream) {
  if (stream.duration != AV_NOPTS_VALUE && stream.duration > 0) return seconds(stream.duration, stream.time_base);
  if (format.duration == AV_NOPTS_VALUE || format.duration <= 0) return 0.0;
  double total = static_cast<double>(format.duration) / AV_TIME_BASE;
  if (format.start_time != AV_NOPTS_VALUE && stream.start_time != AV_NOPTS_VALUE) {
    // The container's duration runs from its own start; a stream that starts later ends earlier.
    total -= seconds(stream.start_time, stream.time_base) - static_cast<double>(format.start_time) / AV_TIME_BASE;
  }
  return std::max(total, 0.0);
}

std::string metadata_value(const AVDictionary* metadata, const char* key) {
  const AVDictionaryEntry* entry = av_dict_get(metadata, key, nullptr, 0);
  return entry ? entry->value : "";
}

bool first_packets_vary(AVFormatContext& format, int video_index) {
  std::vector<std::int64_t> pts;
  detail::PacketPtr packet = detail::make_packet();
  for (int read = 0; static_cast<int>(pts.size()) < kPacketsForFrameRate && read < 20 * kPacketsForFrameRate; ++read) {
    if (av_read_frame(&format, packet.get()) < 0) break;
    if (packet->stream_index == video_index && packet->pts != AV_NOPTS_VALUE) pts.push_back(packet->pts);
    av_packet_unref(packet.get());
  }
  return detail::is_variable_frame_rate(std::move(pts), av_q2d(format.streams[video_index]->time_base));
}

AudioStreamInfo describe_audio(const AVFormatContext& format, const AVStream& stream) {
  AudioStreamInfo audio;
  audio.index = stream.index;
  audio.codec = avcodec_get_name(stream.codecpar->codec_id);
  audio.sample_rate = stream.codecpar->sample_rate;
  audio.channels = stream.codecpar->ch_layout.nb_channels;
  audio.language = metadata_value(stream.metadata, "language");
  if (audio.language == "und") audio.language.clear();
  audio.duration_s = stream_duration_s(format, stream);
  return audio;
}

}  // namespace

VideoInfo probe_video(const std::string& path) {
  detail::FormatContextPtr format = detail::open_media_file(path);
  const int video_index = detail::find_video_stream(*format);
  if (video_index < 0) {
    bool has_audio = false;
    for (unsigned i = 0; i < format->nb_streams; ++i) {
      has_audio |= format->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO;
    }
    throw_input_error(path + (has_audio ? ": has no video stream (audio only)" : ": has no video stream"));
  }
  const AVStream& stream = *format->streams[video_index];
  const AVCodecParameters& params = *stream.codecpar;

  VideoInfo info;
  info.path = path;
  info.container = format->iformat->name;
  info.codec = avcodec_get_name(params.codec_id);
  info.video_stream_index = video_index;
  info.duration_s = stream_duration_s(*format, stream);
  info.fps = rate_of(stream.avg_frame_rate);
  if (info.fps == 0) info.fps = rate_of(stream.r_frame_rate);
  info.coded_width = params.width;
  info.coded_height = params.height;
  info.rotation_deg = detail::stream_rotation_deg(stream);
  const bool quarter_turn = info.rotation_deg == 90 || info.rotation_deg == 270;
  info.width = quarter_turn ? params.height : params.width;
  info.height = quarter_turn ? params.width : params.height;
  const char* pixel_format = av_get_pix_fmt_name(static_cast<AVPixelFormat>(params.format));
  info.pixel_format = pixel_format ? pixel_format : "unknown";
  info.bit_rate = params.bit_rate > 0 ? params.bit_rate : std::max<std::int64_t>(format->bit_rate, 0);
  info.frame_count = std::max<std::int64_t>(stream.nb_frames, 0);
  for (unsigned i = 0; i < format->nb_streams; ++i) {
    if (format->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO) {
      info.audio_streams.push_back(describe_audio(*format, *format->streams[i]));
    }
  }
  info.variable_fps = first_packets_vary(*format, video_index);
  return info;
}

}  // namespace vidscope::media
