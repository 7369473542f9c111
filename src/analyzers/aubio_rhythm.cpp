#include "analyzers/aubio_rhythm.h"

#include <algorithm>
#include <limits>

#include "base/error.h"
#include "media/segment.h"

namespace vidscope::analyzers {
namespace {

constexpr uint_t kRate = media::kAudioSampleRate;

}  // namespace

RhythmTracker::RhythmTracker(RhythmParams params, double start_time_s)
    : start_time_s_(start_time_s),
      hop_(new_fvec(kHop)),
      onset_out_(new_fvec(1)),
      tempo_out_(new_fvec(2)),
      onset_(new_aubio_onset("hfc", kOnsetWindow, kHop, kRate)),
      tempo_(new_aubio_tempo("default", kTempoWindow, kHop, kRate)) {
  if (!hop_ || !onset_out_ || !tempo_out_ || !onset_ || !tempo_) throw_internal_error("aubio could not create its onset/tempo trackers");
  if (params.onset_threshold > 0) aubio_onset_set_threshold(onset_.get(), static_cast<smpl_t>(params.onset_threshold));
  aubio_onset_set_minioi_s(onset_.get(), static_cast<smpl_t>(params.onset_min_interval_s));
  // aubio checks silence on the hop where its peak picker confirms an onset, a few hops after the
  // attack: a short click over digital silence would always be dropped. So aubio's gate is off
  // (-inf compares false) and callers judge levels from their own frames.
  aubio_onset_set_silence(onset_.get(), -std::numeric_limits<smpl_t>::infinity());
  aubio_tempo_set_silence(tempo_.get(), static_cast<smpl_t>(params.silence_dbfs));
  pending_.reserve(kHop);
}

void RhythmTracker::add(std::span<const float> samples) {
  for (const float sample : samples) {
    pending_.push_back(sample);
    if (pending_.size() == static_cast<size_t>(kHop)) {
      process_hop();
      pending_.clear();
    }
  }
}

void RhythmTracker::process_hop() {
  std::copy(pending_.begin(), pending_.end(), hop_->data);
  aubio_onset_do(onset_.get(), hop_.get(), onset_out_.get());
  if (onset_out_->data[0] != 0) onsets_.push_back(start_time_s_ + aubio_onset_get_last_s(onset_.get()));
  aubio_tempo_do(tempo_.get(), hop_.get(), tempo_out_.get());
  if (tempo_out_->data[0] != 0) beats_.push_back(start_time_s_ + aubio_tempo_get_last_s(tempo_.get()));
}

std::vector<double> RhythmTracker::take_onsets() {
  std::vector<double> out;
  out.swap(onsets_);
  return out;
}

std::vector<double> RhythmTracker::take_beats() {
  std::vector<double> out;
  out.swap(beats_);
  return out;
}

double RhythmTracker::aubio_bpm() const { return aubio_tempo_get_bpm(tempo_.get()); }
double RhythmTracker::aubio_confidence() const { return aubio_tempo_get_confidence(tempo_.get()); }

double bpm_from_beats(std::span<const double> beat_times_s) {
  if (beat_times_s.size() < 4) return 0.0;
  std::vector<double> intervals;
  for (size_t i = 1; i < beat_times_s.size(); ++i) intervals.push_back(beat_times_s[i] - beat_times_s[i - 1]);
  const auto middle = intervals.begin() + static_cast<std::ptrdiff_t>(intervals.size() / 2);
  std::nth_element(intervals.begin(), middle, intervals.end());
  return *middle > 0 ? 60.0 / *middle : 0.0;
}

}  // namespace vidscope::analyzers
