// The VLM engine with its language model on the GPU (EngineOptions::device = "cuda"), on a model
// folder (random weights at real dimensions from vidscope-make-random-checkpoint; speed does not
// depend on the values):
//   load:    wall time; host peak RSS (VmHWM) above the baseline of a process that has already set up
//            CUDA and cuBLASLt (the target: <= 1.5 GiB for a 15.5 GiB bf16 checkpoint); GPU
//            memory taken;
//   vision:  the vision tower on one segment (a 2 x 24 x 24 grid of made-up patch rows);
//   prefill: one segment's prompt of 322 tokens, 288 of them video rows (random values);
//   decode:  ms per step at batch 1, 8 and 15 (greedy, picked on the device), and batch 1 as
//            a fraction of the HBM bound: weight bytes read per step (decoder layers + lm_head) over
//            the device-to-device copy bandwidth (read + write) measured in the same run;
//   job:     the seeds' job: 15 segments each through the vision tower, their 322-token prompts
//            prefilled together (packed passes), then 64 tokens decoded for all 15 together (the
//            issue's target: <= 1.0 s);
//   release: GPU memory in use after the engine is gone against before it loaded.
// Lines starting with RESULT are what scripts/gpu-check collects.
// With --gpu-layers N only the first N decoder layers run on the GPU, the rest and the lm_head on the
// CPU (the plan's split tier); the "HBM bound" line then covers all layers and is not a target.
// With --op-profile, decode steps at batch 1 and 15 and the job's packed prefill are run once more
// with every op timed (backend/op_profile.h): device time per op (the GPU waited for after each op)
// and, at batch 1, the host's time to issue each op; printed per step after the results.
// Usage: cuda_engine_bench --model DIR [--precision auto|bf16|int8|int4] [--steps N] [--gpu-layers N] [--op-profile]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "backend/cuda/cuda_backend.h"
#include "base/error.h"
#include "base/units.h"
#include "memory/probe.h"
#include "vlm/kv_cache.h"
#include "vlm/vlm_engine.h"

using namespace vidscope;

namespace {

constexpr int kVisualTokens = 288;  // a 2 x 24 x 24 video grid after the 2 x 2 merge
constexpr int kTextBefore = 16, kTextAfter = 16;
constexpr int kSegments = 15;
constexpr int kJobTokens = 64;

double now_s() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }
double mib(Bytes b) { return static_cast<double>(b) / static_cast<double>(kMiB); }

Bytes gpu_used() {
  auto probe = backend::make_cuda_backend();
  const backend::DeviceMemory m = probe->memory();
  return m.total - m.free;
}

double copy_bandwidth(backend::Backend& be) {
  auto a = be.allocate(kGiB, "bench", memory::Purpose::kScratch);
  auto b = be.allocate(kGiB, "bench", memory::Purpose::kScratch);
  const auto va = a->view(tensor::DType::kF32, {16384, 16384}), vb = b->view(tensor::DType::kF32, {16384, 16384});
  be.copy(va, vb);
  be.synchronize();
  constexpr int kReps = 20;
  const double start = now_s();
  for (int i = 0; i < kReps; ++i) be.copy(va, vb);
  be.synchronize();
  return 2.0 * static_cast<double>(kGiB) * kReps / (now_s() - start);
}

vlm::PreparedPrompt make_prompt(const vlm::VlmEngine& engine, const vlm::Activation& video) {
  const auto& t = engine.config().tokens;
  vlm::PreparedPrompt p;
  for (int i = 0; i < kTextBefore; ++i) p.ids.push_back(1000 + 37 * i);
  p.ids.push_back(static_cast<std::int32_t>(t.vision_start_token_id));
  p.ids.insert(p.ids.end(), kVisualTokens, static_cast<std::int32_t>(t.video_token_id));
  p.ids.push_back(static_cast<std::int32_t>(t.vision_end_token_id));
  for (int i = 0; i < kTextAfter; ++i) p.ids.push_back(2000 + 53 * i);
  const std::vector<vlm::GridThw> grids = {{2, 24, 24}};
  const std::vector<double> second_per_grid = {1.0};
  p.positions = engine.positions_for(p.ids, {}, grids, second_per_grid);
  p.video_embeddings = &video;
  return p;
}

struct DecodeTiming {
  double step_s = 0;
  double host_share = 0;  // of the step, the host's time to queue it (up to the choice of the tokens)
};

// Greedy decode of `steps` steps for the given slots; the tokens are picked on the device, as
// Generator::generate does (only the ids are downloaded).
DecodeTiming time_decode(const vlm::VlmEngine& engine, vlm::KvCache& cache, std::int64_t batch, std::int64_t rope_delta,
                         int steps) {
  const vlm::Generator& gen = engine.generator();
  std::vector<std::int64_t> slots(static_cast<std::size_t>(batch));
  for (std::size_t i = 0; i < slots.size(); ++i) slots[i] = static_cast<std::int64_t>(i);
  std::vector<std::int32_t> ids(slots.size(), 100);
  const std::vector<std::int64_t> deltas(slots.size(), rope_delta);
  const double start = now_s();
  double queueing = 0;
  for (int s = 0; s < steps; ++s) {
    const double step_start = now_s();
    const vlm::Activation logits = gen.decode_step(ids, slots, deltas, cache);
    queueing += now_s() - step_start;
    logits.owner_backend()->greedy_tokens(logits.view(), {}, 1.0f, ids);
  }
  const double total = now_s() - start;
  return {total / steps, queueing / total};
}

// Tables of where a decode step's time goes, op by op (see --op-profile above).
void print_op_profiles(const vlm::VlmEngine& engine, backend::OpProfile& profile, vlm::KvCache& cache,
                       std::int64_t tokens, std::int64_t rope_delta, int steps) {
  const auto reset = [&] { for (std::int64_t s = 0; s < kSegments; ++s) cache.set_length(s, tokens); };
  struct Case {
    std::int64_t batch;
    bool device_time;
  };
  profile.enabled = true;
  for (const Case c : {Case{1, true}, Case{kSegments, true}, Case{1, false}}) {
    profile.synchronize_each = c.device_time;
    reset();
    profile.reset();
    (void)time_decode(engine, cache, c.batch, rope_delta, steps);
    std::printf("op profile: decode batch %lld, %s per step\n%s", static_cast<long long>(c.batch),
                c.device_time ? "device time (synchronized after each op)" : "host time to issue each op",
                profile.table(steps).c_str());
  }
  profile.enabled = false;
  reset();
}

int run(const std::string& model, const std::string& precision, int steps, int gpu_layers, bool op_profile) {
  { auto warm = backend::make_cuda_backend(); }  // CUDA and cuBLASLt set up: part of the baseline
  const Bytes rss_baseline = memory::read_process_memory_without_pss().rss;
  const Bytes gpu_before = gpu_used();
  std::printf("device: %s\n", backend::make_cuda_backend()->name().c_str());
  double bandwidth = 0, prefill_s = 0, vision_s = 0, job_s = 0;
  DecodeTiming d1, d8, d15;
  Bytes weight_bytes = 0, peak_above = 0, gpu_loaded = 0;
  double load_s = 0;
  {
    vlm::EngineOptions options;
    options.device = "cuda";
    options.precision = vlm::parse_weight_precision(precision);
    options.device_layers = gpu_layers;
    backend::OpProfile profile;
    options.op_profile = op_profile ? &profile : nullptr;
    double start = now_s();
    const auto engine = vlm::VlmEngine::load(model, options);
    load_s = now_s() - start;
    const Bytes hwm = memory::read_process_memory_without_pss().peak_rss;
    peak_above = hwm > rss_baseline ? hwm - rss_baseline : 0;
    gpu_loaded = gpu_used() - gpu_before;
    weight_bytes = engine->weights().language().decode_weight_bytes();
    std::printf("load: %.2f s, host peak RSS %.0f MiB above the baseline (%.0f MiB), GPU memory %.0f MiB\n", load_s,
                mib(peak_above), mib(rss_baseline), mib(gpu_loaded));
    std::printf("RESULT engine load s=%.2f host_peak_above_baseline_mib=%.0f gpu_mib=%.0f\n", load_s, mib(peak_above),
                mib(gpu_loaded));

    const vlm::LanguageModel& lm = engine->language_model();
    vlm::Activation video(engine->host_backend(), kVisualTokens, lm.hidden_size(), "bench");
    std::uint32_t state = 99;
    for (std::int64_t i = 0; i < kVisualTokens * lm.hidden_size(); ++i) {
      state = state * 1664525u + 1013904223u;
      video.data()[i] = (static_cast<float>(state >> 8) / 16777216.0f - 0.5f);
    }
    const vlm::PreparedPrompt prompt = make_prompt(*engine, video);
    const auto tokens = static_cast<std::int64_t>(prompt.ids.size());
    const int layers = static_cast<int>(lm.config().num_hidden_layers);
    {
      vlm::KvCache cache = lm.make_cache(kSegments, tokens + std::max(steps, kJobTokens) + 1);
      (void)engine->generator().prefill(prompt, cache, 0);  // warm-up (cuBLASLt heuristics, pool)
      cache.set_length(0, 0);
      start = now_s();
      (void)engine->generator().prefill(prompt, cache, 0);
      prefill_s = now_s() - start;
      for (std::int64_t s = 1; s < kSegments; ++s) {  // every slot holds the prompt
        for (int l = 0; l < layers; ++l) {
          cache.backend_of(l).copy(cache.keys(l, 0, tokens), cache.keys(l, s, tokens));
          cache.backend_of(l).copy(cache.values(l, 0, tokens), cache.values(l, s, tokens));
        }
        cache.set_length(s, tokens);
      }
      const auto reset = [&] { for (std::int64_t s = 0; s < kSegments; ++s) cache.set_length(s, tokens); };
      (void)time_decode(*engine, cache, 1, prompt.positions.rope_delta, 2);  // warm-up
      reset();
      d1 = time_decode(*engine, cache, 1, prompt.positions.rope_delta, steps);
      reset();
      d8 = time_decode(*engine, cache, 8, prompt.positions.rope_delta, steps);
      reset();
      d15 = time_decode(*engine, cache, kSegments, prompt.positions.rope_delta, steps);
      if (op_profile) print_op_profiles(*engine, profile, cache, tokens, prompt.positions.rope_delta, steps);
    }
    {
      // The vision tower on one segment: 4 frames of 336 x 336 as made-up patch rows (a 2 x 24 x 24
      // grid, 1152 patches, 288 tokens), on the device like the language model.
      vlm::PixelPatches patches;
      patches.grid = {2, 24, 24};
      patches.row_size = static_cast<int>(engine->weights().vision().patch_embed.cols());
      patches.values.resize(static_cast<std::size_t>(patches.rows() * patches.row_size));
      for (float& v : patches.values) {
        state = state * 1664525u + 1013904223u;
        v = 4.0f * (static_cast<float>(state >> 8) / 16777216.0f - 0.5f);  // normalized pixels lie in about [-2, 2]
      }
      (void)engine->encode_vision(patches);  // warm-up
      engine->vision_backend().synchronize();
      start = now_s();
      [[maybe_unused]] const vlm::Activation encoded = engine->encode_vision(patches);
      engine->vision_backend().synchronize();
      vision_s = now_s() - start;
      // The job as describe_batch runs it: 15 segments through the vision tower, their prompts
      // prefilled together (packed into passes of 512 rows), then all decoded together.
      vlm::KvCache cache = lm.make_cache(kSegments, tokens + kJobTokens + 1);
      start = now_s();
      std::vector<vlm::Activation> segments;
      std::vector<vlm::PreparedPrompt> prompts;
      std::vector<std::int64_t> slots;
      segments.reserve(kSegments);
      for (std::int64_t s = 0; s < kSegments; ++s) segments.push_back(engine->encode_vision(patches));
      for (std::int64_t s = 0; s < kSegments; ++s) {
        prompts.push_back(make_prompt(*engine, segments[static_cast<std::size_t>(s)]));
        slots.push_back(s);
      }
      (void)engine->generator().prefill_packed(prompts, slots, cache);
      (void)time_decode(*engine, cache, kSegments, prompt.positions.rope_delta, kJobTokens);
      job_s = now_s() - start;
      if (op_profile) {
        for (std::int64_t s = 0; s < kSegments; ++s) cache.set_length(s, 0);
        profile.enabled = profile.synchronize_each = true;
        profile.reset();
        (void)engine->generator().prefill_packed(prompts, slots, cache);
        std::printf("op profile: the job's packed prefill (15 prompts), device time\n%s", profile.table().c_str());
        profile.enabled = false;
      }
    }
    bandwidth = copy_bandwidth(engine->compute_backend());
  }
  const Bytes gpu_after = gpu_used();
  const double bound_s = static_cast<double>(weight_bytes) / bandwidth;
  std::printf("prefill %lld tokens: %.1f ms (%.0f tokens/s)\n", 322LL, prefill_s * 1e3, 322.0 / prefill_s);
  std::printf("decode ms/step (host share): batch 1 %.2f (%.0f%%), batch 8 %.2f (%.0f%%), batch 15 %.2f (%.0f%%)\n",
              d1.step_s * 1e3, 100 * d1.host_share, d8.step_s * 1e3, 100 * d8.host_share, d15.step_s * 1e3,
              100 * d15.host_share);
  std::printf("HBM bound: %.2f GB of weights per step / %.0f GB/s copy = %.2f ms; batch 1 at %.1f%% of it\n",
              static_cast<double>(weight_bytes) / 1e9, bandwidth / 1e9, bound_s * 1e3, 100.0 * bound_s / d1.step_s);
  std::printf("vision tower, one segment (2 x 24 x 24 grid): %.1f ms\n", vision_s * 1e3);
  std::printf("job (15 segments: vision, 322-token prefill, then 64 tokens each decoded together): %.2f s\n", job_s);
  std::printf("release: GPU memory in use %.0f MiB before load, %.0f MiB after unload\n", mib(gpu_before), mib(gpu_after));
  std::printf("RESULT engine %s gpu_layers=%d vision_ms=%.1f prefill_ms=%.1f d1_ms=%.2f d8_ms=%.2f d15_ms=%.2f bound_ms=%.2f fraction=%.3f job_s=%.2f "
              "host_share_b1=%.2f gpu_after_minus_before_mib=%.0f\n",
              precision.c_str(), gpu_layers, vision_s * 1e3, prefill_s * 1e3, d1.step_s * 1e3, d8.step_s * 1e3, d15.step_s * 1e3, bound_s * 1e3,
              bound_s / d1.step_s, job_s, d1.host_share, mib(gpu_after) - mib(gpu_before));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string model, precision = "auto";
  int steps = 32, gpu_layers = -1;
  bool op_profile = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--model" && i + 1 < argc) {
      model = argv[++i];
    } else if (a == "--precision" && i + 1 < argc) {
      precision = argv[++i];
    } else if (a == "--steps" && i + 1 < argc) {
      steps = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--gpu-layers" && i + 1 < argc) {
      gpu_layers = std::max(0, std::atoi(argv[++i]));
    } else if (a == "--op-profile") {
      op_profile = true;
    } else {
      std::fprintf(stderr,
                   "usage: cuda_engine_bench --model DIR [--precision auto|bf16|int8|int4] [--steps N] [--gpu-layers N] "
                   "[--op-profile]\n");
      return 2;
    }
  }
  if (model.empty()) {
    std::fprintf(stderr, "cuda_engine_bench: --model DIR is required\n");
    return 2;
  }
  if (backend::cuda_device_count() == 0) {
    std::printf("cuda_engine_bench: no CUDA device (%s): nothing to measure\n", backend::cuda_unavailable_reason().c_str());
    return 0;
  }
  try {
    return run(model, precision, steps, gpu_layers, op_profile);
  } catch (const Error& e) {
    std::fprintf(stderr, "cuda_engine_bench: %s\n", e.what());
    return 1;
  }
}
