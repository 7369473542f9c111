// VlmEngine::probe: the reference experiment (tests/data/vlm/ref-*.json) run by the engine, built only
// on the engine's public pieces.
#include <algorithm>
#include <string>

#include "base/error.h"
#include "vlm/probe_summary.h"
#include "vlm/vlm_engine.h"

namespace vidscope::vlm {

namespace {

constexpr std::int32_t kImagePlaceholder = -1;
constexpr std::int32_t kVideoPlaceholder = -2;

struct VisionInput {
  PixelPatches patches;
  Activation embeddings;
  double second_per_grid_t = 0;
};

nlohmann::json grid_json(const GridThw& g) { return nlohmann::json::array({g.t, g.h, g.w}); }

std::vector<std::int64_t> shape_of(const PixelPatches& p) { return {p.rows(), p.row_size}; }

// The reference's build_input_ids: each placeholder becomes <|vision_start|> pads <|vision_end|>; a
// missing placeholder for a given input is put at the start (video after image).
std::vector<std::int32_t> expand_prompt(std::vector<std::int32_t> prompt, const models::VlmConfig& config,
                                        const VisionInput* image, const VisionInput* video, int merge) {
  if (video != nullptr && std::find(prompt.begin(), prompt.end(), kVideoPlaceholder) == prompt.end()) {
    prompt.insert(prompt.begin(), kVideoPlaceholder);
  }
  if (image != nullptr && std::find(prompt.begin(), prompt.end(), kImagePlaceholder) == prompt.end()) {
    prompt.insert(prompt.begin(), kImagePlaceholder);
  }
  std::vector<std::int32_t> ids;
  const auto& t = config.tokens;
  for (const std::int32_t id : prompt) {
    const VisionInput* block = id == kImagePlaceholder ? image : id == kVideoPlaceholder ? video : nullptr;
    if (block != nullptr) {
      const auto pad = static_cast<std::int32_t>(id == kImagePlaceholder ? t.image_token_id : t.video_token_id);
      ids.push_back(static_cast<std::int32_t>(t.vision_start_token_id));
      ids.insert(ids.end(), static_cast<std::size_t>(block->patches.grid.token_count(merge)), pad);
      ids.push_back(static_cast<std::int32_t>(t.vision_end_token_id));
    } else if (id < 0) {
      throw_usage_error("prompt id " + std::to_string(id) + " marks a " + (id == kImagePlaceholder ? "image" : "video") +
                        " block but no such input was given");
    } else {
      ids.push_back(id);
    }
  }
  return ids;
}

}  // namespace

nlohmann::json VlmEngine::probe(const ProbeRequest& request) {
  if (!request.image && request.frames.empty() && request.prompt_ids.empty()) {
    throw_usage_error("probe needs an image, video frames or prompt ids");
  }
  ProcessorConfig pc = processor_config();
  if (request.min_pixels) pc.min_pixels = *request.min_pixels;
  if (request.max_pixels) pc.max_pixels = *request.max_pixels;
  nlohmann::json out;
  out["reference"] = "vidscope vlm engine";
  std::optional<VisionInput> image, video;
  if (request.image) {
    out["image_size_hw"] = {request.image->height, request.image->width};
    PixelPatches p = preprocess_image(*request.image, pc);
    out["image_grid_thw"] = grid_json(p.grid);
    out["pixel_values"] = summarize_pixels(p.values, shape_of(p));
    Activation e = encode_vision(p);
    std::vector<float> host;
    out["vision_output_image"] = summarize_values({e.host_rows(host), static_cast<std::size_t>(e.rows() * e.cols())}, {e.rows(), e.cols()});
    image = VisionInput{std::move(p), std::move(e)};
  }
  if (!request.frames.empty()) {
    out["video_frame_size_hw"] = {request.frames[0].height, request.frames[0].width};
    // The reference bounds video frames with the image pixel limits.
    ProcessedVideo v = preprocess_video_bounded(request.frames, request.video_fps, pc, pc.min_pixels, pc.max_pixels);
    out["video_second_per_grid_t"] = v.second_per_grid_t;
    out["video_grid_thw"] = grid_json(v.patches.grid);
    out["pixel_values_videos"] = summarize_pixels(v.patches.values, shape_of(v.patches));
    Activation e = encode_vision(v.patches);
    std::vector<float> host;
    out["vision_output_video"] = summarize_values({e.host_rows(host), static_cast<std::size_t>(e.rows() * e.cols())}, {e.rows(), e.cols()});
    video = VisionInput{std::move(v.patches), std::move(e), v.second_per_grid_t};
  }
  PreparedPrompt prompt;
  prompt.ids = expand_prompt(request.prompt_ids, config(), image ? &*image : nullptr, video ? &*video : nullptr,
                             pc.merge_size);
  std::vector<GridThw> image_grids, video_grids;
  std::vector<double> second_per_grid;
  if (image) image_grids.push_back(image->patches.grid);
  if (video) {
    video_grids.push_back(video->patches.grid);
    second_per_grid.push_back(video->second_per_grid_t);
  }
  prompt.positions = positions_for(prompt.ids, image_grids, video_grids, second_per_grid);
  prompt.image_embeddings = image ? &image->embeddings : nullptr;
  prompt.video_embeddings = video ? &video->embeddings : nullptr;
  out["input_ids"] = prompt.ids;
  out["position_ids_thw"] = {prompt.positions.thw[0], prompt.positions.thw[1], prompt.positions.thw[2]};
  out["rope_delta"] = prompt.positions.rope_delta;

  GenerationOptions gen;  // pure greedy, no stop token: what the reference does
  gen.max_new_tokens = request.max_new_tokens;
  gen.record_margins = true;
  const auto results = generator().generate(std::span<const PreparedPrompt>(&prompt, 1), gen);
  release_cached_memory();
  const std::vector<float>& last = results.at(0).first_logits;
  out["last_logits"] = last;
  out["last_logits_summary"] = summarize_values(last, {static_cast<std::int64_t>(last.size())});
  out["last_logits_top5"] = top_values(last, 5);
  out["greedy_ids"] = results[0].ids;
  out["greedy_top2_margins"] = results[0].top2_margins;
  return out;
}

}  // namespace vidscope::vlm
