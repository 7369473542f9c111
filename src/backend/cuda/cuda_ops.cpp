#include "backend/cuda/cuda_ops.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "backend/cuda/cuda_kernels.h"
#include "backend/cuda/cuda_status.h"
#include "tensor/greedy_choice.h"
#include "tensor/view_checks.h"

namespace vidscope::backend::cuda {

namespace {

RowsLaunch rows_of(std::string_view op, const TensorView& x, const TensorView& y) {
  RowsLaunch a;
  a.x = static_cast<const float*>(x.data);
  a.x_stride = float_stride(op, x);
  a.y = static_cast<float*>(y.data);
  a.y_stride = float_stride(op, y);
  a.rows = x.rows();
  a.cols = x.cols();
  return a;
}

const float* floats(const TensorView& v) { return static_cast<const float*>(v.data); }

// The op's contract (tensor/view_checks.h) plus the limits of the CUDA kernel.
void check_attention(const TensorView& q, const TensorView& k, const TensorView& v, const tensor::AttentionParams& p,
                     const TensorView& out) {
  tensor::check_attention_views(q, k, v, p, out);
  if (p.head_dim > kAttentionMaxHeadDim || p.q_heads > 65535) {
    tensor::fail_view_check("attention", "the CUDA kernel takes head_dim <= " + std::to_string(kAttentionMaxHeadDim) +
                                             " and at most 65535 query heads");
  }
}

}  // namespace

void rms_norm(const CudaContext& ctx, const TensorView& x, const TensorView& weight, float eps, const TensorView& y) {
  tensor::check_unary_views("rms_norm", x, y);
  tensor::check_vector_view("rms_norm", "weight", weight, x.cols());
  check_cuda(launch_rms_norm(rows_of("rms_norm", x, y), floats(weight), eps, ctx.stream), "rms_norm");
}

void add_rms_norm(const CudaContext& ctx, const TensorView& x, const TensorView& delta, const TensorView& weight, float eps,
                  const TensorView& y) {
  constexpr std::string_view op = "add_rms_norm";
  tensor::check_unary_views(op, x, y);
  tensor::check_unary_views(op, x, delta);
  tensor::check_vector_view(op, "weight", weight, x.cols());
  ResidualRows a;
  a.x = static_cast<float*>(x.data);
  a.x_stride = float_stride(op, x);
  a.delta = floats(delta);
  a.delta_stride = float_stride(op, delta);
  a.y = static_cast<float*>(y.data);
  a.y_stride = float_stride(op, y);
  a.rows = x.rows();
  a.cols = x.cols();
  check_cuda(launch_add_rms_norm(a, floats(weight), eps, ctx.stream), op);
}

void layer_norm(const CudaContext& ctx, const TensorView& x, const TensorView& weight, const TensorView& bias, float eps,
                const TensorView& y) {
  tensor::check_unary_views("layer_norm", x, y);
  tensor::check_vector_view("layer_norm", "weight", weight, x.cols());
  tensor::check_vector_view("layer_norm", "bias", bias, x.cols());
  check_cuda(launch_layer_norm(rows_of("layer_norm", x, y), floats(weight), floats(bias), eps, ctx.stream), "layer_norm");
}

void softmax(const CudaContext& ctx, const TensorView& x, const TensorView& y) {
  tensor::check_unary_views("softmax", x, y);
  check_cuda(launch_softmax(rows_of("softmax", x, y), ctx.stream), "softmax");
}

void unary(const CudaContext& ctx, tensor::UnaryOp op, const TensorView& x, const TensorView& y) {
  const char* name = tensor::unary_op_name(op);
  tensor::check_unary_views(name, x, y);
  const Unary kind = op == tensor::UnaryOp::kSilu ? Unary::kSilu : (op == tensor::UnaryOp::kGelu ? Unary::kGelu : Unary::kQuickGelu);
  check_cuda(launch_unary(kind, rows_of(name, x, y), ctx.stream), name);
}

void swiglu(const CudaContext& ctx, const TensorView& gate, const TensorView& up, const TensorView& y) {
  tensor::check_unary_views("swiglu", gate, y);
  tensor::check_unary_views("swiglu", up, y);
  check_cuda(launch_swiglu(rows_of("swiglu", gate, y), floats(up), float_stride("swiglu", up), ctx.stream), "swiglu");
}

void binary(const CudaContext& ctx, tensor::BinaryOp op, const TensorView& a, const TensorView& b, const TensorView& y) {
  const char* name = tensor::binary_op_name(op);
  tensor::check_unary_views(name, a, y);
  tensor::require_f32_rows(name, "b", b);
  const bool broadcast = b.rows() == 1 && a.rows() != 1;
  if (b.cols() != a.cols() || (!broadcast && b.rows() != a.rows())) {
    tensor::fail_view_check(name, "b " + b.describe() + " is neither a's shape nor one row of it: " + a.describe());
  }
  const std::int64_t b_stride = broadcast ? 0 : float_stride(name, b);
  check_cuda(launch_binary(op == tensor::BinaryOp::kAdd ? Binary::kAdd : Binary::kMul, rows_of(name, a, y), floats(b), b_stride,
                           ctx.stream),
             name);
}

void rope(const CudaContext& ctx, const TensorView& x, const TensorView& cos, const TensorView& sin, std::int64_t heads,
          std::int64_t head_dim, const TensorView& y) {
  constexpr std::string_view op = "rope";
  tensor::check_unary_views(op, x, y);
  tensor::require_f32_rows(op, "cos", cos);
  tensor::require_f32_rows(op, "sin", sin);
  if (head_dim <= 0 || head_dim % 2 != 0 || heads <= 0 || heads * head_dim > x.cols()) {
    tensor::fail_view_check(op, std::to_string(heads) + " heads of " + std::to_string(head_dim) + " do not fit " + x.describe());
  }
  if (cos.rows() != x.rows() || cos.cols() != head_dim || sin.rows() != x.rows() || sin.cols() != head_dim) {
    tensor::fail_view_check(op, "cos/sin must be [" + std::to_string(x.rows()) + ", " + std::to_string(head_dim) + "], got " +
                                    cos.describe() + " and " + sin.describe());
  }
  check_cuda(launch_rope(rows_of(op, x, y), floats(cos), float_stride(op, cos), floats(sin), float_stride(op, sin), heads,
                         head_dim, ctx.stream),
             "rope");
}

namespace {

// attention() after its checks: the general kernel (any number of query rows, segments).
void run_attention(const CudaContext& ctx, const TensorView& q, const TensorView& k, const TensorView& v,
                   const tensor::AttentionParams& p, const TensorView& out) {
  if (q.rows() == 0) return;
  AttentionLaunch a;
  a.q = floats(q);
  a.q_stride = float_stride("attention", q);
  a.k = floats(k);
  a.k_stride = float_stride("attention", k);
  a.v = floats(v);
  a.v_stride = float_stride("attention", v);
  a.out = static_cast<float*>(out.data);
  a.out_stride = float_stride("attention", out);
  a.q_rows = q.rows();
  a.k_rows = k.rows();
  a.q_heads = static_cast<int>(p.q_heads);
  a.kv_heads = static_cast<int>(p.kv_heads);
  a.head_dim = static_cast<int>(p.head_dim);
  a.scale = p.scale;
  a.causal = p.causal;
  a.query_position = p.query_position;
  if (!p.segment_bounds.empty()) {
    // The bounds travel through the scratch area; a pageable cudaMemcpyAsync returns once the
    // host data is staged, so the caller's span may go away right after.
    const Bytes bytes = p.segment_bounds.size_bytes();
    auto* bounds = static_cast<std::int64_t*>(ctx.scratch(bytes));
    check_cuda(cudaMemcpyAsync(bounds, p.segment_bounds.data(), bytes, cudaMemcpyHostToDevice, ctx.stream),
               "upload of segment bounds");
    a.segment_bounds = bounds;
    a.segment_count = static_cast<int>(p.segment_bounds.size() - 1);
  }
  check_cuda(launch_attention(a, ctx.stream), "attention");
}

}  // namespace

void attention(const CudaContext& ctx, const TensorView& q, const TensorView& k, const TensorView& v,
               const tensor::AttentionParams& p, const TensorView& out) {
  check_attention(q, k, v, p, out);
  run_attention(ctx, q, k, v, p, out);
}

void attention_batch(const CudaContext& ctx, std::span<const tensor::AttentionCall> calls) {
  std::vector<DecodeAttentionCall> decode;
  int max_heads = 1, max_keys = 0, max_dim = 4;
  for (const tensor::AttentionCall& call : calls) {
    check_attention(call.q, call.k, call.v, call.params, call.out);
    const tensor::AttentionParams& p = call.params;
    DecodeAttentionCall d;
    d.q = floats(call.q);
    d.k = floats(call.k);
    d.v = floats(call.v);
    d.out = static_cast<float*>(call.out.data);
    d.k_stride = float_stride("attention", call.k);
    d.v_stride = float_stride("attention", call.v);
    // One query at query_position sees keys [0, query_position + 1) when causal, all otherwise.
    const std::int64_t visible = p.causal ? std::min(call.k.rows(), p.query_position + 1) : call.k.rows();
    d.keys = static_cast<int>(std::clamp<std::int64_t>(visible, 0, kDecodeAttentionMaxKeys + 1));
    d.q_heads = static_cast<int>(p.q_heads);
    d.kv_heads = static_cast<int>(p.kv_heads);
    d.head_dim = static_cast<int>(p.head_dim);
    d.scale = p.scale;
    if (call.q.rows() != 1 || !p.segment_bounds.empty() || !decode_attention_fits(d)) {
      run_attention(ctx, call.q, call.k, call.v, p, call.out);  // checked above
      continue;
    }
    max_heads = std::max(max_heads, d.q_heads);
    max_keys = std::max(max_keys, d.keys);
    max_dim = std::max(max_dim, d.head_dim);
    decode.push_back(d);
  }
  if (decode.empty()) return;
  // The descriptors travel through the scratch area like the segment bounds of attention().
  const Bytes bytes = decode.size() * sizeof(DecodeAttentionCall);
  auto* device_calls = static_cast<DecodeAttentionCall*>(ctx.scratch(bytes));
  check_cuda(cudaMemcpyAsync(device_calls, decode.data(), bytes, cudaMemcpyHostToDevice, ctx.stream),
             "upload of decode attention calls");
  check_cuda(launch_decode_attention(device_calls, static_cast<int>(decode.size()), max_heads, max_keys, max_dim,
                                     ctx.stream),
             "decode attention");
}

void copy(const CudaContext& ctx, const TensorView& src, const TensorView& dst) {
  if (src.dtype != dst.dtype || src.rows() != dst.rows() || src.cols() != dst.cols()) {
    tensor::fail_view_check("copy", "views differ: " + src.describe() + " vs " + dst.describe());
  }
  const std::size_t row = src.dense_row_bytes();
  if (src.rows() == 0 || row == 0) return;
  const std::size_t src_pitch = src.rows() > 1 ? src.row_stride : row;
  const std::size_t dst_pitch = dst.rows() > 1 ? dst.row_stride : row;
  if (src_pitch == row && dst_pitch == row) {  // one linear copy: the 2D engine path is slower
    check_cuda(cudaMemcpyAsync(dst.data, src.data, row * static_cast<std::size_t>(src.rows()), cudaMemcpyDeviceToDevice,
                               ctx.stream),
               "copy");
    return;
  }
  check_cuda(cudaMemcpy2DAsync(dst.data, dst_pitch, src.data, src_pitch, row, static_cast<std::size_t>(src.rows()),
                               cudaMemcpyDeviceToDevice, ctx.stream),
             "copy");
}

void greedy_tokens(const CudaContext& ctx, const TensorView& logits, std::span<const std::span<const std::int32_t>> penalized,
                   float penalty, std::span<std::int32_t> out) {
  constexpr std::string_view op = "greedy_tokens";
  tensor::check_greedy_tokens_args(logits, penalized.size(), out.size());
  const std::int64_t rows = logits.rows();
  if (rows == 0) return;
  if (rows > INT32_MAX || logits.cols() > INT32_MAX) tensor::fail_view_check(op, "too large: " + logits.describe());
  // One upload: the rows' id ranges, their unique ids, then room for the chosen ids.
  std::vector<std::int64_t> offsets(static_cast<std::size_t>(rows) + 1, 0);
  std::vector<std::int32_t> ids;
  const bool penalize = !penalized.empty() && penalty != 1.0f;
  for (std::int64_t r = 0; r < rows; ++r) {
    if (penalize) {
      const std::vector<std::int32_t> unique = tensor::sorted_unique(penalized[static_cast<std::size_t>(r)]);
      ids.insert(ids.end(), unique.begin(), unique.end());
    }
    offsets[static_cast<std::size_t>(r) + 1] = static_cast<std::int64_t>(ids.size());
  }
  const std::size_t offset_bytes = offsets.size() * sizeof(std::int64_t);
  const std::size_t id_bytes = (ids.size() * sizeof(std::int32_t) + 7) / 8 * 8;
  const std::size_t out_bytes = out.size() * sizeof(std::int32_t);
  auto* area = static_cast<std::uint8_t*>(ctx.scratch(offset_bytes + id_bytes + out_bytes));
  auto* device_offsets = reinterpret_cast<std::int64_t*>(area);
  auto* device_ids = reinterpret_cast<std::int32_t*>(area + offset_bytes);
  auto* device_out = reinterpret_cast<std::int32_t*>(area + offset_bytes + id_bytes);
  std::vector<std::uint8_t> staged(offset_bytes + ids.size() * sizeof(std::int32_t));
  std::memcpy(staged.data(), offsets.data(), offset_bytes);
  if (!ids.empty()) std::memcpy(staged.data() + offset_bytes, ids.data(), ids.size() * sizeof(std::int32_t));
  check_cuda(cudaMemcpyAsync(area, staged.data(), staged.size(), cudaMemcpyHostToDevice, ctx.stream), "upload of penalized ids");
  check_cuda(launch_greedy_tokens(static_cast<float*>(logits.data), float_stride(op, logits), rows, logits.cols(),
                                  device_offsets, device_ids, penalty, device_out, ctx.stream),
             op);
  check_cuda(cudaMemcpyAsync(out.data(), device_out, out_bytes, cudaMemcpyDeviceToHost, ctx.stream), "download of chosen ids");
  check_cuda(cudaStreamSynchronize(ctx.stream), op);
}

void copy_batch(const CudaContext& ctx, std::span<const CopyCall> calls) {
  // Checked as copy() checks, all before anything is queued; f32 views with 4-byte strides go
  // through one launch, anything else copy by copy.
  std::vector<RowCopy> copies;
  std::int64_t max_elements = 0;
  bool one_launch = true;
  for (const CopyCall& c : calls) {
    const TensorView& src = c.src;
    const TensorView& dst = c.dst;
    if (src.dtype != dst.dtype || src.rows() != dst.rows() || src.cols() != dst.cols()) {
      tensor::fail_view_check("copy_batch", "views differ: " + src.describe() + " vs " + dst.describe());
    }
    if (src.rows() == 0 || src.cols() == 0) continue;
    const std::size_t row = src.dense_row_bytes();
    const std::size_t src_pitch = src.rows() > 1 ? src.row_stride : row;
    const std::size_t dst_pitch = dst.rows() > 1 ? dst.row_stride : row;
    if (src.dtype != DType::kF32 || src_pitch % sizeof(float) != 0 || dst_pitch % sizeof(float) != 0 ||
        src.rows() > INT32_MAX || src.cols() > INT32_MAX) {
      one_launch = false;
    }
    RowCopy& r = copies.emplace_back();
    r.src = static_cast<const float*>(src.data);
    r.dst = static_cast<float*>(dst.data);
    r.src_stride = static_cast<std::int64_t>(src_pitch / sizeof(float));
    r.dst_stride = static_cast<std::int64_t>(dst_pitch / sizeof(float));
    r.rows = static_cast<int>(src.rows());
    r.cols = static_cast<int>(src.cols());
    max_elements = std::max(max_elements, src.rows() * src.cols());
  }
  if (!one_launch || copies.size() <= 1) {  // a single copy is one memcpy anyway
    for (const CopyCall& c : calls) copy(ctx, c.src, c.dst);
    return;
  }
  for (std::size_t first = 0; first < copies.size(); first += kRowCopiesPerLaunch) {
    const std::size_t count = std::min<std::size_t>(kRowCopiesPerLaunch, copies.size() - first);
    const std::size_t bytes = count * sizeof(RowCopy);
    auto* device_copies = static_cast<RowCopy*>(ctx.scratch(bytes));
    check_cuda(cudaMemcpyAsync(device_copies, copies.data() + first, bytes, cudaMemcpyHostToDevice, ctx.stream),
               "upload of row copies");
    check_cuda(launch_row_copies(device_copies, static_cast<int>(count), max_elements, ctx.stream), "row copies");
  }
}

}  // namespace vidscope::backend::cuda
