// GPU decode bench at Qwen2-VL-7B dimensions (hidden 3584, intermediate 18944, vocab 152064, 28
// layers, 28 query / 4 kv heads of 128): every linear weight of the model on the device in one
// dtype (bf16, q8, q4), random values, then
//   (a) the HBM bound: device-to-device copy bandwidth (2 x bytes per copy, read + write) over
//       1 GiB, measured in the same run;
//   (b) decode GEMVs per weight shape at batch 1 and 8: each shape cycles through its 28 layers'
//       weights (or the one lm_head), so every call reads HBM, not the 50 MB L2; time per call,
//       weight GB/s and the fraction of the copy bandwidth;
//   (c) a whole decode step's weights (196 layer matmuls + lm_head, in model order): ms per token
//       and the fraction of the bound (weight bytes / copy bandwidth);
//   (d) prefill GEMMs (bf16 x bf16 -> f32 through cuBLASLt) at M = 322 (one segment's prompt) and
//       M = 4830 (15 segments in one batch): TFLOP/s.
// Times are wall clock over whole batches of calls ending in synchronize(), so they include the
// backend's per-call host work (checks, launch); "host" shows the share of that time the host
// spent queueing, so a host-bound shape is visible. Lines starting with RESULT are the summary
// that scripts/gpu-check collects.
// Usage: cuda_gemv_bench [--quick | --profile bf16|q8|q4 ROWS]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "backend/cuda/cuda_backend.h"
#include "base/error.h"
#include "base/units.h"
#include "tensor/quantize.h"

using namespace vidscope;
using namespace vidscope::backend;

namespace {

constexpr std::int64_t kHidden = 3584, kIntermediate = 18944, kVocab = 152064, kLayers = 28;
constexpr std::int64_t kKvWidth = 4 * 128;

double now_s() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

struct Shape {
  const char* name;
  std::int64_t n, k;
};
// One decoder layer's linear weights, in the order a decode step reads them.
constexpr Shape kLayerShapes[] = {{"q", kHidden, kHidden},           {"k", kKvWidth, kHidden},
                                  {"v", kKvWidth, kHidden},          {"o", kHidden, kHidden},
                                  {"gate", kIntermediate, kHidden},  {"up", kIntermediate, kHidden},
                                  {"down", kHidden, kIntermediate}};
constexpr Shape kLmHead{"lm_head", kVocab, kHidden};

struct Weight {
  Shape shape;
  std::unique_ptr<Buffer> buffer;
  TensorView view;
};

// Fills a weight with random values of the dtype (a block of rows converted once on the host,
// uploaded over and over: the values do not matter to the timing, only that they are real).
void fill_random(Backend& backend, Weight& w, DType type, const std::vector<float>& source) {
  const std::int64_t block_rows = std::min<std::int64_t>(w.shape.n, 256);
  const std::size_t row = tensor::row_bytes(type, w.shape.k);
  std::vector<std::uint8_t> block(row * static_cast<std::size_t>(block_rows));
  tensor::convert_rows(DType::kF32, source.data(), static_cast<std::size_t>(w.shape.k) * 4, block_rows, w.shape.k, type,
                       block.data());
  for (std::int64_t r = 0; r < w.shape.n; r += block_rows) {
    const std::int64_t rows = std::min(block_rows, w.shape.n - r);
    backend.upload(block.data(), row * static_cast<std::size_t>(rows), *w.buffer, row * static_cast<std::size_t>(r));
  }
}

Weight make_weight(Backend& backend, const Shape& shape, DType type, const std::vector<float>& source) {
  Weight w{shape, backend.allocate(tensor::row_bytes(type, shape.k) * static_cast<std::size_t>(shape.n), "bench",
                                   memory::Purpose::kWeights),
           {}};
  w.view = w.buffer->view(type, {shape.n, shape.k});
  fill_random(backend, w, type, source);
  return w;
}

Bytes bytes_of(const Weight& w) { return w.buffer->size(); }

struct Timing {
  double seconds = 0;  // per repetition of the whole batch of calls
  double host_share = 0;
};

// Runs `batch` once to warm up, then `reps` times; wall time per repetition.
template <typename Fn>
Timing time_batches(Backend& backend, int reps, Fn&& batch) {
  batch();
  backend.synchronize();
  const double start = now_s();
  double queued = 0;
  for (int i = 0; i < reps; ++i) {
    batch();
    queued = now_s();
  }
  backend.synchronize();
  const double total = now_s() - start;
  return {total / reps, (queued - start) / total};
}

double copy_bandwidth(Backend& backend, int reps) {
  auto src = backend.allocate(kGiB, "bench", memory::Purpose::kScratch);
  auto dst = backend.allocate(kGiB, "bench", memory::Purpose::kScratch);
  const TensorView a = src->view(DType::kF32, {16384, 16384}), b = dst->view(DType::kF32, {16384, 16384});
  const Timing t = time_batches(backend, reps, [&] { backend.copy(a, b); });
  return 2.0 * static_cast<double>(kGiB) / t.seconds;
}

struct Activations {
  std::unique_ptr<Buffer> x, y;
};

void run_dtype(Backend& backend, Backend& gemv_backend, Backend& gemm_backend, DType type, double bandwidth, bool quick,
               const std::vector<float>& source, const Activations& act) {
  const char* tname = tensor::dtype_name(type).data();
  std::printf("\n== %s weights ==\n", tname);
  std::vector<std::vector<Weight>> layers(kLayers);
  const double fill_start = now_s();
  Bytes total = 0;
  for (auto& layer : layers) {
    for (const Shape& s : kLayerShapes) {
      layer.push_back(make_weight(backend, s, type, source));
      total += bytes_of(layer.back());
    }
  }
  Weight lm_head = make_weight(backend, kLmHead, type, source);
  total += bytes_of(lm_head);
  std::printf("weights: %.2f GiB, filled in %.1f s\n", static_cast<double>(total) / kGiB, now_s() - fill_start);

  const int reps = quick ? 3 : 10;
  for (std::int64_t batch : {1, 8}) {
    const auto matmul = [&](const Weight& w) {
      backend.matmul(act.x->view(DType::kF32, {batch, w.shape.k}), w.view, nullptr, act.y->view(DType::kF32, {batch, w.shape.n}));
    };
    std::printf("batch %lld:\n", static_cast<long long>(batch));
    std::printf("  %-8s %-13s %10s %10s %9s %6s\n", "weight", "shape", "us/call", "GB/s", "of bound", "host");
    for (std::size_t s = 0; s <= std::size(kLayerShapes); ++s) {
      const bool head = s == std::size(kLayerShapes);
      const Shape& shape = head ? kLmHead : kLayerShapes[s];
      if (!head && (s == 2 || s == 5)) continue;  // v and up have the shapes of k and gate
      const Bytes bytes = head ? bytes_of(lm_head) : bytes_of(layers[0][s]);
      const int calls = head ? 1 : static_cast<int>(kLayers);
      const Timing t = time_batches(backend, reps, [&] {
        if (head) {
          matmul(lm_head);
        } else {
          for (const auto& layer : layers) matmul(layer[s]);
        }
      });
      const double per_call = t.seconds / calls;
      const double fraction = static_cast<double>(bytes) / per_call / bandwidth;
      const std::string dims = std::to_string(shape.n) + "x" + std::to_string(shape.k);
      std::printf("  %-8s %-13s %10.1f %10.0f %8.1f%% %5.0f%%\n", shape.name, dims.c_str(), per_call * 1e6,
                  static_cast<double>(bytes) / per_call / 1e9, 100 * fraction, 100 * t.host_share);
      std::printf("RESULT gemv %s b%lld %s %s us=%.1f fraction=%.3f\n", tname, static_cast<long long>(batch), shape.name,
                  dims.c_str(), per_call * 1e6, fraction);
    }
    const Timing step = time_batches(backend, reps, [&] {
      for (const auto& layer : layers) {
        for (const Weight& w : layer) matmul(w);
      }
      matmul(lm_head);
    });
    const double bound = static_cast<double>(total) / bandwidth;
    std::printf("  decode step (all %lld linear weights): %.3f ms per step, bound %.3f ms, %.1f%% of bound, host %.0f%%\n",
                static_cast<long long>(kLayers * 7 + 1), step.seconds * 1e3, bound * 1e3, 100 * bound / step.seconds,
                100 * step.host_share);
    std::printf("RESULT step %s b%lld ms=%.3f bound_ms=%.3f fraction=%.3f\n", tname, static_cast<long long>(batch),
                step.seconds * 1e3, bound * 1e3, bound / step.seconds);
  }

  // The decode step by path at every batch size: the backend's own choice (auto), the GEMV kernels
  // alone (gemv_backend) and cuBLASLt alone (gemm_backend: x rounded to bf16, q8/q4 weights
  // dequantized to bf16 panels on every call): the data behind the GEMV row limits.
  std::printf("  decode step by path, ms (auto / GEMV / cuBLASLt):\n");
  for (std::int64_t batch : {1, 2, 4, 8, 16}) {
    const auto step_on = [&](Backend& be) {
      return time_batches(be, reps, [&] {
        const auto matmul = [&](const Weight& w) {
          be.matmul(act.x->view(DType::kF32, {batch, w.shape.k}), w.view, nullptr, act.y->view(DType::kF32, {batch, w.shape.n}));
        };
        for (const auto& layer : layers) {
          for (const Weight& w : layer) matmul(w);
        }
        matmul(lm_head);
      }).seconds;
    };
    const double auto_s = step_on(backend);
    const double gemv_s = batch <= 8 ? step_on(gemv_backend) : 0.0;
    const double gemm_s = step_on(gemm_backend);
    std::printf("    batch %2lld: %8.3f / %8.3f / %8.3f\n", static_cast<long long>(batch), auto_s * 1e3, gemv_s * 1e3,
                gemm_s * 1e3);
    std::printf("RESULT step_path %s b%lld auto_ms=%.3f gemv_ms=%.3f gemm_ms=%.3f\n", tname, static_cast<long long>(batch),
                auto_s * 1e3, gemv_s * 1e3, gemm_s * 1e3);
  }

  if (type == DType::kBF16) {
    for (std::int64_t m : {322, 4830}) {
      const Weight& gate = layers[0][4];
      auto x = backend.allocate(static_cast<Bytes>(m * kHidden) * 4, "bench", memory::Purpose::kActivations);
      auto y = backend.allocate(static_cast<Bytes>(m * kIntermediate) * 4, "bench", memory::Purpose::kActivations);
      // Random activations: tensor cores run measurably faster on zeros.
      const Bytes chunk = source.size() * 4;
      for (Bytes offset = 0; offset < x->size(); offset += chunk) {
        backend.upload(source.data(), std::min(chunk, x->size() - offset), *x, offset);
      }
      const Timing t = time_batches(backend, reps, [&] {
        backend.matmul(x->view(DType::kF32, {m, kHidden}), gate.view, nullptr, y->view(DType::kF32, {m, kIntermediate}));
      });
      const double tflops = 2.0 * m * kHidden * kIntermediate / t.seconds / 1e12;
      std::printf("prefill GEMM %lldx%lldx%lld (bf16, f32 out): %.3f ms, %.0f TFLOP/s\n", static_cast<long long>(m),
                  static_cast<long long>(kIntermediate), static_cast<long long>(kHidden), t.seconds * 1e3, tflops);
      std::printf("RESULT gemm bf16 m%lld ms=%.3f tflops=%.1f\n", static_cast<long long>(m), t.seconds * 1e3, tflops);
    }
  }
}

}  // namespace

// --profile TYPE ROWS: three matmuls of the gate shape and nothing else, for a profiler (ncu) to
// look at one kernel without the rest of the bench.
int profile_one(const std::string& type_name, int rows) {
  DType type = DType::kBF16;
  if (type_name == "q8") type = DType::kQ8;
  if (type_name == "q4") type = DType::kQ4;
  auto backend = make_cuda_backend();
  std::vector<float> source(static_cast<std::size_t>(256 * kIntermediate), 0.01f);
  for (std::size_t i = 0; i < source.size(); ++i) source[i] = static_cast<float>((i * 2654435761u) % 1000) * 1e-4f - 0.05f;
  const Weight gate = make_weight(*backend, kLayerShapes[4], type, source);
  auto x = backend->allocate(static_cast<Bytes>(rows) * kHidden * 4, "bench", memory::Purpose::kActivations);
  auto y = backend->allocate(static_cast<Bytes>(rows) * kIntermediate * 4, "bench", memory::Purpose::kActivations);
  backend->upload(source.data(), static_cast<Bytes>(rows) * kHidden * 4, *x, 0);
  for (int i = 0; i < 3; ++i) {
    backend->matmul(x->view(DType::kF32, {rows, kHidden}), gate.view, nullptr, y->view(DType::kF32, {rows, kIntermediate}));
  }
  backend->synchronize();
  std::printf("profiled %s x%d gate matmuls\n", type_name.c_str(), rows);
  return 0;
}

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  if (cuda_device_count() == 0) {
    std::printf("cuda_gemv_bench: no CUDA device (%s): nothing to measure\n", cuda_unavailable_reason().c_str());
    return 0;
  }
  if (argc == 4 && std::strcmp(argv[1], "--profile") == 0) {
    try {
      return profile_one(argv[2], std::max(1, std::atoi(argv[3])));
    } catch (const Error& e) {
      std::fprintf(stderr, "cuda_gemv_bench: %s\n", e.what());
      return 1;
    }
  }
  try {
    auto backend = make_cuda_backend();
    const DeviceMemory memory = backend->memory();
    std::printf("device: %s, %.1f GiB free of %.1f GiB\n", backend->name().c_str(), static_cast<double>(memory.free) / kGiB,
                static_cast<double>(memory.total) / kGiB);
    const double bandwidth = copy_bandwidth(*backend, quick ? 5 : 20);
    std::printf("device-to-device copy: %.0f GB/s (read + write)\n", bandwidth / 1e9);
    std::printf("RESULT copy GBps=%.0f\n", bandwidth / 1e9);

    const std::vector<float> source = [] {
      std::vector<float> v(static_cast<std::size_t>(256 * kIntermediate));
      std::uint32_t state = 12345;
      for (float& f : v) {
        state = state * 1664525u + 1013904223u;
        f = (static_cast<float>(state >> 8) / 16777216.0f - 0.5f) * 0.1f;
      }
      return v;
    }();
    Activations act;
    act.x = backend->allocate(static_cast<Bytes>(16 * kIntermediate) * 4, "bench", memory::Purpose::kActivations);
    act.y = backend->allocate(static_cast<Bytes>(16 * kVocab) * 4, "bench", memory::Purpose::kActivations);
    std::vector<float> x(static_cast<std::size_t>(16 * kIntermediate));
    std::copy_n(source.begin(), x.size(), x.begin());
    backend->upload(x.data(), x.size() * 4, *act.x, 0);

    auto gemv_backend = make_cuda_backend({.gemv_max_rows = 8});
    auto gemm_backend = make_cuda_backend({.gemv_max_rows = 0});
    for (DType type : {DType::kBF16, DType::kQ8, DType::kQ4}) {
      run_dtype(*backend, *gemv_backend, *gemm_backend, type, bandwidth, quick, source, act);
    }
    std::printf("\nRESULT done\n");
  } catch (const Error& e) {
    std::fprintf(stderr, "cuda_gemv_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
