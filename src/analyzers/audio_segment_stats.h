#pragma once
// Summary statistics of the 20 ms AudioFrameFeatures of one stretch of audio (a segment), and the
// documented rule that labels the stretch music / speech / silence / noise. Used by audio_features,
// audio_environment and sound_effects. See docs/analyzers.md "audio_features" for the rule's reasoning.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analyzers/audio_frame_features.h"

namespace vidscope::analyzers {

struct AudioStretchStats {
  size_t frames = 0;
  double duration_s = 0;
  double rms_dbfs = -120;          // level of the mean power
  double centroid_hz = 0;          // means over audible frames (level >= -60 dBFS); 0 when none
  double rolloff_hz = 0;
  double flatness = 0;
  double zero_crossing_rate = 0;
  double zero_crossing_rate_cv = 0; // standard deviation / mean of ZCR over audible frames
  double speech_band_ratio = 0;    // power-weighted over all frames
  double flux = 0;
  double level_std_db = 0;         // spread of frame levels over audible frames
  double pause_ratio = 0;          // share of frames 25 dB or more below the stretch's 90th-percentile level (or < -60 dBFS)
  double modulation_2_8hz = 0;     // share of the amplitude envelope's 0.5-25 Hz modulation power in 2-8 Hz
  double beat_periodicity = 0;     // max autocorrelation of the onset-strength envelope at lags 0.25-1.5 s
};

AudioStretchStats summarize_frames(const std::vector<AudioFrameFeatures>& frames);
nlohmann::json stretch_stats_to_json(const AudioStretchStats& stats);

struct AudioClassRule {
  double silence_below_dbfs = -50.0;
  double speech_min_band_ratio = 0.45;
  double speech_min_modulation = 0.25;
  double speech_min_pause_ratio = 0.08;
  double speech_min_zcr_cv = 0.5;
  double music_min_periodicity = 0.75;
  double music_max_pause_ratio = 0.05;
  double music_max_flatness = 0.2;
  double min_duration_s = 0.5;     // shorter stretches get no class
};

// "silence", "speech", "music", "noise", or "" when the stretch is shorter than min_duration_s.
std::string classify_stretch(const AudioStretchStats& stats, const AudioClassRule& rule = {});

}  // namespace vidscope::analyzers
