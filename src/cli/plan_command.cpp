// `vidscope plan`: what would be loaded where, at which precision, and why — without loading anything.
#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/units.h"
#include "cli/command.h"
#include "media/video_info.h"
#include "memory/budget.h"
#include "memory/device_inventory.h"
#include "memory/load_plan.h"
#include "memory/planner.h"
#include "memory/probe.h"
#include "models/model_footprint_reader.h"
#include "vlm/segment_workload.h"

namespace vidscope::cli {

namespace {

struct PlanOptions {
  std::string model_dir;
  std::string video;
  std::string ram_budget = "unlimited";
  std::string gpu_budget = "unlimited";
  std::string assume_gpu;
  int frames_per_segment = 3;
  int frame_width = 336;   // frame size when no --video is given
  int frame_height = 336;
  double max_pixels = 336.0 * 336.0;
  unsigned batch = 1;
  unsigned prompt_tokens = 64;
  unsigned max_new_tokens = 64;
  bool json = false;
};

memory::DeviceInventory probe_devices(const PlanOptions& options) {
  memory::DeviceInventory devices = memory::probe_device_inventory();
  if (!options.assume_gpu.empty()) {
    const auto bytes = parse_bytes(options.assume_gpu);
    if (!bytes || *bytes == 0) {
      throw_usage_error("--assume-gpu '" + options.assume_gpu + "' is not a size such as 24GiB or 80GiB");
    }
    devices.gpus = {{0, "assumed GPU", *bytes, *bytes, true}};
  }
  return devices;
}

int run_plan(const PlanOptions& options) {
  memory::PlanRequest request;
  request.devices = probe_devices(options);
  const auto ram_spec = memory::BudgetSpec::parse(options.ram_budget);
  const auto gpu_spec = memory::BudgetSpec::parse(options.gpu_budget);
  request.budgets.ram_limit = ram_spec.resolve(request.devices.ram.total);
  if (!request.devices.gpus.empty()) request.budgets.gpu_limit = gpu_spec.resolve(request.devices.gpus[0].total);

  int width = options.frame_width;
  int height = options.frame_height;
  if (!options.video.empty()) {
    const auto info = media::probe_video(options.video);
    width = info.width;
    height = info.height;
  }
  vlm::SegmentVisualRequest visual;
  visual.layout = vlm::FrameLayout::kVideo;
  visual.frames = options.frames_per_segment;
  visual.frame_width = width;
  visual.frame_height = height;
  visual.max_pixels = options.max_pixels;
  visual.batch = options.batch;
  visual.prompt_text_tokens = options.prompt_tokens;
  visual.max_new_tokens = options.max_new_tokens;
  request.workload = vlm::segment_workload(visual);
  request.models.push_back({"vlm", models::read_model_footprint(options.model_dir)});
  const auto plan = memory::plan_load(request);
  if (options.json) {
    std::printf("%s\n", nlohmann::json(plan).dump(2).c_str());
  } else {
    std::printf("%s", memory::to_table(plan).c_str());
  }
  return plan.feasible ? 0 : static_cast<int>(ErrorKind::kBudget);
}

}  // namespace

CommandRunner register_plan_command(CLI::App& app) {
  auto* sub = app.add_subcommand(
      "plan", "Plan where a model would live (GPU/RAM/disk) and at what precision, without loading it");
  auto options = std::make_shared<PlanOptions>();
  sub->add_option("--model", options->model_dir, "Model directory (config.json + *.safetensors)")->required();
  sub->add_option("--video", options->video, "Plan for this video's frame size");
  sub->add_option("--ram-budget", options->ram_budget, "RAM budget: 12GiB, 800MiB, 80% or unlimited")
      ->capture_default_str();
  sub->add_option("--gpu-budget", options->gpu_budget, "GPU memory budget (same forms)")->capture_default_str();
  sub->add_option("--assume-gpu", options->assume_gpu,
                  "Plan for a GPU of this size that is not present (capacity planning), e.g. 24GiB");
  sub->add_option("--frames-per-segment", options->frames_per_segment, "Frames per segment")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  sub->add_option("--max-pixels", options->max_pixels, "Pixels per frame given to the vision tower")
      ->check(CLI::Range(3136.0, 16.0e6))
      ->capture_default_str();
  sub->add_option("--batch", options->batch, "Segments generated together")->check(CLI::Range(1u, 4096u))
      ->capture_default_str();
  sub->add_option("--prompt-tokens", options->prompt_tokens, "Text tokens of the prompt per segment")
      ->check(CLI::Range(1u, 1u << 20))
      ->capture_default_str();
  sub->add_option("--max-new-tokens", options->max_new_tokens, "Tokens generated per segment")
      ->check(CLI::Range(1u, 1u << 20))
      ->capture_default_str();
  sub->add_flag("--json", options->json, "Print the plan as JSON instead of a table");
  return [options] { return run_plan(*options); };
}

}  // namespace vidscope::cli
