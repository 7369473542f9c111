#include "analyzers/pacing.h"

#include <algorithm>
#include <cmath>

#include "analyzers/frame_mat.h"
#include "analyzers/settings_reader.h"
#include "analyzers/shot_list.h"

namespace vidscope::analyzers {
namespace {

constexpr char kName[] = "pacing";
constexpr size_t kWindowSamples = media::kAudioSampleRate / 50;  // 20 ms: a syllable is ~100-300 ms

double to_dbfs(double rms) { return rms > 1e-6 ? 20.0 * std::log10(rms) : -120.0; }

nlohmann::json shot_length_json(const std::vector<ShotSpan>& shots) {
  if (shots.empty()) return nullptr;
  std::vector<double> lengths;
  for (const ShotSpan& s : shots) lengths.push_back(s.duration_s());
  std::sort(lengths.begin(), lengths.end());
  double sum = 0;
  for (const double l : lengths) sum += l;
  const double mean = sum / lengths.size();
  double squares = 0;
  for (const double l : lengths) squares += (l - mean) * (l - mean);
  const size_t mid = lengths.size() / 2;
  const double median = lengths.size() % 2 ? lengths[mid] : (lengths[mid - 1] + lengths[mid]) / 2;
  return {{"mean_s", mean},     {"median_s", median},
          {"min_s", lengths.front()}, {"max_s", lengths.back()},
          {"std_s", std::sqrt(squares / lengths.size())}};
}

}  // namespace

PacingConfig parse_pacing_settings(const nlohmann::json& settings) {
  SettingsReader reader(kName, settings);
  PacingConfig c;
  c.detector.threshold = reader.number("cut_threshold", c.detector.threshold, 0, 255);
  c.detector.min_shot_s = reader.number("min_shot_s", c.detector.min_shot_s, 0, 3600);
  c.hook_s = reader.number("hook_s", c.hook_s, 0.1, 3600);
  c.silence_dbfs = reader.number("silence_dbfs", c.silence_dbfs, -120, 0);
  c.speech_low_energy_share = reader.number("speech_low_energy_share", c.speech_low_energy_share, 0, 1);
  c.max_size = reader.integer("max_size", c.max_size, 16, 4096);
  reader.reject_unknown_keys();
  c.detector.fade.min_shot_s = c.detector.min_shot_s;
  return c;
}

AudioBalance classify_audio(std::span<const float> samples, const PacingConfig& config) {
  AudioBalance out;
  std::vector<double> window_rms;
  double total_square = 0;
  for (size_t start = 0; start + kWindowSamples <= samples.size(); start += kWindowSamples) {
    double square = 0;
    for (size_t i = start; i < start + kWindowSamples; ++i) square += static_cast<double>(samples[i]) * samples[i];
    total_square += square;
    window_rms.push_back(std::sqrt(square / kWindowSamples));
  }
  if (window_rms.empty()) {
    out.label = "silence";
    return out;
  }
  out.rms_dbfs = to_dbfs(std::sqrt(total_square / (window_rms.size() * kWindowSamples)));
  double mean_rms = 0;
  for (const double r : window_rms) mean_rms += r / window_rms.size();
  const auto quiet = std::count_if(window_rms.begin(), window_rms.end(), [&](double r) { return r < 0.5 * mean_rms; });
  out.low_energy_share = static_cast<double>(quiet) / window_rms.size();
  // Speech stops between syllables and words, so many short windows fall well below the average; music
  // and other sustained sound keep most windows near it (Scheirer & Slaney's "low energy" feature).
  if (out.rms_dbfs < config.silence_dbfs) out.label = "silence";
  else if (out.low_energy_share >= config.speech_low_energy_share) out.label = "speech_like";
  else out.label = "music_like";
  return out;
}

std::string PacingAnalyzer::description() const {
  return "pacing: shot lengths, cuts per minute, the opening hook, activity and a speech/music proxy over time";
}

AnalyzerNeeds PacingAnalyzer::needs(const AnalyzerContext& context) const {
  const PacingConfig config = parse_pacing_settings(context.settings);
  AnalyzerNeeds needs;
  needs.frames = media::every_frame(config.max_size);  // the same stream as shot_cuts, so the pipeline decodes it once
  needs.audio = true;
  // The shot detector's window (as shot_cuts), one more prepared frame for the activity score, and the
  // 20 ms window levels of one segment.
  const Bytes plane = static_cast<Bytes>(config.max_size) * static_cast<Bytes>(config.max_size);
  const Bytes kept_frames = static_cast<Bytes>(2 * config.detector.window_width + config.detector.fade_guard_frames + 6);
  const Bytes window_levels = static_cast<Bytes>(std::ceil(context.plan.segment_duration_s * 50 + 1)) * 8;
  needs.resources.ram_bytes = kept_frames * plane * 4 + plane * 12 + window_levels + kMiB;
  needs.resources.threads = 1;
  return needs;
}

void PacingAnalyzer::begin(const AnalyzerContext& context) {
  config_ = parse_pacing_settings(context.settings);
  video_has_audio_ = context.video.has_audio();
  detector_.emplace(config_.detector);
  previous_.reset();
  last_frame_index_ = -1;
  video_end_s_ = context.video.duration_s;
  hook_motion_ = all_motion_ = Activity{};
  timeline_ = nlohmann::json::array();
  silence_s_ = speech_s_ = music_s_ = 0;
}

void PacingAnalyzer::process(const SegmentInput& input) {
  if (!detector_) throw_internal_error("pacing: process() called before begin()");
  const media::Segment& segment = input.segment;
  video_end_s_ = std::max(video_end_s_, segment.t1);
  Activity segment_motion;
  for (const media::FramePtr& frame : input.frames) {
    if (!frame || frame->index <= last_frame_index_) continue;  // overlap delivers some frames twice
    last_frame_index_ = frame->index;
    const cv::Mat rgb = view_rgb(*frame);
    detector_->add_frame(rgb, frame->index, frame->time_s);
    ContentFrame current = prepare_content_frame(rgb, false);
    if (previous_ && previous_->lum.size() == current.lum.size()) {
      // Visual activity: the same frame-difference score that finds cuts, averaged.
      const double score = compare_content_frames(*previous_, current).score(ContentWeights{});
      segment_motion.sum += score;
      ++segment_motion.count;
      all_motion_.sum += score;
      ++all_motion_.count;
      if (frame->time_s < config_.hook_s) {
        hook_motion_.sum += score;
        ++hook_motion_.count;
      }
    }
    previous_ = std::move(current);
  }
  nlohmann::json entry = {{"index", segment.index}, {"t0", segment.t0}, {"t1", segment.t1},
                          {"activity", segment_motion.mean()}};
  if (video_has_audio_ || !segment.audio.empty()) {
    const AudioBalance audio = classify_audio(segment.audio, config_);
    entry["audio"] = {{"rms_dbfs", audio.rms_dbfs}, {"low_energy_share", audio.low_energy_share}, {"label", audio.label}};
    const double seconds = std::max(0.0, segment.t1 - segment.t0);
    (audio.label == "silence" ? silence_s_ : audio.label == "speech_like" ? speech_s_ : music_s_) += seconds;
  }
  timeline_.push_back(std::move(entry));
}

nlohmann::json PacingAnalyzer::audio_summary() const {
  const double total = silence_s_ + speech_s_ + music_s_;
  if (!video_has_audio_ && total <= 0) return {{"has_audio", false}};
  auto share = [&](double s) { return total > 0 ? s / total : 0.0; };
  return {{"has_audio", true},
          {"speech_like_share", share(speech_s_)},
          {"music_like_share", share(music_s_)},
          {"silence_share", share(silence_s_)}};
}

nlohmann::json PacingAnalyzer::finish() {
  if (!detector_) throw_internal_error("pacing: finish() called before begin()");
  detector_->finish();
  const std::vector<ShotSpan> shots = list_shots(*detector_, video_end_s_, config_.detector.min_shot_s);
  const double duration = shots.empty() ? 0.0 : shots.back().end_s - shots.front().start_s;
  const size_t cuts = shots.empty() ? 0 : shots.size() - 1;
  int hook_cuts = 0;
  for (size_t i = 1; i < shots.size(); ++i) hook_cuts += shots[i].start_s < config_.hook_s ? 1 : 0;
  const double overall_activity = all_motion_.mean();
  nlohmann::json hook = {{"window_s", config_.hook_s}, {"cuts", hook_cuts}, {"activity", hook_motion_.mean()}};
  // > 1: the opening moves more than the video as a whole.
  hook["activity_vs_rest"] = overall_activity > 0 ? nlohmann::json(hook_motion_.mean() / overall_activity) : nlohmann::json();
  return {{"shot_count", shots.size()},
          {"cut_count", cuts},
          {"duration_s", duration},
          {"cuts_per_minute", duration > 0 ? nlohmann::json(cuts * 60.0 / duration) : nlohmann::json()},
          {"shot_length", shot_length_json(shots)},
          {"hook", std::move(hook)},
          {"activity", overall_activity},
          {"audio_balance", audio_summary()},
          {"timeline", timeline_},
          {"params",
           {{"cut_threshold", config_.detector.threshold},
            {"min_shot_s", config_.detector.min_shot_s},
            {"hook_s", config_.hook_s},
            {"silence_dbfs", config_.silence_dbfs},
            {"speech_low_energy_share", config_.speech_low_energy_share},
            {"max_size", config_.max_size}}}};
}

}  // namespace vidscope::analyzers
