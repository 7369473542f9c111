#pragma once
// The options that say where the VLM runs (--device, --gpu-layers, --vision-on-cpu), shared by every
// command that loads the engine.
#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

#include "vlm/vlm_engine.h"

namespace vidscope::cli {

struct EngineDeviceOptions {
  std::string device = "cpu";
  std::int64_t gpu_layers = -1;
  bool vision_on_cpu = false;
};

// planned_choice: the command also takes --device auto (the load plan chooses).
inline void add_engine_device_options(CLI::App& app, EngineDeviceOptions& o, bool planned_choice = false) {
  app.add_option("--device", o.device,
                 planned_choice ? "Where the models run: cpu, cuda, cuda:N, or auto: the load plan picks the device, "
                                  "the precision and the GPU/CPU layer split from the free RAM and GPU memory "
                                  "(default cpu)"
                                : "Where the models run: cpu, cuda or cuda:N (default cpu)");
  app.add_option("--gpu-layers", o.gpu_layers,
                 "With --device cuda: run only the first N decoder layers on the GPU, the rest on the CPU "
                 "(for GPUs too small for the whole model; default: all)")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 20));
  app.add_flag("--vision-on-cpu", o.vision_on_cpu, "With --device cuda: run the vision tower on the CPU");
}

inline void apply_engine_device_options(const EngineDeviceOptions& o, vlm::EngineOptions& engine) {
  engine.device = o.device;
  engine.device_layers = o.gpu_layers;
  engine.vision_on_device = !o.vision_on_cpu;
}

}  // namespace vidscope::cli
