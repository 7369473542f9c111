// Every op on every available backend against the reference: the CPU backend at scalar level.
// A backend joins by adding a row to backends_under_test(); ops are rows of op_cases(). Inputs are
// uploaded into buffers of the backend under test and results downloaded, so device backends
// run the same table. Error measure: max |got - ref| / (max |ref| + 1e-6) per op (normalized, as
// ggml's test-backend-ops), with the tolerance written next to each op.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "backend/allocation_contract.h"
#include "backend/cpu/cpu_backend.h"
#include "backend/cuda/cuda_backend.h"
#include "base/error.h"
#include "memory/ledger.h"
#include "tensor/quantize.h"
#include "tensor/test_support.h"

namespace vidscope::backend {
namespace {

using tensor::SimdLevel;
using tensor::testing::random_values;

struct BackendRow {
  std::string label;
  std::function<std::unique_ptr<Backend>()> make;
  // Why this row cannot run here (the test is then skipped), or empty.
  std::function<std::string()> skip_reason = [] { return std::string(); };
  // Whether the backend rounds operands like the GPU does (then OpCase::gpu_tolerance applies):
  // large-M matmuls in bf16, and q8/q4 GEMVs with f32 activations where the CPU rounds them to int8.
  bool gpu_numerics = false;
};

// gtest prints parameters in test names and ctest listings: the label, not the object's bytes.
void PrintTo(const BackendRow& row, std::ostream* os) { *os << row.label; }

std::vector<BackendRow> backends_under_test() {
  std::vector<BackendRow> rows;
  for (SimdLevel level : tensor::testing::supported_levels()) {
    for (unsigned threads : {1u, 2u}) {
      rows.push_back({std::string("cpu_") + tensor::simd_level_name(level) + "_t" + std::to_string(threads),
                      [level, threads] { return make_cpu_backend({.simd_level = level, .threads = threads}); }});
    }
  }
#if VIDSCOPE_HAVE_CUDA
  // Built with CUDA: the row is always listed, and skipped where no GPU is visible (CI).
  rows.push_back({"cuda0", [] { return make_cuda_backend(); },
                  [] { return cuda_device_count() > 0 ? std::string() : "no CUDA device: " + cuda_unavailable_reason(); }, true});
#endif
  return rows;
}

// Host data of one op's inputs and outputs, placed into buffers of a given backend.
struct HostTensor {
  DType dtype = DType::kF32;
  std::vector<std::int64_t> shape;  // 2-D: rows, cols
  std::vector<std::uint8_t> bytes;
};

HostTensor f32_tensor(std::int64_t rows, std::int64_t cols, std::uint32_t seed, float scale = 1.0f) {
  HostTensor t{DType::kF32, {rows, cols}, {}};
  const auto v = random_values(static_cast<std::size_t>(rows * cols), seed, scale);
  t.bytes.resize(v.size() * 4);
  std::memcpy(t.bytes.data(), v.data(), t.bytes.size());
  return t;
}

HostTensor weight_tensor(DType type, std::int64_t n, std::int64_t k, std::uint32_t seed) {
  const auto v = random_values(static_cast<std::size_t>(n * k), seed, 0.05f);
  HostTensor t{type, {n, k}, std::vector<std::uint8_t>(tensor::row_bytes(type, k) * n)};
  tensor::convert_rows(DType::kF32, v.data(), k * 4, n, k, type, t.bytes.data());
  return t;
}

// An op case: its inputs, its output shape, and how to run it given device views.
struct OpCase {
  std::string name;
  std::vector<HostTensor> inputs;
  std::int64_t out_rows, out_cols;
  double tolerance;  // normalized error bound vs the scalar reference
  std::function<void(Backend&, const std::vector<TensorView>&, const TensorView&)> run;
  // The bound for backends with the GPU's rounding (BackendRow::gpu_numerics); negative:
  // `tolerance` applies to them too.
  double gpu_tolerance = -1.0;
};

std::vector<OpCase> op_cases() {
  std::vector<OpCase> ops;
  // matmul: the SIMD levels (and the GPU's GEMV, M <= 8) only reorder f32 sums of the same exact
  // products: ~1e-6 normalized. K = 291 gives rows of no useful alignment (scalar paths); K = 560
  // gives 16-byte aligned f32/f16/bf16 rows, 4-byte aligned q8/q4 rows and a q4 tail of a block
  // and a half past the last pair of blocks (the GPU's vector loads).
  // bf16 GEMM (M > 8 on the GPU): x and W are rounded to bf16 (8 significant bits, relative error
  // <= 2^-9 each), so each product is off by up to ~2^-8; the error of the sum grows with sqrt(K)
  // like the sum itself, which keeps the normalized error near 2^-8 = 0.004: bound 1e-2. f32
  // weights use an f32 GEMM and keep the 1e-5 bound.
  // q8/q4 GEMV (M <= 8): the GPU rounds x to int8 exactly as the CPU does (activation_int8.h, the
  // same f32 operations), so only the summation order differs: 1e-5 as above (an H200 run measured
  // at most 6.1e-7 here). From 9 rows the CPU multiplies the exact x while the GPU still rounds it
  // to int8 up to 24 rows (cuda_kernels.h): an 8-bit rounding of x like bf16's, the 1e-2 bound
  // (measured 0.0033-0.0052). On the GPU, bf16/f16 weights take cuBLASLt (x rounded to bf16) from
  // M = 2 (gemv_max_rows_for).
  for (DType type : {DType::kF32, DType::kBF16, DType::kF16, DType::kQ8, DType::kQ4}) {
    for (std::int64_t k : {291, 560}) {
      for (std::int64_t m : {1, 3, 8, 9, 37}) {
        OpCase op{"matmul_" + std::string(tensor::dtype_name(type)) + "_m" + std::to_string(m) + "_k" + std::to_string(k),
                  {f32_tensor(m, k, 1), weight_tensor(type, 77, k, 2), f32_tensor(1, 77, 3)}, m, 77, 1e-5,
                  [](Backend& b, const std::vector<TensorView>& in, const TensorView& y) { b.matmul(in[0], in[1], &in[2], y); }};
        const bool half = type == DType::kBF16 || type == DType::kF16;
        if ((half && m > 1) || (type != DType::kF32 && m > 8)) op.gpu_tolerance = 1e-2;  // the GPU's GEMV rows
        ops.push_back(std::move(op));
      }
    }
  }
  // Many output rows: the GPU's GEMV gives each pair of rows one warp (fewer rows split K over
  // 2-4 warps, as every case above does); 20000 rows take that path on GPUs of up to 312
  // multiprocessors. Rows of x within the GEMV limit of each type (1 for bf16).
  for (DType type : {DType::kBF16, DType::kQ4}) {
    const std::int64_t m = type == DType::kBF16 ? 1 : 3;
    ops.push_back({"matmul_" + std::string(tensor::dtype_name(type)) + "_m" + std::to_string(m) + "_n20000",
                   {f32_tensor(m, 128, 30), weight_tensor(type, 20000, 128, 31), f32_tensor(1, 20000, 32)}, m, 20000, 1e-5,
                   [](Backend& b, const std::vector<TensorView>& in, const TensorView& y) { b.matmul(in[0], in[1], &in[2], y); }});
  }
  const auto fn = [](auto f) { return std::function<void(Backend&, const std::vector<TensorView>&, const TensorView&)>(f); };
  ops.push_back({"rms_norm", {f32_tensor(5, 1537, 4), f32_tensor(1, 1537, 5)}, 5, 1537, 1e-5,
                 fn([](Backend& b, const auto& in, const TensorView& y) { b.rms_norm(in[0], in[1], 1e-6f, y); })});
  // The residual add fused with the norm after it: the output holds the updated residual (left half)
  // and the norm (right half), once into a third view and once over delta (as the language model
  // calls it). The same f32 operations as add then rms_norm: the rms_norm bound.
  for (const bool over_delta : {false, true}) {
    ops.push_back({over_delta ? "add_rms_norm_over_delta" : "add_rms_norm",
                   {f32_tensor(5, 1537, 43), f32_tensor(5, 1537, 44), f32_tensor(1, 1537, 45)}, 5, 2 * 1537, 1e-5,
                   fn([over_delta](Backend& b, const auto& in, const TensorView& y) {
                     const auto half = [&](int i) {
                       TensorView v = y;
                       v.data = y.f32_row(0) + i * 1537;
                       v.shape[1] = 1537;
                       return v;
                     };
                     b.copy(in[0], half(0));
                     if (over_delta) b.copy(in[1], half(1));
                     b.add_rms_norm(half(0), over_delta ? half(1) : in[1], in[2], 1e-6f, half(1));
                   })});
  }
  ops.push_back({"layer_norm", {f32_tensor(5, 1281, 6), f32_tensor(1, 1281, 7), f32_tensor(1, 1281, 8)}, 5, 1281, 1e-5,
                 fn([](Backend& b, const auto& in, const TensorView& y) { b.layer_norm(in[0], in[1], in[2], 1e-6f, y); })});
  ops.push_back({"softmax", {f32_tensor(4, 999, 9, 4.0f)}, 4, 999, 1e-5,
                 fn([](Backend& b, const auto& in, const TensorView& y) { b.softmax(in[0], y); })});
  for (UnaryOp op : {UnaryOp::kSilu, UnaryOp::kGelu, UnaryOp::kQuickGelu}) {
    ops.push_back({tensor::unary_op_name(op), {f32_tensor(3, 1001, 10, 3.0f)}, 3, 1001, 1e-5,
                   fn([op](Backend& b, const auto& in, const TensorView& y) { b.unary(op, in[0], y); })});
  }
  ops.push_back({"swiglu", {f32_tensor(3, 1001, 11, 3.0f), f32_tensor(3, 1001, 12)}, 3, 1001, 1e-5,
                 fn([](Backend& b, const auto& in, const TensorView& y) { b.swiglu(in[0], in[1], y); })});
  ops.push_back({"add_broadcast", {f32_tensor(3, 101, 13), f32_tensor(1, 101, 14)}, 3, 101, 0.0,
                 fn([](Backend& b, const auto& in, const TensorView& y) { b.binary(BinaryOp::kAdd, in[0], in[1], y); })});
  ops.push_back({"mul", {f32_tensor(3, 101, 15), f32_tensor(3, 101, 16)}, 3, 101, 0.0,
                 fn([](Backend& b, const auto& in, const TensorView& y) { b.binary(BinaryOp::kMul, in[0], in[1], y); })});
  ops.push_back({"rope", {f32_tensor(4, 2 * 80, 17), f32_tensor(4, 80, 18), f32_tensor(4, 80, 19)}, 4, 160, 1e-6,
                 fn([](Backend& b, const auto& in, const TensorView& y) { b.rope(in[0], in[1], in[2], 2, 80, y); })});
  ops.push_back({"attention_gqa_causal", {f32_tensor(70, 4 * 32, 20), f32_tensor(70, 2 * 32, 21), f32_tensor(70, 2 * 32, 22)},
                 70, 128, 1e-5, fn([](Backend& b, const auto& in, const TensorView& y) {
                   AttentionParams p{.q_heads = 4, .kv_heads = 2, .head_dim = 32, .scale = 0.17f, .causal = true};
                   b.attention(in[0], in[1], in[2], p, y);
                 })});
  // The vision tower's case: head_dim 80, no causality, attention within frames (segments).
  ops.push_back({"attention_segments_d80", {f32_tensor(70, 2 * 80, 24), f32_tensor(70, 2 * 80, 25), f32_tensor(70, 2 * 80, 26)},
                 70, 160, 1e-5, fn([](Backend& b, const auto& in, const TensorView& y) {
                   static const std::int64_t bounds[] = {0, 17, 17, 50, 70};  // an empty segment too
                   AttentionParams p{.q_heads = 2, .kv_heads = 2, .head_dim = 80, .scale = 0.11f, .segment_bounds = bounds};
                   b.attention(in[0], in[1], in[2], p, y);
                 })});
  // Decode: 3 new queries after 90 cached keys, head_dim 128, 4 query heads sharing one kv head.
  ops.push_back({"attention_decode_d128", {f32_tensor(3, 4 * 128, 27), f32_tensor(93, 128, 28), f32_tensor(93, 128, 29)},
                 3, 512, 1e-5, fn([](Backend& b, const auto& in, const TensorView& y) {
                   AttentionParams p{.q_heads = 4, .kv_heads = 1, .head_dim = 128, .scale = 0.088f, .causal = true,
                                     .query_position = 90};
                   b.attention(in[0], in[1], in[2], p, y);
                 })});
  // A decode step of four sequences in one attention_batch, caches in slots of 300 rows: causal at
  // positions 299, 0 and 149 (300, 1 and 150 visible keys) and one non-causal call over a 77-row
  // cache; 4 query heads on 2 kv heads.
  for (std::int64_t dim : {128, 80, 256}) {
    ops.push_back({"attention_batch_decode_d" + std::to_string(dim),
                   {f32_tensor(4, 4 * dim, 40), f32_tensor(4 * 300, 2 * dim, 41), f32_tensor(4 * 300, 2 * dim, 42)}, 4,
                   4 * dim, 1e-5, fn([dim](Backend& b, const auto& in, const TensorView& y) {
                     const std::int64_t position[] = {299, 0, 0, 149};
                     std::vector<AttentionCall> calls;
                     for (std::int64_t s = 0; s < 4; ++s) {
                       AttentionCall& c = calls.emplace_back();
                       c.q = in[0], c.k = in[1], c.v = in[2], c.out = y;
                       c.q.data = in[0].row(s), c.q.shape[0] = 1;
                       c.out.data = y.row(s), c.out.shape[0] = 1;
                       c.k.data = in[1].row(s * 300), c.v.data = in[2].row(s * 300);
                       c.k.shape[0] = c.v.shape[0] = s == 2 ? 77 : 300;
                       c.params = {.q_heads = 4, .kv_heads = 2, .head_dim = dim, .scale = 0.09f, .causal = s != 2,
                                   .query_position = position[s]};
                     }
                     b.attention_batch(calls);
                   })});
  }
  ops.push_back({"copy", {f32_tensor(7, 33, 23)}, 7, 33, 0.0,
                 fn([](Backend& b, const auto& in, const TensorView& y) { b.copy(in[0], y); })});
  // Three independent copies in one copy_batch, as KV appends are: row blocks of the input to other
  // rows of the output, one of them a strided column block (row stride 33 floats, 20 columns), one
  // empty.
  ops.push_back({"copy_batch", {f32_tensor(7, 33, 24)}, 7, 33, 0.0,
                 fn([](Backend& b, const auto& in, const TensorView& y) {
                   const auto rows = [](const TensorView& v, std::int64_t first, std::int64_t count, std::int64_t col,
                                        std::int64_t cols) {
                     TensorView out = v;
                     out.data = v.f32_row(first) + col;
                     out.shape[0] = count;
                     out.shape[1] = cols;
                     return out;
                   };
                   b.copy(in[0], y);  // every element defined; the batch then overwrites some
                   const CopyCall calls[] = {{rows(in[0], 0, 2, 0, 33), rows(y, 5, 2, 0, 33)},
                                             {rows(in[0], 2, 3, 13, 20), rows(y, 0, 3, 0, 20)},
                                             {rows(in[0], 6, 0, 0, 33), rows(y, 6, 0, 0, 33)},
                                             {rows(in[0], 6, 1, 0, 33), rows(y, 4, 1, 0, 33)}};
                   b.copy_batch(calls);
                 })});
  return ops;
}

// Runs `op` on `backend`: upload inputs, run, download the output.
std::vector<float> run_on(Backend& backend, const OpCase& op) {
  std::vector<std::unique_ptr<Buffer>> buffers;
  std::vector<TensorView> views;
  for (const HostTensor& t : op.inputs) {
    buffers.push_back(backend.allocate(t.bytes.size(), "backend_ops_test", memory::Purpose::kScratch));
    backend.upload(t.bytes.data(), t.bytes.size(), *buffers.back(), 0);
    views.push_back(buffers.back()->view(t.dtype, {t.shape[0], t.shape[1]}));
  }
  auto out = backend.allocate(op.out_rows * op.out_cols * 4, "backend_ops_test", memory::Purpose::kScratch);
  op.run(backend, views, out->view(DType::kF32, {op.out_rows, op.out_cols}));
  std::vector<float> result(static_cast<std::size_t>(op.out_rows * op.out_cols));
  backend.download(*out, 0, result.size() * 4, result.data());
  return result;
}

class BackendOpsTest : public ::testing::TestWithParam<BackendRow> {};

TEST_P(BackendOpsTest, EveryOpMatchesTheScalarCpuReference) {
  if (const std::string reason = GetParam().skip_reason(); !reason.empty()) GTEST_SKIP() << reason;
  auto reference = make_cpu_backend({.simd_level = SimdLevel::kScalar, .threads = 1});
  auto backend = GetParam().make();
  for (const OpCase& op : op_cases()) {
    const auto expected = run_on(*reference, op);
    const auto got = run_on(*backend, op);
    double max_ref = 0, max_err = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
      max_ref = std::max(max_ref, std::fabs(double(expected[i])));
      max_err = std::max(max_err, std::fabs(double(got[i]) - expected[i]));
    }
    const double normalized = max_err / (max_ref + 1e-6);
    const double tolerance = GetParam().gpu_numerics && op.gpu_tolerance >= 0 ? op.gpu_tolerance : op.tolerance;
    EXPECT_LE(normalized, tolerance) << op.name << " on " << backend->name();
    // Device backends list every op's error, so the margins can be read from one GPU run.
    if (!backend->is_host()) std::printf("op-error %-28s %.3g (bound %.3g)\n", op.name.c_str(), normalized, tolerance);
  }
  EXPECT_EQ(backend->allocated_bytes(), 0u) << "every buffer was returned";
}

// Greedy choice with a repetition penalty: the chosen ids and the penalized logits equal the scalar
// reference's exactly (the same f32 operations, and a comparison has no rounding). Rows built so
// that a wrong step shows: the penalty moves row 0's choice, row 1 ties (the lowest id wins, and its
// penalized ids repeat), row 2 is all negative (the penalty multiplies), row 3 has no penalized id.
TEST_P(BackendOpsTest, GreedyTokensMatchTheScalarCpuReference) {
  if (const std::string reason = GetParam().skip_reason(); !reason.empty()) GTEST_SKIP() << reason;
  constexpr std::int64_t kRows = 4, kVocab = 3001;
  std::vector<float> logits = random_values(kRows * kVocab, 77, 1.0f);
  const auto at = [&](std::int64_t r, std::int64_t i) -> float& { return logits[static_cast<std::size_t>(r * kVocab + i)]; };
  at(0, 17) = 50.0f, at(0, 2500) = 40.0f;  // far above the random values
  at(1, 40) = 30.0f, at(1, 2900) = 30.0f;
  for (std::int64_t i = 0; i < kVocab; ++i) at(2, i) = -1.0f - std::fabs(at(2, i));
  at(2, 7) = -0.1f, at(2, 8) = -0.2f;
  const std::vector<std::vector<std::int32_t>> ids = {{17, 3, 17, -5, 99999}, {3, 3, 2000, 3}, {7}, {}};
  const std::vector<std::span<const std::int32_t>> penalized(ids.begin(), ids.end());
  const float penalty = 10.0f;

  const auto run = [&](Backend& b, std::vector<float>& penalized_logits) {
    auto buffer = b.allocate(logits.size() * 4, "backend_ops_test", memory::Purpose::kScratch);
    b.upload(logits.data(), logits.size() * 4, *buffer, 0);
    std::vector<std::int32_t> chosen(kRows, -1);
    b.greedy_tokens(buffer->view(DType::kF32, {kRows, kVocab}), penalized, penalty, chosen);
    penalized_logits.resize(logits.size());
    b.download(*buffer, 0, logits.size() * 4, penalized_logits.data());
    return chosen;
  };
  auto reference = make_cpu_backend({.simd_level = SimdLevel::kScalar, .threads = 1});
  auto backend = GetParam().make();
  std::vector<float> expected_logits, got_logits;
  const std::vector<std::int32_t> expected = run(*reference, expected_logits);
  EXPECT_EQ(expected[0], 2500) << "17 penalized to 5";
  EXPECT_EQ(expected[1], 40) << "a tie goes to the lower id";
  EXPECT_EQ(expected[2], 8) << "-0.1 penalized to -1.0";
  EXPECT_EQ(expected_logits[17], 5.0f);
  EXPECT_EQ(expected_logits[kVocab + 3], logits[kVocab + 3] < 0 ? logits[kVocab + 3] * penalty : logits[kVocab + 3] / penalty)
      << "a repeated id is penalized once";
  EXPECT_EQ(run(*backend, got_logits), expected) << backend->name();
  EXPECT_EQ(got_logits, expected_logits) << backend->name();

  std::vector<std::int32_t> unpenalized(kRows);  // no lists at all: plain argmax
  auto buffer = backend->allocate(logits.size() * 4, "backend_ops_test", memory::Purpose::kScratch);
  backend->upload(logits.data(), logits.size() * 4, *buffer, 0);
  backend->greedy_tokens(buffer->view(DType::kF32, {kRows, kVocab}), {}, penalty, unpenalized);
  EXPECT_EQ(unpenalized[0], 17);
  EXPECT_EQ(unpenalized[2], 7);
  EXPECT_EQ(unpenalized[3], expected[3]);
  std::vector<std::int32_t> too_few(kRows - 1);
  EXPECT_THROW(backend->greedy_tokens(buffer->view(DType::kF32, {kRows, kVocab}), {}, penalty, too_few), Error);
  EXPECT_THROW(backend->greedy_tokens(buffer->view(DType::kF32, {kRows, kVocab}), std::span(penalized).first(2), penalty,
                                      unpenalized),
               Error);
}

INSTANTIATE_TEST_SUITE_P(Backends, BackendOpsTest, ::testing::ValuesIn(backends_under_test()),
                         [](const auto& info) { return info.param.label; });

TEST(CpuBackendTest, BuffersAreCountedAndEnteredInTheLedger) {
  memory::MemoryLedger ledger;
  auto backend = make_cpu_backend({.threads = 1, .ledger = &ledger, .byte_limit = 10000});
  EXPECT_EQ(backend->device(), "cpu");
  testing::check_allocation_contract(*backend, ledger, "cpu");
}

TEST(CpuBackendTest, TransfersCheckTheirRange) {
  auto backend = make_cpu_backend({.threads = 1});
  auto buffer = backend->allocate(16, "test", memory::Purpose::kScratch);
  char data[32] = {};
  EXPECT_THROW(backend->upload(data, 17, *buffer, 0), Error);
  EXPECT_THROW(backend->download(*buffer, 8, 9, data), Error);
  EXPECT_THROW((void)buffer->view(DType::kF32, {5}), Error);
  const auto before = backend->memory();
  EXPECT_GT(before.total, 0u);
}

}  // namespace
}  // namespace vidscope::backend
