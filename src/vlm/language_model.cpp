#include "vlm/language_model.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "base/error.h"
#include "tensor/quantize.h"

namespace vidscope::vlm {

namespace {

using backend::BinaryOp;
using backend::TensorView;

constexpr std::string_view kOwner = "vlm language model";

TensorView rows_of(const TensorView& v, std::int64_t begin, std::int64_t count) {
  TensorView out = v;
  out.data = v.row(begin);
  out.shape[0] = count;
  return out;
}

}  // namespace

LanguageModel::LanguageModel(const models::TextModelConfig& config, const LanguageWeights& weights,
                             backend::Backend& backend, LayerSplit split)
    : config_(config),
      weights_(weights),
      backend_(backend),
      rest_(split.rest),
      first_layers_(split.first_layers < 0 ? config.num_hidden_layers
                                           : std::min<std::int64_t>(split.first_layers, config.num_hidden_layers)) {
  if (first_layers_ < config_.num_hidden_layers && rest_ == nullptr) {
    throw_internal_error("LanguageModel: layers " + std::to_string(first_layers_) + ".." +
                         std::to_string(config_.num_hidden_layers - 1) + " have no backend");
  }
  if (rest_ == nullptr) rest_ = &backend_;
}

std::vector<backend::Backend*> LanguageModel::backends() const {
  std::vector<backend::Backend*> out{&input_backend()};
  if (&output_backend() != out.front()) out.push_back(&output_backend());
  return out;
}

KvCache LanguageModel::make_cache(std::int64_t slots, std::int64_t capacity) const {
  std::vector<backend::Backend*> per_layer;
  for (std::int64_t l = 0; l < layers(); ++l) per_layer.push_back(&layer_backend(l));
  return KvCache(per_layer, slots, capacity, kv_width());
}

void LanguageModel::embed_host(std::span<const std::int32_t> ids, float* out) const {
  const TensorView& table = weights_.embed_tokens;  // always host memory (vlm_weights.h)
  const auto width = static_cast<std::size_t>(hidden_size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const std::int32_t id = ids[i];
    if (id < 0 || id >= table.rows()) {
      throw_input_error("token id " + std::to_string(id) + " is outside the vocabulary of " +
                        std::to_string(table.rows()) + " tokens");
    }
    tensor::dequantize_rows(table.dtype, table.row(id), table.row_stride, 1, table.cols(), out + i * width, width);
  }
}

void LanguageModel::embed(std::span<const std::int32_t> ids, const Activation& out, std::int64_t first_row) const {
  const auto count = static_cast<std::int64_t>(ids.size());
  if (out.on_host()) {
    embed_host(ids, out.row(first_row));
    return;
  }
  std::vector<float> rows(ids.size() * static_cast<std::size_t>(hidden_size()));
  embed_host(ids, rows.data());
  out.write_rows(first_row, count, rows.data());
}

RotaryTable LanguageModel::rotary(std::span<const std::int32_t> t, std::span<const std::int32_t> h,
                                  std::span<const std::int32_t> w) const {
  return mrope_rotary_table(t, h, w, config_.head_dim, config_.rope_theta, config_.mrope_section);
}

void LanguageModel::forward(Activation& x, const RotaryTable& rotary, std::span<const TokenSpan> spans,
                            KvCache& cache) const {
  for (const TokenSpan& s : spans) {
    if (cache.length(s.slot) + s.count > cache.capacity()) {
      throw_internal_error("KV cache slot " + std::to_string(s.slot) + " overflows its capacity of " +
                           std::to_string(cache.capacity()) + " tokens");
    }
  }
  const std::int64_t rows = x.rows();
  for (std::int64_t first = 0; first < layers();) {
    backend::Backend& be = layer_backend(first);
    std::int64_t end = first + 1;
    while (end < layers() && &layer_backend(end) == &be) ++end;
    // The rows cross to the backend of this run of layers (once per pass: at the split), and the
    // tables go there too (a copy on host backends as well: rows x head_dim floats).
    x = moved_to(std::move(x), be, kOwner);
    Activation cos(be, rows, config_.head_dim, kOwner), sin(be, rows, config_.head_dim, kOwner);
    cos.write_rows(0, rows, rotary.cos.data());
    sin.write_rows(0, rows, rotary.sin.data());
    // Each layer's MLP output is added to x by the next layer, fused with that layer's input norm;
    // the last of the run adds it here, before x may cross to another backend.
    Activation pending;
    for (std::int64_t i = first; i < end; ++i) {
      pending = run_layer(static_cast<std::size_t>(i), be, x, pending, cos.view(), sin.view(), spans, cache);
    }
    be.binary(BinaryOp::kAdd, x.view(), pending.view(), x.view());
    first = end;
  }
  for (const TokenSpan& s : spans) cache.set_length(s.slot, cache.length(s.slot) + s.count);
}

Activation LanguageModel::run_layer(std::size_t index, backend::Backend& be, const Activation& x, const Activation& pending,
                                    const TensorView& cos, const TensorView& sin, std::span<const TokenSpan> spans,
                                    KvCache& cache) const {
  const DecoderLayerWeights& l = weights_.layers[index];
  const std::int64_t rows = x.rows();
  const std::int64_t heads = config_.num_attention_heads;
  const std::int64_t kv_heads = config_.num_key_value_heads;
  const std::int64_t head_dim = config_.head_dim;
  const auto eps = static_cast<float>(config_.rms_norm_eps);
  const auto layer = static_cast<std::int64_t>(index);

  Activation y(be, rows, config_.hidden_size, kOwner);
  if (pending.empty()) {
    be.rms_norm(x.view(), l.input_norm.weight, eps, y.view());
  } else {
    be.add_rms_norm(x.view(), pending.view(), l.input_norm.weight, eps, y.view());
  }
  // q, k and v: one matmul into column blocks of one activation when the weights are stacked.
  const std::int64_t q_width = heads * head_dim;
  Activation qkv(be, rows, q_width + 2 * kv_width(), kOwner);
  const TensorView q = qkv.cols_view(0, q_width), k = qkv.cols_view(q_width, kv_width()),
                   v = qkv.cols_view(q_width + kv_width(), kv_width());
  if (l.stacked_qkv()) {
    be.matmul(y.view(), l.qkv.weight, l.qkv.bias_or_null(), qkv.view());
  } else {
    be.matmul(y.view(), l.q.weight, l.q.bias_or_null(), q);
    be.matmul(y.view(), l.k.weight, l.k.bias_or_null(), k);
    be.matmul(y.view(), l.v.weight, l.v.bias_or_null(), v);
  }
  // q and k are adjacent column blocks with the same rotation per row: one call (one launch).
  const TensorView qk = qkv.cols_view(0, q_width + kv_width());
  be.rope(qk, cos, sin, heads + kv_heads, head_dim, qk);

  Activation attn(be, rows, heads * head_dim, kOwner);
  backend::AttentionParams params;  // the same for every sequence but its query position
  params.q_heads = heads;
  params.kv_heads = kv_heads;
  params.head_dim = head_dim;
  params.scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  params.causal = true;
  std::vector<backend::AttentionCall> calls;
  std::vector<backend::CopyCall> appends;  // each span's new keys and values into its cache slot
  calls.reserve(spans.size());
  appends.reserve(2 * spans.size());
  for (const TokenSpan& s : spans) {
    const std::int64_t start = cache.length(s.slot);
    backend::AttentionCall& call = calls.emplace_back();
    call.k = cache.keys(layer, s.slot, start + s.count);
    call.v = cache.values(layer, s.slot, start + s.count);
    appends.push_back({rows_of(k, s.row, s.count), rows_of(call.k, start, s.count)});
    appends.push_back({rows_of(v, s.row, s.count), rows_of(call.v, start, s.count)});
    call.q = rows_of(q, s.row, s.count);
    call.params = params;
    call.params.query_position = start;
    call.out = attn.rows_view(s.row, s.count);
  }
  be.copy_batch(appends);     // one launch on a GPU, however many sequences
  be.attention_batch(calls);  // every sequence at once: one parallel pass at decode
  be.matmul(attn.view(), l.o.weight, nullptr, y.view());
  be.add_rms_norm(x.view(), y.view(), l.post_attention_norm.weight, eps, y.view());
  const std::int64_t inter = config_.intermediate_size;
  Activation gate_up(be, rows, 2 * inter, kOwner);
  const TensorView gate = gate_up.cols_view(0, inter), up = gate_up.cols_view(inter, inter);
  if (l.stacked_gate_up()) {
    be.matmul(y.view(), l.gate_up.weight, nullptr, gate_up.view());
  } else {
    be.matmul(y.view(), l.gate.weight, nullptr, gate);
    be.matmul(y.view(), l.up.weight, nullptr, up);
  }
  be.swiglu(gate, up, gate);  // in place: the down projection reads the gate columns
  be.matmul(gate, l.down.weight, nullptr, y.view());
  return y;  // the MLP's output, added to x by the caller
}

Activation LanguageModel::logits(const Activation& x, std::span<const std::int64_t> rows) const {
  const auto count = static_cast<std::int64_t>(rows.size());
  backend::Backend& be = output_backend();
  Activation picked(be, count, config_.hidden_size, kOwner);
  // Runs of consecutive rows (every row of a decode step) move with one copy.
  for (std::int64_t i = 0; i < count;) {
    const std::int64_t first = rows[static_cast<std::size_t>(i)];
    std::int64_t run = 1;
    while (i + run < count && rows[static_cast<std::size_t>(i + run)] == first + run) ++run;
    copy_rows(x, first, picked, i, run);
    i += run;
  }
  be.rms_norm(picked.view(), weights_.final_norm.weight, static_cast<float>(config_.rms_norm_eps), picked.view());
  Activation out(be, count, config_.vocab_size, kOwner);
  be.matmul(picked.view(), weights_.lm_head.weight, nullptr, out.view());
  return out;
}

}  // namespace vidscope::vlm
