// CPU kernel benchmark: memory bandwidth bounds, GEMV (decode) at Qwen2-VL-2B shapes and GEMM
// (prefill) throughput, each printed as a ratio to a baseline measured in the same run.
//   (a) memcpy and read-only bandwidth over 512 MiB buffers;
//   (b) GEMV: weight GB/s read, fraction of the bandwidth bounds, batch-8 / batch-1 time, for the
//       best kernel level and the one below it (avx512_vnni vs avx512: int8 vs f32 multiplies),
//       timed alternately --repeat times (median, and the range in brackets);
//   (c) GEMM M=512 K=1536 N=1536: GFLOP/s vs the f32-weight GEMM of the same kernels.
// Weight sets rotate over >= 1 GiB so every GEMV reads DRAM, not a warm last-level cache.
// Usage: kernel_bench [--quick] [--repeat N] [--shape up|down|lm_head] [--type bf16|q8|q8x16|q4|q4x16] [--gemv-only]
//   --quick: fewer shapes, shorter timing; N: default 3; --shape/--type: only that GEMV shape or weight
//   type; --gemv-only: skip the bandwidth bounds' fractions and the GEMM section.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "base/units.h"
#include "common/median.h"
#include "common/stream_read.h"
#include "tensor/cpu_features.h"
#include "tensor/kernel_table.h"
#include "tensor/matmul.h"
#include "tensor/quantize.h"
#include "tensor/tensor_buffer.h"

using namespace vidscope;
using namespace vidscope::tensor;

namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Runs fn repeatedly for at least min_s seconds (after one warm-up call); returns seconds per call.
template <typename Fn>
double time_per_call(Fn&& fn, double min_s) {
  fn();
  int calls = 0;
  const double start = now_s();
  double elapsed = 0;
  do {
    fn();
    ++calls;
    elapsed = now_s() - start;
  } while (elapsed < min_s);
  return elapsed / calls;
}

struct AlignedBytes {
  explicit AlignedBytes(std::size_t n) : size(n), data(static_cast<std::uint8_t*>(allocate_aligned(n))) {}
  ~AlignedBytes() { free_aligned(data); }
  std::size_t size;
  std::uint8_t* data;
};


struct Bandwidth {
  double memcpy_gbs;  // bytes copied per second
  double read_gbs;    // bytes read per second
};

Bandwidth measure_bandwidth(WorkerPool* pool, double min_s) {
  const std::size_t n = 512 * kMiB;
  AlignedBytes src(n), dst(n);
  std::memset(src.data, 1, n);
  const unsigned parts = pool ? pool->size() : 1;
  const std::size_t part = n / parts;
  auto run = [&](auto body) {
    if (pool) pool->run(parts, body); else body(0);
  };
  const double copy_s = time_per_call([&] { run([&](std::size_t i) { std::memcpy(dst.data + i * part, src.data + i * part, part); }); }, min_s);
  volatile std::uint64_t sink = 0;
  const double read_s = time_per_call([&] { run([&](std::size_t i) { sink = sink + bench::stream_read(src.data + i * part, part); }); }, min_s);
  return {n / copy_s / 1e9, n / read_s / 1e9};
}

// Cheap deterministic pseudo-random bf16 weights (a normal distribution would take minutes here).
void fill_bf16(std::uint16_t* out, std::size_t n, std::uint32_t seed) {
  std::uint32_t s = seed * 2654435761u + 1;
  for (std::size_t i = 0; i < n; ++i) {
    s ^= s << 13, s ^= s >> 17, s ^= s << 5;
    const float v = (static_cast<float>(s & 0xffff) / 65536.0f - 0.5f) * 0.1f;
    std::uint32_t bits;
    std::memcpy(&bits, &v, 4);
    out[i] = static_cast<std::uint16_t>(bits >> 16);
  }
}

// `copies` copies of one [n, k] weight matrix in `type`, so consecutive calls read cold memory.
struct WeightSet {
  DType type;
  std::int64_t n, k;
  std::size_t matrix_bytes;
  std::unique_ptr<AlignedBytes> bytes;
  int copies;
  TensorView view(int copy) const {
    return TensorView::dense(bytes->data + copy * matrix_bytes, type, {n, k});
  }
};

WeightSet make_weights(DType type, std::int64_t n, std::int64_t k, const std::uint16_t* bf16_source) {
  WeightSet set{type, n, k, row_bytes(type, k) * static_cast<std::size_t>(n), nullptr, 1};
  set.copies = static_cast<int>(std::max<std::size_t>(1, (1024 * kMiB + set.matrix_bytes - 1) / set.matrix_bytes));
  set.bytes = std::make_unique<AlignedBytes>(set.matrix_bytes * set.copies);
  convert_rows(DType::kBF16, bf16_source, k * 2, n, k, type, set.bytes->data);
  for (int c = 1; c < set.copies; ++c) std::memcpy(set.bytes->data + c * set.matrix_bytes, set.bytes->data, set.matrix_bytes);
  return set;
}

double time_gemv(const KernelContext& ctx, const WeightSet& w, int batch, double min_s) {
  TensorBuffer x(DType::kF32, {batch, w.k}), y(DType::kF32, {batch, w.n});
  for (std::int64_t i = 0; i < batch * w.k; ++i) x.f32()[i] = 0.01f * static_cast<float>(i % 97);
  int copy = 0;
  return time_per_call([&] {
    matmul(ctx, x.view(), w.view(copy), nullptr, y.view());
    copy = (copy + 1) % w.copies;
  }, min_s);
}

struct Spread {
  double median, low, high;
};
Spread spread(const std::vector<double>& v) {
  const auto [low, high] = std::minmax_element(v.begin(), v.end());
  return {bench::median(v), *low, *high};
}

// The kernel levels compared in (b): the best one, and the next one down where it exists.
std::vector<const KernelTable*> compared_levels(const KernelTable& best) {
  std::vector<const KernelTable*> levels = {&best};
  for (int l = static_cast<int>(best.level) - 1; l > static_cast<int>(SimdLevel::kScalar); --l) {
    if (const KernelTable* t = kernels_for(static_cast<SimdLevel>(l))) {
      levels.push_back(t);
      break;
    }
  }
  return levels;
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  bool gemv_only = false;
  int repeat = 3;
  std::string only_shape, only_type;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--quick") {
      quick = true;
    } else if (arg == "--gemv-only") {
      gemv_only = true;
    } else if (arg == "--repeat" && i + 1 < argc) {
      repeat = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--shape" && i + 1 < argc) {
      only_shape = argv[++i];
    } else if (arg == "--type" && i + 1 < argc) {
      only_type = argv[++i];
    } else {
      std::fprintf(stderr, "usage: kernel_bench [--quick] [--repeat N] [--shape up|down|lm_head] [--type bf16|q8|q8x16|q4|q4x16] [--gemv-only]\n");
      return 2;
    }
  }
  const double min_s = quick ? 0.3 : 1.0;
  const KernelTable& kernels = best_kernels();
  const CpuFeatures& f = cpu_features();
  std::printf("kernels: %s (avx2 %d, fma %d, avx512f %d, avx512bw %d, avx512_vnni %d, avx512_vbmi %d, avx512_bf16 %d)\n",
              simd_level_name(kernels.level), f.avx2, f.fma, f.avx512f, f.avx512bw, f.avx512_vnni, f.avx512_vbmi,
              f.avx512_bf16);

  WorkerPool pool2(2);
  std::printf("\n(a) bandwidth, 512 MiB buffers\n");
  Bandwidth bw[3];
  for (unsigned threads : {1u, 2u}) {
    bw[threads] = measure_bandwidth(threads == 2 ? &pool2 : nullptr, min_s);
    std::printf("  threads %u: memcpy %.1f GB/s (bytes copied), read %.1f GB/s\n", threads, bw[threads].memcpy_gbs,
                bw[threads].read_gbs);
  }

  struct GemvShape {
    const char* key;
    const char* name;
    std::int64_t k, n;
  };
  std::vector<GemvShape> shapes = {{"up", "mlp up   K=1536 N=8960", 1536, 8960},
                                   {"down", "mlp down K=8960 N=1536", 8960, 1536}};
  if (!quick || only_shape == "lm_head") shapes.push_back({"lm_head", "lm_head  K=1536 N=151936", 1536, 151936});
  std::erase_if(shapes, [&](const GemvShape& s) { return !only_shape.empty() && only_shape != s.key; });
  const std::vector<const KernelTable*> levels = compared_levels(kernels);
  std::printf("\n(b) GEMV (decode); GB/s = weight bytes / time; frac = of memcpy / of read bandwidth, same threads;\n"
              "    median of %d alternating runs [min-max]\n", repeat);
  for (const GemvShape& s : shapes) {
    std::vector<std::uint16_t> source(static_cast<std::size_t>(s.n * s.k));
    fill_bf16(source.data(), source.size(), static_cast<std::uint32_t>(s.n));
    for (DType type : {DType::kBF16, DType::kQ8, DType::kQ8x16, DType::kQ4, DType::kQ4x16}) {
      if (!only_type.empty() && only_type != dtype_name(type)) continue;
      if (!supports_weights(kernels, type)) continue;
      const WeightSet w = make_weights(type, s.n, s.k, source.data());
      for (unsigned threads : {1u, 2u}) {
        std::vector<std::vector<double>> t1(levels.size()), t8(levels.size()), ratio(levels.size());
        for (int rep = 0; rep < repeat; ++rep) {
          for (std::size_t l = 0; l < levels.size(); ++l) {
            if (!supports_weights(*levels[l], type)) continue;
            const KernelContext ctx{levels[l], threads == 2 ? &pool2 : nullptr};
            t1[l].push_back(time_gemv(ctx, w, 1, min_s));
            t8[l].push_back(time_gemv(ctx, w, 8, min_s));
            ratio[l].push_back(t8[l].back() / t1[l].back());
          }
        }
        for (std::size_t l = 0; l < levels.size(); ++l) {
          if (t1[l].empty()) continue;  // no kernels for this type at this level
          const Spread a = spread(t1[l]), b = spread(t8[l]), r = spread(ratio[l]);
          const double gbs = w.matrix_bytes / a.median / 1e9;
          std::printf("  %s %-4s t%u %-11s: batch1 %7.3f ms [%.3f-%.3f] %5.1f GB/s frac %.2f / %.2f | batch8 %7.3f ms "
                      "[%.3f-%.3f], b8/b1 %.2fx [%.2f-%.2f]\n",
                      s.name, std::string(dtype_name(type)).c_str(), threads, simd_level_name(levels[l]->level),
                      a.median * 1e3, a.low * 1e3, a.high * 1e3, gbs, gbs / bw[threads].memcpy_gbs, gbs / bw[threads].read_gbs,
                      b.median * 1e3, b.low * 1e3, b.high * 1e3, r.median, r.low, r.high);
        }
      }
    }
  }

  if (gemv_only) return 0;
  std::printf("\n(c) GEMM (prefill) M=512 K=1536 N=1536; vs the f32-weight GEMM in the same run\n");
  {
    const std::int64_t m = 512, k = 1536, n = 1536;
    std::vector<std::uint16_t> source(static_cast<std::size_t>(n * k));
    fill_bf16(source.data(), source.size(), 5);
    TensorBuffer x(DType::kF32, {m, k}), y(DType::kF32, {m, n});
    for (std::int64_t i = 0; i < m * k; ++i) x.f32()[i] = 0.01f * static_cast<float>(i % 89);
    for (unsigned threads : {1u, 2u}) {
      const KernelContext ctx{&kernels, threads == 2 ? &pool2 : nullptr};
      double f32_gflops = 0;
      for (DType type : {DType::kF32, DType::kBF16, DType::kQ8, DType::kQ8x16, DType::kQ4, DType::kQ4x16}) {
        if (!supports_weights(kernels, type)) continue;
        std::vector<std::uint8_t> w(row_bytes(type, k) * n);
        convert_rows(DType::kBF16, source.data(), k * 2, n, k, type, w.data());
        const TensorView wv = TensorView::dense(w.data(), type, {n, k});
        const double t = time_per_call([&] { matmul(ctx, x.view(), wv, nullptr, y.view()); }, min_s);
        const double gflops = 2.0 * m * n * k / t / 1e9;
        if (type == DType::kF32) f32_gflops = gflops;
        std::printf("  t%u %-4s %8.2f ms %7.1f GFLOP/s  (%.2f of f32)\n", threads, std::string(dtype_name(type)).c_str(),
                    t * 1e3, gflops, gflops / f32_gflops);
      }
    }
  }
  return 0;
}
