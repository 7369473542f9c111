#include "media/audio_track.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
}

#include "base/error.h"
#include "media/segment.h"

namespace vidscope::media::detail {

AudioTrack::AudioTrack(const std::string& path, const AVStream& stream)
    : path_(path), time_base_(stream.time_base), decoder_(open_decoder(path, stream, 1)), frame_(make_frame()) {}

void AudioTrack::append_converted(const AVFrame* frame) {
  if (!resampler_) {
    SwrContext* raw = nullptr;
    AVChannelLayout mono = AV_CHANNEL_LAYOUT_MONO;
    AVChannelLayout input{};
    // FFmpeg 5.1 takes the input layout by non-const pointer; give it a copy.
    if (av_channel_layout_copy(&input, &frame->ch_layout) < 0 || input.nb_channels <= 0) {
      av_channel_layout_uninit(&input);
      av_channel_layout_default(&input, std::max(frame->ch_layout.nb_channels, 1));
    }
    const int made = swr_alloc_set_opts2(&raw, &mono, AV_SAMPLE_FMT_FLT, kAudioSampleRate, &input,
                                         static_cast<AVSampleFormat>(frame->format), frame->sample_rate, 0, nullptr);
    av_channel_layout_uninit(&input);
    if (made < 0 || swr_init(raw) < 0) {
      swr_free(&raw);
      warn(fmt::format("{}: cannot resample the audio ({} Hz); continuing without audio", path_, frame->sample_rate));
      finished_ = true;
      return;
    }
    resampler_.reset(raw);
  }
  const int in_samples = frame ? frame->nb_samples : 0;
  const int capacity = swr_get_out_samples(resampler_.get(), in_samples);
  if (capacity <= 0) return;
  const size_t old_size = samples_.size();
  samples_.resize(old_size + static_cast<size_t>(capacity));
  uint8_t* out[1] = {reinterpret_cast<uint8_t*>(samples_.data() + old_size)};
  const int converted = swr_convert(resampler_.get(), out, capacity,
                                    frame ? const_cast<const uint8_t**>(frame->extended_data) : nullptr, in_samples);
  samples_.resize(old_size + static_cast<size_t>(std::max(converted, 0)));
}

void AudioTrack::warn(std::string text) {
  spdlog::warn("{}", text);
  warnings_.push_back(std::move(text));
}

void AudioTrack::decode(const AVPacket* packet) {
  if (finished_) return;
  const int sent = avcodec_send_packet(decoder_.get(), packet);
  if (sent < 0 && sent != AVERROR_EOF) {
    warn(fmt::format("{}: audio decode error ({}); the rest of the audio is treated as silence", path_,
                     av_error_text(sent)));
    finished_ = true;
    return;
  }
  while (true) {
    const int received = avcodec_receive_frame(decoder_.get(), frame_.get());
    if (received == AVERROR(EAGAIN)) break;
    if (received == AVERROR_EOF) {
      if (resampler_) append_converted(nullptr);  // drain the resampler's delay line
      finished_ = true;
      break;
    }
    if (received < 0) {
      warn(fmt::format("{}: audio decode error ({}); the rest of the audio is treated as silence", path_,
                       av_error_text(received)));
      finished_ = true;
      break;
    }
    if (!started_) {
      const std::int64_t ts = frame_->best_effort_timestamp;
      start_s_ = ts == AV_NOPTS_VALUE ? 0.0 : static_cast<double>(ts) * av_q2d(time_base_);
      started_ = true;
    }
    append_converted(frame_.get());
    av_frame_unref(frame_.get());
  }
}

double AudioTrack::covered_until_s() const {
  return start_s_ + static_cast<double>(buffer_begin_ + static_cast<std::int64_t>(samples_.size())) / kAudioSampleRate;
}

std::int64_t AudioTrack::sample_position(double time_s) const {
  return static_cast<std::int64_t>(std::llround((time_s - start_s_) * kAudioSampleRate));
}

std::vector<float> AudioTrack::extract(double begin_s, double end_s, std::int64_t* sample_begin) const {
  const std::int64_t first = sample_position(begin_s);
  const std::int64_t last = sample_position(end_s);
  *sample_begin = first;
  std::vector<float> out(static_cast<size_t>(std::max<std::int64_t>(last - first, 0)), 0.0f);
  if (!started_) return out;
  const std::int64_t buffer_end = buffer_begin_ + static_cast<std::int64_t>(samples_.size());
  const std::int64_t from = std::max(first, buffer_begin_);
  const std::int64_t to = std::min(last, buffer_end);
  for (std::int64_t p = from; p < to; ++p) {
    out[static_cast<size_t>(p - first)] = samples_[static_cast<size_t>(p - buffer_begin_)];
  }
  return out;
}

void AudioTrack::drop_before(double time_s) {
  if (!started_) return;
  const std::int64_t keep_from = sample_position(time_s);
  const std::int64_t drop = std::clamp<std::int64_t>(keep_from - buffer_begin_, 0,
                                                     static_cast<std::int64_t>(samples_.size()));
  samples_.erase(samples_.begin(), samples_.begin() + drop);
  buffer_begin_ += drop;
}

}  // namespace vidscope::media::detail
