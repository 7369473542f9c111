// SegmentSource: one demux/decode pass feeding the SegmentAssembler (which frames go where) and the
// AudioTrack (which samples go where). Only the pictures and samples that pending segments still
// need are kept, so memory does not grow with the video's length.
#include "media/segment_source.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "base/error.h"
#include "media/audio_track.h"
#include "media/av_handles.h"
#include "media/frame_converter.h"
#include "media/segment_assembler.h"

namespace vidscope::media {
namespace {

// When the audio lags the video by more than this in the file's interleaving, a segment is handed
// out with the missing audio as silence rather than holding more video frames.
constexpr double kMaxAudioLag_s = 2.0;

// A decoded picture (a reference to the decoder's buffer) converted on demand, once per converter.
class DecodedPicture final : public detail::Picture {
 public:
  DecodedPicture(double time_s, std::int64_t index, detail::AvFramePtr picture,
                 std::vector<detail::FrameConverter>& converters, const std::vector<size_t>& converter_of_spec)
      : Picture(time_s, index),
        picture_(std::move(picture)),
        converters_(converters),
        converter_of_spec_(converter_of_spec),
        converted_(converters.size()) {}

  FramePtr frame_for(size_t spec_index) override {
    const size_t c = converter_of_spec_[spec_index];
    if (!converted_[c]) converted_[c] = converters_[c].convert(*picture_, time_s(), index());
    return converted_[c];
  }

 private:
  detail::AvFramePtr picture_;
  std::vector<detail::FrameConverter>& converters_;
  const std::vector<size_t>& converter_of_spec_;
  std::vector<FramePtr> converted_;
};

void validate(const std::string& path, const SourceOptions& options) {
  const SegmentPlan& plan = options.plan;
  if (!(plan.segment_duration_s > 0) || !(plan.overlap_ratio >= 0 && plan.overlap_ratio <= 0.9)) {
    throw_usage_error("segment duration must be > 0 and overlap in [0, 0.9] (reading " + path + ")");
  }
  for (const FrameStreamSpec& spec : options.streams) {
    if (spec.mode == SampleMode::kFps && !(spec.fps > 0)) throw_usage_error("a frame stream at 0 fps was requested");
    if (spec.mode == SampleMode::kPerSegment && spec.count < 1) throw_usage_error("a frame stream of 0 frames per segment was requested");
    if (spec.max_width < 0 || spec.max_height < 0) throw_usage_error("a frame stream with a negative size was requested");
  }
}

}  // namespace

struct SegmentSource::Impl {
  std::string path;
  SourceOptions options;
  VideoInfo info;
  detail::FormatContextPtr format;
  const AVStream* video_stream = nullptr;
  detail::CodecContextPtr video_decoder;
  detail::AvFramePtr decoded;
  detail::PacketPtr packet;
  std::vector<detail::FrameConverter> converters;  // one per distinct (size, quality)
  std::vector<size_t> converter_of_spec;
  std::unique_ptr<detail::AudioTrack> audio;
  int audio_stream_index = -1;
  detail::SegmentAssembler assembler;

  bool have_origin = false;
  double origin_s = 0;           // absolute time of the first video picture
  double last_time_s = -1;       // normalised time of the latest picture
  double last_duration_s = 0;
  std::int64_t next_picture_index = 0;
  std::int64_t audio_emitted_end = 0;  // absolute sample position just past the last segment's audio
  bool audio_emitted_any = false;
  bool demux_done = false;
  bool video_done = false;
  std::vector<std::string> warnings;  // decode problems of the video and the container, oldest first

  void warn(std::string text) {
    spdlog::warn("{}", text);
    warnings.push_back(std::move(text));
  }

  Impl(const std::string& file, SourceOptions opts)
      : path(file),
        options(std::move(opts)),
        info(probe_video(file)),
        assembler(options.plan, options.streams, info.duration_s) {}

  void open() {
    format = detail::open_media_file(path);
    video_stream = format->streams[info.video_stream_index];
    video_decoder = detail::open_decoder(path, *video_stream, options.decoder_threads);
    decoded = detail::make_frame();
    packet = detail::make_packet();
    const detail::PictureSize upright{info.width, info.height};
    for (const FrameStreamSpec& spec : options.streams) {
      const detail::PictureSize size = detail::fit_inside(upright, spec.max_width, spec.max_height);
      auto same = std::find_if(converters.begin(), converters.end(), [&](const detail::FrameConverter& c) {
        return c.output_size() == size && c.quality() == spec.quality;
      });
      if (same == converters.end()) {
        converters.emplace_back(size, info.rotation_deg, spec.quality);
        same = converters.end() - 1;
      }
      converter_of_spec.push_back(static_cast<size_t>(same - converters.begin()));
    }
    if (options.want_audio && info.has_audio()) {
      audio_stream_index = info.audio_streams.front().index;
      try {
        audio = std::make_unique<detail::AudioTrack>(path, *format->streams[audio_stream_index]);
      } catch (const Error& error) {
        warn(fmt::format("{}; continuing without audio", error.what()));
        audio_stream_index = -1;
      }
    }
    for (unsigned i = 0; i < format->nb_streams; ++i) {
      const bool used = static_cast<int>(i) == info.video_stream_index || static_cast<int>(i) == audio_stream_index;
      format->streams[i]->discard = used ? AVDISCARD_DEFAULT : AVDISCARD_ALL;
    }
  }

  double nominal_frame_duration() const { return info.fps > 0 ? 1.0 / info.fps : 0.04; }

  void take_picture() {
    const AVRational time_base = video_stream->time_base;
    std::int64_t ts = decoded->best_effort_timestamp;
    double duration = decoded->pkt_duration > 0 ? decoded->pkt_duration * av_q2d(time_base) : 0.0;
    if (duration <= 0) duration = nominal_frame_duration();
    double time_s;
    if (ts == AV_NOPTS_VALUE) {
      time_s = have_origin ? last_time_s + last_duration_s : 0.0;
    } else {
      const double absolute = static_cast<double>(ts) * av_q2d(time_base);
      if (!have_origin) {
        origin_s = absolute;
        have_origin = true;
      }
      time_s = absolute - origin_s;
    }
    if (!have_origin) have_origin = true;  // no timestamps at all: the container clock starts at 0
    // Timestamps that go backwards (broken muxers) would break time order: keep them just after the
    // previous picture.
    if (last_time_s >= 0 && time_s <= last_time_s) time_s = last_time_s + 1e-3;
    last_time_s = time_s;
    last_duration_s = duration;
    detail::AvFramePtr reference = detail::make_frame();
    av_frame_move_ref(reference.get(), decoded.get());
    assembler.add_picture(std::make_shared<DecodedPicture>(time_s, next_picture_index++, std::move(reference),
                                                           converters, converter_of_spec));
  }

  // Sends one packet (nullptr: flush) and takes every picture it yields. Returns false when the
  // decoder failed, which ends the video early.
  bool decode_video(const AVPacket* input) {
    const int sent = avcodec_send_packet(video_decoder.get(), input);
    if (sent < 0 && sent != AVERROR_EOF) {
      warn(fmt::format("{}: video decode error after {:.3f} s ({}); keeping the {} frames decoded so far", path,
                       std::max(last_time_s, 0.0), detail::av_error_text(sent), next_picture_index));
      return false;
    }
    while (true) {
      const int received = avcodec_receive_frame(video_decoder.get(), decoded.get());
      if (received == AVERROR(EAGAIN) || received == AVERROR_EOF) return true;
      if (received < 0) {
        warn(fmt::format("{}: video decode error after {:.3f} s ({}); keeping the {} frames decoded so far", path,
                         std::max(last_time_s, 0.0), detail::av_error_text(received), next_picture_index));
        return false;
      }
      take_picture();
    }
  }

  void end_video() {
    if (video_done) return;
    video_done = true;
    if (next_picture_index == 0) {
      throw_input_error(path + ": no video frame could be decoded (the file is damaged or truncated)");
    }
    assembler.finish(last_time_s + last_duration_s);
    if (audio) {
      audio->decode(nullptr);
      audio->finish();
    }
  }

  // Reads and decodes one packet; at the end of the file (or a damaged spot) flushes and finishes.
  void advance() {
    const int read = av_read_frame(format.get(), packet.get());
    if (read < 0) {
      if (read != AVERROR_EOF) {
        warn(fmt::format("{}: read error after {:.3f} s ({}); stopping there", path, std::max(last_time_s, 0.0),
                         detail::av_error_text(read)));
      }
      demux_done = true;
      decode_video(nullptr);
      end_video();
      return;
    }
    bool ok = true;
    if (packet->stream_index == info.video_stream_index) {
      ok = decode_video(packet.get());
    } else if (audio && packet->stream_index == audio_stream_index) {
      audio->decode(packet.get());
    }
    av_packet_unref(packet.get());
    if (!ok) {
      demux_done = true;
      end_video();
    }
  }

  bool audio_ready_until(double t1) const {
    if (!audio || audio->finished()) return true;
    return audio->covered_until_s() >= origin_s + t1 || last_time_s > t1 + kMaxAudioLag_s;
  }

  Segment hand_out() {
    Segment segment = assembler.pop_front();
    if (audio) {
      std::int64_t first = 0;
      segment.audio = audio->extract(origin_s + segment.t0, origin_s + segment.t1, &first);
      segment.audio_t0 = segment.t0;
      const std::int64_t fresh_from = audio_emitted_any ? audio_emitted_end : first;
      segment.audio_new_begin =
          static_cast<size_t>(std::clamp<std::int64_t>(fresh_from - first, 0, static_cast<std::int64_t>(segment.audio.size())));
      audio_emitted_end = std::max(audio_emitted_end, first + static_cast<std::int64_t>(segment.audio.size()));
      audio_emitted_any = true;
      // The next segment starts one stride later: nothing before that is needed again.
      audio->drop_before(origin_s + segment.t0 + options.plan.stride_s());
    }
    return segment;
  }
};

SegmentSource::SegmentSource(const std::string& path, SourceOptions options) {
  validate(path, options);
  impl_ = std::make_unique<Impl>(path, std::move(options));
  impl_->open();
}

SegmentSource::~SegmentSource() = default;

const VideoInfo& SegmentSource::info() const { return impl_->info; }

int SegmentSource::expected_segment_count() const {
  const double stride = impl_->options.plan.stride_s();
  const double duration = impl_->info.duration_s;
  if (duration <= 0) return 0;
  return std::max(1, static_cast<int>(std::ceil(duration / stride - 1e-9)));
}

std::optional<Segment> SegmentSource::next() {
  Impl& impl = *impl_;
  while (true) {
    if (impl.assembler.front_ready() && (impl.video_done || impl.audio_ready_until(impl.assembler.front_end_s()))) {
      return impl.hand_out();
    }
    if (impl.video_done) return std::nullopt;
    impl.advance();
  }
}

std::vector<std::string> SegmentSource::warnings() const {
  std::vector<std::string> all = impl_->warnings;
  if (impl_->audio) all.insert(all.end(), impl_->audio->warnings().begin(), impl_->audio->warnings().end());
  return all;
}

double SegmentSource::progress() const {
  if (impl_->video_done) return 1.0;
  if (impl_->info.duration_s <= 0 || impl_->last_time_s < 0) return 0.0;
  return std::clamp(impl_->last_time_s / impl_->info.duration_s, 0.0, 1.0);
}

}  // namespace vidscope::media
