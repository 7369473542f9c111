#pragma once
// A TranscriptEngine for tests that "recognizes" a fixed script: each utterance it is given yields the
// next sentence, its words spread evenly over the utterance. It checks the analyzers' plumbing (VAD
// cutting, times, matching) independently of PocketSphinx's accuracy.
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "analyzers/speech_transcriber.h"

namespace vidscope::analyzers::testing {

class ScriptedTranscriptEngine final : public TranscriptEngine {
 public:
  explicit ScriptedTranscriptEngine(std::vector<std::string> sentences) : sentences_(std::move(sentences)) {}

  std::string name() const override { return "scripted"; }
  nlohmann::json describe() const override { return {{"engine", "scripted"}}; }
  Bytes resident_bytes() const override { return 0; }

  std::vector<RecognizedWord> transcribe(std::span<const float> audio, double start_s) override {
    if (next_ >= sentences_.size()) return {};
    std::istringstream in(sentences_[next_++]);
    std::vector<std::string> words;
    for (std::string word; in >> word;) words.push_back(word);
    const double duration = static_cast<double>(audio.size()) / media::kAudioSampleRate;
    std::vector<RecognizedWord> out;
    for (size_t i = 0; i < words.size(); ++i) {
      const double step = duration / static_cast<double>(words.size());
      out.push_back({words[i], start_s + step * static_cast<double>(i), start_s + step * static_cast<double>(i + 1), 0.9});
    }
    return out;
  }

 private:
  std::vector<std::string> sentences_;
  size_t next_ = 0;
};

inline TranscriptEngineFactory scripted_engine_factory(std::vector<std::string> sentences) {
  return [sentences](const TranscriberConfig&) -> std::unique_ptr<TranscriptEngine> {
    return std::make_unique<ScriptedTranscriptEngine>(sentences);
  };
}

}  // namespace vidscope::analyzers::testing
