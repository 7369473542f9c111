#include "analyzers/vlm_transitions.h"

#include <algorithm>


#include "analyzers/frame_mat.h"
#include "analyzers/onnx_model.h"  // skipped_result
#include "analyzers/settings_reader.h"
#include "base/error.h"
#include "vlm/segment_workload.h"
#include "vlm/vlm_engine.h"

namespace vidscope::analyzers {

namespace {

constexpr char kName[] = "vlm_transitions";
// The detector decides a frame once its right-hand window (and the fade guard) has been seen; frames
// are kept a little longer than that so both sides of a decided cut are still here.
constexpr std::size_t kRecentFrames = 24;

vlm::SegmentVisualRequest pair_request(const VlmTransitionsConfig& config, const media::VideoInfo& video,
                                       std::uint32_t batch) {
  vlm::SegmentVisualRequest r;
  r.layout = vlm::FrameLayout::kImages;
  r.frames = 2;
  r.frame_width = std::max(1, video.width);
  r.frame_height = std::max(1, video.height);
  r.max_pixels = config.max_pixels;
  r.batch = batch;
  r.prompt_text_tokens = static_cast<std::uint32_t>(96 + config.prompt.size() / 2);
  r.max_new_tokens = static_cast<std::uint32_t>(config.max_new_tokens);
  return r;
}

}  // namespace

VlmTransitionsConfig parse_vlm_transitions_settings(const nlohmann::json& settings) {
  if (!settings.is_object()) throw_usage_error("analyzer 'vlm_transitions': settings must be a JSON object");
  nlohmann::json own = nlohmann::json::object();
  nlohmann::json cuts = nlohmann::json::object();
  for (const auto& [key, value] : settings.items()) {
    const bool ours = key == "max_pixels" || key == "batch" || key == "max_new_tokens" || key == "prompt" ||
                      key == "max_transitions";
    (ours ? own : cuts)[key] = value;
  }
  SettingsReader reader(kName, own);
  VlmTransitionsConfig c;
  c.max_pixels = reader.number("max_pixels", c.max_pixels, 56.0 * 56.0, 16.0e6);
  c.batch = reader.integer("batch", c.batch, 1, 256);
  c.max_new_tokens = reader.integer("max_new_tokens", c.max_new_tokens, 1, 4096);
  c.prompt = reader.text("prompt", c.prompt);
  c.max_transitions = reader.integer("max_transitions", c.max_transitions, 1, 100000);
  reader.reject_unknown_keys();
  c.cuts = parse_shot_cuts_settings(cuts);
  return c;
}

std::string VlmTransitionsAnalyzer::description() const {
  return "a transition prompt for every hard cut, from the frames either side, by the VLM; skipped without a model";
}

AnalyzerNeeds VlmTransitionsAnalyzer::needs(const AnalyzerContext& context) const {
  const VlmTransitionsConfig config = parse_vlm_transitions_settings(context.settings);
  vlm::SegmentVisualRequest request = pair_request(config, context.video, static_cast<std::uint32_t>(config.batch));
  AnalyzerNeeds needs;
  needs.model = "vlm";
  if (context.models != nullptr) {
    if (context.models->vlm == nullptr) return AnalyzerNeeds{};
    request = vlm::fit_to_workload(request, context.models->vlm_workload);
    request.frames = 2;  // a pair is always two images
    needs.resources.ram_bytes = context.models->vlm_step_bytes;
    needs.resources.threads = context.models->vlm_threads;  // the engine keeps them all busy
  }
  needs.vlm_workload = vlm::segment_workload(request);
  // Every frame, at the size the model will see: the cut detector downsizes its own copy.
  needs.frames = media::every_frame(vlm::decode_side_for(request), media::ResizeQuality::kBicubic);
  return needs;
}

void VlmTransitionsAnalyzer::begin(const AnalyzerContext& context) {
  config_ = parse_vlm_transitions_settings(context.settings);
  recent_.clear();
  pending_.clear();
  transitions_ = nlohmann::json::array();
  cuts_taken_ = 0;
  last_index_ = -1;
  dropped_ = 0;
  runner_.reset();
  detector_.reset();
  skip_reason_.clear();
  if (context.models == nullptr || context.models->vlm == nullptr) {
    skip_reason_ = vlm_skip_reason(context);
    return;
  }
  const auto admitted = vlm::fit_to_workload(pair_request(config_, context.video, static_cast<std::uint32_t>(config_.batch)),
                                             context.models->vlm_workload);
  batch_ = admitted.batch;
  config_.max_pixels = admitted.max_pixels;
  vlm::DescribeOptions options;
  options.max_new_tokens = config_.max_new_tokens;
  options.sampling = vlm::SamplingParams{};  // greedy: a transition prompt should be reproducible
  runner_.emplace(*context.models->vlm, options);
  detector_.emplace(config_.cuts.detector);
}

void VlmTransitionsAnalyzer::process(const SegmentInput& input) {
  if (!runner_) return;
  for (const media::FramePtr& frame : input.frames) {
    if (!frame || frame->index <= last_index_) continue;
    last_index_ = frame->index;
    detector_->add_frame_fitted(view_rgb(*frame), config_.cuts.max_size, frame->index, frame->time_s);
    recent_.push_back({frame->index, frame->time_s, copy_image(frame->width, frame->height, frame->rgb)});
    if (recent_.size() > kRecentFrames) recent_.pop_front();
    take_new_cuts();
  }
  if (pending_.size() >= batch_) describe_pending();
}

const VlmTransitionsAnalyzer::Recent* VlmTransitionsAnalyzer::find_recent(std::int64_t index) const {
  for (const Recent& r : recent_) {
    if (r.index == index) return &r;
  }
  return nullptr;
}

void VlmTransitionsAnalyzer::take_new_cuts() {
  const auto& cuts = detector_->hard_cuts();
  for (; cuts_taken_ < cuts.size(); ++cuts_taken_) {
    const HardCut& cut = cuts[cuts_taken_];
    const Recent* before = find_recent(cut.frame_index - 1);
    const Recent* after = find_recent(cut.frame_index);
    if (before == nullptr || after == nullptr ||
        static_cast<int>(transitions_.size() + pending_.size()) >= config_.max_transitions) {
      ++dropped_;
      continue;
    }
    Pending p;
    p.cut_s = cut.time_s;
    p.from_s = before->time_s;
    p.to_s = after->time_s;
    p.item.label = "cut at " + std::to_string(cut.time_s) + " s";
    p.item.kind = vlm::VisualPrompt::Kind::kPair;
    p.item.images = {before->image, after->image};
    p.item.max_pixels = config_.max_pixels;
    p.item.prompt = config_.prompt;
    pending_.push_back(std::move(p));
  }
}

void VlmTransitionsAnalyzer::describe_pending() {
  // One segment can add several cuts: describe in chunks of the admitted batch.
  for (std::size_t begin = 0; begin < pending_.size(); begin += batch_) {
    const std::size_t end = std::min(pending_.size(), begin + batch_);
    std::vector<VlmItem> items;
    for (std::size_t i = begin; i < end; ++i) items.push_back(std::move(pending_[i].item));
    const auto results = runner_->describe(std::move(items));
    for (std::size_t i = begin; i < end; ++i) {
      const VlmItemResult& r = results[i - begin];
      transitions_.push_back({{"cut_s", pending_[i].cut_s},
                              {"from_frame_s", pending_[i].from_s},
                              {"to_frame_s", pending_[i].to_s},
                              {"text", r.description.text},
                              {"tokens", r.description.tokens},
                              {"batch", r.batch_size},
                              {"ms", r.ms}});
    }
  }
  pending_.clear();
}

nlohmann::json VlmTransitionsAnalyzer::finish() {
  if (!runner_) return skipped_result(skip_reason_);
  detector_->finish();
  take_new_cuts();
  describe_pending();
  return {{"transitions", transitions_},
          {"cuts_detected", detector_->hard_cuts().size()},
          {"cuts_not_described", dropped_},
          {"max_pixels", config_.max_pixels},
          {"batch", batch_},
          {"retries", runner_->retries()}};
}

}  // namespace vidscope::analyzers
