#include "tensor/attention.h"

#include <algorithm>
#include <string>

#include "tensor/attention_row.h"
#include "tensor/view_checks.h"

namespace vidscope::tensor {

namespace {

constexpr std::int64_t kQueriesPerTask = 16;

void check_attention(const TensorView& q, const TensorView& k, const TensorView& v, const AttentionParams& p,
                     const TensorView& out) {
  constexpr std::string_view op = "attention";
  require_f32_rows(op, "q", q);
  require_f32_rows(op, "k", k);
  require_f32_rows(op, "v", v);
  require_f32_rows(op, "out", out);
  if (p.head_dim <= 0 || p.q_heads <= 0 || p.kv_heads <= 0 || p.q_heads % p.kv_heads != 0) {
    fail_view_check(op, "bad heads: q_heads " + std::to_string(p.q_heads) + ", kv_heads " + std::to_string(p.kv_heads) +
                            ", head_dim " + std::to_string(p.head_dim));
  }
  if (q.cols() < p.q_heads * p.head_dim || out.cols() < p.q_heads * p.head_dim || out.rows() != q.rows()) {
    fail_view_check(op, "q " + q.describe() + " / out " + out.describe() + " do not hold the query heads");
  }
  if (k.cols() < p.kv_heads * p.head_dim || v.cols() < p.kv_heads * p.head_dim || v.rows() != k.rows()) {
    fail_view_check(op, "k " + k.describe() + " / v " + v.describe() + " do not hold the kv heads");
  }
  if (p.query_position < 0 || (p.causal && p.query_position + q.rows() > k.rows())) {
    fail_view_check(op, "query_position " + std::to_string(p.query_position) + " + " + std::to_string(q.rows()) +
                            " queries exceeds " + std::to_string(k.rows()) + " keys");
  }
  if (!p.segment_bounds.empty()) {
    const auto& b = p.segment_bounds;
    if (q.rows() != k.rows() || p.query_position != 0 || b.front() != 0 || b.back() != k.rows() ||
        !std::is_sorted(b.begin(), b.end())) {
      fail_view_check(op, "segment_bounds must rise from 0 to the token count, with Tq == Tk");
    }
  }
}

}  // namespace

void attention(const KernelContext& ctx, const TensorView& q, const TensorView& k, const TensorView& v,
               const AttentionParams& p, const TensorView& out) {
  check_attention(q, k, v, p, out);
  const std::int64_t tq = q.rows();
  if (tq == 0) return;
  const std::int64_t group = p.q_heads / p.kv_heads;
  const std::int64_t query_blocks = (tq + kQueriesPerTask - 1) / kQueriesPerTask;
  const auto kernel = ctx.kernels->attention_row;
  const auto k_stride = static_cast<std::int64_t>(k.row_stride / sizeof(float));
  const auto v_stride = static_cast<std::int64_t>(v.row_stride / sizeof(float));

  ctx.parallel_for(static_cast<std::size_t>(p.q_heads * query_blocks), [&](std::size_t task) {
    const std::int64_t head = static_cast<std::int64_t>(task) / query_blocks;
    const std::int64_t block = static_cast<std::int64_t>(task) % query_blocks;
    const std::int64_t kv_head = head / group;
    const std::int64_t i_end = std::min(tq, (block + 1) * kQueriesPerTask);
    for (std::int64_t i = block * kQueriesPerTask; i < i_end; ++i) {
      std::int64_t lo = 0, hi = k.rows();
      if (!p.segment_bounds.empty()) {
        const auto it = std::upper_bound(p.segment_bounds.begin(), p.segment_bounds.end(), i);
        lo = *(it - 1);
        hi = *it;
      }
      if (p.causal) hi = std::min(hi, p.query_position + i + 1);
      float* o = out.f32_row(i) + head * p.head_dim;
      if (hi <= lo) {
        std::fill(o, o + p.head_dim, 0.0f);
        continue;
      }
      AttentionRowArgs args;
      args.q = q.f32_row(i) + head * p.head_dim;
      args.k = k.f32_row(lo) + kv_head * p.head_dim;
      args.k_stride = k_stride;
      args.v = v.f32_row(lo) + kv_head * p.head_dim;
      args.v_stride = v_stride;
      args.key_count = hi - lo;
      args.dim = p.head_dim;
      args.scale = p.scale;
      args.out = o;
      kernel(args);
    }
  });
}

}  // namespace vidscope::tensor
