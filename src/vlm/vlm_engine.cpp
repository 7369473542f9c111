#include "vlm/vlm_engine.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "backend/cpu/cpu_backend.h"
#include "backend/cuda/cuda_backend.h"
#include "base/error.h"
#include "memory/release_check.h"
#include "models/checkpoint_tensors.h"
#include "models/tokenizer.h"
#include "models/weight_set.h"
#include "vlm/language_model.h"
#include "vlm/mrope_positions.h"
#include "vlm/probe_summary.h"
#include "vlm/vision_tower.h"

namespace vidscope::vlm {

namespace {

constexpr std::string_view kOwner = "vlm engine";
constexpr std::string_view kImagePrompt = "Describe this image.";
constexpr std::string_view kVideoPrompt = "Describe this video.";
constexpr std::string_view kPairPrompt =
    "The first image is the first frame of a video clip and the second image is its last frame. Write a prompt "
    "for a video-generation model that produces this clip: describe the scene, the subjects, and how everything "
    "moves and changes from the first frame to the last, including camera motion. Answer with the prompt only.";
constexpr double kDefaultProbeFps = 2.0;

std::filesystem::path require_file(const std::filesystem::path& dir, std::string_view name) {
  std::filesystem::path p = dir / name;
  if (!std::filesystem::is_regular_file(p)) {
    throw_input_error("model folder " + dir.string() + " has no " + std::string(name) + " (expected " + p.string() + ")");
  }
  return p;
}

ProcessorConfig to_processor_config(const models::PreprocessorConfig& pp) {
  ProcessorConfig c;
  c.patch_size = static_cast<int>(pp.patch_size);
  c.merge_size = static_cast<int>(pp.merge_size);
  c.temporal_patch_size = static_cast<int>(pp.temporal_patch_size);
  c.min_pixels = static_cast<double>(pp.min_pixels);
  c.max_pixels = static_cast<double>(pp.max_pixels);
  for (int i = 0; i < 3; ++i) {
    c.image_mean[static_cast<std::size_t>(i)] = static_cast<float>(pp.image_mean[static_cast<std::size_t>(i)]);
    c.image_std[static_cast<std::size_t>(i)] = static_cast<float>(pp.image_std[static_cast<std::size_t>(i)]);
  }
  return c;
}

// Preprocessor defaults of the released checkpoints, for folders without preprocessor_config.json.
ProcessorConfig default_processor_config(const models::VisionModelConfig& v) {
  ProcessorConfig c;
  c.patch_size = static_cast<int>(v.patch_size);
  c.merge_size = static_cast<int>(v.spatial_merge_size);
  c.temporal_patch_size = static_cast<int>(v.temporal_patch_size);
  c.min_pixels = 56.0 * 56.0;
  c.max_pixels = 28.0 * 28.0 * 16384.0;
  return c;
}

// The parts one after another, where the first one lives.
Activation concat_rows(const std::vector<const Activation*>& parts) {
  std::int64_t rows = 0;
  for (const auto* p : parts) rows += p->rows();
  Activation out(*parts.front()->owner_backend(), rows, parts.front()->cols(), kOwner);
  std::int64_t at = 0;
  for (const auto* p : parts) {
    copy_rows(*p, 0, out, at, p->rows());
    at += p->rows();
  }
  return out;
}

// The backend for EngineOptions::device: null for "cpu" (the host backend serves), a GPU backend for
// "cuda" / "cuda:N". Throws Error(kUsage) naming the option for anything else or a missing GPU.
std::unique_ptr<backend::Backend> make_language_backend(const EngineOptions& options) {
  const std::string& d = options.device;
  if (d.empty() || d == "cpu") return nullptr;
  int index = -1;
  if (d == "cuda") {
    index = 0;
  } else if (d.rfind("cuda:", 0) == 0 && d.size() > 5 && d.size() <= 8 &&
             std::all_of(d.begin() + 5, d.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    index = std::stoi(d.substr(5));
  } else {
    throw_usage_error("unknown device '" + d + "'; use cpu, cuda or cuda:N");
  }
  const int count = backend::cuda_device_count();
  if (count == 0) {
    throw_usage_error("device '" + d + "' is not available: " + backend::cuda_unavailable_reason() + "; use --device cpu");
  }
  if (index >= count) {
    throw_usage_error("device '" + d + "' is not available: " + std::to_string(count) + " GPU(s) visible (cuda:0.." +
                      std::to_string(count - 1) + "); use one of them or --device cpu");
  }
  backend::CudaBackendOptions cuda;
  cuda.device_index = index;
  cuda.ledger = options.ledger;
  cuda.byte_limit = options.device_byte_limit;
  return backend::make_cuda_backend(cuda);
}

// Throws Error(kUsage) when the split options ask for something the model or the device cannot do.
void check_split(const EngineOptions& options, bool has_device, std::int64_t layers) {
  if (!has_device && (options.device_layers >= 0 || !options.vision_on_device)) {
    throw_usage_error("splitting the model between a GPU and the CPU (--gpu-layers) needs --device cuda[:N]");
  }
  if (options.device_layers > layers) {
    throw_usage_error("--gpu-layers " + std::to_string(options.device_layers) + " exceeds the model's " +
                      std::to_string(layers) + " decoder layers");
  }
}

}  // namespace

struct VlmEngine::State {
  std::filesystem::path dir;
  models::VlmConfig config;
  ProcessorConfig processor;
  models::GenerationConfig generation;
  std::optional<models::Tokenizer> tokenizer;
  SpecialTokenIds special;
  std::unique_ptr<backend::Backend> backend;         // the host: weight conversion, and the models without a device
  std::unique_ptr<backend::Backend> device_backend;  // the models' (vision tower and language model), when a GPU
  models::WeightSet weight_set;
  std::unique_ptr<models::CheckpointTensors> tensors;
  std::unique_ptr<VlmWeights> weights;
  std::unique_ptr<VisionTower> vision;
  std::unique_ptr<LanguageModel> language;
  std::unique_ptr<Generator> generator;
};

std::unique_ptr<VlmEngine> VlmEngine::load(const std::filesystem::path& model_dir, const EngineOptions& options) {
  if (!std::filesystem::is_directory(model_dir)) throw_input_error("model folder " + model_dir.string() + " does not exist");
  auto s = std::make_unique<State>();
  s->device_backend = make_language_backend(options);  // a wrong --device fails before any file is read
  if (s->device_backend && options.op_profile != nullptr) {
    s->device_backend = backend::make_profiling_backend(std::move(s->device_backend), *options.op_profile);
  }
  s->dir = model_dir;
  s->config = models::load_vlm_config(require_file(model_dir, "config.json"));
  check_split(options, s->device_backend != nullptr, s->config.text.num_hidden_layers);
  const auto pp_path = model_dir / "preprocessor_config.json";
  s->processor = std::filesystem::is_regular_file(pp_path) ? to_processor_config(models::load_preprocessor_config(pp_path))
                                                           : default_processor_config(s->config.vision);
  const auto gen_path = model_dir / "generation_config.json";
  if (std::filesystem::is_regular_file(gen_path)) s->generation = models::load_generation_config(gen_path);
  const auto tok_path = model_dir / "tokenizer.json";
  if (std::filesystem::is_regular_file(tok_path)) {
    s->tokenizer = models::Tokenizer::load(tok_path);
    // Building the tables leaves freed temporaries (the streamed vocab and merge lists: a 10.9 MiB Qwen2
    // file peaks at 42 MiB of RSS and keeps 27 MiB); glibc keeps freed pages otherwise, and they would
    // stay in RSS for the model's whole life.
    memory::trim_allocator_caches();
  }

  const auto& t = s->config.tokens;
  s->special.vision_start = static_cast<std::int32_t>(t.vision_start_token_id);
  s->special.vision_end = static_cast<std::int32_t>(t.vision_end_token_id);
  s->special.image_pad = static_cast<std::int32_t>(t.image_token_id);
  s->special.video_pad = static_cast<std::int32_t>(t.video_token_id);
  if (s->tokenizer) {
    if (auto id = s->tokenizer->token_to_id("<|im_start|>")) s->special.im_start = static_cast<std::int32_t>(*id);
    if (auto id = s->tokenizer->token_to_id("<|im_end|>")) s->special.im_end = static_cast<std::int32_t>(*id);
  }
  if (!std::filesystem::is_regular_file(model_dir / models::kSafetensorsIndexName)) {
    require_file(model_dir, models::kSingleSafetensorsName);
  }
  s->weight_set = models::WeightSet::open_directory(model_dir);
  s->tensors = std::make_unique<models::CheckpointTensors>(s->weight_set, s->config.text.tie_word_embeddings);

  backend::CpuBackendOptions cpu;
  cpu.threads = options.threads;
  cpu.ledger = options.ledger;
  cpu.byte_limit = options.byte_limit;
  s->backend = backend::make_cpu_backend(cpu);
  if (options.op_profile != nullptr) s->backend = backend::make_profiling_backend(std::move(s->backend), *options.op_profile);
  WeightPlacement placement;
  placement.device = s->device_backend.get();
  placement.device_layers = options.device_layers;
  placement.vision_on_device = options.vision_on_device;
  s->weights = VlmWeights::load(s->config, *s->tensors, model_dir.string(), options.precision, *s->backend,
                                options.threads, placement);
  backend::Backend& host = *s->backend;
  backend::Backend& device = s->device_backend ? *s->device_backend : host;
  s->vision = std::make_unique<VisionTower>(s->config.vision, s->weights->vision(),
                                            options.vision_on_device ? device : host);
  s->language = std::make_unique<LanguageModel>(s->config.text, s->weights->language(), device,
                                                LayerSplit{options.device_layers, &host});
  s->generator = std::make_unique<Generator>(*s->language, s->special.image_pad, s->special.video_pad);
  return std::unique_ptr<VlmEngine>(new VlmEngine(std::move(s)));
}

VlmEngine::VlmEngine(std::unique_ptr<State> state) : state_(std::move(state)) {}
VlmEngine::~VlmEngine() = default;

const models::VlmConfig& VlmEngine::config() const { return state_->config; }
const ProcessorConfig& VlmEngine::processor_config() const { return state_->processor; }
const LanguageModel& VlmEngine::language_model() const { return *state_->language; }
const Generator& VlmEngine::generator() const { return *state_->generator; }
backend::Backend& VlmEngine::compute_backend() const { return state_->language->input_backend(); }
backend::Backend& VlmEngine::vision_backend() const { return state_->vision->model_backend(); }

void VlmEngine::release_cached_memory() const {
  if (state_->device_backend) state_->device_backend->release_cached_memory();
  state_->backend->release_cached_memory();
}
backend::Backend& VlmEngine::host_backend() const { return *state_->backend; }
const VlmWeights& VlmEngine::weights() const { return *state_->weights; }

Activation VlmEngine::encode_vision(const PixelPatches& patches) const { return state_->vision->encode(patches); }

MropePositions VlmEngine::positions_for(std::span<const std::int32_t> ids, std::span<const GridThw> image_grids,
                                        std::span<const GridThw> video_grids,
                                        std::span<const double> video_second_per_grid) const {
  MropeSettings settings;
  settings.merge_size = state_->processor.merge_size;
  if (state_->config.family == models::VlmFamily::kQwen25VL) {
    settings.rules = RopeIndexRules::kQwen25Vl;
    settings.tokens_per_second = static_cast<int>(state_->config.vision.tokens_per_second.value_or(2.0));
  }
  return compute_mrope_positions(ids, image_grids, video_grids, state_->special, settings, video_second_per_grid);
}

SamplingParams VlmEngine::default_sampling() const { return sampling_from_generation_config(state_->generation); }

std::vector<std::int32_t> VlmEngine::eos_ids() const {
  std::vector<std::int32_t> ids;
  for (const auto id : state_->generation.eos_token_ids) ids.push_back(static_cast<std::int32_t>(id));
  if (ids.empty() && state_->tokenizer) {
    for (const char* name : {"<|im_end|>", "<|endoftext|>"}) {
      if (auto id = state_->tokenizer->token_to_id(name)) ids.push_back(static_cast<std::int32_t>(*id));
    }
  }
  return ids;
}

struct VlmEngine::PromptInputs {
  std::vector<ContentItem> items;
  std::optional<Activation> images;  // rows of every image in prompt order
  std::optional<Activation> videos;
  std::vector<GridThw> image_grids;
  std::vector<GridThw> video_grids;
  std::vector<double> second_per_grid;
};

namespace {

std::int64_t visual_tokens_of(std::span<const GridThw> grids, int merge_size) {
  std::int64_t tokens = 0;
  for (const GridThw& g : grids) tokens += g.patch_count() / (merge_size * merge_size);
  return tokens;
}

}  // namespace

VlmEngine::PromptInputs VlmEngine::prepare(const VisualPrompt& request) const {
  ProcessorConfig processor = state_->processor;
  if (request.max_pixels) {
    if (!(*request.max_pixels >= processor.min_pixels)) {
      throw_input_error("max_pixels " + std::to_string(*request.max_pixels) + " is below the model's min_pixels " +
                        std::to_string(processor.min_pixels));
    }
    processor.max_pixels = *request.max_pixels;
  }
  if (request.frames.empty()) throw_input_error("a visual prompt has no frames");
  PromptInputs in;
  switch (request.kind) {
    case VisualPrompt::Kind::kImages:
    case VisualPrompt::Kind::kPair: {
      const bool pair = request.kind == VisualPrompt::Kind::kPair;
      if (pair && request.frames.size() != 2) {
        throw_input_error("a pair prompt needs exactly two images, got " + std::to_string(request.frames.size()));
      }
      std::vector<Activation> parts;
      parts.reserve(request.frames.size());
      for (std::size_t i = 0; i < request.frames.size(); ++i) {
        const PixelPatches patches = preprocess_image(request.frames[i], processor);
        parts.push_back(encode_vision(patches));
        in.image_grids.push_back(patches.grid);
        if (pair) in.items.push_back(ContentItem::make_text(i == 0 ? "First frame: " : "\nLast frame: "));
        in.items.push_back(ContentItem::make_image(patches.grid));
      }
      std::string prompt = request.prompt.empty() ? std::string(pair ? kPairPrompt : kImagePrompt) : request.prompt;
      in.items.push_back(ContentItem::make_text(pair ? "\n" + prompt : prompt));
      if (parts.size() == 1) {
        in.images.emplace(std::move(parts.front()));
      } else {
        std::vector<const Activation*> pointers;
        for (const Activation& part : parts) pointers.push_back(&part);
        in.images.emplace(concat_rows(pointers));
      }
      break;
    }
    case VisualPrompt::Kind::kVideo: {
      const ProcessedVideo video =
          request.max_pixels
              ? preprocess_video_bounded(request.frames, request.sample_fps, processor, processor.min_pixels,
                                         processor.max_pixels)
              : preprocess_video(request.frames, request.sample_fps, processor);
      in.videos.emplace(encode_vision(video.patches));
      in.video_grids.push_back(video.patches.grid);
      in.second_per_grid.push_back(video.second_per_grid_t);
      in.items.push_back(ContentItem::make_video(video.patches.grid));
      in.items.push_back(ContentItem::make_text(request.prompt.empty() ? std::string(kVideoPrompt) : request.prompt));
      break;
    }
  }
  return in;
}

std::vector<Description> VlmEngine::generate_for(std::span<const PromptInputs> inputs, const DescribeOptions& options,
                                                 const TextCallback& on_text) {
  if (!state_->tokenizer) {
    throw_input_error("model folder " + state_->dir.string() + " has no tokenizer.json, which describing needs");
  }
  if (inputs.empty()) throw_input_error("describe: the batch is empty");
  const models::Tokenizer& tok = *state_->tokenizer;
  const int merge = state_->processor.merge_size;
  std::vector<PreparedPrompt> prompts(inputs.size());
  std::vector<Description> out(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const PromptInputs& in = inputs[i];
    const auto pieces = build_chat_prompt(in.items, state_->special, merge);
    prompts[i].ids = flatten_prompt(pieces, [&](std::string_view text) {
      const auto ids = tok.encode(text, models::AddedTokenMode::kAsText);
      return std::vector<std::int32_t>(ids.begin(), ids.end());
    });
    prompts[i].positions = positions_for(prompts[i].ids, in.image_grids, in.video_grids, in.second_per_grid);
    prompts[i].image_embeddings = in.images ? &*in.images : nullptr;
    prompts[i].video_embeddings = in.videos ? &*in.videos : nullptr;
    out[i].prompt_tokens = static_cast<std::int64_t>(prompts[i].ids.size());
    out[i].visual_tokens = visual_tokens_of(in.image_grids, merge) + visual_tokens_of(in.video_grids, merge);
  }
  GenerationOptions gen;
  gen.max_new_tokens = options.max_new_tokens;
  gen.sampling = options.sampling.value_or(default_sampling());
  gen.eos_ids = eos_ids();
  std::vector<models::StreamingDecoder> decoders;
  decoders.reserve(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) decoders.emplace_back(tok, /*skip_special_tokens=*/true);
  const auto emit = [&](std::size_t sequence, std::string piece) {
    if (piece.empty()) return;
    out[sequence].text += piece;
    if (on_text && inputs.size() == 1) on_text(piece);
  };
  const auto results = state_->generator->generate(prompts, gen, [&](std::size_t sequence, std::int32_t id) {
    if (std::find(gen.eos_ids.begin(), gen.eos_ids.end(), id) == gen.eos_ids.end()) {
      emit(sequence, decoders[sequence].push(id));
    }
  });
  release_cached_memory();  // the job's activations and KV cache are gone
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    emit(i, decoders[i].finish());
    out[i].tokens = static_cast<std::int64_t>(results[i].ids.size());
    out[i].stopped_at_eos = results[i].stopped_at_eos;
  }
  return out;
}

std::vector<Description> VlmEngine::describe_batch(std::span<const VisualPrompt> prompts,
                                                   const DescribeOptions& options) {
  if (prompts.empty()) throw_input_error("describe: the batch is empty");
  std::vector<PromptInputs> inputs;
  inputs.reserve(prompts.size());
  for (const VisualPrompt& prompt : prompts) inputs.push_back(prepare(prompt));
  return generate_for(inputs, options, {});
}

namespace {

std::string single_text(std::vector<Description> results) { return std::move(results.front().text); }

}  // namespace

std::string VlmEngine::describe_image(const RgbImageView& image, const DescribeOptions& options,
                                      const TextCallback& on_text) {
  VisualPrompt request{VisualPrompt::Kind::kImages, {image}, 0.0, std::nullopt, options.prompt};
  const PromptInputs in = prepare(request);
  return single_text(generate_for(std::span<const PromptInputs>(&in, 1), options, on_text));
}

std::string VlmEngine::describe_frames(std::span<const RgbImageView> frames, double sample_fps,
                                       const DescribeOptions& options, const TextCallback& on_text) {
  VisualPrompt request{VisualPrompt::Kind::kVideo, {frames.begin(), frames.end()}, sample_fps, std::nullopt,
                       options.prompt};
  const PromptInputs in = prepare(request);
  return single_text(generate_for(std::span<const PromptInputs>(&in, 1), options, on_text));
}

std::string VlmEngine::describe_pair(const RgbImageView& from, const RgbImageView& to, const DescribeOptions& options,
                                     const TextCallback& on_text) {
  VisualPrompt request{VisualPrompt::Kind::kPair, {from, to}, 0.0, std::nullopt, options.prompt};
  const PromptInputs in = prepare(request);
  return single_text(generate_for(std::span<const PromptInputs>(&in, 1), options, on_text));
}

}  // namespace vidscope::vlm
