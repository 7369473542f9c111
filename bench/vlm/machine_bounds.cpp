#include "machine_bounds.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "base/units.h"
#include "common/stream_read.h"
#include "tensor/tensor_buffer.h"
#include "tensor/worker_pool.h"

namespace vidscope::bench {

namespace {

double now_s() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }


constexpr int kPasses = 8;

}  // namespace

double measure_read_bandwidth(unsigned threads) {
  const std::size_t bytes = 512 * kMiB;
  auto* buffer = static_cast<std::uint8_t*>(tensor::allocate_aligned(bytes));
  std::memset(buffer, 1, bytes);
  tensor::WorkerPool pool(threads);
  const std::size_t part = bytes / pool.size() / 128 * 128;
  volatile std::uint64_t sink = 0;
  double best = 1e30;
  for (int pass = 0; pass < kPasses; ++pass) {
    const double start = now_s();
    pool.run(pool.size(), [&](std::size_t i) { sink = sink + stream_read(buffer + i * part, part); });
    best = std::min(best, now_s() - start);
  }
  tensor::free_aligned(buffer);
  return static_cast<double>(part * pool.size()) / best;
}

double measure_gemm_flops(backend::Backend& backend) {
  const std::int64_t m = 322, k = 1536, n = 8960;
  const auto x = backend.allocate(static_cast<Bytes>(m * k) * 4, "bench", memory::Purpose::kActivations);
  const auto w = backend.allocate(static_cast<Bytes>(n * k) * 4, "bench", memory::Purpose::kWeights);
  const auto y = backend.allocate(static_cast<Bytes>(m * n) * 4, "bench", memory::Purpose::kActivations);
  auto* xf = static_cast<float*>(x->data());
  auto* wf = static_cast<float*>(w->data());
  for (std::int64_t i = 0; i < m * k; ++i) xf[i] = 0.01f * static_cast<float>(i % 89);
  for (std::int64_t i = 0; i < n * k; ++i) wf[i] = 0.001f * static_cast<float>(i % 97 - 48);
  const auto xv = x->view(backend::DType::kF32, {m, k});
  const auto wv = w->view(backend::DType::kF32, {n, k});
  const auto yv = y->view(backend::DType::kF32, {m, n});
  double best = 1e30;
  for (int call = 0; call < 4; ++call) {
    const double start = now_s();
    backend.matmul(xv, wv, nullptr, yv);
    backend.synchronize();
    best = std::min(best, now_s() - start);
  }
  return 2.0 * static_cast<double>(m * n * k) / best;
}

}  // namespace vidscope::bench
