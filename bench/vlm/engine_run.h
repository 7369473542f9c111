#pragma once
// One precision of the engine benchmark, measured in the calling process (run it in a fresh process
// per precision: peak RSS is per process): load, first touch of the weights, vision encode of a
// 2x24x24 video grid, prefill of a 322-token prompt (288 visual tokens), decode at batch 1 and batch 8,
// and the machine bounds (read bandwidth, GEMM FLOP/s) on the same threads right after.
#include <cstdint>
#include <filesystem>

#include "vlm/vlm_weights.h"

namespace vidscope::bench {

struct EngineRunOptions {
  unsigned threads = 2;
  int decode_steps = 16;  // tokens per sequence in each timed round
  // Batch-1 and batch-N rounds alternate this many times and each reports its median round: on a
  // shared machine a neighbour's burst then slows one round, not one batch size's only measurement.
  int decode_rounds = 3;
  int batch = 8;
  bool load_only = false;  // stop after loading (memory and load time only)
  // Skip vision and prefill: the prompt's KV rows hold made-up values (decode time does not depend
  // on them), so decode can be timed or profiled on its own.
  bool decode_only = false;
  // After the timed rounds, one more round at batch 1 and at batch N with every op timed
  // (backend/op_profile.h), printed per step by the measuring child.
  bool op_profile = false;
};

// Plain data (it crosses a pipe from the measuring child process).
struct EngineNumbers {
  double load_s = 0;
  double load_cpu_s = 0;         // user + system CPU time of the whole process during loading
  double touch_s = 0;            // reading one byte per page of every weight view after loading
  std::uint64_t peak_load_rss = 0;       // VmHWM at the end of loading
  std::uint64_t peak_load_anon = 0;      // highest RssAnon sampled during loading (every 10 ms)
  std::uint64_t peak_load_file = 0;      // highest RssFile sampled during loading
  std::uint64_t load_rss_anon = 0, load_rss_file = 0;  // right after loading
  std::uint64_t run_rss_anon = 0, run_rss_file = 0;    // after every measurement
  std::uint64_t owned_weight_bytes = 0;  // converted weights held in backend buffers
  double vision_s = 0;
  double vision_flops = 0;       // linear layers only (attention excluded)
  double prefill_s = 0;
  std::int64_t prefill_tokens = 0;
  double prefill_flops = 0;      // linear layers only
  double decode1_s_per_step = 0;
  double decode8_s_per_step = 0;
  double decode_weight_bytes = 0;  // weights read per decode step (decoder layers + lm_head)
  double read_bandwidth = 0;       // bytes/s, same thread count
  double gemm_flops = 0;           // FLOP/s of the backend's f32 matmul
};

// Throws vidscope::Error from loading or running the engine.
EngineNumbers run_engine(const std::filesystem::path& model_dir, vlm::WeightPrecision precision,
                         const EngineRunOptions& options);

}  // namespace vidscope::bench
