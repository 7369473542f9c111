#pragma once
// The backend interface: one compute device (the CPU, later each CUDA GPU) with its memory and the
// ops the models need. Small on purpose, in the spirit of ggml-backend: a name, free/total memory,
// buffers with byte accounting, transfers, and ops on tensor views.
//
// Memory: every buffer is allocated through allocate(), counted in allocated_bytes(), and, when the
// backend was given a memory::MemoryLedger, entered there under (owner, device(), purpose) for as
// long as the buffer lives. Allocation failure (out of memory, or past the backend's byte limit)
// throws Error(kBudget) naming the device and size; nothing is left allocated or recorded.
//
// Ops: views passed to an op must point into memory this backend can address (for the CPU: any
// host memory; for a GPU: its buffers). Activations are f32; matmul weights may be any DType the
// backend supports (supports_weights). Shapes follow tensor/matmul.h, tensor/ops.h and
// tensor/attention.h, which document each op. Wrong shapes or types throw Error(kInternal).
// Ops may run asynchronously on devices that queue work; synchronize() waits for all of it, and
// download() waits for the work that writes what it reads. The CPU backend runs ops to completion.
//
// Thread-safety: allocate(), memory(), allocated_bytes() and buffer destruction are thread-safe.
// Ops on one backend object must be issued from one thread at a time (they share its workers).
//
// Adding a backend: implement this class in src/backend/<name>/ and add a row to the table in
// tests/backend/backend_ops_test.cpp, which checks every op against the CPU reference.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "base/units.h"
#include "memory/ledger.h"
#include "tensor/attention.h"
#include "tensor/dtype.h"
#include "tensor/ops.h"
#include "tensor/tensor_view.h"

namespace vidscope::backend {

using tensor::AttentionCall;
using tensor::AttentionParams;
using tensor::BinaryOp;
using tensor::DType;
using tensor::TensorView;
using tensor::UnaryOp;

struct DeviceMemory {
  Bytes free = 0;   // what allocate() may still get (within any limit the backend was given)
  Bytes total = 0;  // the device's capacity (or the limit)
};

// Device memory owned by whoever called Backend::allocate(); released (and taken out of the
// ledger) on destruction. The backend must outlive its buffers.
class Buffer {
 public:
  virtual ~Buffer() = default;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  void* data() const { return data_; }  // a device address: only host backends can dereference it
  Bytes size() const { return size_; }
  // A dense view over this buffer starting at `offset` bytes. Throws Error(kInternal) if it does
  // not fit.
  TensorView view(DType dtype, std::initializer_list<std::int64_t> shape, Bytes offset = 0) const;

 protected:
  Buffer(void* data, Bytes size) : data_(data), size_(size) {}

 private:
  void* data_;
  Bytes size_;
};

// One copy of Backend::copy_batch: src and dst of the same dtype and shape.
struct CopyCall {
  TensorView src;
  TensorView dst;
};

class Backend {
 public:
  virtual ~Backend() = default;

  virtual std::string name() const = 0;    // e.g. "cpu-avx512", "cuda0"
  virtual std::string device() const = 0;  // the ledger's device name: "cpu", "gpu0"
  virtual bool is_host() const = 0;        // buffers are plain host memory
  virtual DeviceMemory memory() const = 0;
  virtual Bytes allocated_bytes() const = 0;  // live buffers of this backend

  // At least `bytes` bytes, 64-byte aligned, entered in the ledger as (owner, purpose). Zero-filled,
  // except activation buffers (Purpose::kActivations) of device backends: those are op outputs, and
  // clearing every temporary of a decode step would cost a launch each.
  virtual std::unique_ptr<Buffer> allocate(Bytes bytes, std::string_view owner, memory::Purpose purpose) = 0;

  // Host <-> device copies of `bytes` bytes at `offset` into the buffer. Throws Error(kInternal)
  // when the range is outside the buffer.
  virtual void upload(const void* host, Bytes bytes, const Buffer& dst, Bytes offset) = 0;
  virtual void download(const Buffer& src, Bytes offset, Bytes bytes, void* host) = 0;
  virtual void synchronize() = 0;
  // Gives memory the backend caches for reuse (freed activations) back to the device, once the
  // queued work is done. Callers invoke it when a job ends; a backend that caches nothing ignores it.
  virtual void release_cached_memory() {}

  virtual bool supports_weights(DType dtype) const = 0;

  // ---- ops (see tensor/*.h for shapes and numerics) ----
  // y = x W^T + bias (bias may be null).
  virtual void matmul(const TensorView& x, const TensorView& w, const TensorView* bias, const TensorView& y) = 0;
  virtual void rms_norm(const TensorView& x, const TensorView& weight, float eps, const TensorView& y) = 0;
  // x += delta, then y = rms_norm(x) (tensor/ops.h). A backend that fuses the two overrides this;
  // the default issues them in turn.
  virtual void add_rms_norm(const TensorView& x, const TensorView& delta, const TensorView& weight, float eps,
                            const TensorView& y) {
    binary(BinaryOp::kAdd, x, delta, x);
    rms_norm(x, weight, eps, y);
  }
  virtual void layer_norm(const TensorView& x, const TensorView& weight, const TensorView& bias, float eps,
                          const TensorView& y) = 0;
  virtual void softmax(const TensorView& x, const TensorView& y) = 0;
  virtual void unary(UnaryOp op, const TensorView& x, const TensorView& y) = 0;
  virtual void swiglu(const TensorView& gate, const TensorView& up, const TensorView& y) = 0;
  virtual void binary(BinaryOp op, const TensorView& a, const TensorView& b, const TensorView& y) = 0;
  virtual void rope(const TensorView& x, const TensorView& cos, const TensorView& sin, std::int64_t heads,
                    std::int64_t head_dim, const TensorView& y) = 0;
  virtual void attention(const TensorView& q, const TensorView& k, const TensorView& v, const AttentionParams& params,
                         const TensorView& out) = 0;
  // Independent attention problems (every sequence of a decode batch against its own KV cache). A
  // backend that can run them as one parallel pass overrides this; the default runs them in turn.
  virtual void attention_batch(std::span<const AttentionCall> calls) {
    for (const AttentionCall& c : calls) attention(c.q, c.k, c.v, c.params, c.out);
  }
  // Row-by-row copy between two views of the same dtype and shape on this device (e.g. appending
  // to a KV cache); strides may differ.
  virtual void copy(const TensorView& src, const TensorView& dst) = 0;
  // The next token of every row of `logits` [rows, vocab] by greedy choice after the repetition penalty
  // over the ids of penalized[r] (empty, or one list per row), as tensor/greedy_choice.h defines it;
  // the logits are changed in place by the penalty. Writes out[r] (host memory) and so waits for the
  // device: only the chosen ids cross to the host, not the rows.
  virtual void greedy_tokens(const TensorView& logits, std::span<const std::span<const std::int32_t>> penalized,
                             float penalty, std::span<std::int32_t> out) = 0;
  // Independent copies (every sequence's new keys and values into its KV-cache slot). A backend that
  // can do them in one launch overrides this; the default copies them in turn.
  virtual void copy_batch(std::span<const CopyCall> calls) {
    for (const CopyCall& c : calls) copy(c.src, c.dst);
  }
};

}  // namespace vidscope::backend
