#include "vlm/vision_tower.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "base/error.h"
#include "vlm/rotary_tables.h"
#include "vlm/vision_windows.h"

namespace vidscope::vlm {

namespace {

using backend::BinaryOp;
using backend::TensorView;
using backend::UnaryOp;

constexpr std::string_view kOwner = "vlm vision tower";
constexpr float kNormEps = 1e-6f;
// Patch rows per chunk: large enough for the GEMMs to run at full speed, small enough that the
// activations of a long video stay bounded (4096 x 1280 x 4 B = 20 MiB per tensor).
constexpr std::int64_t kTargetChunkRows = 4096;

std::vector<std::int64_t> widen(const std::vector<std::int32_t>& v) { return {v.begin(), v.end()}; }

// Rows order[0], order[1], ... of `data` ([*, cols]) as a new host array.
std::vector<float> permuted_rows(const float* data, std::int64_t cols, const std::vector<std::int32_t>& order) {
  const auto width = static_cast<std::size_t>(cols);
  std::vector<float> out(order.size() * width);
  for (std::size_t r = 0; r < order.size(); ++r) {
    std::memcpy(out.data() + r * width, data + static_cast<std::size_t>(order[r]) * width, width * sizeof(float));
  }
  return out;
}

// An activation on `be` holding `rows` rows of host data.
Activation uploaded(backend::Backend& be, const float* data, std::int64_t rows, std::int64_t cols) {
  Activation a(be, rows, cols, kOwner);
  a.write_rows(0, rows, data);
  return a;
}

}  // namespace

VisionTower::VisionTower(const models::VisionModelConfig& config, const VisionWeights& weights,
                         backend::Backend& backend)
    : config_(config), weights_(weights), backend_(backend), qwen25_(config.norm == models::VisionNorm::kRmsNorm) {}

Activation VisionTower::encode(const PixelPatches& patches) const {
  const auto merge = static_cast<int>(config_.spatial_merge_size);
  const GridThw& g = patches.grid;
  if (patches.row_size != weights_.patch_embed.cols()) {
    throw_input_error("vision input rows hold " + std::to_string(patches.row_size) + " values; the model expects " +
                      std::to_string(weights_.patch_embed.cols()));
  }
  if (g.t <= 0 || g.h <= 0 || g.w <= 0 || g.h % merge != 0 || g.w % merge != 0 ||
      static_cast<std::int64_t>(patches.values.size()) != g.patch_count() * patches.row_size) {
    throw_input_error("vision input grid (" + std::to_string(g.t) + ", " + std::to_string(g.h) + ", " +
                      std::to_string(g.w) + ") does not fit the model or the pixel data");
  }
  const std::int64_t per_t = static_cast<std::int64_t>(g.h) * g.w;
  const std::int64_t tokens_per_t = per_t / (merge * merge);
  Activation out(backend_, g.t * tokens_per_t, config_.out_hidden_size, kOwner);
  const int chunk_t = static_cast<int>(std::clamp<std::int64_t>(kTargetChunkRows / per_t, 1, g.t));
  for (int t0 = 0; t0 < g.t; t0 += chunk_t) {
    const int count = std::min(chunk_t, g.t - t0);
    encode_chunk(patches, t0, count, out.row(t0 * tokens_per_t));
  }
  return out;
}

void VisionTower::encode_chunk(const PixelPatches& patches, int t0, int t_count, float* out) const {
  const auto merge = static_cast<int>(config_.spatial_merge_size);
  const std::int64_t e = config_.embed_dim;
  const std::int64_t head_dim = e / config_.num_heads;
  const GridThw grid{t_count, patches.grid.h, patches.grid.w};
  const std::int64_t rows = grid.patch_count();
  const std::array<GridThw, 1> grids = {grid};

  // Host inputs (patch rows, rotary tables) are put in window order on the host (Qwen2.5-VL: the
  // patch embedding is row by row, so permuting its input rows permutes its output rows) and then go
  // to the backend in one transfer each.
  const float* input = patches.values.data() + static_cast<std::size_t>(t0) * patches.grid.h * patches.grid.w * patches.row_size;
  RotaryTable rot = vision_rotary_table(grids, head_dim, merge);
  std::vector<std::int64_t> full_segments = widen(temporal_patch_cu_seqlens(grids));
  std::vector<std::int64_t> window_segments;
  VisionWindows windows;
  std::vector<float> permuted_input;
  if (qwen25_) {
    windows = compute_vision_windows(
        grids, {static_cast<int>(config_.window_size), static_cast<int>(config_.patch_size), merge});
    const std::vector<std::int32_t> order = expand_to_patch_rows(windows.window_index, merge);
    permuted_input = permuted_rows(input, patches.row_size, order);
    input = permuted_input.data();
    rot.cos = permuted_rows(rot.cos.data(), head_dim, order);
    rot.sin = permuted_rows(rot.sin.data(), head_dim, order);
    window_segments = widen(windows.cu_window_seqlens);
  }
  Activation x(backend_, rows, e, kOwner);
  {
    const Activation pixels = uploaded(backend_, input, rows, patches.row_size);
    backend_.matmul(pixels.view(), weights_.patch_embed, nullptr, x.view());
  }
  const Activation cos = uploaded(backend_, rot.cos.data(), rows, head_dim);
  const Activation sin = uploaded(backend_, rot.sin.data(), rows, head_dim);
  for (std::size_t i = 0; i < weights_.blocks.size(); ++i) {
    run_block(i, x, cos.view(), sin.view(), full_segments, window_segments);
  }

  // Merger: norm each patch row, then every merge^2 consecutive rows form one input row.
  Activation normed(backend_, rows, e, kOwner);
  const Norm& mn = weights_.merger_norm;
  if (qwen25_) {
    backend_.rms_norm(x.view(), mn.weight, kNormEps, normed.view());
  } else {
    backend_.layer_norm(x.view(), mn.weight, mn.bias, kNormEps, normed.view());
  }
  const std::int64_t tokens = rows / (merge * merge);
  const std::int64_t merged = e * merge * merge;
  const TensorView grouped = TensorView::dense(normed.data(), backend::DType::kF32, {tokens, merged});
  Activation hidden(backend_, tokens, weights_.merger_fc1.out_features(), kOwner);
  backend_.matmul(grouped, weights_.merger_fc1.weight, weights_.merger_fc1.bias_or_null(), hidden.view());
  backend_.unary(UnaryOp::kGelu, hidden.view(), hidden.view());
  const TensorView result = TensorView::dense(out, backend::DType::kF32, {tokens, config_.out_hidden_size});
  if (!qwen25_) {
    backend_.matmul(hidden.view(), weights_.merger_fc2.weight, weights_.merger_fc2.bias_or_null(), result);
    return;
  }
  Activation windowed(backend_, tokens, config_.out_hidden_size, kOwner);
  backend_.matmul(hidden.view(), weights_.merger_fc2.weight, weights_.merger_fc2.bias_or_null(), windowed.view());
  // Back to raster order: token j of the raster sits at reverse_index[j] of the window order. Runs of
  // tokens that are consecutive in both orders (a window's row) move with one copy.
  const auto& reverse = windows.reverse_index;
  for (std::int64_t j = 0; j < tokens;) {
    std::int64_t run = 1;
    while (j + run < tokens &&
           reverse[static_cast<std::size_t>(j + run)] == reverse[static_cast<std::size_t>(j)] + run) {
      ++run;
    }
    TensorView to = result;
    to.data = result.row(j);
    to.shape[0] = run;
    backend_.copy(windowed.rows_view(reverse[static_cast<std::size_t>(j)], run), to);
    j += run;
  }
}

void VisionTower::run_block(std::size_t index, const Activation& x, const TensorView& cos, const TensorView& sin,
                            std::span<const std::int64_t> full_segments,
                            std::span<const std::int64_t> window_segments) const {
  const VisionBlockWeights& b = weights_.blocks[index];
  const std::int64_t rows = x.rows();
  const std::int64_t e = config_.embed_dim;
  const std::int64_t heads = config_.num_heads;
  const std::int64_t head_dim = e / heads;

  Activation y(backend_, rows, e, kOwner);
  if (qwen25_) {
    backend_.rms_norm(x.view(), b.norm1.weight, kNormEps, y.view());
  } else {
    backend_.layer_norm(x.view(), b.norm1.weight, b.norm1.bias, kNormEps, y.view());
  }
  {
    Activation qkv(backend_, rows, 3 * e, kOwner);
    backend_.matmul(y.view(), b.qkv.weight, b.qkv.bias_or_null(), qkv.view());
    const TensorView q = qkv.cols_view(0, e), k = qkv.cols_view(e, e), v = qkv.cols_view(2 * e, e);
    backend_.rope(q, cos, sin, heads, head_dim, q);
    backend_.rope(k, cos, sin, heads, head_dim, k);
    bool full = true;
    if (qwen25_) {
      const auto& fa = config_.fullatt_block_indexes;
      full = std::find(fa.begin(), fa.end(), static_cast<std::int64_t>(index)) != fa.end();
    }
    backend::AttentionParams p;
    p.q_heads = p.kv_heads = heads;
    p.head_dim = head_dim;
    p.scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
    p.segment_bounds = full ? full_segments : window_segments;
    backend_.attention(q, k, v, p, y.view());  // y is free again after the qkv projection
  }
  Activation proj(backend_, rows, e, kOwner);
  backend_.matmul(y.view(), b.proj.weight, b.proj.bias_or_null(), proj.view());
  backend_.binary(BinaryOp::kAdd, x.view(), proj.view(), x.view());

  if (qwen25_) {
    backend_.rms_norm(x.view(), b.norm2.weight, kNormEps, y.view());
    Activation gate(backend_, rows, b.gate.out_features(), kOwner);
    Activation up(backend_, rows, b.up.out_features(), kOwner);
    backend_.matmul(y.view(), b.gate.weight, b.gate.bias_or_null(), gate.view());
    backend_.matmul(y.view(), b.up.weight, b.up.bias_or_null(), up.view());
    backend_.swiglu(gate.view(), up.view(), gate.view());
    backend_.matmul(gate.view(), b.down.weight, b.down.bias_or_null(), proj.view());
  } else {
    backend_.layer_norm(x.view(), b.norm2.weight, b.norm2.bias, kNormEps, y.view());
    Activation hidden(backend_, rows, b.fc1.out_features(), kOwner);
    backend_.matmul(y.view(), b.fc1.weight, b.fc1.bias_or_null(), hidden.view());
    backend_.unary(UnaryOp::kQuickGelu, hidden.view(), hidden.view());
    backend_.matmul(hidden.view(), b.fc2.weight, b.fc2.bias_or_null(), proj.view());
  }
  backend_.binary(BinaryOp::kAdd, x.view(), proj.view(), x.view());
}

}  // namespace vidscope::vlm
