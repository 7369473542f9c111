#include "pipeline/step_profiles.h"

#include <algorithm>
#include <span>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "analyzers/content_hash.h"

namespace vidscope::pipeline {

std::string step_profile_key(const std::string& analyzer, const analyzers::AnalyzerNeeds& needs,
                             const analyzers::AnalyzerContext& context) {
  std::string key = analyzer;
  if (needs.frames) {
    key += fmt::format("|frames={}|video={}x{}@{:.3g}", media::describe(*needs.frames), context.video.width,
                       context.video.height, context.video.fps);
  }
  if (needs.audio) key += "|audio";
  key += fmt::format("|segment={:.3g}s/{}/{:.3g}", context.plan.segment_duration_s, context.plan.frames_per_segment,
                     context.plan.overlap_ratio);
  // json objects dump with sorted keys, so equal settings give equal text.
  std::string fingerprint = context.settings.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (!needs.model.empty() && context.models != nullptr) {
    const memory::Workload& w = context.models->vlm_workload;
    fingerprint += fmt::format("|{}:{}x{}x{} b{} p{} n{} c{} step{}", needs.model, w.grid_t, w.grid_h, w.grid_w,
                               w.batch_segments, w.prompt_text_tokens, w.max_new_tokens, w.context_tokens,
                               context.models->vlm_step_bytes);
  }
  // A collision only means a profile from another configuration is used, which the margin and the next
  // run's measurement correct.
  key += fmt::format("|settings={:016x}", analyzers::content_hash(std::as_bytes(std::span(fingerprint))));
  return key;
}

Bytes admitted_step_bytes(const memory::StepProfile& profile) {
  constexpr Bytes kMinMargin = Bytes{4} << 20;
  const Bytes margin = std::max(profile.measured_bytes / 4, kMinMargin);
  return profile.measured_bytes + margin;
}

}  // namespace vidscope::pipeline
