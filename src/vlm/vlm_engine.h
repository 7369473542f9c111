#pragma once
// The public face of the Qwen2-VL / Qwen2.5-VL engine: load a Hugging Face model folder (config.json,
// preprocessor_config.json, generation_config.json, tokenizer.json, *.safetensors) and describe images,
// sampled video frames or a pair of images in text; or probe the numerics against reference outputs.
//
// Model folder: config.json and the safetensors are required; preprocessor_config.json and
// generation_config.json fall back to the released models' defaults when absent; tokenizer.json is
// needed only by the describe_* calls (probe works on token ids).
//
// Failures: vidscope::Error — input (missing/corrupt files, named with their folder), usage (bad
// options), budget (memory). Thread-safety: one call at a time per engine (calls share the backend).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "backend/op_profile.h"
#include "memory/ledger.h"
#include "models/processing_config.h"
#include "models/vlm_config.h"
#include "vlm/bicubic_resize.h"
#include "vlm/chat_prompt.h"
#include "vlm/generator.h"
#include "vlm/image_processor.h"
#include "vlm/vlm_weights.h"

namespace vidscope::vlm {

struct EngineOptions {
  WeightPrecision precision = WeightPrecision::kAsStored;
  unsigned threads = 0;                     // 0: every core the process may use
  memory::MemoryLedger* ledger = nullptr;   // optional; must outlive the engine
  // Hard cap on the engine's live buffers (converted weights, KV cache, activations); an allocation
  // past it fails with Error(kBudget), which callers may answer by retrying smaller. nullopt: no cap.
  std::optional<Bytes> byte_limit;
  // Where the models run: "cpu", or "cuda" / "cuda:N" (GPU N: the vision tower's and the language
  // model's weights, the KV cache and the activations live there; tokenizer, preprocessing and
  // sampling stay on the CPU). byte_limit applies to the CPU.
  std::string device = "cpu";
  // With a device, how the models share it with the CPU when it cannot hold them whole (the memory
  // plan's "split" tier): the first device_layers decoder layers run on the device, the rest, the final
  // norm and the lm_head on the CPU (-1: every layer on the device); the vision tower runs on the
  // device when vision_on_device. Without a device both must keep their defaults.
  std::int64_t device_layers = -1;
  bool vision_on_device = true;
  std::optional<Bytes> device_byte_limit;   // cap on the device's live buffers, like byte_limit
  // Optional, for benchmarks: every op of the engine's backends is timed into it while it is enabled
  // (backend/op_profile.h). Must outlive the engine.
  backend::OpProfile* op_profile = nullptr;
};

struct DescribeOptions {
  std::string prompt;                       // empty: a default instruction for the kind of input
  std::int64_t max_new_tokens = 256;
  std::optional<SamplingParams> sampling;   // empty: generation_config.json's defaults
};

// Receives the answer piece by piece as it is generated (whole UTF-8 characters only).
using TextCallback = std::function<void(std::string_view)>;

// One request of a batch: what to look at and what to ask.
struct VisualPrompt {
  enum class Kind {
    kImages,  // one or more still images in one prompt (each its own grid)
    kVideo,   // frames sampled at sample_fps, paired into temporal patches
    kPair,    // exactly two images: the first and last frame of a clip (a transition prompt)
  };
  Kind kind = Kind::kImages;
  std::vector<RgbImageView> frames;     // borrowed for the call
  double sample_fps = 2.0;              // kVideo only
  std::optional<double> max_pixels;     // per image / frame; empty: preprocessor_config.json's
  std::string prompt;                   // empty: the default instruction for the kind
};

struct Description {
  std::string text;
  std::int64_t tokens = 0;       // generated, the end-of-sequence token included when produced
  bool stopped_at_eos = false;   // false: cut at max_new_tokens
  std::int64_t visual_tokens = 0;
  std::int64_t prompt_tokens = 0;
};

struct ProbeRequest {
  std::optional<RgbImageView> image;
  std::vector<RgbImageView> frames;         // even count; video frames as sampled
  std::vector<std::int32_t> prompt_ids;     // -1: the image block, -2: the video block (put first if absent)
  std::int64_t max_new_tokens = 6;
  std::optional<double> min_pixels;         // override preprocessor_config.json
  std::optional<double> max_pixels;
  // Rate the frames were sampled at; sets second_per_grid_t = temporal_patch_size / fps, which moves
  // Qwen2.5-VL video positions (absolute time). Qwen2-VL ignores it.
  double video_fps = 2.0;
};

class VlmEngine {
 public:
  // Throws vidscope::Error (input) naming the folder and the file when a required file is missing or
  // invalid.
  static std::unique_ptr<VlmEngine> load(const std::filesystem::path& model_dir, const EngineOptions& options = {});
  ~VlmEngine();

  std::string describe_image(const RgbImageView& image, const DescribeOptions& options,
                             const TextCallback& on_text = {});
  // Frames sampled at `sample_fps` (qwen-vl-utils pixel budget per frame).
  std::string describe_frames(std::span<const RgbImageView> frames, double sample_fps, const DescribeOptions& options,
                              const TextCallback& on_text = {});
  // The change from image `from` to image `to`, phrased as a prompt for a video-generation model.
  std::string describe_pair(const RgbImageView& from, const RgbImageView& to, const DescribeOptions& options,
                            const TextCallback& on_text = {});
  // Every prompt of `prompts` in one batched generation: the vision tower runs per prompt, then all
  // sequences decode together so each weight is read once per step for the whole batch. Results are in
  // the order of `prompts`; `options.prompt` is ignored (each VisualPrompt carries its own).
  // Throws vidscope::Error (input) for an empty batch or a malformed prompt (no frames, a pair that is
  // not two images), (budget) when an allocation fails.
  std::vector<Description> describe_batch(std::span<const VisualPrompt> prompts, const DescribeOptions& options);

  // Runs the reference's experiment and returns the same JSON fields (ref README): grids, pixel and
  // vision summaries, input_ids, position_ids_thw, rope_delta, last_logits (+ summary, top5),
  // greedy_ids and greedy_top2_margins (pure greedy, no stop token).
  nlohmann::json probe(const ProbeRequest& request);

  // Lower-level pieces, for tests and other front ends.
  const models::VlmConfig& config() const;
  const ProcessorConfig& processor_config() const;
  const LanguageModel& language_model() const;
  const Generator& generator() const;
  Activation encode_vision(const PixelPatches& patches) const;
  // Positions for `ids` with the given grids (one per image / video block, in order).
  MropePositions positions_for(std::span<const std::int32_t> ids, std::span<const GridThw> image_grids,
                               std::span<const GridThw> video_grids, std::span<const double> video_second_per_grid = {}) const;
  SamplingParams default_sampling() const;
  std::vector<std::int32_t> eos_ids() const;
  // Where the language model takes its input rows (its first layer's backend; the device when it has
  // any layer). KV caches for it come from language_model().make_cache().
  backend::Backend& compute_backend() const;
  // Where the vision tower runs and encode_vision's output lives.
  backend::Backend& vision_backend() const;
  // The host backend (weight conversion; the models' too without a device).
  backend::Backend& host_backend() const;
  const VlmWeights& weights() const;
  // Hands back what the backends keep cached for reuse (a GPU's pool of freed activations).
  void release_cached_memory() const;

  struct State;

 private:
  explicit VlmEngine(std::unique_ptr<State> state);
  struct PromptInputs;
  PromptInputs prepare(const VisualPrompt& prompt) const;
  std::vector<Description> generate_for(std::span<const PromptInputs> inputs, const DescribeOptions& options,
                                        const TextCallback& on_text);

  std::unique_ptr<State> state_;
};

}  // namespace vidscope::vlm
