#include "analyzers/vlm_segments.h"

#include <algorithm>
#include <cstring>

#include "analyzers/onnx_model.h"  // skipped_result
#include "analyzers/settings_reader.h"
#include "base/error.h"
#include "vlm/vlm_engine.h"

namespace vidscope::analyzers {

namespace {

constexpr char kName[] = "vlm_segments";

vlm::FrameLayout parse_layout(const std::string& name) {
  if (name == "images") return vlm::FrameLayout::kImages;
  if (name == "grid") return vlm::FrameLayout::kGrid;
  return vlm::FrameLayout::kVideo;
}

// Template, role markers and vision delimiters (~20 tokens) plus the question; English BPE averages
// about four bytes per token, so bytes / 2 is generous.
std::uint32_t prompt_token_estimate(const std::string& prompt) {
  return static_cast<std::uint32_t>(32 + prompt.size() / 2);
}

media::FrameStreamSpec frames_for(const vlm::SegmentVisualRequest& request) {
  return media::frames_per_segment(request.frames, vlm::decode_side_for(request), media::ResizeQuality::kBicubic);
}

}  // namespace

VlmSegmentsConfig parse_vlm_segments_settings(const nlohmann::json& settings) {
  SettingsReader reader(kName, settings);
  VlmSegmentsConfig c;
  c.layout = parse_layout(reader.choice("layout", "video", {"video", "images", "grid"}));
  c.frames = reader.integer("frames", c.frames, 1, 32);
  c.max_pixels = reader.number("max_pixels", c.max_pixels, 56.0 * 56.0, 16.0e6);
  c.batch = reader.integer("batch", c.batch, 1, 256);
  c.max_new_tokens = reader.integer("max_new_tokens", c.max_new_tokens, 1, 4096);
  c.prompt = reader.text("prompt", c.prompt);
  c.greedy = reader.boolean("greedy", c.greedy);
  reader.reject_unknown_keys();
  if (c.prompt.empty()) throw_usage_error("analyzer 'vlm_segments': prompt must not be empty");
  return c;
}

vlm::SegmentVisualRequest vlm_segments_request(const VlmSegmentsConfig& config, const media::VideoInfo& video) {
  vlm::SegmentVisualRequest r;
  r.layout = config.layout;
  r.frames = config.frames;
  r.frame_width = std::max(1, video.width);
  r.frame_height = std::max(1, video.height);
  r.max_pixels = config.max_pixels;
  r.batch = static_cast<std::uint32_t>(config.batch);
  r.prompt_text_tokens = prompt_token_estimate(config.prompt);
  r.max_new_tokens = static_cast<std::uint32_t>(config.max_new_tokens);
  return r;
}

std::string VlmSegmentsAnalyzer::description() const {
  return "a description of every segment by the VLM (batched); skipped without a model";
}

AnalyzerNeeds VlmSegmentsAnalyzer::needs(const AnalyzerContext& context) const {
  const VlmSegmentsConfig config = parse_vlm_segments_settings(context.settings);
  const vlm::SegmentVisualRequest request = vlm_segments_request(config, context.video);
  AnalyzerNeeds needs;
  needs.model = "vlm";
  if (context.models == nullptr) {  // before planning: say what we would like
    needs.vlm_workload = vlm::segment_workload(request);
    needs.frames = frames_for(request);
    return needs;
  }
  if (context.models->vlm == nullptr) return AnalyzerNeeds{};  // skipped: no frames, no memory
  const vlm::SegmentVisualRequest admitted = vlm::fit_to_workload(request, context.models->vlm_workload);
  needs.vlm_workload = vlm::segment_workload(admitted);
  needs.frames = frames_for(admitted);
  needs.resources.ram_bytes = context.models->vlm_step_bytes;
  needs.resources.threads = context.models->vlm_threads;  // the engine keeps them all busy
  return needs;
}

void VlmSegmentsAnalyzer::begin(const AnalyzerContext& context) {
  config_ = parse_vlm_segments_settings(context.settings);
  pending_.clear();
  segments_ = nlohmann::json::array();
  generate_ms_ = 0;
  tokens_ = 0;
  runner_.reset();
  skip_reason_.clear();
  if (context.models == nullptr || context.models->vlm == nullptr) {
    skip_reason_ = vlm_skip_reason(context);
    return;
  }
  admitted_ = vlm::fit_to_workload(vlm_segments_request(config_, context.video), context.models->vlm_workload);
  vlm::DescribeOptions options;
  options.max_new_tokens = config_.max_new_tokens;
  if (config_.greedy) options.sampling = vlm::SamplingParams{};
  runner_.emplace(*context.models->vlm, options);
}

void VlmSegmentsAnalyzer::process(const SegmentInput& input) {
  if (!runner_) return;
  Pending p;
  p.t0 = input.segment.t0;
  p.t1 = input.segment.t1;
  p.index = input.segment.index;
  p.item.label = "segment " + std::to_string(input.segment.index);
  p.item.prompt = config_.prompt;
  p.item.max_pixels = admitted_.max_pixels;
  std::vector<OwnedImage> images;
  for (const media::FramePtr& frame : input.frames) {
    if (frame) images.push_back(copy_image(frame->width, frame->height, frame->rgb));
  }
  if (images.empty()) return;  // a segment without frames (past the last frame) has nothing to describe
  switch (config_.layout) {
    case vlm::FrameLayout::kVideo:
      p.item.kind = vlm::VisualPrompt::Kind::kVideo;
      p.item.sample_fps = std::max(0.1, static_cast<double>(images.size()) / std::max(1e-3, p.t1 - p.t0));
      p.item.images = std::move(images);
      break;
    case vlm::FrameLayout::kImages:
      p.item.kind = vlm::VisualPrompt::Kind::kImages;
      p.item.images = std::move(images);
      break;
    case vlm::FrameLayout::kGrid:
      p.item.kind = vlm::VisualPrompt::Kind::kImages;
      p.item.images.push_back(horizontal_grid(images));
      break;
  }
  pending_.push_back(std::move(p));
  if (static_cast<std::uint32_t>(pending_.size()) >= admitted_.batch) describe_pending();
}

void VlmSegmentsAnalyzer::describe_pending() {
  if (pending_.empty()) return;
  std::vector<VlmItem> items;
  for (Pending& p : pending_) items.push_back(std::move(p.item));
  const auto results = runner_->describe(std::move(items));
  for (std::size_t i = 0; i < pending_.size(); ++i) {
    const VlmItemResult& r = results[i];
    segments_.push_back({{"index", pending_[i].index},
                         {"t0", pending_[i].t0},
                         {"t1", pending_[i].t1},
                         {"text", r.description.text},
                         {"tokens", r.description.tokens},
                         {"stopped_at_eos", r.description.stopped_at_eos},
                         {"visual_tokens", r.description.visual_tokens},
                         {"frames", r.frames_used},
                         {"batch", r.batch_size},
                         {"ms", r.ms}});
    generate_ms_ += r.ms;
    tokens_ += r.description.tokens;
  }
  pending_.clear();
}

nlohmann::json VlmSegmentsAnalyzer::finish() {
  if (!runner_) return skipped_result(skip_reason_);
  describe_pending();
  return {{"layout", vlm::frame_layout_name(config_.layout)},
          {"frames_per_segment", admitted_.frames},
          {"max_pixels", admitted_.max_pixels},
          {"batch", admitted_.batch},
          {"prompt", config_.prompt},
          {"max_new_tokens", config_.max_new_tokens},
          {"segments", segments_},
          {"generated_tokens", tokens_},
          {"generate_ms", generate_ms_},
          {"retries", runner_->retries()}};
}

OwnedImage horizontal_grid(const std::vector<OwnedImage>& frames) {
  OwnedImage grid;
  for (const OwnedImage& f : frames) {
    grid.width += f.width;
    grid.height = std::max(grid.height, f.height);
  }
  grid.rgb.assign(static_cast<std::size_t>(grid.width) * static_cast<std::size_t>(grid.height) * 3, 0);
  int x0 = 0;
  for (const OwnedImage& f : frames) {
    for (int y = 0; y < f.height; ++y) {
      std::memcpy(&grid.rgb[(static_cast<std::size_t>(y) * grid.width + x0) * 3],
                  &f.rgb[static_cast<std::size_t>(y) * f.width * 3], static_cast<std::size_t>(f.width) * 3);
    }
    x0 += f.width;
  }
  return grid;
}

}  // namespace vidscope::analyzers
