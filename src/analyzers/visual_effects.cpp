#include "analyzers/visual_effects.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "analyzers/frame_mat.h"
#include "analyzers/settings_reader.h"

namespace vidscope::analyzers {
namespace {

constexpr char kName[] = "visual_effects";
constexpr int kChangedLevels = 8;        // a pixel "changed" when it moved by more than this
constexpr double kSeamBand = 0.02;       // the seam may sit this share of the side away from the centre
constexpr double kSeamDominance = 3.0;   // the seam's mean step exceeds the frame's median by this factor

// Per gap between columns (or rows, `vertical` false) x and x + 1: the mean step and the share of
// lines whose step reaches `edge_levels`. Returns the best candidate inside the central band.
bool has_seam(const cv::Mat& gray, bool vertical, double edge_levels, double min_coverage) {
  const cv::Mat g = vertical ? gray : cv::Mat(gray.t());
  if (g.cols < 8 || g.rows < 2) return false;
  cv::Mat steps;
  cv::absdiff(g.colRange(0, g.cols - 1), g.colRange(1, g.cols), steps);
  cv::Mat mean_step;
  cv::reduce(steps, mean_step, 0, cv::REDUCE_AVG, CV_64F);
  std::vector<double> means(mean_step.begin<double>(), mean_step.end<double>());
  std::vector<double> sorted = means;
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(sorted.size() / 2), sorted.end());
  const double typical = sorted[sorted.size() / 2];
  const int band = std::max(2, static_cast<int>(std::lround(kSeamBand * g.cols)));
  const int centre = g.cols / 2 - 1;  // the gap between the two halves
  for (int x = std::max(0, centre - band); x <= std::min(g.cols - 2, centre + band); ++x) {
    if (means[static_cast<size_t>(x)] < kSeamDominance * typical + 1.0) continue;
    const int crossing = cv::countNonZero(steps.col(x) >= edge_levels);
    if (crossing >= min_coverage * g.rows) return true;
  }
  return false;
}

}  // namespace

VisualEffectsConfig parse_visual_effects_settings(const nlohmann::json& settings) {
  SettingsReader reader(kName, settings);
  VisualEffectsConfig c;
  LumaEventParams& l = c.luma;
  l.black_level = reader.number("black_level", l.black_level, 0, 255);
  l.white_level = reader.number("white_level", l.white_level, 0, 255);
  l.flat_stddev = reader.number("flat_stddev", l.flat_stddev, 0, 255);
  l.min_fade_levels = reader.number("min_fade_levels", l.min_fade_levels, 1, 255);
  l.min_step_levels = reader.number("min_step_levels", l.min_step_levels, 0, 255);
  l.min_fade_frames = reader.integer("min_fade_frames", l.min_fade_frames, 1, 10000);
  l.flash_levels = reader.number("flash_levels", l.flash_levels, 1, 255);
  l.max_flash_s = reader.number("max_flash_s", l.max_flash_s, 0, 10);
  c.freeze_max_mean_diff = reader.number("freeze_max_mean_diff", c.freeze_max_mean_diff, 0, 255);
  c.freeze_max_changed_share = reader.number("freeze_max_changed_share", c.freeze_max_changed_share, 0, 1);
  c.min_freeze_s = reader.number("min_freeze_s", c.min_freeze_s, 0, 3600);
  c.slow_motion.min_repeat_share =
      reader.number("slow_motion_min_repeat_share", c.slow_motion.min_repeat_share, 0.05, 0.95);
  c.slow_motion.min_duration_s = reader.number("slow_motion_min_s", c.slow_motion.min_duration_s, 0.2, 3600);
  c.split_edge_levels = reader.number("split_edge_levels", c.split_edge_levels, 1, 255);
  c.split_min_coverage = reader.number("split_min_coverage", c.split_min_coverage, 0.1, 1);
  c.min_split_s = reader.number("min_split_s", c.min_split_s, 0, 3600);
  c.max_size = reader.integer("max_size", c.max_size, 16, 4096);
  reader.reject_unknown_keys();
  if (l.black_level >= l.white_level) throw_usage_error("analyzer 'visual_effects': black_level must be below white_level");
  return c;
}

SplitEvidence find_split_seams(const cv::Mat& gray, double edge_levels, double min_coverage) {
  return {has_seam(gray, true, edge_levels, min_coverage), has_seam(gray, false, edge_levels, min_coverage)};
}

std::string VisualEffectsAnalyzer::description() const {
  return "fades to/from black or white, flashes, freeze frames, split screens, slow motion by repeated frames";
}

AnalyzerNeeds VisualEffectsAnalyzer::needs(const AnalyzerContext& context) const {
  const VisualEffectsConfig config = parse_visual_effects_settings(context.settings);
  AnalyzerNeeds needs;
  needs.frames = media::every_frame(config.max_size);  // the same stream as shot_cuts, so the pipeline decodes it once
  // Two grey frames, the difference and step planes (float reductions are per column), plus the luma
  // trajectory: 24 bytes per frame, counted for one hour at 60 fps.
  const Bytes plane = static_cast<Bytes>(config.max_size) * static_cast<Bytes>(config.max_size);
  needs.resources.ram_bytes = plane * 8 + 24ull * 60 * 3600 + kMiB;
  needs.resources.threads = 1;
  return needs;
}

void VisualEffectsAnalyzer::begin(const AnalyzerContext& context) {
  config_ = parse_visual_effects_settings(context.settings);
  luma_.clear();
  previous_gray_.release();
  last_frame_index_ = -1;
  freeze_ = split_vertical_ = split_horizontal_ = Run{};
  freezes_ = nlohmann::json::array();
  splits_ = nlohmann::json::array();
  cadence_.emplace(config_.slow_motion);
}

void VisualEffectsAnalyzer::extend(Run& run, bool present, double start_s, double time_s, double min_s,
                                   nlohmann::json& out, const char* orientation) {
  if (present) {
    if (!run.start_s) run.start_s = start_s;
    run.end_s = time_s;
    return;
  }
  if (run.start_s && run.end_s - *run.start_s >= min_s) {
    nlohmann::json entry = {{"start_s", *run.start_s}, {"end_s", run.end_s}};
    if (orientation) entry["orientation"] = orientation;
    out.push_back(std::move(entry));
  }
  run.start_s.reset();
}

void VisualEffectsAnalyzer::analyse_frame(const cv::Mat& rgb, double time_s) {
  cv::Mat gray;
  cv::cvtColor(rgb, gray, cv::COLOR_RGB2GRAY);
  cv::Scalar mean, stddev;
  cv::meanStdDev(gray, mean, stddev);
  luma_.push_back({time_s, mean[0], stddev[0]});

  // A still picture whose every pixel stays put; flat (black/white) screens belong to fades instead.
  bool frozen = false;
  if (!previous_gray_.empty() && previous_gray_.size() == gray.size() && stddev[0] > config_.luma.flat_stddev) {
    cv::Mat difference;
    cv::absdiff(previous_gray_, gray, difference);
    const double changed = static_cast<double>(cv::countNonZero(difference > kChangedLevels)) / difference.total();
    frozen = cv::mean(difference)[0] <= config_.freeze_max_mean_diff && changed <= config_.freeze_max_changed_share;
  }
  extend(freeze_, frozen, previous_time_s_, time_s, config_.min_freeze_s, freezes_, nullptr);
  if (!previous_gray_.empty()) cadence_->add(time_s, frozen);

  const SplitEvidence split = find_split_seams(gray, config_.split_edge_levels, config_.split_min_coverage);
  extend(split_vertical_, split.vertical, time_s, time_s, config_.min_split_s, splits_, "vertical");
  extend(split_horizontal_, split.horizontal, time_s, time_s, config_.min_split_s, splits_, "horizontal");
  previous_gray_ = gray;
  previous_time_s_ = time_s;
}

void VisualEffectsAnalyzer::process(const SegmentInput& input) {
  for (const media::FramePtr& frame : input.frames) {
    if (!frame || frame->index <= last_frame_index_) continue;  // overlap delivers some frames twice
    last_frame_index_ = frame->index;
    analyse_frame(view_rgb(*frame), frame->time_s);
  }
}

nlohmann::json VisualEffectsAnalyzer::finish() {
  // Close the runs still open at the end of the video.
  extend(freeze_, false, 0, 0, config_.min_freeze_s, freezes_, nullptr);
  extend(split_vertical_, false, 0, 0, config_.min_split_s, splits_, "vertical");
  extend(split_horizontal_, false, 0, 0, config_.min_split_s, splits_, "horizontal");
  nlohmann::json speed_changes = nlohmann::json::array();
  if (cadence_) {
    cadence_->finish();
    for (const SlowMotion& m : cadence_->found()) {
      speed_changes.push_back({{"kind", "slow_motion"},
                               {"method", "repeated_frames"},
                               {"start_s", m.start_s},
                               {"end_s", m.end_s},
                               {"repeat_share", m.repeat_share},
                               {"factor", m.factor}});
    }
  }
  std::sort(splits_.begin(), splits_.end(),
            [](const auto& a, const auto& b) { return a.at("start_s").template get<double>() < b.at("start_s").template get<double>(); });

  nlohmann::json fades = nlohmann::json::array();
  for (const LumaFade& f : find_fades(luma_, config_.luma)) {
    fades.push_back({{"kind", f.kind}, {"via", f.via}, {"start_s", f.start_s}, {"end_s", f.end_s}});
  }
  nlohmann::json flashes = nlohmann::json::array();
  for (const LumaFlash& f : find_flashes(luma_, config_.luma)) {
    flashes.push_back({{"start_s", f.start_s}, {"end_s", f.end_s}, {"peak_delta", f.peak_delta}});
  }
  const LumaEventParams& l = config_.luma;
  return {{"frames_analyzed", luma_.size()},
          {"fades", std::move(fades)},
          {"flashes", std::move(flashes)},
          {"freezes", freezes_},
          {"split_screens", splits_},
          {"speed_changes", std::move(speed_changes)},
          {"speed_change_limits",
           "only slow motion made by repeating frames is detected; high-frame-rate or interpolated slow motion "
           "and time-lapse cannot be told from slow or fast subjects without a motion model"},
          {"params",
           {{"black_level", l.black_level}, {"white_level", l.white_level}, {"flat_stddev", l.flat_stddev},
            {"min_fade_levels", l.min_fade_levels}, {"min_step_levels", l.min_step_levels},
            {"min_fade_frames", l.min_fade_frames}, {"flash_levels", l.flash_levels}, {"max_flash_s", l.max_flash_s},
            {"freeze_max_mean_diff", config_.freeze_max_mean_diff},
            {"freeze_max_changed_share", config_.freeze_max_changed_share}, {"min_freeze_s", config_.min_freeze_s},
            {"split_edge_levels", config_.split_edge_levels}, {"split_min_coverage", config_.split_min_coverage},
            {"min_split_s", config_.min_split_s}, {"max_size", config_.max_size},
            {"slow_motion_min_repeat_share", config_.slow_motion.min_repeat_share},
            {"slow_motion_min_s", config_.slow_motion.min_duration_s}}}};
}

}  // namespace vidscope::analyzers
