#pragma once
// The analyzer contract (docs/architecture.md, "Analyzers"). An analyzer declares what it needs, then
// sees the video's segments in time order and returns plain JSON for the report under its name.
// It never decodes video and never loads a model itself: frames come from the pipeline, models
// (later) from the planner.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/units.h"
#include "media/frame_stream.h"
#include "media/segment.h"
#include "media/video_info.h"
#include "memory/planner_inputs.h"

namespace vidscope::vlm {
class VlmEngine;
}

namespace vidscope::analyzers {

// What the scheduler admits an analyzer's step against.
struct ResourceNeeds {
  Bytes ram_bytes = 0;   // peak working memory of one step, beyond the frames it is given
  Bytes gpu_bytes = 0;   // 0 for CPU-only analyzers
  unsigned threads = 1;  // threads one step keeps busy
};

struct AnalyzerNeeds {
  std::optional<media::FrameStreamSpec> frames;  // nullopt: no frames
  bool audio = false;                            // mono 16 kHz audio of each segment
  std::string model;                             // "" when no model; otherwise the model role, e.g. "vlm"
  ResourceNeeds resources;
  // For model == "vlm": the step shape this analyzer would run at (the planner sizes KV cache and
  // activations from it, and may admit a smaller one).
  std::optional<memory::Workload> vlm_workload;
};

// Models the pipeline planned and loaded for this analysis before the first segment. Analyzers use
// them; they never load models themselves.
struct LoadedModels {
  vlm::VlmEngine* vlm = nullptr;   // null: see vlm_unavailable
  std::string vlm_unavailable;     // why there is no VLM (for the analyzer's "skipped" result)
  memory::Workload vlm_workload;   // as admitted by the plan (possibly shrunk from what was asked)
  Bytes vlm_step_bytes = 0;        // KV cache + activations + frames of one step at that workload
  unsigned vlm_threads = 1;        // threads the engine keeps busy during a step
};

// Options common to all analyzers, from the CLI. Analyzer-specific settings live in `settings`
// (parsed by each analyzer, unknown keys rejected there).
struct AnalyzerContext {
  media::VideoInfo video;
  media::SegmentPlan plan;
  nlohmann::json settings = nlohmann::json::object();
  const LoadedModels* models = nullptr;  // null while needs() is asked before planning
};

// What one analyzer gets for one segment: the segment's metadata, its own frame stream and audio.
struct SegmentInput {
  const media::Segment& segment;
  const std::vector<media::FramePtr>& frames;  // empty when the analyzer asked for no frames
};

class Analyzer {
 public:
  virtual ~Analyzer() = default;

  virtual std::string name() const = 0;
  virtual std::string description() const = 0;  // one line, for `vidscope analyzers`
  virtual AnalyzerNeeds needs(const AnalyzerContext& context) const = 0;

  // Called once before the first segment.
  virtual void begin(const AnalyzerContext& context) = 0;
  // Called for every segment in time order, never concurrently for one analyzer instance (different
  // analyzers may run at the same time on other threads). Throw vidscope::Error for bad data.
  virtual void process(const SegmentInput& input) = 0;
  // Called once after the last segment; the result goes to report.analyzers.<name>.
  virtual nlohmann::json finish() = 0;
};

}  // namespace vidscope::analyzers
