#pragma once
// Internal to the media layer: RAII owners for FFmpeg objects and the checked file opening shared by
// probe_video and SegmentSource. Not part of the public contract.
#include <memory>
#include <string>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/frame.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
}

namespace vidscope::media::detail {

struct FormatContextCloser {
  void operator()(AVFormatContext* ctx) const { avformat_close_input(&ctx); }
};
struct CodecContextFreer {
  void operator()(AVCodecContext* ctx) const { avcodec_free_context(&ctx); }
};
struct FrameFreer {
  void operator()(AVFrame* frame) const { av_frame_free(&frame); }
};
struct PacketFreer {
  void operator()(AVPacket* packet) const { av_packet_free(&packet); }
};
struct SwsFreer {
  void operator()(SwsContext* ctx) const { sws_freeContext(ctx); }
};
struct SwrFreer {
  void operator()(SwrContext* ctx) const { swr_free(&ctx); }
};

using FormatContextPtr = std::unique_ptr<AVFormatContext, FormatContextCloser>;
using CodecContextPtr = std::unique_ptr<AVCodecContext, CodecContextFreer>;
using AvFramePtr = std::unique_ptr<AVFrame, FrameFreer>;
using PacketPtr = std::unique_ptr<AVPacket, PacketFreer>;
using SwsContextPtr = std::unique_ptr<SwsContext, SwsFreer>;
using SwrContextPtr = std::unique_ptr<SwrContext, SwrFreer>;

AvFramePtr make_frame();    // throws Error(kInternal) when out of memory
PacketPtr make_packet();

std::string av_error_text(int code);

// Routes FFmpeg's own log lines to spdlog (debug level) once per process, so library noise does not
// reach stdout/stderr unless the user asked for verbose logs.
void route_ffmpeg_logs();

// Checks that `path` is a non-empty readable regular file, opens it and reads the stream headers.
// Throws Error(kInput) naming the file and the reason (missing, no permission, empty, not media,
// a still image, truncated header).
FormatContextPtr open_media_file(const std::string& path);

// The video stream that holds the pictures (cover art is skipped), or -1.
int find_video_stream(const AVFormatContext& format);

// Opens a decoder for `stream`; thread_count 0 = automatic. Throws Error(kInput) when the codec is
// unsupported.
CodecContextPtr open_decoder(const std::string& path, const AVStream& stream, int thread_count);

// Clockwise rotation in degrees (0, 90, 180, 270) from the stream's display matrix.
int stream_rotation_deg(const AVStream& stream);

}  // namespace vidscope::media::detail
