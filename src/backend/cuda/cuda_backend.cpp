#include "backend/cuda/cuda_backend.h"

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

#include <cublasLt.h>
#include <cuda_runtime_api.h>

#include "backend/cuda/cuda_context.h"
#include "backend/cuda/cuda_kernels.h"
#include "backend/cuda/cuda_matmul.h"
#include "backend/cuda/cuda_ops.h"
#include "backend/cuda/cuda_status.h"
#include "base/error.h"
#include "memory/fault_injection.h"
#include "tensor/weight_tiles.h"

namespace vidscope::backend {

namespace {

using cuda::check_cuda;

constexpr std::string_view kScratchOwner = "cuda_backend";
constexpr Bytes kScratchGranule = Bytes{8} << 20;

void check_range(const Buffer& buffer, Bytes offset, Bytes bytes, const char* what) {
  if (offset > buffer.size() || bytes > buffer.size() - offset) {
    throw_internal_error(std::string(what) + ": " + std::to_string(bytes) + " bytes at offset " + std::to_string(offset) +
                         " exceed a buffer of " + std::to_string(buffer.size()) + " bytes");
  }
}

class CudaBackend;

// A buffer of plain cudaMalloc memory (weights, KV cache, anything long-lived), or, when `stream`
// is set, of the backend's stream-ordered pool (activations: allocated and freed many times per
// forward pass, where cudaMalloc/cudaFree would cost more than the kernels and cudaFree would wait
// for the whole device).
class CudaBuffer final : public Buffer {
 public:
  CudaBuffer(void* data, Bytes size, int device, cudaStream_t stream, std::atomic<Bytes>* counter,
             memory::LedgerEntry entry)
      : Buffer(data, size), device_(device), stream_(stream), counter_(counter), entry_(std::move(entry)) {}
  ~CudaBuffer() override {
    // cudaFree waits for the work queued on the device; cudaFreeAsync returns the block to the pool
    // once the stream has passed the work queued so far. An error here (a fault of an earlier
    // kernel) was or will be reported by the call that waits for that work.
    cudaSetDevice(device_);
    if (stream_ != nullptr) {
      cudaFreeAsync(data(), stream_);
    } else {
      cudaFree(data());
    }
    (void)cudaGetLastError();
    counter_->fetch_sub(size());
  }

 private:
  int device_;
  cudaStream_t stream_;
  std::atomic<Bytes>* counter_;
  memory::LedgerEntry entry_;  // released after the memory is freed, by member destruction
};

class CudaBackend final : public Backend {
 public:
  explicit CudaBackend(const CudaBackendOptions& options)
      : device_(options.device_index), ledger_(options.ledger), byte_limit_(options.byte_limit) {
    const int count = cuda_device_count();
    if (device_ < 0 || device_ >= count) {
      throw_usage_error("no CUDA device " + std::to_string(device_) + " (" + std::to_string(count) + " visible)");
    }
    if (options.gemv_max_rows < -1 || options.gemv_max_rows > cuda::kGemvMaxRows) {
      throw_usage_error("gemv_max_rows must be -1 (automatic) or 0.." + std::to_string(cuda::kGemvMaxRows));
    }
    check_cuda(cudaSetDevice(device_), "selecting device " + std::to_string(device_));
    cudaDeviceProp prop{};
    check_cuda(cudaGetDeviceProperties(&prop, device_), "device properties");
    name_ = "cuda" + std::to_string(device_) + "-" + prop.name;
    device_name_ = "gpu" + std::to_string(device_);
    check_cuda(cudaStreamCreateWithFlags(&context_.stream, cudaStreamNonBlocking), "stream creation");
    const cublasStatus_t lt = cublasLtCreate(&context_.lt);
    if (lt != CUBLAS_STATUS_SUCCESS) {
      cudaStreamDestroy(context_.stream);
      cuda::check_cublas(lt, "handle creation");
    }
    context_.gemv_max_rows = options.gemv_max_rows;
    context_.device = device_;
    context_.scratch = [this](Bytes bytes) { return scratch(bytes); };
    create_activation_pool();
  }

  ~CudaBackend() override {
    cudaSetDevice(device_);
    cudaStreamSynchronize(context_.stream);
    if (scratch_data_ != nullptr) cudaFree(scratch_data_);
    if (pool_ != nullptr) cudaMemPoolDestroy(pool_);  // gives its memory back to the device
    cublasLtDestroy(context_.lt);
    cudaStreamDestroy(context_.stream);
    (void)cudaGetLastError();
  }

  std::string name() const override { return name_; }
  std::string device() const override { return device_name_; }
  bool is_host() const override { return false; }

  DeviceMemory memory() const override {
    const Bytes used = allocated_.load() + scratch_bytes_.load();
    if (byte_limit_) return {*byte_limit_ > used ? *byte_limit_ - used : 0, *byte_limit_};
    std::size_t free = 0, total = 0;
    check_cuda(cudaSetDevice(device_), "selecting the device");
    check_cuda(cudaMemGetInfo(&free, &total), "memory query");
    return {free, total};
  }

  Bytes allocated_bytes() const override { return allocated_.load(); }

  std::unique_ptr<Buffer> allocate(Bytes bytes, std::string_view owner, memory::Purpose purpose) override {
    const bool pooled = purpose == memory::Purpose::kActivations && pool_ != nullptr;
    void* data = reserve_device_memory(bytes, owner, allocated_, pooled);
    try {
      if (!pooled) check_cuda(cudaMemsetAsync(data, 0, bytes, context_.stream), "zero-filling a buffer");
      memory::LedgerEntry entry;
      if (ledger_ != nullptr) entry = ledger_->add(std::string(owner), device(), purpose, bytes);
      return std::make_unique<CudaBuffer>(data, bytes, device_, pooled ? context_.stream : nullptr, &allocated_,
                                          std::move(entry));
    } catch (...) {
      if (pooled) {
        cudaFreeAsync(data, context_.stream);
      } else {
        cudaFree(data);
      }
      allocated_.fetch_sub(bytes);
      throw;
    }
  }

  // The pool keeps freed activation memory for the next forward pass; once no pooled buffer is
  // live and the stream is idle, it goes back to the device, so a finished job leaves nothing
  // behind even while the backend lives on.
  void release_cached_memory() override {
    if (pool_ == nullptr) return;
    select();
    check_cuda(cudaStreamSynchronize(context_.stream), "an op queued on the stream");
    check_cuda(cudaMemPoolTrimTo(pool_, 0), "returning cached activation memory");
  }

  // Both directions leave the host memory the caller's again on return. From ordinary (pageable)
  // memory, cudaMemcpyAsync returns once the data is staged, so an upload queues behind the work
  // before it without waiting for the device (the per-step embeddings and rotary tables of a
  // decode step would otherwise stall the stream three times a token); page-locked memory is copied
  // by DMA after the call returns, so there we wait.
  void upload(const void* host, Bytes bytes, const Buffer& dst, Bytes offset) override {
    check_range(dst, offset, bytes, "upload");
    if (bytes == 0) return;
    select();
    check_cuda(cudaMemcpyAsync(static_cast<std::uint8_t*>(dst.data()) + offset, host, bytes, cudaMemcpyHostToDevice,
                               context_.stream),
               "upload");
    cudaPointerAttributes attributes{};
    const bool pageable = cudaPointerGetAttributes(&attributes, host) == cudaSuccess &&
                          attributes.type == cudaMemoryTypeUnregistered;
    (void)cudaGetLastError();
    if (!pageable) check_cuda(cudaStreamSynchronize(context_.stream), "upload");
  }
  void download(const Buffer& src, Bytes offset, Bytes bytes, void* host) override {
    check_range(src, offset, bytes, "download");
    if (bytes == 0) return;
    select();
    check_cuda(cudaMemcpyAsync(host, static_cast<const std::uint8_t*>(src.data()) + offset, bytes, cudaMemcpyDeviceToHost,
                               context_.stream),
               "download");
    check_cuda(cudaStreamSynchronize(context_.stream), "download (or an op queued before it)");
  }
  void synchronize() override {
    select();
    check_cuda(cudaStreamSynchronize(context_.stream), "an op queued on the stream");
  }

  // q4x16 and q8x16 are the CPU's repacking of q4 and q8 (tensor/weight_tiles.h); the device kernels
  // read rows.
  bool supports_weights(DType dtype) const override { return !tensor::is_tiled(dtype); }

  void matmul(const TensorView& x, const TensorView& w, const TensorView* bias, const TensorView& y) override {
    if (!supports_weights(w.dtype)) throw_internal_error(name() + ": matmul: no " + std::string(tensor::dtype_name(w.dtype)) + " weights");
    select();
    cuda::matmul(context_, x, w, bias, y);
  }
  void rms_norm(const TensorView& x, const TensorView& weight, float eps, const TensorView& y) override {
    select();
    cuda::rms_norm(context_, x, weight, eps, y);
  }
  void add_rms_norm(const TensorView& x, const TensorView& delta, const TensorView& weight, float eps,
                    const TensorView& y) override {
    select();
    cuda::add_rms_norm(context_, x, delta, weight, eps, y);
  }
  void layer_norm(const TensorView& x, const TensorView& weight, const TensorView& bias, float eps,
                  const TensorView& y) override {
    select();
    cuda::layer_norm(context_, x, weight, bias, eps, y);
  }
  void softmax(const TensorView& x, const TensorView& y) override {
    select();
    cuda::softmax(context_, x, y);
  }
  void unary(UnaryOp op, const TensorView& x, const TensorView& y) override {
    select();
    cuda::unary(context_, op, x, y);
  }
  void swiglu(const TensorView& gate, const TensorView& up, const TensorView& y) override {
    select();
    cuda::swiglu(context_, gate, up, y);
  }
  void binary(BinaryOp op, const TensorView& a, const TensorView& b, const TensorView& y) override {
    select();
    cuda::binary(context_, op, a, b, y);
  }
  void rope(const TensorView& x, const TensorView& cos, const TensorView& sin, std::int64_t heads,
            std::int64_t head_dim, const TensorView& y) override {
    select();
    cuda::rope(context_, x, cos, sin, heads, head_dim, y);
  }
  void attention(const TensorView& q, const TensorView& k, const TensorView& v, const AttentionParams& params,
                 const TensorView& out) override {
    select();
    cuda::attention(context_, q, k, v, params, out);
  }
  void attention_batch(std::span<const AttentionCall> calls) override {
    select();
    cuda::attention_batch(context_, calls);
  }
  void copy(const TensorView& src, const TensorView& dst) override {
    select();
    cuda::copy(context_, src, dst);
  }
  void greedy_tokens(const TensorView& logits, std::span<const std::span<const std::int32_t>> penalized, float penalty,
                     std::span<std::int32_t> out) override {
    select();
    cuda::greedy_tokens(context_, logits, penalized, penalty, out);
  }
  void copy_batch(std::span<const CopyCall> calls) override {
    select();
    cuda::copy_batch(context_, calls);
  }

 private:
  // The runtime's current device is per host thread: every entry point names ours.
  void select() const { check_cuda(cudaSetDevice(device_), "selecting the device"); }

  // cudaMalloc of `bytes` counted in `counter`, within the byte limit; Error(kBudget) otherwise,
  // with nothing left allocated or counted.
  void* reserve_device_memory(Bytes bytes, std::string_view owner, std::atomic<Bytes>& counter, bool pooled = false) {
    counter.fetch_add(bytes);
    const Bytes in_use = allocated_.load() + scratch_bytes_.load();
    if (byte_limit_ && in_use > *byte_limit_) {
      counter.fetch_sub(bytes);
      throw_budget_error(device_name_ + ": cannot allocate " + format_bytes(bytes) + " for " + std::string(owner) + ": " +
                         format_bytes(in_use - bytes) + " of the " + format_bytes(*byte_limit_) + " limit are in use");
    }
    void* data = nullptr;
    try {
      memory::check_injected_allocation_failure(owner);
      select();
      const std::size_t size = bytes == 0 ? 1 : bytes;
      const cudaError_t status =
          pooled ? cudaMallocFromPoolAsync(&data, size, pool_, context_.stream) : cudaMalloc(&data, size);
      if (cuda::is_out_of_memory(status)) {
        (void)cudaGetLastError();  // not sticky, but leave no trace for the next call
        throw_budget_error(device_name_ + " (" + name_ + "): cannot allocate " + format_bytes(bytes) + " for " +
                           std::string(owner) + ": the device is out of memory");
      }
      check_cuda(status, "allocation of " + format_bytes(bytes));
    } catch (...) {
      counter.fetch_sub(bytes);
      throw;
    }
    return data;
  }

  // The backend's own working memory (cuBLASLt workspace, bf16 staging), grown on demand and kept;
  // it is entered in the ledger as scratch and counts against the byte limit.
  void* scratch(Bytes wanted) {
    std::lock_guard lock(scratch_mutex_);
    if (wanted <= scratch_bytes_.load() && scratch_data_ != nullptr) return scratch_data_;
    const Bytes bytes = (wanted + kScratchGranule - 1) / kScratchGranule * kScratchGranule;  // fewer regrowths
    check_cuda(cudaStreamSynchronize(context_.stream), "waiting for the work that used the scratch area");
    if (scratch_data_ != nullptr) {
      cudaFree(scratch_data_);
      scratch_data_ = nullptr;
      scratch_entry_.release();
      scratch_bytes_.store(0);
    }
    scratch_data_ = reserve_device_memory(bytes, kScratchOwner, scratch_bytes_);
    if (ledger_ != nullptr) {
      scratch_entry_ = ledger_->add(std::string(kScratchOwner), device(), memory::Purpose::kScratch, bytes);
    }
    return scratch_data_;
  }

  // A pool of our own (not the device's default one), so destroying the backend returns all of it
  // and nothing else in the process shares its cache. Without pool support (old drivers, some
  // virtualized GPUs) activations fall back to cudaMalloc.
  void create_activation_pool() {
    int supported = 0;
    if (cudaDeviceGetAttribute(&supported, cudaDevAttrMemoryPoolsSupported, device_) != cudaSuccess || supported == 0) {
      (void)cudaGetLastError();
      return;
    }
    cudaMemPoolProps props{};
    props.allocType = cudaMemAllocationTypePinned;
    props.handleTypes = cudaMemHandleTypeNone;
    props.location.type = cudaMemLocationTypeDevice;
    props.location.id = device_;
    if (cudaMemPoolCreate(&pool_, &props) != cudaSuccess) {
      (void)cudaGetLastError();
      pool_ = nullptr;
      return;
    }
    std::uint64_t keep = UINT64_MAX;  // keep freed blocks cached until release_cached_memory()
    if (cudaMemPoolSetAttribute(pool_, cudaMemPoolAttrReleaseThreshold, &keep) != cudaSuccess) {
      (void)cudaGetLastError();
    }
  }

  int device_;
  memory::MemoryLedger* ledger_;
  std::optional<Bytes> byte_limit_;
  std::string name_;
  std::string device_name_;
  cuda::CudaContext context_;
  cudaMemPool_t pool_ = nullptr;
  std::atomic<Bytes> allocated_{0};
  std::mutex scratch_mutex_;
  void* scratch_data_ = nullptr;
  std::atomic<Bytes> scratch_bytes_{0};
  memory::LedgerEntry scratch_entry_;
};

}  // namespace

int cuda_device_count() {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    (void)cudaGetLastError();
    return 0;
  }
  return count;
}

std::string cuda_unavailable_reason() {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    (void)cudaGetLastError();
    // The runtime says "insufficient driver" also when there is no driver at all.
    const char* hint = status == cudaErrorInsufficientDriver ? " (no NVIDIA driver, or one older than this CUDA runtime)" : "";
    return std::string(cudaGetErrorName(status)) + ": " + cudaGetErrorString(status) + hint;
  }
  return count > 0 ? std::string() : std::string("the CUDA runtime sees no device");
}

std::unique_ptr<Backend> make_cuda_backend(const CudaBackendOptions& options) {
  return std::make_unique<CudaBackend>(options);
}

}  // namespace vidscope::backend
