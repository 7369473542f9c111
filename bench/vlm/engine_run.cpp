#include "engine_run.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <cstdio>
#include <thread>
#include <vector>

#include "common/median.h"
#include "machine_bounds.h"
#include "memory/probe.h"
#include "vlm/kv_cache.h"
#include "vlm/vlm_engine.h"

namespace vidscope::bench {

namespace {

using vlm::Activation;
using vlm::GridThw;
using vlm::Linear;

// The benchmark's video: 4 frames at 336x336 -> grid (t 2, h 24, w 24), 1152 patches, 288 tokens.
constexpr GridThw kVideoGrid{2, 24, 24};
constexpr int kTextTokensBefore = 16;
constexpr int kTextTokensAfter = 16;

double now_s() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// Highest anonymous and file-backed RSS seen while alive, polled every 10 ms from /proc/self/status.
// (memory::MemorySampler also reads PSS, which walks every page of a 4 GB mapping and would cost more CPU
// than the load it measures.)
class PeakMemoryWatch {
 public:
  PeakMemoryWatch() : thread_([this] { watch(); }) {}
  ~PeakMemoryWatch() { stop(); }
  void stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::uint64_t peak_anon() const { return peak_anon_; }
  std::uint64_t peak_file() const { return peak_file_; }

 private:
  void watch() {
    do {
      const memory::ProcessMemory m = memory::read_process_memory_without_pss();
      peak_anon_ = std::max<std::uint64_t>(peak_anon_, m.rss_anon);
      peak_file_ = std::max<std::uint64_t>(peak_file_, m.rss_file);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    } while (!stopping_);
  }
  std::atomic<bool> stopping_{false};
  std::uint64_t peak_anon_ = 0, peak_file_ = 0;  // written by the watch thread only; read after stop()
  std::thread thread_;
};

double cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double view_bytes(const backend::TensorView& v) {
  return v.data == nullptr ? 0.0 : static_cast<double>(v.rows()) * static_cast<double>(v.dense_row_bytes());
}
double linear_params(const Linear& l) {
  return l.weight.data == nullptr ? 0.0 : static_cast<double>(l.weight.rows()) * static_cast<double>(l.weight.cols());
}

double vision_flops(const vlm::VisionWeights& w, std::int64_t patches, std::int64_t merged) {
  double per_patch = static_cast<double>(w.patch_embed.rows()) * static_cast<double>(w.patch_embed.cols());
  for (const vlm::VisionBlockWeights& b : w.blocks) {
    for (const Linear* l : {&b.qkv, &b.proj, &b.fc1, &b.fc2, &b.gate, &b.up, &b.down}) per_patch += linear_params(*l);
  }
  const double merger = linear_params(w.merger_fc1) + linear_params(w.merger_fc2);
  return 2.0 * (per_patch * static_cast<double>(patches) + merger * static_cast<double>(merged));
}

double layer_params(const vlm::LanguageWeights& w) {
  double params = 0;
  for (const vlm::DecoderLayerWeights& l : w.layers) {
    for (const Linear* lin : l.linears()) params += linear_params(*lin);
  }
  return params;
}

// Reads one byte per page of every weight the forward passes use, so the timed runs below measure
// compute, not first-touch page faults of the mapped checkpoint.
double touch_weights(const vlm::VlmWeights& weights) {
  std::vector<const backend::TensorView*> views = {&weights.vision().patch_embed, &weights.language().embed_tokens,
                                                   &weights.language().lm_head.weight};
  for (const auto& b : weights.vision().blocks) {
    for (const Linear* l : {&b.qkv, &b.proj, &b.fc1, &b.fc2, &b.gate, &b.up, &b.down}) views.push_back(&l->weight);
  }
  views.push_back(&weights.vision().merger_fc1.weight);
  views.push_back(&weights.vision().merger_fc2.weight);
  for (const auto& l : weights.language().layers) {
    for (const Linear* lin : l.linears()) views.push_back(&lin->weight);
  }
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  volatile std::uint8_t sink = 0;
  const double start = now_s();
  for (const backend::TensorView* v : views) {
    if (v->data == nullptr) continue;
    const auto* p = static_cast<const std::uint8_t*>(v->data);
    const auto bytes = static_cast<std::size_t>(view_bytes(*v));
    for (std::size_t i = 0; i < bytes; i += page) sink = sink + p[i];
  }
  return now_s() - start;
}

// Made-up values in [-1, 1] from a xorshift stream (the bench's inputs need no distribution).
float next_value(std::uint32_t& s) {
  s ^= s << 13, s ^= s >> 17, s ^= s << 5;
  return static_cast<float>(s % 2001) / 1000.0f - 1.0f;
}

vlm::PixelPatches random_patches(const vlm::ProcessorConfig& processor) {
  vlm::PixelPatches patches;
  patches.grid = kVideoGrid;
  patches.row_size = processor.patch_row_size();
  patches.values.resize(static_cast<std::size_t>(patches.rows() * patches.row_size));
  std::uint32_t s = 12345;
  for (float& v : patches.values) v = next_value(s);  // normalized pixels lie in about [-2, 2]
  return patches;
}

std::vector<std::int32_t> prompt_ids(const models::VlmConfig& config, std::int64_t visual_tokens) {
  std::vector<std::int32_t> ids;
  for (int i = 0; i < kTextTokensBefore; ++i) ids.push_back(1000 + 37 * i);
  ids.push_back(static_cast<std::int32_t>(config.tokens.vision_start_token_id));
  ids.insert(ids.end(), static_cast<std::size_t>(visual_tokens), static_cast<std::int32_t>(config.tokens.video_token_id));
  ids.push_back(static_cast<std::int32_t>(config.tokens.vision_end_token_id));
  for (int i = 0; i < kTextTokensAfter; ++i) ids.push_back(2000 + 53 * i);
  return ids;
}

// Small pseudo-random keys and values for the first `rows` positions of slot 0 (--decode-only).
void fill_prompt_kv(vlm::KvCache& cache, std::int64_t rows) {
  std::uint32_t s = 777;
  for (std::int64_t layer = 0; layer < cache.layers(); ++layer) {
    for (const tensor::TensorView& view : {cache.keys(layer, 0, rows), cache.values(layer, 0, rows)}) {
      for (std::int64_t r = 0; r < rows; ++r) {
        float* row = view.f32_row(r);
        for (std::int64_t c = 0; c < view.cols(); ++c) row[c] = next_value(s);
      }
    }
  }
  cache.set_length(0, rows);
}

std::int32_t argmax_row(const float* row, std::int64_t n) {
  return static_cast<std::int32_t>(std::max_element(row, row + n) - row);
}

// Times `steps` batched decode steps over `slots`, feeding each sequence its own greedy token.
double time_decode(const vlm::Generator& generator, vlm::KvCache& cache, std::vector<std::int64_t> slots,
                   std::int64_t rope_delta, std::int32_t first, std::int64_t vocab, int steps) {
  std::vector<std::int32_t> ids(slots.size(), first);
  const std::vector<std::int64_t> deltas(slots.size(), rope_delta);
  const double start = now_s();
  for (int step = 0; step < steps; ++step) {
    const Activation logits = generator.decode_step(ids, slots, deltas, cache);
    for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = argmax_row(logits.row(static_cast<std::int64_t>(i)), vocab);
  }
  return (now_s() - start) / steps;
}

// Copies the prompt held in slot 0 into slots 1..n-1, so every sequence of the batch decodes at the
// same context length without prefilling n times.
void clone_slot0(vlm::KvCache& cache, std::int64_t slots) {
  const std::int64_t rows = cache.length(0);
  for (std::int64_t s = 1; s < slots; ++s) {
    for (std::int64_t layer = 0; layer < cache.layers(); ++layer) {
      backend::Backend& be = cache.backend_of(layer);
      be.copy(cache.keys(layer, 0, rows), cache.keys(layer, s, rows));
      be.copy(cache.values(layer, 0, rows), cache.values(layer, s, rows));
    }
    cache.set_length(s, rows);
  }
}

}  // namespace

EngineNumbers run_engine(const std::filesystem::path& model_dir, vlm::WeightPrecision precision,
                         const EngineRunOptions& options) {
  EngineNumbers n;
  vlm::EngineOptions engine_options;
  engine_options.precision = precision;
  engine_options.threads = options.threads;
  backend::OpProfile profile;
  if (options.op_profile) engine_options.op_profile = &profile;
  PeakMemoryWatch watch;
  double start = now_s();
  const double cpu_start = cpu_seconds();
  const auto engine = vlm::VlmEngine::load(model_dir, engine_options);
  n.load_s = now_s() - start;
  n.load_cpu_s = cpu_seconds() - cpu_start;
  watch.stop();
  const memory::ProcessMemory after_load = memory::read_process_memory_without_pss();
  n.peak_load_rss = after_load.peak_rss;
  n.peak_load_anon = watch.peak_anon();
  n.peak_load_file = watch.peak_file();
  n.load_rss_anon = after_load.rss_anon;
  n.load_rss_file = after_load.rss_file;
  n.owned_weight_bytes = engine->weights().owned_bytes();
  if (options.load_only) return n;
  n.touch_s = touch_weights(engine->weights());

  const int merge = engine->processor_config().merge_size;
  std::optional<Activation> video;
  if (!options.decode_only) {
    const vlm::PixelPatches patches = random_patches(engine->processor_config());
    start = now_s();
    video.emplace(engine->encode_vision(patches));
    n.vision_s = now_s() - start;
    n.vision_flops = vision_flops(engine->weights().vision(), patches.rows(), kVideoGrid.token_count(merge));
  }

  vlm::PreparedPrompt prompt;
  prompt.ids = prompt_ids(engine->config(), kVideoGrid.token_count(merge));
  const std::vector<GridThw> grids = {kVideoGrid};
  const std::vector<double> second_per_grid = {1.0};
  prompt.positions = engine->positions_for(prompt.ids, {}, grids, second_per_grid);
  prompt.video_embeddings = video ? &*video : nullptr;
  const vlm::LanguageModel& lm = engine->language_model();
  const auto tokens = static_cast<std::int64_t>(prompt.ids.size());
  vlm::KvCache cache = lm.make_cache(options.batch, tokens + options.decode_steps + 1);
  std::int32_t first = prompt.ids.back();
  if (options.decode_only) {
    fill_prompt_kv(cache, tokens);
  } else {
    start = now_s();
    const std::vector<float> logits = engine->generator().prefill(prompt, cache, 0);
    n.prefill_s = now_s() - start;
    n.prefill_tokens = tokens;
    n.prefill_flops = 2.0 * static_cast<double>(tokens) * layer_params(engine->weights().language()) +
                      2.0 * linear_params(engine->weights().language().lm_head);
    first = argmax_row(logits.data(), lm.vocab_size());
  }
  cache.set_length(0, tokens);
  clone_slot0(cache, options.batch);  // every batch slot starts from the prompt
  std::vector<std::int64_t> slots(static_cast<std::size_t>(options.batch));
  for (std::size_t i = 0; i < slots.size(); ++i) slots[i] = static_cast<std::int64_t>(i);
  std::vector<double> batch1_rounds, batchn_rounds;
  for (int round = 0; round < options.decode_rounds; ++round) {
    batch1_rounds.push_back(time_decode(engine->generator(), cache, {0}, prompt.positions.rope_delta, first,
                                        lm.vocab_size(), options.decode_steps));
    for (const std::int64_t slot : slots) cache.set_length(slot, tokens);  // forget the decoded tokens
    batchn_rounds.push_back(time_decode(engine->generator(), cache, slots, prompt.positions.rope_delta, first,
                                        lm.vocab_size(), options.decode_steps));
    for (const std::int64_t slot : slots) cache.set_length(slot, tokens);
  }
  n.decode1_s_per_step = median(batch1_rounds);
  n.decode8_s_per_step = median(batchn_rounds);
  if (options.op_profile) {
    profile.enabled = true;
    for (const bool batched : {false, true}) {
      profile.reset();
      (void)time_decode(engine->generator(), cache, batched ? slots : std::vector<std::int64_t>{0},
                        prompt.positions.rope_delta, first, lm.vocab_size(), options.decode_steps);
      for (const std::int64_t slot : slots) cache.set_length(slot, tokens);
      std::printf("op profile: decode batch %zu, ms per step\n%s", batched ? slots.size() : std::size_t{1},
                  profile.table(options.decode_steps).c_str());
    }
    std::fflush(stdout);
    profile.enabled = false;
  }
  n.decode_weight_bytes = static_cast<double>(engine->weights().language().decode_weight_bytes());

  const memory::ProcessMemory after_run = memory::read_process_memory_without_pss();
  n.run_rss_anon = after_run.rss_anon;
  n.run_rss_file = after_run.rss_file;
  n.read_bandwidth = measure_read_bandwidth(options.threads);
  n.gemm_flops = measure_gemm_flops(engine->compute_backend());
  return n;
}

}  // namespace vidscope::bench
