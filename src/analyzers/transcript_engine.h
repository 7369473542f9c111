#pragma once
// The speech-to-text engine behind the transcript and call_to_action analyzers. An engine turns one
// utterance of 16 kHz mono float audio into words with times; the analyzers cut the utterances (VAD),
// keep the output format and never see engine details. A stronger engine (e.g. a Whisper port) replaces
// PocketSphinx by implementing this interface and adding a choice to the `engine` setting; the
// analyzers' output does not change.
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/units.h"

namespace vidscope::analyzers {

struct RecognizedWord {
  std::string word;                 // lower-case spelling, no pronunciation variant marks
  double start_s = 0;               // absolute time in the video
  double end_s = 0;
  std::optional<double> confidence; // 0..1 posterior when the engine has one
};

class TranscriptEngine {
 public:
  virtual ~TranscriptEngine() = default;

  // Short engine name for the report, e.g. "pocketsphinx".
  virtual std::string name() const = 0;
  // What was loaded (model paths, language), for the report.
  virtual nlohmann::json describe() const = 0;
  // Bytes the engine keeps resident once loaded (model, search structures), measured or estimated.
  virtual Bytes resident_bytes() const = 0;

  // Decodes one utterance. `audio`: 16 kHz mono samples in [-1, 1] (values outside are clipped);
  // `start_s`: the time of audio[0]. Returns the recognized words in time order with absolute times;
  // empty for silence or noise. Memory use grows with the utterance's length, so callers cut long
  // speech into utterances (see utterance_cutter.h). Throws Error(kInternal) when the engine fails.
  // Not thread-safe: one engine instance serves one analyzer at a time.
  virtual std::vector<RecognizedWord> transcribe(std::span<const float> audio, double start_s) = 0;
};

}  // namespace vidscope::analyzers
