#pragma once
// Audio for the audio analyzer tests: WAV files read and resampled to the pipeline's 16 kHz mono,
// synthetic signals, and a runner that feeds audio as segments the way the media layer does.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <numbers>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>
}

#include "analyzers/analyzer.h"
#include "media/segment.h"

namespace vidscope::analyzers::testing {

constexpr int kRate = media::kAudioSampleRate;

inline std::string audio_data_path(const std::string& relative) {
  return std::string(VIDSCOPE_TEST_DATA_DIR) + "/audio/" + relative;
}
inline std::string generated_path(const std::string& name) { return std::string(VIDSCOPE_GENERATED_MEDIA_DIR) + "/" + name; }

// Reads a mono PCM s16le WAV file and resamples it to 16 kHz with libswresample (the same resampler the
// media layer uses). Throws std::runtime_error for anything else.
inline std::vector<float> read_wav_16k(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto u32 = [&](size_t at) { std::uint32_t v; std::memcpy(&v, bytes.data() + at, 4); return v; };
  const auto u16 = [&](size_t at) { std::uint16_t v; std::memcpy(&v, bytes.data() + at, 2); return v; };
  if (bytes.size() < 12 || std::memcmp(bytes.data(), "RIFF", 4) != 0 || std::memcmp(bytes.data() + 8, "WAVE", 4) != 0) {
    throw std::runtime_error(path + " is not a WAV file");
  }
  int rate = 0, channels = 0, bits = 0;
  std::vector<float> input;
  for (size_t at = 12; at + 8 <= bytes.size();) {
    const std::uint32_t size = u32(at + 4);
    const size_t body = at + 8;
    if (body + size > bytes.size()) break;
    if (std::memcmp(bytes.data() + at, "fmt ", 4) == 0) {
      channels = u16(body + 2);
      rate = static_cast<int>(u32(body + 4));
      bits = u16(body + 14);
    } else if (std::memcmp(bytes.data() + at, "data", 4) == 0) {
      if (channels != 1 || bits != 16) throw std::runtime_error(path + ": only mono 16-bit PCM is supported here");
      for (size_t i = 0; i + 1 < size; i += 2) {
        std::int16_t sample;
        std::memcpy(&sample, bytes.data() + body + i, 2);
        input.push_back(static_cast<float>(sample) / 32768.0f);
      }
    }
    at = body + size + (size & 1);
  }
  if (rate <= 0) throw std::runtime_error(path + ": no fmt chunk");
  if (rate == kRate) return input;
  AVChannelLayout mono = AV_CHANNEL_LAYOUT_MONO;
  SwrContext* swr = nullptr;
  if (swr_alloc_set_opts2(&swr, &mono, AV_SAMPLE_FMT_FLT, kRate, &mono, AV_SAMPLE_FMT_FLT, rate, 0, nullptr) < 0 ||
      swr_init(swr) < 0) {
    swr_free(&swr);
    throw std::runtime_error("swresample setup failed");
  }
  std::vector<float> output(static_cast<size_t>(swr_get_out_samples(swr, static_cast<int>(input.size()))) + 64);
  const std::uint8_t* in_planes[] = {reinterpret_cast<const std::uint8_t*>(input.data())};
  std::uint8_t* out_planes[] = {reinterpret_cast<std::uint8_t*>(output.data())};
  int produced = swr_convert(swr, out_planes, static_cast<int>(output.size()), in_planes, static_cast<int>(input.size()));
  if (produced < 0) produced = 0;
  std::uint8_t* tail_planes[] = {reinterpret_cast<std::uint8_t*>(output.data() + produced)};
  const int tail = swr_convert(swr, tail_planes, static_cast<int>(output.size()) - produced, nullptr, 0);
  swr_free(&swr);
  output.resize(static_cast<size_t>(produced + std::max(0, tail)));
  return output;
}

inline std::vector<float> sine(double seconds, double amplitude, double frequency) {
  std::vector<float> samples(static_cast<size_t>(seconds * kRate));
  for (size_t i = 0; i < samples.size(); ++i) {
    samples[i] = static_cast<float>(amplitude * std::sin(2 * std::numbers::pi * frequency * static_cast<double>(i) / kRate));
  }
  return samples;
}

// Uniform white noise of RMS `rms` (fixed seed: reproducible).
inline std::vector<float> noise(double seconds, double rms, unsigned seed = 7) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  const double scale = rms * std::sqrt(3.0);  // RMS of U(-1, 1) is 1/sqrt(3)
  std::vector<float> samples(static_cast<size_t>(seconds * kRate));
  for (float& s : samples) s = static_cast<float>(scale * uniform(rng));
  return samples;
}

// Clicks at `bpm`: each a 10 ms decaying 1 kHz + noise burst, the first at `first_s`.
inline std::vector<float> click_track(double seconds, double bpm, double first_s = 0.5) {
  std::vector<float> samples(static_cast<size_t>(seconds * kRate), 0.0f);
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  for (double t = first_s; t < seconds; t += 60.0 / bpm) {
    const auto start = static_cast<size_t>(t * kRate);
    for (size_t i = 0; i < static_cast<size_t>(0.03 * kRate) && start + i < samples.size(); ++i) {
      const double decay = std::exp(-static_cast<double>(i) / (0.005 * kRate));
      const double tone = std::sin(2 * std::numbers::pi * 1000.0 * static_cast<double>(i) / kRate);
      samples[start + i] = static_cast<float>(0.8 * decay * (0.6 * tone + 0.4 * uniform(rng)));
    }
  }
  return samples;
}

inline void mix_into(std::vector<float>& base, const std::vector<float>& add, double at_s) {
  const auto start = static_cast<size_t>(at_s * kRate);
  for (size_t i = 0; i < add.size() && start + i < base.size(); ++i) base[start + i] += add[i];
}

inline AnalyzerContext context_with_audio(nlohmann::json settings = nlohmann::json::object()) {
  AnalyzerContext context;
  context.video.audio_streams.push_back(media::AudioStreamInfo{1, "aac", 48000, 2, "", 0});
  context.settings = std::move(settings);
  return context;
}

// Feeds `audio` as segments of `segment_s` overlapping by `overlap_ratio`, as the media layer does.
inline nlohmann::json run_on_audio(Analyzer& analyzer, const std::vector<float>& audio, double segment_s = 2.0,
                                   double overlap_ratio = 0.0, nlohmann::json settings = nlohmann::json::object()) {
  analyzer.begin(context_with_audio(std::move(settings)));
  const double duration = static_cast<double>(audio.size()) / kRate;
  const double stride = segment_s * (1.0 - overlap_ratio);
  size_t seen = 0;
  for (int index = 0; index * stride < duration; ++index) {
    media::Segment segment;
    segment.index = index;
    segment.t0 = index * stride;
    segment.t1 = std::min(duration, segment.t0 + segment_s);
    const auto begin = static_cast<size_t>(std::lround(segment.t0 * kRate));
    const auto end = std::min(audio.size(), static_cast<size_t>(std::lround(segment.t1 * kRate)));
    segment.audio.assign(audio.begin() + static_cast<std::ptrdiff_t>(begin), audio.begin() + static_cast<std::ptrdiff_t>(end));
    segment.audio_t0 = segment.t0;
    segment.audio_new_begin = seen > begin ? seen - begin : 0;
    segment.is_last = segment.t1 >= duration;
    seen = std::max(seen, end);
    const std::vector<media::FramePtr> no_frames;
    analyzer.process(SegmentInput{segment, no_frames});
    if (segment.is_last) break;
  }
  return analyzer.finish();
}

// Word error rate: word-level Levenshtein distance / reference length, on lower-case words with
// punctuation removed.
inline std::vector<std::string> wer_words(const std::string& text) {
  std::vector<std::string> words;
  std::string current;
  for (const char raw : text) {
    const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(raw)));
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '\'') {
      current.push_back(c);
    } else if (!current.empty()) {
      words.push_back(current);
      current.clear();
    }
  }
  if (!current.empty()) words.push_back(current);
  return words;
}

inline double word_error_rate(const std::string& reference, const std::string& hypothesis) {
  const auto ref = wer_words(reference);
  const auto hyp = wer_words(hypothesis);
  std::vector<size_t> row(hyp.size() + 1);
  for (size_t j = 0; j <= hyp.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= ref.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= hyp.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (ref[i - 1] == hyp[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return ref.empty() ? 0.0 : static_cast<double>(row[hyp.size()]) / static_cast<double>(ref.size());
}

}  // namespace vidscope::analyzers::testing
