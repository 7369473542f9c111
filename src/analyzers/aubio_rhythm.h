#pragma once
// Onsets and beats of 16 kHz mono audio with aubio: aubio_onset (method "hfc", high-frequency content,
// 512-sample window, 256 hop = 16 ms) and aubio_tempo ("default" beat tracker, 1024 window, 256 hop).
// Streaming: samples are cut into hops internally; times are absolute (start time + aubio's own clock).
//
// Not thread-safe; one instance per stream. Memory: aubio's buffers (a few hundred KiB) plus the
// returned time lists.
#include <span>
#include <vector>

#include "analyzers/aubio_handles.h"

namespace vidscope::analyzers {

struct RhythmParams {
  double onset_threshold = 0;       // aubio's peak-picking threshold; 0 keeps aubio's default for the method
  double onset_min_interval_s = 0.05;
  double silence_dbfs = -60.0;      // aubio's beat tracker ignores hops quieter than this
};

class RhythmTracker {
 public:
  static constexpr int kHop = 256;
  static constexpr int kOnsetWindow = 512;
  static constexpr int kTempoWindow = 1024;

  RhythmTracker(RhythmParams params, double start_time_s);

  void add(std::span<const float> samples);

  // Onset and beat times found so far, removed from the tracker.
  std::vector<double> take_onsets();
  std::vector<double> take_beats();
  // aubio's running tempo estimate (BPM; 0 before any beat) and its confidence (0..1).
  double aubio_bpm() const;
  double aubio_confidence() const;

 private:
  void process_hop();

  double start_time_s_;
  std::vector<float> pending_;
  AubioFvec hop_;
  AubioFvec onset_out_;
  AubioFvec tempo_out_;
  AubioOnset onset_;
  AubioTempo tempo_;
  std::vector<double> onsets_;
  std::vector<double> beats_;
};

// Tempo from beat times: 60 / median inter-beat interval, or 0 with fewer than 4 beats. The median
// ignores the tracker's occasional skipped or doubled beat.
double bpm_from_beats(std::span<const double> beat_times_s);

}  // namespace vidscope::analyzers
