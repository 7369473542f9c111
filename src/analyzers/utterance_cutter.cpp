#include "analyzers/utterance_cutter.h"

#include <algorithm>
#include <cmath>

namespace vidscope::analyzers {
namespace {

constexpr double kRate = media::kAudioSampleRate;

}  // namespace

UtteranceCutter::UtteranceCutter(UtteranceParams params, double start_time_s)
    : params_(params), frames_(start_time_s), vad_(params.vad), buffer_start_s_(start_time_s), emitted_until_s_(start_time_s) {}

double UtteranceCutter::buffer_end_s() const { return buffer_start_s_ + static_cast<double>(buffer_.size()) / kRate; }

void UtteranceCutter::add(std::span<const float> samples, const Sink& sink) {
  // The samples go into the buffer first: when a frame closes an interval, its padding after the end
  // is already there (the VAD decides only after `hangover_s`, and padding is at most that much more).
  buffer_.insert(buffer_.end(), samples.begin(), samples.end());
  frames_.add(samples, [&](const AudioFrameFeatures& frame) { on_frame(frame, sink); });
}

void UtteranceCutter::on_frame(const AudioFrameFeatures& frame, const Sink& sink) {
  vad_.add(frame);
  for (const SpeechInterval& interval : vad_.take_closed()) {
    emit(interval.start_s - params_.padding_s, interval.end_s + params_.padding_s, sink);
  }
  const double now = frame.time_s + AudioFrameAnalyzer::kFrameSeconds;
  if (const auto open = vad_.open_start_s()) {
    const double from = std::max(*open - params_.padding_s, emitted_until_s_);
    if (now - from >= params_.max_utterance_s) emit(from, now, sink);
  } else {
    // Idle: keep only what a speech start found in the next frame would need as leading padding.
    trim_before(now - params_.padding_s - AudioFrameAnalyzer::kFrameSeconds);
  }
}

void UtteranceCutter::finish(const Sink& sink) {
  vad_.finish();
  for (const SpeechInterval& interval : vad_.take_closed()) {
    emit(interval.start_s - params_.padding_s, interval.end_s + params_.padding_s, sink);
  }
  buffer_.clear();
}

void UtteranceCutter::emit(double from_s, double to_s, const Sink& sink) {
  from_s = std::max({from_s, emitted_until_s_, buffer_start_s_});
  to_s = std::min(to_s, buffer_end_s());
  if (to_s <= from_s) return;
  const auto first = static_cast<size_t>(std::llround((from_s - buffer_start_s_) * kRate));
  const auto last = std::min(buffer_.size(), static_cast<size_t>(std::llround((to_s - buffer_start_s_) * kRate)));
  if (last <= first) return;
  Utterance utterance;
  utterance.start_s = buffer_start_s_ + static_cast<double>(first) / kRate;
  utterance.audio.assign(buffer_.begin() + static_cast<std::ptrdiff_t>(first), buffer_.begin() + static_cast<std::ptrdiff_t>(last));
  emitted_until_s_ = buffer_start_s_ + static_cast<double>(last) / kRate;
  trim_before(emitted_until_s_);
  sink(std::move(utterance));
}

void UtteranceCutter::trim_before(double time_s) {
  if (time_s <= buffer_start_s_) return;
  const auto drop = std::min(buffer_.size(), static_cast<size_t>(std::floor((time_s - buffer_start_s_) * kRate)));
  buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(drop));
  buffer_start_s_ += static_cast<double>(drop) / kRate;
}

}  // namespace vidscope::analyzers
