// `vidscope describe`: describes an image, a video (frames sampled at 2 fps) or the transition between
// two images with a Qwen2-VL / Qwen2.5-VL model, streaming the answer to stdout as it is generated.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/log.h"
#include "cli/command.h"
#include "cli/engine_device_options.h"
#include "cli/rgb_image_file.h"
#include "media/segment_source.h"
#include "pipeline/describe_plan.h"
#include "vlm/vlm_engine.h"

namespace vidscope::cli {

namespace {

constexpr double kVideoSampleFps = 2.0;
// qwen-vl-utils' FPS_MAX_FRAMES: longer videos are thinned evenly to this many frames.
constexpr std::size_t kMaxVideoFrames = 768;
// Decoded frames are scaled to fit this box first; the processor's pixel budget shrinks video frames
// far below it anyway, and it keeps the decoded frames of a long video small.
constexpr int kMaxDecodedSide = 1344;

struct DescribeCliOptions {
  std::string model;
  std::string image;
  std::string video;
  std::vector<std::string> pair;
  std::string prompt;
  std::int64_t max_new_tokens = 256;
  std::string precision = "auto";
  unsigned threads = 0;
  EngineDeviceOptions where;
};

struct SampledVideo {
  std::vector<RgbImageFile> frames;
  double fps = kVideoSampleFps;
};

SampledVideo sample_video(const std::string& path) {
  media::SourceOptions options;
  media::FrameStreamSpec spec;
  spec.mode = media::SampleMode::kFps;
  spec.fps = kVideoSampleFps;
  spec.max_width = kMaxDecodedSide;
  spec.max_height = kMaxDecodedSide;
  spec.quality = media::ResizeQuality::kBicubic;
  options.streams = {spec};
  media::SegmentSource source(path, options);
  SampledVideo out;
  while (auto segment = source.next()) {
    for (const auto& frame : segment->streams.at(0)) {
      out.frames.push_back({frame->width, frame->height, frame->rgb});
    }
  }
  if (out.frames.empty()) throw_input_error(path + ": no frames could be sampled");
  if (out.frames.size() > kMaxVideoFrames) {
    std::vector<RgbImageFile> kept;
    const double step = static_cast<double>(out.frames.size()) / static_cast<double>(kMaxVideoFrames);
    for (std::size_t i = 0; i < kMaxVideoFrames; ++i) kept.push_back(std::move(out.frames[static_cast<std::size_t>(i * step)]));
    out.fps = kVideoSampleFps / step;
    out.frames = std::move(kept);
  }
  return out;
}

int run_describe(const DescribeCliOptions& o) {
  const int inputs = static_cast<int>(!o.image.empty()) + static_cast<int>(!o.video.empty()) + static_cast<int>(!o.pair.empty());
  if (inputs != 1) throw_usage_error("describe needs exactly one of --image, --video or --pair");
  vlm::EngineOptions eo;
  eo.precision = vlm::parse_weight_precision(o.precision);
  eo.threads = o.threads;
  const bool planned = o.where.device == "auto";
  if (planned) {
    if (o.precision != "auto" || o.where.gpu_layers >= 0 || o.where.vision_on_cpu) {
      throw_usage_error("--device auto lets the load plan choose the device, the precision and the layer split; "
                        "drop --precision / --gpu-layers / --vision-on-cpu, or name a device");
    }
  } else {
    apply_engine_device_options(o.where, eo);
  }
  // The engine for a request of this shape: as given, or as the load plan says (--device auto).
  const auto load = [&](pipeline::DescribeRequestShape shape) {
    if (!planned) return vlm::VlmEngine::load(o.model, eo);
    shape.max_new_tokens = o.max_new_tokens;
    pipeline::DescribePlan plan = pipeline::plan_describe(o.model, shape);
    plan.engine.threads = o.threads;
    spdlog::info("load plan: {}", plan.plan.summary);
    return vlm::VlmEngine::load(o.model, plan.engine);
  };
  using Shape = pipeline::DescribeRequestShape;
  vlm::DescribeOptions options;
  options.prompt = o.prompt;
  options.max_new_tokens = o.max_new_tokens;
  const auto stream = [](std::string_view text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
  };
  // Read the inputs before loading the model, so a wrong path fails fast.
  if (!o.image.empty()) {
    const RgbImageFile image = read_rgb_image(o.image);
    const auto engine = load({Shape::Kind::kImage, 1, image.width, image.height});
    engine->describe_image(image.view(), options, stream);
  } else if (!o.pair.empty()) {
    const RgbImageFile a = read_rgb_image(o.pair.at(0));
    const RgbImageFile b = read_rgb_image(o.pair.at(1));
    const bool a_larger = std::int64_t{a.width} * a.height >= std::int64_t{b.width} * b.height;
    const auto engine = load({Shape::Kind::kPair, 2, a_larger ? a.width : b.width, a_larger ? a.height : b.height});
    engine->describe_pair(a.view(), b.view(), options, stream);
  } else {
    const SampledVideo video = sample_video(o.video);
    std::vector<vlm::RgbImageView> views;
    for (const auto& f : video.frames) views.push_back(f.view());
    const auto engine = load({Shape::Kind::kVideo, static_cast<int>(views.size()), video.frames.front().width,
                              video.frames.front().height});
    engine->describe_frames(views, video.fps, options, stream);
  }
  std::fputc('\n', stdout);
  return 0;
}

}  // namespace

CommandRunner register_describe_command(CLI::App& app) {
  auto* sub = app.add_subcommand("describe", "Describe an image, a video or an image pair with a Qwen2-VL / Qwen2.5-VL model");
  auto o = std::make_shared<DescribeCliOptions>();
  sub->add_option("--model", o->model, "Model folder (Hugging Face layout)")->required();
  sub->add_option("--image", o->image, "Image file (PNG, JPEG)");
  sub->add_option("--video", o->video, "Video file (frames sampled at 2 fps)");
  sub->add_option("--pair", o->pair, "Two images A B: describe the transition from A to B as a video-generation prompt")
      ->expected(2);
  sub->add_option("--prompt", o->prompt, "Instruction (default depends on the input)");
  sub->add_option("--max-new-tokens", o->max_new_tokens, "Most tokens to generate")->check(CLI::Range(1, 32768));
  sub->add_option("--precision", o->precision, "Weights: auto (as stored), bf16, int8, int4, f32")
      ->check(CLI::IsMember({"auto", "bf16", "int8", "int4", "f32"}));
  sub->add_option("--threads", o->threads, "Compute threads (0: all cores)");
  add_engine_device_options(*sub, o->where, /*planned_choice=*/true);
  return [o] { return run_describe(*o); };
}

}  // namespace vidscope::cli
