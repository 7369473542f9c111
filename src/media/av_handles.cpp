#include "media/av_handles.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <mutex>
#include <string_view>

#include <spdlog/spdlog.h>

extern "C" {
#include <libavutil/display.h>
#include <libavutil/log.h>
}

#include "base/error.h"

namespace vidscope::media::detail {
namespace {

void forward_ffmpeg_log(void* avcl, int level, const char* fmt, va_list args) {
  if (level > AV_LOG_WARNING) return;
  char line[1024];
  int print_prefix = 1;
  av_log_format_line2(avcl, level, fmt, args, line, sizeof(line), &print_prefix);
  std::string_view text(line);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  if (!text.empty()) spdlog::debug("ffmpeg: {}", text);
}

// Demuxers that read single pictures: an image renamed to .mp4 opens as one of these.
bool is_still_image_format(const AVInputFormat& format) {
  const std::string_view name(format.name);
  return name.find("_pipe") != std::string_view::npos || name == "image2";
}

}  // namespace

AvFramePtr make_frame() {
  AvFramePtr frame(av_frame_alloc());
  if (!frame) throw_internal_error("out of memory allocating a video frame");
  return frame;
}

PacketPtr make_packet() {
  PacketPtr packet(av_packet_alloc());
  if (!packet) throw_internal_error("out of memory allocating a packet");
  return packet;
}

std::string av_error_text(int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, text, sizeof(text));
  return text;
}

void route_ffmpeg_logs() {
  static std::once_flag once;
  std::call_once(once, [] { av_log_set_callback(forward_ffmpeg_log); });
}

FormatContextPtr open_media_file(const std::string& path) {
  route_ffmpeg_logs();
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) throw_input_error(path + ": no such file");
    throw_input_error(path + ": cannot be read (" + std::strerror(errno) + ")");
  }
  if (S_ISDIR(status.st_mode)) throw_input_error(path + ": is a directory, not a video file");
  if (!S_ISREG(status.st_mode)) throw_input_error(path + ": is not a regular file");
  if (::access(path.c_str(), R_OK) != 0) {
    throw_input_error(path + ": cannot be read (" + std::strerror(errno) + ")");
  }
  if (status.st_size == 0) throw_input_error(path + ": is empty (0 bytes)");

  AVFormatContext* raw = nullptr;
  const int opened = avformat_open_input(&raw, path.c_str(), nullptr, nullptr);
  if (opened < 0) {
    throw_input_error(path + ": not a readable media file (" + av_error_text(opened) +
                      "; the file may be truncated, damaged or not a video)");
  }
  FormatContextPtr format(raw);
  if (is_still_image_format(*format->iformat)) {
    throw_input_error(path + ": is a still image (" + format->iformat->name + "), not a video");
  }
  const int found = avformat_find_stream_info(format.get(), nullptr);
  if (found < 0) {
    throw_input_error(path + ": cannot read stream information (" + av_error_text(found) + ")");
  }
  return format;
}

int find_video_stream(const AVFormatContext& format) {
  int best = -1;
  for (unsigned i = 0; i < format.nb_streams; ++i) {
    const AVStream& stream = *format.streams[i];
    if (stream.codecpar->codec_type != AVMEDIA_TYPE_VIDEO) continue;
    if (stream.disposition & AV_DISPOSITION_ATTACHED_PIC) continue;  // cover art
    if (stream.codecpar->width <= 0 || stream.codecpar->height <= 0) continue;
    if (best < 0 || (stream.disposition & AV_DISPOSITION_DEFAULT)) best = static_cast<int>(i);
    if (stream.disposition & AV_DISPOSITION_DEFAULT) break;
  }
  return best;
}

CodecContextPtr open_decoder(const std::string& path, const AVStream& stream, int thread_count) {
  const AVCodec* codec = avcodec_find_decoder(stream.codecpar->codec_id);
  if (!codec) {
    throw_input_error(path + ": unsupported codec '" + avcodec_get_name(stream.codecpar->codec_id) + "'");
  }
  CodecContextPtr ctx(avcodec_alloc_context3(codec));
  if (!ctx) throw_internal_error("out of memory allocating a decoder");
  if (avcodec_parameters_to_context(ctx.get(), stream.codecpar) < 0) {
    throw_input_error(path + ": invalid codec parameters for stream " + std::to_string(stream.index));
  }
  ctx->pkt_timebase = stream.time_base;
  if (stream.codecpar->codec_type == AVMEDIA_TYPE_VIDEO) {
    ctx->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
    ctx->thread_count = thread_count > 0 ? thread_count : 0;
  }
  const int opened = avcodec_open2(ctx.get(), codec, nullptr);
  if (opened < 0) {
    throw_input_error(path + ": cannot open the " + codec->name + " decoder (" + av_error_text(opened) + ")");
  }
  return ctx;
}

int stream_rotation_deg(const AVStream& stream) {
  const auto* matrix = reinterpret_cast<const int32_t*>(
      av_stream_get_side_data(&stream, AV_PKT_DATA_DISPLAYMATRIX, nullptr));
  if (!matrix) return 0;
  const double counter_clockwise = av_display_rotation_get(matrix);
  if (std::isnan(counter_clockwise)) return 0;
  // av_display_rotation_get is counter-clockwise; snap to the nearest quarter turn, clockwise.
  const long quarter_turns = std::lround(-counter_clockwise / 90.0);
  return static_cast<int>(((quarter_turns % 4) + 4) % 4) * 90;
}

}  // namespace vidscope::media::detail
