#include "tensor/attention.h"

#include <algorithm>
#include <string>

#include "tensor/attention_row.h"
#include "tensor/view_checks.h"

namespace vidscope::tensor {

namespace {

constexpr std::int64_t kQueriesPerTask = 16;

}  // namespace

void attention(const KernelContext& ctx, const TensorView& q, const TensorView& k, const TensorView& v,
               const AttentionParams& p, const TensorView& out) {
  check_attention_views(q, k, v, p, out);
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
