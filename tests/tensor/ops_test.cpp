#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "base/error.h"
#include "tensor/attention.h"
#include "tensor/ops.h"
#include "test_support.h"

namespace vidscope::tensor {
namespace {

using testing::random_values;
using testing::sigmoid;

// Row lengths: tiny, odd (vector tails), wider than two AVX-512 vectors, and a model width.
const int kCols[] = {1, 7, 33, 100, 1536};
constexpr int kRows = 3;

TensorView view(std::vector<float>& v, std::int64_t rows, std::int64_t cols) {
  return TensorView::dense(v.data(), DType::kF32, {rows, cols});
}

class OpsTest : public ::testing::TestWithParam<SimdLevel> {
 protected:
  KernelContext ctx() const { return KernelContext{kernels_for(GetParam()), nullptr}; }
};

// Elementwise activations. The vector exp is ~1 ulp and erf has 1.5e-7 absolute error; with f32
// arithmetic around them, 1e-5 relative plus 1e-6 absolute is ~10x the worst error observed.
TEST_P(OpsTest, ActivationsMatchDoubleReference) {
  struct Case {
    UnaryOp op;
    std::function<double(double)> ref;
  };
  const Case cases[] = {
      {UnaryOp::kSilu, [](double x) { return x * sigmoid(x); }},
      {UnaryOp::kGelu, [](double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }},
      {UnaryOp::kQuickGelu, [](double x) { return x * sigmoid(1.702 * x); }},
  };
  for (const Case& c : cases) {
    for (int cols : kCols) {
      auto x = random_values(kRows * cols, cols, 3.0f);
      x[0] = -100.0f;  // saturated exp must not produce NaN/inf
      std::vector<float> y(x.size());
      unary(ctx(), c.op, view(x, kRows, cols), view(y, kRows, cols));
      for (std::size_t i = 0; i < x.size(); ++i) {
        const double ref = c.ref(x[i]);
        ASSERT_NEAR(y[i], ref, 1e-5 * std::fabs(ref) + 1e-6 * (1 + std::fabs(x[i])))
            << unary_op_name(c.op) << " x=" << x[i];
      }
    }
  }
}

TEST_P(OpsTest, SwigluAddMulMatchReference) {
  for (int cols : kCols) {
    auto a = random_values(kRows * cols, 1, 3.0f), b = random_values(kRows * cols, 2);
    std::vector<float> y(a.size());
    swiglu(ctx(), view(a, kRows, cols), view(b, kRows, cols), view(y, kRows, cols));
    for (std::size_t i = 0; i < a.size(); ++i) {
      const double ref = a[i] * sigmoid(a[i]) * b[i];
      ASSERT_NEAR(y[i], ref, 1e-5 * std::fabs(ref) + 1e-6);
    }
    binary(ctx(), BinaryOp::kAdd, view(a, kRows, cols), view(b, kRows, cols), view(y, kRows, cols));
    for (std::size_t i = 0; i < a.size(); ++i) ASSERT_EQ(y[i], a[i] + b[i]);  // one rounding: exact
    // Broadcast: b is one row.
    binary(ctx(), BinaryOp::kMul, view(a, kRows, cols), view(b, 1, cols), view(y, kRows, cols));
    for (int r = 0; r < kRows; ++r)
      for (int c = 0; c < cols; ++c) ASSERT_EQ(y[r * cols + c], a[r * cols + c] * b[c]);
  }
}

// Norms: f32 sums of squares over up to 1536 values (random-walk error ~1e-6 relative); 1e-5.
TEST_P(OpsTest, NormsMatchDoubleReference) {
  for (int cols : kCols) {
    auto x = random_values(kRows * cols, 3, 2.0f);
    for (auto& v : x) v += 0.5f;  // a non-zero mean for layer_norm
    auto w = random_values(cols, 4), b = random_values(cols, 5);
    std::vector<float> y(x.size()), z(x.size());
    rms_norm(ctx(), view(x, kRows, cols), view(w, 1, cols), 1e-6f, view(y, kRows, cols));
    layer_norm(ctx(), view(x, kRows, cols), view(w, 1, cols), view(b, 1, cols), 1e-5f, view(z, kRows, cols));
    for (int r = 0; r < kRows; ++r) {
      double ss = 0, mean = 0, var = 0;
      for (int c = 0; c < cols; ++c) {
        ss += double(x[r * cols + c]) * x[r * cols + c];
        mean += x[r * cols + c];
      }
      mean /= cols;
      for (int c = 0; c < cols; ++c) var += (x[r * cols + c] - mean) * (x[r * cols + c] - mean);
      var /= cols;
      for (int c = 0; c < cols; ++c) {
        const double rms_ref = x[r * cols + c] / std::sqrt(ss / cols + 1e-6) * w[c];
        const double ln_ref = (x[r * cols + c] - mean) / std::sqrt(var + 1e-5) * w[c] + b[c];
        ASSERT_NEAR(y[r * cols + c], rms_ref, 1e-5 * std::fabs(rms_ref) + 1e-6) << "rms_norm cols=" << cols;
        ASSERT_NEAR(z[r * cols + c], ln_ref, 1e-5 * (std::fabs(ln_ref) + std::fabs(w[c])) + 1e-6) << "layer_norm cols=" << cols;
      }
    }
  }
}

TEST_P(OpsTest, SoftmaxMatchesDoubleReferenceInPlace) {
  for (int cols : kCols) {
    auto x = random_values(kRows * cols, 6, 5.0f);
    const auto original = x;
    softmax(ctx(), view(x, kRows, cols), view(x, kRows, cols));
    for (int r = 0; r < kRows; ++r) {
      double mx = -1e30, sum = 0;
      for (int c = 0; c < cols; ++c) mx = std::max<double>(mx, original[r * cols + c]);
      for (int c = 0; c < cols; ++c) sum += std::exp(original[r * cols + c] - mx);
      for (int c = 0; c < cols; ++c) {
        const double ref = std::exp(original[r * cols + c] - mx) / sum;
        ASSERT_NEAR(x[r * cols + c], ref, 1e-5 * ref + 1e-9);
      }
    }
  }
}

TEST_P(OpsTest, RopeRotatesHalvesLikeNeoX) {
  const int heads = 3, dim = 40, tokens = 5, width = heads * dim + 4;
  auto x = random_values(tokens * width, 7);
  auto angles = random_values(tokens * dim, 8, 3.0f);
  std::vector<float> cos(angles.size()), sin(angles.size()), y(x.size(), 0.0f);
  for (std::size_t i = 0; i < angles.size(); ++i) {
    cos[i] = std::cos(angles[i]);
    sin[i] = std::sin(angles[i]);
  }
  rope(ctx(), view(x, tokens, width), view(cos, tokens, dim), view(sin, tokens, dim), heads, dim, view(y, tokens, width));
  const int h = dim / 2;
  for (int t = 0; t < tokens; ++t)
    for (int hd = 0; hd < heads; ++hd)
      for (int i = 0; i < dim; ++i) {
        const float* xr = &x[t * width + hd * dim];
        const double rotated = i < h ? -double(xr[i + h]) : double(xr[i - h]);
        const double ref = xr[i] * double(cos[t * dim + i]) + rotated * sin[t * dim + i];
        ASSERT_NEAR(y[t * width + hd * dim + i], ref, 1e-6 * (std::fabs(xr[i]) + std::fabs(rotated)) + 1e-7);
      }
  for (int t = 0; t < tokens; ++t) EXPECT_EQ(y[t * width + heads * dim], 0.0f) << "columns past the heads untouched";
}

// Attention reference in double, straight from the definition.
void reference_attention(const std::vector<float>& q, const std::vector<float>& k, const std::vector<float>& v,
                         int tq, int tk, const AttentionParams& p, std::vector<double>& out) {
  const int qw = static_cast<int>(p.q_heads * p.head_dim), kw = static_cast<int>(p.kv_heads * p.head_dim);
  const int d = static_cast<int>(p.head_dim);
  out.assign(static_cast<std::size_t>(tq) * qw, 0.0);
  for (int i = 0; i < tq; ++i)
    for (int h = 0; h < p.q_heads; ++h) {
      const int g = static_cast<int>(h / (p.q_heads / p.kv_heads));
      int lo = 0, hi = tk;
      for (std::size_t s = 0; s + 1 < p.segment_bounds.size(); ++s)
        if (i >= p.segment_bounds[s] && i < p.segment_bounds[s + 1]) lo = p.segment_bounds[s], hi = p.segment_bounds[s + 1];
      if (p.causal) hi = std::min<int>(hi, p.query_position + i + 1);
      std::vector<double> s(tk, 0.0);
      double mx = -1e300, sum = 0;
      for (int j = lo; j < hi; ++j) {
        double dotp = 0;
        for (int c = 0; c < d; ++c) dotp += double(q[i * qw + h * d + c]) * k[j * kw + g * d + c];
        s[j] = dotp * p.scale;
        mx = std::max(mx, s[j]);
      }
      for (int j = lo; j < hi; ++j) sum += std::exp(s[j] - mx);
      for (int j = lo; j < hi; ++j)
        for (int c = 0; c < d; ++c) out[i * qw + h * d + c] += std::exp(s[j] - mx) / sum * v[j * kw + g * d + c];
    }
}

// The output is a convex combination of v values ~N(0,1): f32 dot products and an online softmax
// over <= 200 keys stay within ~1e-6 of the double result; 2e-5 absolute leaves 10x margin.
void check_attention(const KernelContext& ctx, int tq, int tk, AttentionParams p) {
  const int qw = static_cast<int>(p.q_heads * p.head_dim), kw = static_cast<int>(p.kv_heads * p.head_dim);
  auto q = random_values(tq * qw, 21), k = random_values(tk * kw, 22), v = random_values(tk * kw, 23);
  std::vector<float> out(tq * qw, -1.0f);
  attention(ctx, view(q, tq, qw), view(k, tk, kw), view(v, tk, kw), p, view(out, tq, qw));
  std::vector<double> ref;
  reference_attention(q, k, v, tq, tk, p, ref);
  for (std::size_t i = 0; i < out.size(); ++i) ASSERT_NEAR(out[i], ref[i], 2e-5) << "at " << i;
}

// Head dims: 40 (no vector multiple on AVX-512: the any-dim kernel), 64, 80 and 128 (the output held
// in registers: Qwen2-VL's vision tower uses 80, its language model 128).
TEST_P(OpsTest, AttentionWithGqaCausalDecodeAndSegments) {
  for (const std::int64_t dim : {40, 64, 80, 128}) {
    SCOPED_TRACE("head_dim " + std::to_string(dim));
    AttentionParams p;
    p.q_heads = 6;
    p.kv_heads = 2;
    p.head_dim = dim;
    p.scale = 1.0f / std::sqrt(static_cast<float>(dim));
    check_attention(ctx(), 37, 37, p);  // bidirectional
    p.causal = true;
    check_attention(ctx(), 150, 150, p);  // causal prefill, several key blocks
    p.query_position = 140;
    check_attention(ctx(), 3, 143, p);  // decode 3 tokens after 140 cached
    p.causal = false;
    p.query_position = 0;
    const std::vector<std::int64_t> bounds = {0, 64, 65, 130};
    p.segment_bounds = bounds;
    check_attention(ctx(), 130, 130, p);  // vision-style segments
    WorkerPool pool(2);
    check_attention(KernelContext{kernels_for(GetParam()), &pool}, 130, 130, p);
    // One decode row on more threads than KV heads: each KV head's query heads are split over tasks.
    p.segment_bounds = {};
    p.causal = true;
    p.query_position = 142;
    WorkerPool wide_pool(5);
    check_attention(KernelContext{kernels_for(GetParam()), &wide_pool}, 1, 143, p);
  }
}

// A decode batch: sequences with their own keys (different lengths, one spanning several key blocks)
// in one attention_batch call give what each gives alone, bit for bit (the same kernel per row).
TEST_P(OpsTest, AttentionBatchMatchesOneCallPerSequence) {
  AttentionParams p;
  p.q_heads = 12;
  p.kv_heads = 2;
  p.head_dim = 128;
  p.scale = 1.0f / std::sqrt(128.0f);
  p.causal = true;
  const int qw = 12 * 128, kw = 2 * 128;
  const std::vector<int> key_counts = {1, 17, 70, 5};
  std::vector<std::vector<float>> q, k, v, batched, alone;
  for (std::size_t s = 0; s < key_counts.size(); ++s) {
    const auto seed = static_cast<std::uint32_t>(40 + 3 * s);
    q.push_back(random_values(qw, seed));
    k.push_back(random_values(key_counts[s] * kw, seed + 1));
    v.push_back(random_values(key_counts[s] * kw, seed + 2));
    batched.emplace_back(qw, -1.0f);
    alone.emplace_back(qw, -2.0f);
  }
  WorkerPool pool(2);
  const KernelContext pooled{kernels_for(GetParam()), &pool};
  std::vector<AttentionCall> calls;
  for (std::size_t s = 0; s < key_counts.size(); ++s) {
    AttentionParams ps = p;
    ps.query_position = key_counts[s] - 1;
    calls.push_back({view(q[s], 1, qw), view(k[s], key_counts[s], kw), view(v[s], key_counts[s], kw), ps,
                     view(batched[s], 1, qw)});
    attention(ctx(), view(q[s], 1, qw), view(k[s], key_counts[s], kw), view(v[s], key_counts[s], kw), ps,
              view(alone[s], 1, qw));
  }
  attention_batch(pooled, calls);
  for (std::size_t s = 0; s < key_counts.size(); ++s) EXPECT_EQ(batched[s], alone[s]) << "sequence " << s;
  attention_batch(pooled, {});  // nothing to do is fine
  // A call without query rows (an empty span of a batch) leaves everything alone.
  std::vector<float> untouched(qw, 7.0f);
  AttentionParams empty = p;
  empty.query_position = 0;
  const AttentionCall no_queries{view(q[0], 0, qw), view(k[0], 1, kw), view(v[0], 1, kw), empty, view(untouched, 0, qw)};
  attention_batch(pooled, std::span<const AttentionCall>(&no_queries, 1));
  attention(ctx(), view(q[0], 0, qw), view(k[0], 1, kw), view(v[0], 1, kw), empty, view(untouched, 0, qw));
  EXPECT_EQ(untouched, std::vector<float>(qw, 7.0f));
}

TEST_P(OpsTest, AttentionRejectsBadBounds) {
  AttentionParams p;
  p.head_dim = 4;
  std::vector<float> q(8), k(8), v(8), out(8);
  const std::vector<std::int64_t> bounds = {0, 3};  // does not end at the token count (2)
  p.segment_bounds = bounds;
  EXPECT_THROW(attention(ctx(), view(q, 2, 4), view(k, 2, 4), view(v, 2, 4), p, view(out, 2, 4)), Error);
}

INSTANTIATE_TEST_SUITE_P(Levels, OpsTest, ::testing::ValuesIn(testing::supported_levels()),
                         [](const auto& info) { return std::string(simd_level_name(info.param)); });

TEST(WorkerPoolTest, RunsEveryTaskOnceAndPropagatesExceptions) {
  WorkerPool pool(3);
  for (int round = 0; round < 50; ++round) {
    std::vector<std::atomic<int>> hits(97);
    pool.run(hits.size(), [&](std::size_t i) { hits[i].fetch_add(1); });
    for (auto& h : hits) ASSERT_EQ(h.load(), 1);
  }
  EXPECT_THROW(pool.run(10, [](std::size_t i) {
    if (i == 4) throw std::runtime_error("task failed");
  }), std::runtime_error);
  int count = 0;
  pool.run(1, [&](std::size_t) { ++count; });  // still usable
  EXPECT_EQ(count, 1);
}

TEST(CpuFeaturesTest, ScalarIsAlwaysAvailableAndBestIsSupported) {
  EXPECT_NE(kernels_for(SimdLevel::kScalar), nullptr);
  EXPECT_TRUE(cpu_supports(best_simd_level()));
  EXPECT_EQ(best_kernels().level, best_simd_level());
  std::printf("best SIMD level on this CPU: %s\n", simd_level_name(best_simd_level()));
}

}  // namespace
}  // namespace vidscope::tensor
