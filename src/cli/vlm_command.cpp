// `vidscope vlm probe`: runs the VLM engine on an image and/or video frames and a prompt given as token
// ids, and writes the fields of the reference outputs (tests/data/vlm/ref-*.json) for comparison.
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/atomic_file.h"
#include "base/error.h"
#include "cli/command.h"
#include "cli/engine_device_options.h"
#include "cli/rgb_image_file.h"
#include "vlm/vlm_engine.h"

namespace vidscope::cli {

namespace {

struct VlmProbeOptions {
  std::string model;
  std::string image;
  std::string frames;  // comma-separated
  std::string prompt_ids;
  std::int64_t max_new_tokens = 6;
  double min_pixels = 0;
  double max_pixels = 0;
  std::string precision = "f32";
  unsigned threads = 0;
  EngineDeviceOptions where;
  std::string output;
};

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::vector<std::int32_t> parse_ids(const std::string& text) {
  std::vector<std::int32_t> ids;
  for (const auto& item : split_commas(text)) {
    try {
      std::size_t used = 0;
      const long v = std::stol(item, &used);
      if (used != item.size() || v < -2 || v > INT32_MAX) throw std::invalid_argument(item);
      ids.push_back(static_cast<std::int32_t>(v));
    } catch (const std::exception&) {
      throw_usage_error("--prompt-ids: '" + item + "' is not a token id (or -1 / -2)");
    }
  }
  return ids;
}

int run_probe(const VlmProbeOptions& o) {
  if (o.image.empty() && o.frames.empty()) throw_usage_error("vlm probe needs --image or --frames");
  vlm::EngineOptions eo;
  eo.precision = vlm::parse_weight_precision(o.precision);
  eo.threads = o.threads;
  apply_engine_device_options(o.where, eo);
  vlm::ProbeRequest request;
  request.prompt_ids = parse_ids(o.prompt_ids);
  request.max_new_tokens = o.max_new_tokens;
  if (o.min_pixels > 0) request.min_pixels = o.min_pixels;
  if (o.max_pixels > 0) request.max_pixels = o.max_pixels;
  RgbImageFile image;
  if (!o.image.empty()) {
    image = read_rgb_image(o.image);
    request.image = image.view();
  }
  std::vector<RgbImageFile> frames;
  for (const auto& f : split_commas(o.frames)) frames.push_back(read_rgb_image(f));
  for (const auto& f : frames) request.frames.push_back(f.view());
  const auto engine = vlm::VlmEngine::load(o.model, eo);
  const nlohmann::json result = engine->probe(request);
  write_file_atomically(o.output, result.dump(1) + "\n");
  return 0;
}

}  // namespace

CommandRunner register_vlm_command(CLI::App& app) {
  auto* vlm = app.add_subcommand("vlm", "Vision-language model tools (Qwen2-VL / Qwen2.5-VL)");
  vlm->require_subcommand(1);
  auto options = std::make_shared<VlmProbeOptions>();
  auto* probe = vlm->add_subcommand("probe", "Run the model on token ids and write reference-comparable JSON");
  probe->add_option("--model", options->model, "Model folder (config.json, *.safetensors, ...)")->required();
  probe->add_option("--image", options->image, "Image file (PNG, JPEG)");
  probe->add_option("--frames", options->frames, "Video frames as comma-separated image files (even count)");
  probe->add_option("--prompt-ids", options->prompt_ids, "Comma-separated token ids; -1 = image block, -2 = video block")
      ->required();
  probe->add_option("--max-new-tokens", options->max_new_tokens, "Greedy tokens to generate")->check(CLI::Range(0, 4096));
  probe->add_option("--min-pixels", options->min_pixels, "Override preprocessor_config.json min_pixels");
  probe->add_option("--max-pixels", options->max_pixels, "Override preprocessor_config.json max_pixels");
  probe->add_option("--precision", options->precision, "Weights: auto, f32, bf16, int8, int4 (default f32)");
  probe->add_option("--threads", options->threads, "Compute threads (0: all cores)");
  add_engine_device_options(*probe, options->where);
  probe->add_option("-o,--output", options->output, "Output JSON file")->required();
  return [options, probe] {
    if (!probe->parsed()) return 2;
    return run_probe(*options);
  };
}

}  // namespace vidscope::cli
