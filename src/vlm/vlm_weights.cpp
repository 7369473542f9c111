#include "vlm/vlm_weights.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/thread_pool.h"
#include "models/expected_tensors.h"
#include "tensor/quantize.h"
#include "tensor/weight_tiles.h"
#include "tensor/worker_pool.h"

namespace vidscope::vlm {

namespace {

using backend::DType;
using backend::TensorView;

constexpr std::string_view kOwner = "vlm weights";
// Rows per block when converting from the mapping: the unit handed to a loader thread, and the unit of
// source pages released once converted. Small enough to balance 2-16 threads on the smallest tensors
// and keep the touched source bounded; large enough that the hand-out costs nothing.
constexpr std::int64_t kRowsPerBlock = 64;
// Bytes per host-to-device transfer when a tensor moves to a device: the mapped source pages of one
// chunk are released before the next is read, so a stored tensor never sits whole in the host's RSS.
constexpr std::size_t kUploadChunk = std::size_t{64} << 20;

DType tensor_dtype(models::WeightDType dtype) {
  switch (dtype) {
    case models::WeightDType::kF32: return DType::kF32;
    case models::WeightDType::kF16: return DType::kF16;
    case models::WeightDType::kBF16: return DType::kBF16;
    default: break;
  }
  throw_input_error("weights of dtype " + std::string(models::weight_dtype_name(dtype)) +
                    " are not supported (F32, F16, BF16)");
}

bool is_aligned(const void* p, std::size_t alignment) {
  return reinterpret_cast<std::uintptr_t>(p) % alignment == 0;
}

// Unmaps the whole pages inside a converted source range from this process. Without it every stored
// tensor read during a quantized load stays resident as file-backed pages, and the load peaks at the
// quantized size plus the whole stored checkpoint. The page cache keeps the data; the mapping is
// read-only, so a later read only faults the page back in. A hint: failure changes nothing.
void release_source_pages(const std::byte* begin, std::size_t bytes) {
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto start = reinterpret_cast<std::uintptr_t>(begin);
  const std::uintptr_t first = (start + page - 1) / page * page;
  const std::uintptr_t last = (start + bytes) / page * page;
  if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

}  // namespace

struct VlmWeights::Builder {
  const models::CheckpointTensors& tensors;
  WeightPrecision precision;
  backend::Backend& be;
  tensor::WorkerPool& pool;
  VlmWeights& out;
  WeightPlacement placement;  // where the tensors go; no device: `be`
  bool placing = false;        // tensors built now go to placement.device

  std::unique_ptr<backend::Buffer>& new_buffer(std::size_t bytes) {
    out.buffers_.push_back(be.allocate(bytes, kOwner, memory::Purpose::kWeights));
    return out.buffers_.back();
  }

  // The stored tensor as a 2D [rows, cols] view into the mapping, when its address allows it.
  static TensorView mapped_view(const models::TensorRef& ref, std::int64_t rows, std::int64_t cols) {
    TensorView v;
    v.data = const_cast<std::byte*>(ref.data);  // views are read-only by convention for weights
    v.dtype = tensor_dtype(ref.dtype);
    v.rank = 2;
    v.shape = {rows, cols, 0, 0};
    v.row_stride = tensor::row_bytes(v.dtype, cols);
    return v;
  }

  // Converts [rows, cols] of `ref` into `target`, blocks of rows spread over the loader threads, each
  // read straight from the mapping (convert_rows accepts unaligned rows) and released once converted.
  TensorView convert(const models::TensorRef& ref, std::int64_t rows, std::int64_t cols, DType target) {
    auto& buffer = new_buffer(tensor::row_bytes(target, cols) * static_cast<std::size_t>(rows));
    convert_into(ref, rows, cols, target, buffer->data());
    return TensorView::dense(buffer->data(), target, {rows, cols});
  }

  // The same into `dst` (rows x row_bytes(target, cols) bytes).
  void convert_into(const models::TensorRef& ref, std::int64_t rows, std::int64_t cols, DType target, void* dst) {
    const DType source = tensor_dtype(ref.dtype);
    const std::size_t src_row = tensor::row_bytes(source, cols);
    const auto release = [&](std::int64_t first, std::int64_t n) {
      release_source_pages(ref.data + static_cast<std::size_t>(first) * src_row, static_cast<std::size_t>(n) * src_row);
    };
    try {
      tensor::convert_rows_parallel(pool, source, ref.data, src_row, rows, cols, target, dst, kRowsPerBlock, release);
    } catch (const Error& e) {
      throw_input_error(ref.name + " in " + ref.file->string() + ": " + e.what());
    }
  }

  // Parts converted one after another into one buffer, each straight from the mapping (nothing is
  // held twice): with `cols`, tensors of that width stacked row-wise ([sum of rows, cols]: q/k/v,
  // gate/up, one matmul instead of several); with cols == 0, vectors joined into one row ([1, sum]:
  // their biases).
  TensorView joined(const std::vector<const models::TensorRef*>& parts, std::int64_t cols, DType target) {
    std::int64_t elements = 0;
    for (const auto* ref : parts) elements += ref->element_count();
    const std::int64_t rows = cols > 0 ? elements / cols : 1;
    const std::int64_t width = cols > 0 ? cols : elements;
    auto& buffer = new_buffer(tensor::row_bytes(target, width) * static_cast<std::size_t>(rows));
    auto* at = static_cast<std::byte*>(buffer->data());
    for (const auto* ref : parts) {
      const std::int64_t part_rows = cols > 0 ? ref->element_count() / cols : 1;
      const std::int64_t part_cols = cols > 0 ? cols : ref->element_count();
      convert_into(*ref, part_rows, part_cols, target, at);
      at += tensor::row_bytes(target, part_cols) * static_cast<std::size_t>(part_rows);
    }
    return placed(TensorView::dense(buffer->data(), target, {rows, width}), true);
  }

  TensorView matrix(const models::TensorRef& ref, std::int64_t rows, std::int64_t cols, DType target) {
    const DType source = tensor_dtype(ref.dtype);
    if (source == target && is_aligned(ref.data, tensor::element_bytes(source))) {
      return placed(mapped_view(ref, rows, cols), false);
    }
    return placed(convert(ref, rows, cols, target), true);
  }

  // The tensor where it goes: itself, or its device copy while placing (`converted`: it lives in the
  // buffer just converted, which the move frees).
  TensorView placed(const TensorView& host, bool converted) { return placing ? place(host, converted) : host; }

  // Moves a finished host tensor to `device`: one device buffer, filled chunk by chunk from where the
  // tensor is (the mapping, whose pages are released after each chunk, or its converted buffer, which
  // is freed at once when `drop_host_copy`). The host thus holds at most one converted tensor while a
  // model loads onto a device.
  TensorView place(const TensorView& host, bool drop_host_copy) {
    const auto bytes = static_cast<std::size_t>(host.rows()) * host.row_stride;
    out.buffers_.push_back(placement.device->allocate(bytes, kOwner, memory::Purpose::kWeights));
    const backend::Buffer& target = *out.buffers_.back();
    const auto* source = static_cast<const std::byte*>(host.data);
    for (std::size_t at = 0; at < bytes; at += kUploadChunk) {
      const std::size_t n = std::min(kUploadChunk, bytes - at);
      placement.device->upload(source + at, n, target, at);
      if (!drop_host_copy) release_source_pages(source + at, n);
    }
    if (drop_host_copy) {
      // The converted copy is the buffer pushed just before this device buffer.
      out.buffers_.erase(out.buffers_.end() - 2);
    }
    TensorView v = host;
    v.data = target.data();
    return v;
  }

  // Target type of a [rows, cols] Linear weight (quantized ones) under the precision. int8 and int4
  // weights that stay on the host take the tiled layout where the host's kernels have it
  // (tensor/weight_tiles.h: at batch 8 its GEMV does a quarter of the float work per weight).
  DType linear_type(DType stored, std::int64_t rows, std::int64_t cols) const {
    const auto tiled_if_possible = [&](DType rows_type, DType tiled) {
      return !placing && tensor::fits_tiles(tiled, rows, cols) && be.supports_weights(tiled) ? tiled : rows_type;
    };
    switch (precision) {
      case WeightPrecision::kAsStored: return stored;
      case WeightPrecision::kF32: return DType::kF32;
      case WeightPrecision::kBf16: return DType::kBF16;
      case WeightPrecision::kInt8: return tiled_if_possible(DType::kQ8, DType::kQ8x16);
      case WeightPrecision::kInt4: return tiled_if_possible(DType::kQ4, DType::kQ4x16);
    }
    return stored;
  }

  TensorView linear_weight(const std::string& name) {
    const models::TensorRef& ref = tensors.get(name);
    return matrix(ref, ref.shape.at(0), ref.shape.at(1), linear_type(tensor_dtype(ref.dtype), ref.shape.at(0), ref.shape.at(1)));
  }

  TensorView vector_f32(const std::string& name) {
    const models::TensorRef& ref = tensors.get(name);
    return placed(convert(ref, 1, ref.element_count(), DType::kF32), true);
  }

  Linear linear(const std::string& prefix, bool bias) {
    Linear l;
    l.weight = linear_weight(prefix + ".weight");
    if (bias) l.bias = vector_f32(prefix + ".bias");
    return l;
  }

  // Linear layers reading the same input, stacked into one ([parts' rows, in]; biases likewise when
  // `bias`), when no part could stay mapped anyway: they are converted, or moved to a device.
  // Otherwise (as stored on the host) nullopt, and the parts stay separate and mapped.
  std::optional<Linear> stacked_linear(const std::vector<std::string>& prefixes, bool bias) {
    std::vector<const models::TensorRef*> weights, biases;
    for (const auto& p : prefixes) {
      weights.push_back(&tensors.get(p + ".weight"));
      if (bias) biases.push_back(&tensors.get(p + ".bias"));
    }
    const DType stored = tensor_dtype(weights.front()->dtype);
    const std::int64_t cols = weights.front()->shape.at(1);
    for (const auto* w : weights) {
      if (tensor_dtype(w->dtype) != stored || w->shape.at(1) != cols) return std::nullopt;  // never in real checkpoints
    }
    // Each part is converted on its own, so the stack is tiled only if every part can be.
    DType target = linear_type(stored, weights.front()->shape.at(0), cols);
    for (const auto* w : weights) {
      if (linear_type(stored, w->shape.at(0), cols) != target) target = tensor::untiled(target);
    }
    if (!placing && target == stored) return std::nullopt;
    Linear l;
    l.weight = joined(weights, cols, target);
    if (bias) l.bias = joined(biases, 0, DType::kF32);
    return l;
  }

  Norm norm(const std::string& prefix, bool bias) {
    Norm n;
    n.weight = vector_f32(prefix + ".weight");
    if (bias) n.bias = vector_f32(prefix + ".bias");
    return n;
  }

  void load_vision(const models::VisionModelConfig& v) {
    placing = placement.device != nullptr && placement.vision_on_device;
    const models::TensorRef& patch = tensors.get("visual.patch_embed.proj.weight");
    const std::int64_t row = patch.element_count() / v.embed_dim;
    // The patch embedding is an f32 GEMM operand at f32 precision, as stored otherwise (never quantized).
    const DType stored = tensor_dtype(patch.dtype);
    out.vision_.patch_embed = matrix(patch, v.embed_dim, row, precision == WeightPrecision::kF32 ? DType::kF32 : stored);
    const bool ln = v.norm == models::VisionNorm::kLayerNorm;
    for (std::int64_t i = 0; i < v.depth; ++i) {
      const std::string p = "visual.blocks." + std::to_string(i);
      VisionBlockWeights b;
      b.norm1 = norm(p + ".norm1", ln);
      b.norm2 = norm(p + ".norm2", ln);
      b.qkv = linear(p + ".attn.qkv", true);
      b.proj = linear(p + ".attn.proj", true);
      if (v.mlp == models::VisionMlp::kFc1Fc2) {
        b.fc1 = linear(p + ".mlp.fc1", true);
        b.fc2 = linear(p + ".mlp.fc2", true);
      } else {
        b.gate = linear(p + ".mlp.gate_proj", true);
        b.up = linear(p + ".mlp.up_proj", true);
        b.down = linear(p + ".mlp.down_proj", true);
      }
      out.vision_.blocks.push_back(std::move(b));
    }
    out.vision_.merger_norm = norm("visual.merger.ln_q", ln);
    out.vision_.merger_fc1 = linear("visual.merger.mlp.0", true);
    out.vision_.merger_fc2 = linear("visual.merger.mlp.2", true);
  }

  void load_language(const models::TextModelConfig& t) {
    const models::TensorRef& embed = tensors.get(models::kEmbedTokensWeight);
    const DType embed_type = tensor_dtype(embed.dtype);
    // The table stays on the host (token lookups read a few rows); the layers the placement gives the
    // device go there, and the final norm and lm_head follow the last layer.
    placing = false;
    out.language_.embed_tokens =
        matrix(embed, t.vocab_size, t.hidden_size, precision == WeightPrecision::kF32 ? DType::kF32 : embed_type);
    const std::int64_t on_device = placement.device == nullptr ? 0
                                   : placement.device_layers < 0 ? t.num_hidden_layers
                                                                 : std::min(placement.device_layers, t.num_hidden_layers);
    for (std::int64_t i = 0; i < t.num_hidden_layers; ++i) {
      placing = i < on_device;
      const std::string p = "llm.layers." + std::to_string(i);
      DecoderLayerWeights l;
      l.input_norm = norm(p + ".input_layernorm", false);
      l.post_attention_norm = norm(p + ".post_attention_layernorm", false);
      const std::string attn = p + ".self_attn.", mlp = p + ".mlp.";
      if (auto qkv = stacked_linear({attn + "q_proj", attn + "k_proj", attn + "v_proj"}, true)) {
        l.qkv = *qkv;
      } else {
        l.q = linear(attn + "q_proj", true);
        l.k = linear(attn + "k_proj", true);
        l.v = linear(attn + "v_proj", true);
      }
      l.o = linear(attn + "o_proj", false);
      if (auto gate_up = stacked_linear({mlp + "gate_proj", mlp + "up_proj"}, false)) {
        l.gate_up = *gate_up;
      } else {
        l.gate = linear(mlp + "gate_proj", false);
        l.up = linear(mlp + "up_proj", false);
      }
      l.down = linear(mlp + "down_proj", false);
      out.language_.layers.push_back(std::move(l));
    }
    placing = on_device == t.num_hidden_layers && placement.device != nullptr;
    out.language_.final_norm = norm("llm.norm", false);
    if (tensors.lm_head_is_tied()) {
      // One table serves both uses (memory/weight_precision.h): never a separate quantized copy. On a
      // device, the lm_head needs the table there too: a copy as stored.
      out.language_.lm_head.weight = placed(out.language_.embed_tokens, false);
    } else {
      out.language_.lm_head = linear("lm_head", false);  // models::kLmHeadWeight
    }
  }
};

std::string_view weight_precision_name(WeightPrecision precision) {
  switch (precision) {
    case WeightPrecision::kAsStored: return "auto";
    case WeightPrecision::kF32: return "f32";
    case WeightPrecision::kBf16: return "bf16";
    case WeightPrecision::kInt8: return "int8";
    case WeightPrecision::kInt4: return "int4";
  }
  return "unknown";
}

WeightPrecision parse_weight_precision(std::string_view name) {
  if (name == "auto" || name == "as-stored") return WeightPrecision::kAsStored;
  if (name == "f32") return WeightPrecision::kF32;
  if (name == "bf16") return WeightPrecision::kBf16;
  if (name == "int8") return WeightPrecision::kInt8;
  if (name == "int4") return WeightPrecision::kInt4;
  throw_usage_error("unknown precision '" + std::string(name) + "'; use auto, bf16, int8, int4 or f32");
}

std::unique_ptr<VlmWeights> VlmWeights::load(const models::VlmConfig& config, const models::CheckpointTensors& tensors,
                                             const std::string& folder, WeightPrecision precision,
                                             backend::Backend& backend, unsigned threads,
                                             const WeightPlacement& placement) {
  if (!backend.is_host()) throw_internal_error("VlmWeights::load: backend " + backend.name() + " is not a host backend");
  models::require_checkpoint_matches(config, tensors, folder);
  std::unique_ptr<VlmWeights> weights(new VlmWeights());
  weights->precision_ = precision;
  tensor::WorkerPool pool(threads != 0 ? threads : default_thread_count());
  Builder builder{tensors, precision, backend, pool, *weights, placement};
  builder.load_vision(config.vision);
  builder.load_language(config.text);
  return weights;
}

Bytes LanguageWeights::decode_weight_bytes() const {
  const auto bytes = [](const TensorView& v) { return static_cast<Bytes>(v.rows()) * v.row_stride; };
  Bytes total = bytes(lm_head.weight);
  for (const DecoderLayerWeights& l : layers) {
    for (const Linear* lin : l.linears()) total += bytes(lin->weight);
  }
  return total;
}

std::uint64_t VlmWeights::owned_bytes() const {
  std::uint64_t total = 0;
  for (const auto& b : buffers_) total += b->size();
  return total;
}

}  // namespace vidscope::vlm
