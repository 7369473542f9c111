#include "backend/cpu/cpu_backend.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <string>

#include "base/error.h"
#include "base/thread_pool.h"
#include "memory/fault_injection.h"
#include "memory/probe.h"
#include "tensor/greedy_choice.h"
#include "tensor/kernel_context.h"
#include "tensor/matmul.h"
#include "tensor/tensor_buffer.h"
#include "tensor/view_checks.h"

namespace vidscope::backend {

namespace {

class CpuBackend;

class CpuBuffer final : public Buffer {
 public:
  CpuBuffer(void* data, Bytes size, std::atomic<Bytes>* counter, memory::LedgerEntry entry)
      : Buffer(data, size), counter_(counter), entry_(std::move(entry)) {}
  ~CpuBuffer() override {
    tensor::free_aligned(data());
    counter_->fetch_sub(size());
  }

 private:
  std::atomic<Bytes>* counter_;
  memory::LedgerEntry entry_;  // released after the memory is freed, by member destruction
};

void check_range(const Buffer& buffer, Bytes offset, Bytes bytes, const char* what) {
  if (offset > buffer.size() || bytes > buffer.size() - offset) {
    throw_internal_error(std::string(what) + ": " + std::to_string(bytes) + " bytes at offset " + std::to_string(offset) +
                         " exceed a buffer of " + std::to_string(buffer.size()) + " bytes");
  }
}

class CpuBackend final : public Backend {
 public:
  explicit CpuBackend(const CpuBackendOptions& options)
      : kernels_(tensor::kernels_for(options.simd_level.value_or(tensor::best_simd_level()))),
        pool_(options.threads != 0 ? options.threads : default_thread_count()),
        ledger_(options.ledger),
        byte_limit_(options.byte_limit) {
    if (kernels_ == nullptr) {
      throw_usage_error(std::string("this CPU cannot run the ") + tensor::simd_level_name(*options.simd_level) +
                        " kernels");
    }
    context_.kernels = kernels_;
    context_.pool = &pool_;
  }

  std::string name() const override { return std::string("cpu-") + tensor::simd_level_name(kernels_->level); }
  std::string device() const override { return "cpu"; }
  bool is_host() const override { return true; }

  DeviceMemory memory() const override {
    const Bytes used = allocated_.load();
    if (byte_limit_) return {*byte_limit_ > used ? *byte_limit_ - used : 0, *byte_limit_};
    const memory::SystemMemory system = memory::read_system_memory();
    return {system.usable_available(), system.usable_total()};
  }

  Bytes allocated_bytes() const override { return allocated_.load(); }

  std::unique_ptr<Buffer> allocate(Bytes bytes, std::string_view owner, memory::Purpose purpose) override {
    const Bytes before = allocated_.fetch_add(bytes);
    if (byte_limit_ && before + bytes > *byte_limit_) {
      allocated_.fetch_sub(bytes);
      throw_budget_error("cpu: cannot allocate " + format_bytes(bytes) + " for " + std::string(owner) + ": " +
                         format_bytes(before) + " of the " + format_bytes(*byte_limit_) + " limit are in use");
    }
    void* data = nullptr;
    try {
      memory::check_injected_allocation_failure(owner);
      data = tensor::allocate_aligned(bytes);
    } catch (...) {
      allocated_.fetch_sub(bytes);
      throw;
    }
    memory::LedgerEntry entry;
    if (ledger_ != nullptr) entry = ledger_->add(std::string(owner), device(), purpose, bytes);
    return std::make_unique<CpuBuffer>(data, bytes, &allocated_, std::move(entry));
  }

  void upload(const void* host, Bytes bytes, const Buffer& dst, Bytes offset) override {
    check_range(dst, offset, bytes, "upload");
    if (bytes != 0) std::memcpy(static_cast<std::uint8_t*>(dst.data()) + offset, host, bytes);
  }
  void download(const Buffer& src, Bytes offset, Bytes bytes, void* host) override {
    check_range(src, offset, bytes, "download");
    if (bytes != 0) std::memcpy(host, static_cast<const std::uint8_t*>(src.data()) + offset, bytes);
  }
  void synchronize() override {}

  bool supports_weights(DType dtype) const override { return tensor::supports_weights(*kernels_, dtype); }

  void matmul(const TensorView& x, const TensorView& w, const TensorView* bias, const TensorView& y) override {
    tensor::matmul(context_, x, w, bias, y);
  }
  void rms_norm(const TensorView& x, const TensorView& weight, float eps, const TensorView& y) override {
    tensor::rms_norm(context_, x, weight, eps, y);
  }
  void greedy_tokens(const TensorView& logits, std::span<const std::span<const std::int32_t>> penalized, float penalty,
                     std::span<std::int32_t> out) override {
    tensor::greedy_tokens(context_, logits, penalized, penalty, out);
  }
  void add_rms_norm(const TensorView& x, const TensorView& delta, const TensorView& weight, float eps,
                    const TensorView& y) override {
    tensor::add_rms_norm(context_, x, delta, weight, eps, y);
  }
  void layer_norm(const TensorView& x, const TensorView& weight, const TensorView& bias, float eps,
                  const TensorView& y) override {
    tensor::layer_norm(context_, x, weight, bias, eps, y);
  }
  void softmax(const TensorView& x, const TensorView& y) override { tensor::softmax(context_, x, y); }
  void unary(UnaryOp op, const TensorView& x, const TensorView& y) override { tensor::unary(context_, op, x, y); }
  void swiglu(const TensorView& gate, const TensorView& up, const TensorView& y) override {
    tensor::swiglu(context_, gate, up, y);
  }
  void binary(BinaryOp op, const TensorView& a, const TensorView& b, const TensorView& y) override {
    tensor::binary(context_, op, a, b, y);
  }
  void rope(const TensorView& x, const TensorView& cos, const TensorView& sin, std::int64_t heads,
            std::int64_t head_dim, const TensorView& y) override {
    tensor::rope(context_, x, cos, sin, heads, head_dim, y);
  }
  void attention(const TensorView& q, const TensorView& k, const TensorView& v, const AttentionParams& params,
                 const TensorView& out) override {
    tensor::attention(context_, q, k, v, params, out);
  }
  void attention_batch(std::span<const AttentionCall> calls) override { tensor::attention_batch(context_, calls); }

  void copy(const TensorView& src, const TensorView& dst) override {
    if (src.dtype != dst.dtype || src.rows() != dst.rows() || src.cols() != dst.cols()) {
      tensor::fail_view_check("copy", "views differ: " + src.describe() + " vs " + dst.describe());
    }
    const std::size_t row = src.dense_row_bytes();
    for (std::int64_t r = 0; r < src.rows(); ++r) std::memmove(dst.row(r), src.row(r), row);
  }

 private:
  const tensor::KernelTable* kernels_;
  tensor::WorkerPool pool_;
  tensor::KernelContext context_;
  memory::MemoryLedger* ledger_;
  std::optional<Bytes> byte_limit_;
  std::atomic<Bytes> allocated_{0};
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(const CpuBackendOptions& options) {
  return std::make_unique<CpuBackend>(options);
}

}  // namespace vidscope::backend
