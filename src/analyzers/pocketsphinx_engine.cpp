#include "analyzers/pocketsphinx_engine.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <mutex>

#include <pocketsphinx.h>
#include <sphinxbase/err.h>

#include "base/error.h"

namespace vidscope::analyzers {
namespace {

constexpr char kModelRoot[] = "/usr/share/pocketsphinx/model/en-us";

// Both the configuration and the decoder are reference-counted C objects; these own one reference.
struct ConfigDeleter {
  void operator()(cmd_ln_t* config) const { cmd_ln_free_r(config); }
};
struct DecoderDeleter {
  void operator()(ps_decoder_t* decoder) const { ps_free(decoder); }
};

// PocketSphinx writes several hundred lines of progress to stderr per utterance through one
// process-wide log stream; the report carries what matters, so the stream is switched off once.
void silence_sphinx_log() {
  static std::once_flag once;
  std::call_once(once, [] { err_set_logfp(nullptr); });
}

Bytes file_bytes(const std::filesystem::path& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    Bytes total = 0;
    for (const auto& entry : std::filesystem::directory_iterator(path, error)) {
      if (entry.is_regular_file(error)) total += static_cast<Bytes>(entry.file_size(error));
    }
    return total;
  }
  const auto size = std::filesystem::file_size(path, error);
  return error ? 0 : static_cast<Bytes>(size);
}

// "word(2)" is the second pronunciation of "word".
std::string strip_variant(const char* raw) {
  std::string word(raw);
  if (const auto paren = word.find('('); paren != std::string::npos && paren > 0) word.resize(paren);
  return word;
}

// Fillers and markers are not words: <s>, </s>, <sil>, [NOISE], (NULL), ++garbage++.
bool is_filler(const char* raw) { return raw[0] == '<' || raw[0] == '[' || raw[0] == '(' || raw[0] == '+'; }

class PocketSphinxEngine final : public TranscriptEngine {
 public:
  PocketSphinxEngine(PocketSphinxModel model, std::unique_ptr<cmd_ln_t, ConfigDeleter> config,
                     std::unique_ptr<ps_decoder_t, DecoderDeleter> decoder, double frames_per_s)
      : model_(std::move(model)), config_(std::move(config)), decoder_(std::move(decoder)), frames_per_s_(frames_per_s) {}

  std::string name() const override { return "pocketsphinx"; }

  nlohmann::json describe() const override {
    return {{"engine", "pocketsphinx"},
            {"version", "0.8+5prealpha"},
            {"language", "en-US"},
            {"acoustic_model", model_.acoustic_model_dir},
            {"language_model", model_.language_model},
            {"dictionary", model_.dictionary}};
  }

  // The language model and dictionary are read into memory (the dictionary's hash table takes about
  // three times its text size) and the acoustic model's Gaussians are loaded whole; the search
  // structures built from them add the rest. Calibrated on the en-us set: files 58 MiB, measured RSS
  // growth ~100 MiB.
  Bytes resident_bytes() const override {
    return file_bytes(model_.language_model) + 3 * file_bytes(model_.dictionary) + file_bytes(model_.acoustic_model_dir) +
           42 * kMiB;
  }

  std::vector<RecognizedWord> transcribe(std::span<const float> audio, double start_s) override {
    pcm_.resize(audio.size());
    std::transform(audio.begin(), audio.end(), pcm_.begin(), [](float sample) {
      return static_cast<int16>(std::lround(std::clamp(sample, -1.0f, 1.0f) * 32767.0f));
    });
    ps_decoder_t* decoder = decoder_.get();
    if (ps_start_utt(decoder) < 0) throw_internal_error("pocketsphinx: cannot start an utterance");
    if (!pcm_.empty() && ps_process_raw(decoder, pcm_.data(), pcm_.size(), FALSE, TRUE) < 0) {
      ps_end_utt(decoder);
      throw_internal_error("pocketsphinx: decoding failed");
    }
    if (ps_end_utt(decoder) < 0) throw_internal_error("pocketsphinx: cannot end the utterance");

    // ps_get_prob runs the lattice forward-backward pass, after which each segment's probability is
    // its posterior.
    ps_get_prob(decoder);
    logmath_t* logmath = ps_get_logmath(decoder);
    std::vector<RecognizedWord> words;
    for (ps_seg_t* seg = ps_seg_iter(decoder); seg != nullptr; seg = ps_seg_next(seg)) {
      const char* raw = ps_seg_word(seg);
      if (raw == nullptr || is_filler(raw)) continue;
      int first_frame = 0, last_frame = 0;
      ps_seg_frames(seg, &first_frame, &last_frame);
      int32 acoustic = 0, language = 0, backoff = 0;
      const int32 log_posterior = ps_seg_prob(seg, &acoustic, &language, &backoff);
      RecognizedWord word;
      word.word = strip_variant(raw);
      word.start_s = start_s + first_frame / frames_per_s_;
      word.end_s = start_s + (last_frame + 1) / frames_per_s_;
      const double posterior = logmath_exp(logmath, log_posterior);
      if (std::isfinite(posterior) && posterior >= 0.0 && posterior <= 1.0 + 1e-6) word.confidence = std::min(1.0, posterior);
      words.push_back(std::move(word));
    }
    return words;
  }

 private:
  PocketSphinxModel model_;
  std::unique_ptr<cmd_ln_t, ConfigDeleter> config_;
  std::unique_ptr<ps_decoder_t, DecoderDeleter> decoder_;
  double frames_per_s_;
  std::vector<int16> pcm_;
};

}  // namespace

PocketSphinxModel default_pocketsphinx_model() {
  const std::string root = kModelRoot;
  return {root + "/en-us", root + "/en-us.lm.bin", root + "/cmudict-en-us.dict"};
}

std::string missing_pocketsphinx_model_reason(const PocketSphinxModel& model) {
  std::error_code error;
  const auto missing = [&](const std::string& path, const char* what) {
    return "PocketSphinx " + std::string(what) + " '" + path +
           "' not found (install the Debian package pocketsphinx-en-us, or set the transcript setting that names it)";
  };
  if (!std::filesystem::is_regular_file(std::filesystem::path(model.acoustic_model_dir) / "mdef", error)) {
    return missing(model.acoustic_model_dir, "acoustic model directory");
  }
  if (!std::filesystem::is_regular_file(model.language_model, error)) return missing(model.language_model, "language model");
  if (!std::filesystem::is_regular_file(model.dictionary, error)) return missing(model.dictionary, "dictionary");
  return "";
}

std::unique_ptr<TranscriptEngine> create_pocketsphinx_engine(const PocketSphinxModel& model) {
  if (const std::string reason = missing_pocketsphinx_model_reason(model); !reason.empty()) throw_input_error(reason);
  silence_sphinx_log();
  std::unique_ptr<cmd_ln_t, ConfigDeleter> config(cmd_ln_init(nullptr, ps_args(), TRUE,                  //
                                                              "-hmm", model.acoustic_model_dir.c_str(),  //
                                                              "-lm", model.language_model.c_str(),       //
                                                              "-dict", model.dictionary.c_str(),         //
                                                              "-samprate", "16000",                      //
                                                              nullptr));
  if (!config) throw_input_error("PocketSphinx rejected its configuration for model '" + model.acoustic_model_dir + "'");
  std::unique_ptr<ps_decoder_t, DecoderDeleter> decoder(ps_init(config.get()));
  if (!decoder) {
    throw_input_error("PocketSphinx could not load the model (acoustic model '" + model.acoustic_model_dir +
                      "', language model '" + model.language_model + "', dictionary '" + model.dictionary + "')");
  }
  const double frames_per_s = cmd_ln_int32_r(config.get(), "-frate");
  return std::make_unique<PocketSphinxEngine>(model, std::move(config), std::move(decoder), frames_per_s > 0 ? frames_per_s : 100.0);
}

}  // namespace vidscope::analyzers
