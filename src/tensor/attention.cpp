#include "tensor/attention.h"

#include <algorithm>
#include <string>
#include <vector>

#include "tensor/attention_row.h"
#include "tensor/view_checks.h"

namespace vidscope::tensor {

namespace {

constexpr std::int64_t kQueriesPerTask = 16;

// How many of a KV head's query heads one task takes. The kernel runs a task's heads together over
// the same keys and values, so they are read from memory once and from cache after; tasks
// that split a KV head's group between cores read its keys twice (at decode, most of attention's
// time is this read). The group is split only when whole groups (KV heads times query blocks, over
// all calls of a batch) would give fewer tasks than threads.
std::int64_t heads_per_task(std::int64_t group, std::int64_t whole_groups, unsigned threads) {
  if (whole_groups == 0 || whole_groups >= static_cast<std::int64_t>(threads)) return group;  // 0: no queries
  const std::int64_t splits = std::min(group, (static_cast<std::int64_t>(threads) + whole_groups - 1) / whole_groups);
  return (group + splits - 1) / splits;
}

// How one call is cut into tasks: KV head slices times query blocks.
struct CallTasks {
  std::int64_t group = 1;          // query heads per KV head
  std::int64_t query_blocks = 0;
  std::int64_t per_task = 1;       // query heads per task
  std::int64_t head_slices = 1;    // tasks per KV head and query block
};

void run_task(const KernelContext& ctx, const AttentionCall& c, const CallTasks& t, std::int64_t task) {
  const AttentionParams& p = c.params;
  const std::int64_t tq = c.q.rows();
  const std::int64_t block = task % t.query_blocks;
  const std::int64_t slice = task / t.query_blocks;  // kv_head * head_slices + part
  const std::int64_t kv_head = slice / t.head_slices;
  const std::int64_t head_begin = kv_head * t.group + (slice % t.head_slices) * t.per_task;
  const std::int64_t head_end = std::min((kv_head + 1) * t.group, head_begin + t.per_task);
  const std::int64_t i_end = std::min(tq, (block + 1) * kQueriesPerTask);
  for (std::int64_t i = block * kQueriesPerTask; i < i_end; ++i) {
    std::int64_t lo = 0, hi = c.k.rows();
    if (!p.segment_bounds.empty()) {
      const auto it = std::upper_bound(p.segment_bounds.begin(), p.segment_bounds.end(), i);
      lo = *(it - 1);
      hi = *it;
    }
    if (p.causal) hi = std::min(hi, p.query_position + i + 1);
    float* o = c.out.f32_row(i) + head_begin * p.head_dim;
    if (hi <= lo) {
      std::fill(o, o + (head_end - head_begin) * p.head_dim, 0.0f);
      continue;
    }
    AttentionRowArgs args;
    args.q = c.q.f32_row(i) + head_begin * p.head_dim;
    args.k = c.k.f32_row(lo) + kv_head * p.head_dim;
    args.k_stride = static_cast<std::int64_t>(c.k.row_stride / sizeof(float));
    args.v = c.v.f32_row(lo) + kv_head * p.head_dim;
    args.v_stride = static_cast<std::int64_t>(c.v.row_stride / sizeof(float));
    args.key_count = hi - lo;
    args.dim = p.head_dim;
    args.scale = p.scale;
    args.out = o;
    args.heads = head_end - head_begin;
    ctx.kernels->attention_row(args);
  }
}

}  // namespace

void attention(const KernelContext& ctx, const TensorView& q, const TensorView& k, const TensorView& v,
               const AttentionParams& p, const TensorView& out) {
  const AttentionCall call{q, k, v, p, out};
  attention_batch(ctx, std::span<const AttentionCall>(&call, 1));
}

void attention_batch(const KernelContext& ctx, std::span<const AttentionCall> calls) {
  std::vector<CallTasks> tasks(calls.size());
  std::int64_t whole_groups = 0;
  for (std::size_t c = 0; c < calls.size(); ++c) {
    const AttentionCall& call = calls[c];
    check_attention_views(call.q, call.k, call.v, call.params, call.out);
    tasks[c].group = call.params.q_heads / call.params.kv_heads;
    tasks[c].query_blocks = (call.q.rows() + kQueriesPerTask - 1) / kQueriesPerTask;
    whole_groups += call.params.kv_heads * tasks[c].query_blocks;
  }
  // first_task[c]: the index of call c's first task; the last entry is the total.
  std::vector<std::int64_t> first_task(calls.size() + 1, 0);
  for (std::size_t c = 0; c < calls.size(); ++c) {
    CallTasks& t = tasks[c];
    t.per_task = heads_per_task(t.group, whole_groups, ctx.threads());
    t.head_slices = (t.group + t.per_task - 1) / t.per_task;
    first_task[c + 1] = first_task[c] + calls[c].params.kv_heads * t.head_slices * t.query_blocks;
  }
  ctx.parallel_for(static_cast<std::size_t>(first_task.back()), [&](std::size_t task) {
    const auto index = static_cast<std::int64_t>(task);
    const auto c = static_cast<std::size_t>(std::upper_bound(first_task.begin(), first_task.end(), index) -
                                            first_task.begin() - 1);
    run_task(ctx, calls[c], tasks[c], index - first_task[c]);
  });
}

}  // namespace vidscope::tensor
