#include "memory/planner_ladder.h"

#include <algorithm>
#include <array>
#include <string>

#include <fmt/format.h>

#include "memory/planner_saturating.h"
#include "memory/planner_working_set.h"

namespace vidscope::memory {

namespace {

constexpr std::array<Precision, 3> kPrecisions{Precision::kBf16, Precision::kInt8, Precision::kInt4};

PlanTier gpu_tier(Precision p) {
  return p == Precision::kBf16 ? PlanTier::kGpuBf16 : (p == Precision::kInt8 ? PlanTier::kGpuInt8 : PlanTier::kGpuInt4);
}

PlanTier cpu_tier(Precision p) {
  return p == Precision::kBf16 ? PlanTier::kCpuBf16 : (p == Precision::kInt8 ? PlanTier::kCpuInt8 : PlanTier::kCpuInt4);
}

// What a device that runs some of the model does over one step. The device that runs lm_head also
// holds the last-position logits during prefill and decode.
enum class Staging {
  kNone,       // nothing passes through this device's memory while loading
  kRowBlocks,  // the CPU loader: row blocks converted from the mapping straight into the kept buffers
  kTensor,     // a whole tensor staged in RAM on its way to a GPU
};

struct ComputeShare {
  bool vision = false;
  std::uint32_t layers = 0;
  bool lm_head = false;
  Staging load_staging = Staging::kNone;
};

// The CPU loader (vlm/vlm_weights.h) converts blocks of 64 rows on each of its threads and drops the
// mapped source pages of each block once converted, so at most threads x 64 source rows are resident
// at once beyond the kept weights. 16 threads bounds every machine the engine spreads a load over.
constexpr Bytes kLoaderBlockRows = 64;
constexpr Bytes kLoaderThreadsBound = 16;

Bytes staging_bytes(const LadderInput& in, Staging staging) {
  switch (staging) {
    case Staging::kNone: return 0;
    case Staging::kRowBlocks:
      return std::min(in.weights->stored.largest_tensor,
                      product_saturating({kLoaderThreadsBound, kLoaderBlockRows, in.weights->stored.largest_row}));
    case Staging::kTensor: return in.weights->stored.largest_tensor;
  }
  return 0;
}

DeviceLoad make_load(const LadderInput& in, const VlmWorkingSet& ws, Bytes weights, const ComputeShare& share) {
  DeviceLoad load;
  load.persistent.weights = weights;
  load.persistent.kv_cache = mul_saturating(share.layers, ws.kv_cache_per_layer);
  if (share.vision) load.phases.push_back({"vision", ws.vision});
  if (share.layers > 0 || share.lm_head) {
    PhaseBytes prefill = ws.prefill;
    PhaseBytes decode = ws.decode;
    if (share.lm_head) {
      prefill.scratch = add_saturating(prefill.scratch, ws.logits);
      decode.scratch = add_saturating(decode.scratch, ws.logits);
    }
    load.phases.push_back({"prefill", prefill});
    load.phases.push_back({"decode", decode});
  }
  if (const Bytes staging = staging_bytes(in, share.load_staging); staging > 0) {
    load.phases.push_back({"load", PhaseBytes{0, staging}});
  }
  return load;
}

struct Evaluation {
  LadderChoice choice;
  bool fits = false;
  std::string shortfall;
};

Evaluation evaluate(const LadderInput& in, LadderChoice choice, DeviceLoad cpu_load, const DeviceLoad* gpu_load) {
  cpu_load.persistent.frames = add_saturating(cpu_load.persistent.frames, in.workload.frame_buffer_bytes);
  cpu_load.persistent.overhead = add_saturating(cpu_load.persistent.overhead, in.model->host_tables_bytes);
  Evaluation e;
  choice.cpu = resolve_device(*in.cpu, cpu_load);
  bool fits = outcome_fits(*in.cpu, choice.cpu);
  std::string shortfall;
  if (gpu_load != nullptr) {
    choice.gpu = resolve_device(*in.gpu, *gpu_load);
    if (!outcome_fits(*in.gpu, choice.gpu)) shortfall = describe_shortfall(*in.gpu, choice.gpu);
    fits = fits && outcome_fits(*in.gpu, choice.gpu);
  }
  if (!outcome_fits(*in.cpu, choice.cpu)) {
    shortfall += (shortfall.empty() ? "" : "; ") + describe_shortfall(*in.cpu, choice.cpu);
  }
  e.choice = std::move(choice);
  e.fits = fits;
  e.shortfall = std::move(shortfall);
  return e;
}

Evaluation evaluate_gpu(const LadderInput& in, const VlmWorkingSet& ws, Precision p) {
  const WeightBreakdown& w = (*in.weights)[p];
  const std::uint32_t layers = in.model->dims.llm.layers;
  LadderChoice c{gpu_tier(p), p, false, layers, true};
  c.gpu_weights = w.total();
  const DeviceLoad gpu = make_load(in, ws, c.gpu_weights, {true, layers, true, Staging::kNone});
  return evaluate(in, c, make_load(in, ws, 0, {false, 0, false, Staging::kTensor}), &gpu);
}

Evaluation evaluate_split(const LadderInput& in, const VlmWorkingSet& ws, Precision p, bool vision_on_gpu,
                          std::uint32_t layers_on_gpu) {
  const WeightBreakdown& w = (*in.weights)[p];
  const std::uint32_t layers = in.model->dims.llm.layers;
  LadderChoice c{PlanTier::kSplit, p, false, layers_on_gpu, vision_on_gpu};
  c.gpu_weights = (vision_on_gpu ? w.vision_tower : 0) + w.llm_layers_first(layers_on_gpu);
  c.cpu_weights = w.total() - c.gpu_weights;
  const DeviceLoad gpu = make_load(in, ws, c.gpu_weights, {vision_on_gpu, layers_on_gpu, false, Staging::kNone});
  const DeviceLoad cpu = make_load(in, ws, c.cpu_weights, {!vision_on_gpu, layers - layers_on_gpu, true, Staging::kTensor});
  return evaluate(in, c, cpu, &gpu);
}

Evaluation evaluate_cpu(const LadderInput& in, const VlmWorkingSet& ws, Precision p) {
  LadderChoice c{cpu_tier(p), p, false, 0, false};
  c.cpu_weights = (*in.weights)[p].total();
  return evaluate(in, c, make_load(in, ws, c.cpu_weights, {true, in.model->dims.llm.layers, true, Staging::kRowBlocks}),
                  nullptr);
}

// Mapped weights are page cache: only the unit being computed must stay resident. The biggest unit is
// a decoder layer or the lm_head (the embedding table when tied); a vision block is smaller than
// either in every supported model, and the largest single tensor bounds anything else.
Bytes mapped_working_set(const LadderInput& in) {
  const WeightBreakdown& s = in.weights->stored;
  const Bytes largest_layer = s.llm_layers.empty() ? 0 : *std::max_element(s.llm_layers.begin(), s.llm_layers.end());
  const Bytes head = in.model->dims.llm.tied_lm_head ? s.embedding : s.lm_head;
  return std::max({largest_layer, head, s.largest_tensor});
}

Evaluation evaluate_mapped(const LadderInput& in, const VlmWorkingSet& ws) {
  LadderChoice c{PlanTier::kCpuMapped, Precision::kBf16, true, 0, false};
  c.cpu_weights = mapped_working_set(in);
  DeviceLoad cpu = make_load(in, ws, c.cpu_weights, {true, in.model->dims.llm.layers, true, Staging::kNone});
  cpu.mapped_weights = in.weights->stored.total();
  return evaluate(in, c, cpu, nullptr);
}

// Largest N with both devices fitting, for one precision and vision placement; nullopt if not even 1.
std::optional<Evaluation> best_split_for(const LadderInput& in, const VlmWorkingSet& ws, Precision p,
                                         bool vision_on_gpu) {
  for (std::uint32_t n = in.model->dims.llm.layers; n >= 1; --n) {
    Evaluation e = evaluate_split(in, ws, p, vision_on_gpu, n);
    if (e.fits) return e;
  }
  return std::nullopt;
}

// The vision tower goes to the GPU whenever at least one decoder layer still fits beside it (one
// vision pass per segment costs about as much compute as the prefill of its tokens); then the
// precision with the most layers on the GPU wins, ties going to the higher precision.
std::optional<Evaluation> choose_split(const LadderInput& in, const VlmWorkingSet& ws) {
  for (bool vision_on_gpu : {true, false}) {
    std::optional<Evaluation> best;
    for (Precision p : kPrecisions) {
      std::optional<Evaluation> e = best_split_for(in, ws, p, vision_on_gpu);
      if (e && (!best || e->choice.layers_on_gpu > best->choice.layers_on_gpu)) best = std::move(e);
    }
    if (best) return best;
  }
  return std::nullopt;
}

RejectedTier reject(PlanTier tier, const std::string& why) {
  return RejectedTier{tier, fmt::format("{}: {}", tier_name(tier), why)};
}

}  // namespace

ModelWeights compute_model_weights(const ModelFootprint& model, const QuantPolicy& policy) {
  ModelWeights w;
  for (Precision p : kPrecisions) w.at[static_cast<std::size_t>(p)] = weight_breakdown(model, p, policy);
  w.stored = stored_weight_breakdown(model);
  return w;
}

LadderResult walk_ladder(const LadderInput& in) {
  const VlmWorkingSet ws = estimate_working_set(in.model->dims, in.workload, *in.options);
  LadderResult result;
  auto accept = [&](Evaluation e) {
    result.choice = std::move(e.choice);
    return result;
  };
  for (Precision p : kPrecisions) {
    if (in.gpu == nullptr) {
      result.rejected.push_back(reject(gpu_tier(p), "no GPU"));
      continue;
    }
    Evaluation e = evaluate_gpu(in, ws, p);
    if (e.fits) return accept(std::move(e));
    result.rejected.push_back(reject(gpu_tier(p), e.shortfall));
  }
  if (in.gpu == nullptr) {
    result.rejected.push_back(reject(PlanTier::kSplit, "no GPU"));
  } else if (std::optional<Evaluation> split = choose_split(in, ws)) {
    return accept(std::move(*split));
  } else {
    const Evaluation smallest = evaluate_split(in, ws, Precision::kInt4, false, 1);
    result.rejected.push_back(reject(PlanTier::kSplit, "not even 1 decoder layer at int4 fits: " + smallest.shortfall));
  }
  for (Precision p : kPrecisions) {
    Evaluation e = evaluate_cpu(in, ws, p);
    if (e.fits) return accept(std::move(e));
    result.rejected.push_back(reject(cpu_tier(p), e.shortfall));
  }
  Evaluation mapped = evaluate_mapped(in, ws);
  if (mapped.fits) return accept(std::move(mapped));
  result.rejected.push_back(reject(PlanTier::kCpuMapped, mapped.shortfall));
  return result;
}

}  // namespace vidscope::memory
