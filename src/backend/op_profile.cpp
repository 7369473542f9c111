#include "backend/op_profile.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

namespace vidscope::backend {

void OpProfile::add(const std::string& label, double ms) {
  Entry& e = entries_[label];
  if (e.calls == 0) e.label = label;
  ++e.calls;
  e.ms += ms;
}

std::vector<OpProfile::Entry> OpProfile::entries() const {
  std::vector<Entry> out;
  out.reserve(entries_.size());
  for (const auto& [label, e] : entries_) out.push_back(e);
  std::stable_sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) { return a.ms > b.ms; });
  return out;
}

double OpProfile::total_ms() const {
  double total = 0;
  for (const auto& [label, e] : entries_) total += e.ms;
  return total;
}

std::string OpProfile::table(double per) const {
  const double total = total_ms();
  std::string out = fmt::format("  {:<26} {:>9} {:>11} {:>11} {:>6}\n", "op", "calls", "ms", "ms/call", "share");
  for (const Entry& e : entries()) {
    out += fmt::format("  {:<26} {:>9.1f} {:>11.3f} {:>11.4f} {:>5.1f}%\n", e.label, static_cast<double>(e.calls) / per,
                       e.ms / per, e.ms / static_cast<double>(e.calls), total > 0 ? 100.0 * e.ms / total : 0.0);
  }
  out += fmt::format("  {:<26} {:>9} {:>11.3f}\n", "total", "", total / per);
  return out;
}

namespace {

using Clock = std::chrono::steady_clock;

// Rows of x as the matmul paths tell them apart: decode batches one by one, prefill as one bucket.
std::string matmul_label(const TensorView& x, const TensorView& w) {
  const std::int64_t rows = x.rows();
  const std::string count = rows <= 16 ? fmt::format("x{}", rows) : std::string("x>16");
  return fmt::format("matmul {} {}", tensor::dtype_name(w.dtype), count);
}

class ProfilingBackend final : public Backend {
 public:
  ProfilingBackend(std::unique_ptr<Backend> inner, OpProfile& profile) : inner_(std::move(inner)), profile_(profile) {}

  std::string name() const override { return inner_->name(); }
  std::string device() const override { return inner_->device(); }
  bool is_host() const override { return inner_->is_host(); }
  DeviceMemory memory() const override { return inner_->memory(); }
  Bytes allocated_bytes() const override { return inner_->allocated_bytes(); }
  std::unique_ptr<Buffer> allocate(Bytes bytes, std::string_view owner, memory::Purpose purpose) override {
    return inner_->allocate(bytes, owner, purpose);
  }
  void upload(const void* host, Bytes bytes, const Buffer& dst, Bytes offset) override {
    timed("upload", [&] { inner_->upload(host, bytes, dst, offset); });
  }
  void download(const Buffer& src, Bytes offset, Bytes bytes, void* host) override {
    timed("download", [&] { inner_->download(src, offset, bytes, host); });
  }
  void synchronize() override { inner_->synchronize(); }
  void release_cached_memory() override { inner_->release_cached_memory(); }
  bool supports_weights(DType dtype) const override { return inner_->supports_weights(dtype); }

  void matmul(const TensorView& x, const TensorView& w, const TensorView* bias, const TensorView& y) override {
    if (!profile_.enabled) return inner_->matmul(x, w, bias, y);
    timed(matmul_label(x, w), [&] { inner_->matmul(x, w, bias, y); });
  }
  void rms_norm(const TensorView& x, const TensorView& weight, float eps, const TensorView& y) override {
    timed("rms_norm", [&] { inner_->rms_norm(x, weight, eps, y); });
  }
  void add_rms_norm(const TensorView& x, const TensorView& delta, const TensorView& weight, float eps,
                    const TensorView& y) override {
    timed("add_rms_norm", [&] { inner_->add_rms_norm(x, delta, weight, eps, y); });
  }
  void layer_norm(const TensorView& x, const TensorView& weight, const TensorView& bias, float eps,
                  const TensorView& y) override {
    timed("layer_norm", [&] { inner_->layer_norm(x, weight, bias, eps, y); });
  }
  void softmax(const TensorView& x, const TensorView& y) override {
    timed("softmax", [&] { inner_->softmax(x, y); });
  }
  void unary(UnaryOp op, const TensorView& x, const TensorView& y) override {
    timed(tensor::unary_op_name(op), [&] { inner_->unary(op, x, y); });
  }
  void swiglu(const TensorView& gate, const TensorView& up, const TensorView& y) override {
    timed("swiglu", [&] { inner_->swiglu(gate, up, y); });
  }
  void binary(BinaryOp op, const TensorView& a, const TensorView& b, const TensorView& y) override {
    timed(tensor::binary_op_name(op), [&] { inner_->binary(op, a, b, y); });
  }
  void rope(const TensorView& x, const TensorView& cos, const TensorView& sin, std::int64_t heads, std::int64_t head_dim,
            const TensorView& y) override {
    timed("rope", [&] { inner_->rope(x, cos, sin, heads, head_dim, y); });
  }
  void attention(const TensorView& q, const TensorView& k, const TensorView& v, const AttentionParams& params,
                 const TensorView& out) override {
    timed("attention", [&] { inner_->attention(q, k, v, params, out); });
  }
  void attention_batch(std::span<const AttentionCall> calls) override {
    timed("attention_batch", [&] { inner_->attention_batch(calls); });
  }
  void copy(const TensorView& src, const TensorView& dst) override {
    timed("copy", [&] { inner_->copy(src, dst); });
  }
  void greedy_tokens(const TensorView& logits, std::span<const std::span<const std::int32_t>> penalized, float penalty,
                     std::span<std::int32_t> out) override {
    timed("greedy_tokens", [&] { inner_->greedy_tokens(logits, penalized, penalty, out); });
  }
  void copy_batch(std::span<const CopyCall> calls) override {
    timed("copy_batch", [&] { inner_->copy_batch(calls); });
  }

 private:
  // The inner backend's own fused or batched ops call its own methods, not these: each op of the
  // caller is timed once, under its own label.
  template <typename Label, typename Fn>
  void timed(const Label& label, Fn&& fn) {
    if (!profile_.enabled) {
      fn();
      return;
    }
    const auto start = Clock::now();
    fn();
    if (profile_.synchronize_each) inner_->synchronize();
    profile_.add(std::string(label), std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }

  std::unique_ptr<Backend> inner_;
  OpProfile& profile_;
};

}  // namespace

std::unique_ptr<Backend> make_profiling_backend(std::unique_ptr<Backend> inner, OpProfile& profile) {
  return std::make_unique<ProfilingBackend>(std::move(inner), profile);
}

}  // namespace vidscope::backend
